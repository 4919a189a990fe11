// A VM whose protection was stopped with its data deleted stays soft-deleted for 14 days; declaring it again
// undeletes it, then resumes it with the declared policy: the plan shows both steps, apply converges, drift is clean.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import type { Plan } from '../../provider/core/index.js';
import { DAILY_1000, DEMO_FLEET, DEMO_SUBSCRIPTION, DEMO_VAULT, requireBuild, runCli, specText, type CliResult } from './harness.js';

const PROTECT = specText(`policies:\n${DAILY_1000}protect:\n  - name: web\n    policy: daily-1000\n    vms: [{ resourceGroup: rg-web, name: web-01 }]\n`, {
  subscriptionId: DEMO_SUBSCRIPTION,
  vault: DEMO_VAULT,
});
const DELETE = specText(`policies:\n${DAILY_1000}stopProtection:\n  - vm: { resourceGroup: rg-web, name: web-01 }\n    retainData: false\n`, {
  subscriptionId: DEMO_SUBSCRIPTION,
  vault: DEMO_VAULT,
});

describe('a soft-deleted protection declared again', () => {
  let dir: string;
  let emulator: RunningEmulator;
  const cli = (...args: string[]): Promise<CliResult> => runCli([...args, '--endpoint', emulator.endpoint, '--state', 'state'], dir);

  beforeAll(async () => {
    requireBuild();
    dir = await mkdtemp(join(tmpdir(), 'vmbackup-undelete-'));
    emulator = await startEmulator({ stateDir: join(dir, 'state'), fleetFile: DEMO_FLEET, retryAfterSeconds: 0, operationDelayMs: 20 });
    await writeFile(join(dir, 'protect.yaml'), PROTECT);
    await writeFile(join(dir, 'delete.yaml'), DELETE);
  }, 60_000);
  afterAll(async () => {
    await emulator?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is undeleted, then resumed with its policy, and drifts clean', async () => {
    expect((await cli('apply', '-f', 'protect.yaml', '--yes')).code).toBe(0);
    const deleted = await cli('apply', '-f', 'delete.yaml', '--yes', '--allow-data-deletion');
    expect(deleted.code, deleted.stderr).toBe(0);

    const plan = await cli('plan', '-f', 'protect.yaml', '--format', 'json');
    expect(plan.code, plan.stderr).toBe(2);
    const actions = (JSON.parse(plan.stdout) as Plan).actions.map((a) => [a.kind, a.blockedBy.length, a.dependsOn]);
    expect(actions).toEqual([
      ['undelete', 0, []],
      ['protect', 0, [expect.stringMatching(/^undelete:/)]],
    ]);
    const text = await cli('plan', '-f', 'protect.yaml');
    expect(text.stdout).toMatch(/\+ undelete\s+VM rg-web\/web-01 \(soft-deleted backup data brought back\)/);

    const apply = await cli('apply', '-f', 'protect.yaml', '--yes');
    expect(apply.code, `${apply.stdout}\n${apply.stderr}`).toBe(0);
    expect(apply.stdout).toMatch(/done\s+undelete rg-web\/web-01/);
    expect(apply.stdout).toMatch(/done\s+protect rg-web\/web-01/);

    const drift = await cli('drift', '-f', 'protect.yaml');
    expect(drift.code, drift.stdout).toBe(0);
    const again = await cli('plan', '-f', 'protect.yaml');
    expect(again.code).toBe(0);
  }, 180_000);
});
