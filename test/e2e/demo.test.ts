// The README's first command: `vmbackup demo` on a fresh working directory plans, applies, shows the dashboard and
// drift, and its second apply has nothing to do; run again, it still has nothing to do.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBuild, ROOT, runCli, type CliResult } from './harness.js';

let dir: string;
let first: CliResult;

beforeAll(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), 'vmbackup-demo-'));
  first = await runCli(['demo'], dir);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('vmbackup demo', () => {
  it('runs plan, apply, the clock, dashboard and drift in order on the embedded emulator', () => {
    expect(first.code, first.stderr).toBe(0);
    const steps = [...first.stdout.matchAll(/^== vmbackup ([a-z]+(?: [a-z]+)*)/gm)].map((m) => m[1]);
    expect(steps).toEqual(['plan', 'apply', 'emulator clock advance', 'dashboard', 'drift', 'apply']);
    expect(first.stdout).toMatch(/Plan: 16 to apply, 6 blocked\./);
    expect(first.stdout).toMatch(/Apply: 16 applied, 0 already converged, 6 blocked, 0 failed/);
    expect(first.stdout).toMatch(/Drift: 3 findings \(3 declared but unprotected\)/);
    // The clock says what the scheduler did: a backup for each of the six daily VMs, and dev-01's weekly one on a Sunday.
    expect(first.stdout).toMatch(/^In 24h: ([67]) jobs started, \1 finished \(\1 Completed\), \1 recovery points made\.$/m);
  });

  it('applies showing the plan once: the plan step lists it, apply says in a line what it applies', () => {
    const apply = first.stdout.slice(first.stdout.indexOf('== vmbackup apply'), first.stdout.indexOf('== vmbackup emulator'));
    expect(apply).toMatch(/^Applying the plan to vault rg-backup\/vault-weu: 16 to apply, 6 blocked\.$/m);
    expect(apply).not.toMatch(/Plan for vault/);
  });

  it('ends with a second apply that has nothing to do', () => {
    const last = first.stdout.slice(first.stdout.lastIndexOf('== vmbackup apply'));
    expect(last).toMatch(/0 to apply, 6 blocked\./);
    expect(last).not.toMatch(/^Apply: /m);
  });

  it('run again over the same state, it plans nothing to apply from the start, and does not say its own fleet is ignored', async () => {
    const again = await runCli(['demo'], dir);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.slice(0, again.stdout.indexOf('== vmbackup apply'))).toMatch(/Plan: 0 to apply, 6 blocked\./);
    expect(again.stderr).not.toMatch(/ignored/);
    expect(first.stderr).not.toMatch(/ignored/);
  });

  it('npm run demo keeps its state under an ignored directory, out of the checkout', () => {
    const script = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.demo;
    const state = /--state (\S+)/.exec(script)?.[1];
    expect(state, script).toBeDefined();
    const ignored = readFileSync(join(ROOT, '.gitignore'), 'utf8').split('\n');
    expect(ignored).toContain(`${state!.split('/')[0]}/`);
    expect(state).not.toMatch(/^\.vmbackup/);
  });
});
