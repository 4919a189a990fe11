// The README's first command: `vmbackup demo` on a fresh working directory plans, applies, shows the dashboard and
// drift, and its second apply has nothing to do; run again, it still has nothing to do.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBuild, runCli, type CliResult } from './harness.js';

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
  });

  it('ends with a second apply that has nothing to do', () => {
    const last = first.stdout.slice(first.stdout.lastIndexOf('== vmbackup apply'));
    expect(last).toMatch(/Plan: 0 to apply, 6 blocked\./);
    expect(last).not.toMatch(/^Apply: /m);
  });

  it('run again over the same state, it plans nothing to apply from the start', async () => {
    const again = await runCli(['demo'], dir);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.slice(0, again.stdout.indexOf('== vmbackup apply'))).toMatch(/Plan: 0 to apply, 6 blocked\./);
  });
});
