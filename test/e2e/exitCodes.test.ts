// Exit codes tell the truth: 0 only when the vault matches the spec. A declared VM that pre-flight blocks (not
// running, missing, in another region) keeps plan at 2 and makes apply exit 1 with each blocked VM and its remedy.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAILY_1000, DEMO_FLEET, requireBuild, runCli, specText, type CliResult } from './harness.js';

const BLOCKED = specText(`policies:
${DAILY_1000}protect:
  - name: web
    policy: daily-1000
    vms:
      - { resourceGroup: rg-web, name: web-01 }
      - { resourceGroup: rg-batch, name: batch-01 }
      - { resourceGroup: rg-web, name: nope-01 }
      - { resourceGroup: rg-web-ne, name: web-ne-01 }
`);
const FIXED = specText(`policies:
${DAILY_1000}protect:
  - name: web
    policy: daily-1000
    vms:
      - { resourceGroup: rg-web, name: web-01 }
`);

let dir: string;
const cli = (...args: string[]): Promise<CliResult> => runCli([...args, '--state', 'state', '--fleet', DEMO_FLEET], dir);

beforeAll(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), 'vmbackup-exit-'));
  await writeFile(join(dir, 'blocked.yaml'), BLOCKED);
  await writeFile(join(dir, 'fixed.yaml'), FIXED);
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('exit codes', () => {
  it('plan exits 2 while declared VMs are blocked, before and after apply', async () => {
    expect((await cli('plan', '-f', 'blocked.yaml')).code).toBe(2);
  });

  it('apply protects what it can, then exits 1 naming each blocked VM, its finding and its remedy', async () => {
    const r = await cli('apply', '-f', 'blocked.yaml', '--yes');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/every action that could run has converged, but the vault does not match the spec: 3 declared items are blocked/);
    expect(r.stderr).toMatch(/rg-batch\/batch-01: VmNotRunning: .*\n {4}Remedy: Start the VM/);
    expect(r.stderr).toMatch(/nope-01.*VmNotFound/);
    expect(r.stderr).toMatch(/web-ne-01.*OtherRegion/);
    expect(r.stderr).not.toMatch(/ {4}at /);
    // web-01 was protected all the same; what remains is blocked, and plan still says so.
    expect((await cli('plan', '-f', 'blocked.yaml')).code).toBe(2);
    const again = await cli('apply', '-f', 'blocked.yaml', '--yes');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/nothing was left to apply, but the vault does not match the spec: 3 declared items are blocked/);
  });

  it('once the spec declares only what can be protected, plan and apply exit 0', async () => {
    expect((await cli('plan', '-f', 'fixed.yaml')).code).toBe(0);
    expect((await cli('apply', '-f', 'fixed.yaml', '--yes')).code).toBe(0);
  });
});
