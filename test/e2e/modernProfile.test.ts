// Today's Azure (the emulator's modern profile) end to end: an enhanced hourly policy and long-term retention,
// beyond the classic limits, are planned without register actions (protect registers implicitly), applied,
// read back without drift, and the hourly policy yields several backups a day.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import type { DriftReport, ObservedJob, Plan } from '../../provider/core/index.js';
import { DEMO_FLEET, requireBuild, runCli, specText, type CliResult } from './harness.js';

const SPEC = specText(`policies:
  - name: hourly-4h
    schedule: { frequency: Hourly, intervalHours: 4, windowStart: "08:00", windowHours: 12, timeZone: UTC }
    retention: { daily: 90 }
    instantRestoreDays: 7
  - name: weekly-long-term
    schedule: { frequency: Weekly, days: [Sunday], time: "02:00", timeZone: UTC }
    retention:
      weekly: { count: 12, days: [Sunday] }
      monthly: { count: 12, weeks: [First], days: [Sunday] }
      yearly: { count: 3, months: [January], weeks: [First], days: [Sunday] }
protect:
  - name: web
    policy: hourly-4h
    vms: [{ resourceGroup: rg-web, name: web-01 }]
  - name: api
    policy: weekly-long-term
    vms: [{ resourceGroup: rg-app, name: app-01 }]
`);

let dir: string;
let emulator: RunningEmulator;

function cli(...args: string[]): Promise<CliResult> {
  // validate takes no target; the emulator's clock takes only its state directory.
  const target = args[0] === 'validate' ? [] : args[0] === 'emulator' ? ['--state', 'state'] : ['--endpoint', emulator.endpoint, '--state', 'state'];
  return runCli([...args, ...target], dir);
}

beforeAll(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), 'vmbackup-modern-'));
  await writeFile(join(dir, 'spec.yaml'), SPEC);
  emulator = await startEmulator({ stateDir: join(dir, 'state'), fleetFile: DEMO_FLEET, profile: 'modern', retryAfterSeconds: 0, operationDelayMs: 20 });
});

afterAll(async () => {
  await emulator?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the modern profile', () => {
  it('accepts what classic refuses: hourly schedules and long-term retention', async () => {
    const classic = await cli('validate', '-f', 'spec.yaml', '--profile', 'classic');
    expect(classic.code).toBe(1);
    expect(classic.stderr).toMatch(/spec\.yaml:7:\d+: error: .*at most one backup a day/);
    expect(classic.stderr).toMatch(/spec\.yaml:8:\d+: error: .*90/);
    expect((await cli('validate', '-f', 'spec.yaml', '--profile', 'modern')).code).toBe(0);
  });

  it('plans policies and protections, with no register action: protect registers implicitly', async () => {
    const plan = await cli('plan', '-f', 'spec.yaml', '--out', 'plan.json');
    expect(plan.code, plan.stderr).toBe(2);
    const saved = JSON.parse(await readFile(join(dir, 'plan.json'), 'utf8')) as Plan;
    expect(saved.actions.map((a) => `${a.kind} ${a.target.vmName ?? a.target.policyName}`)).toEqual([
      'createPolicy hourly-4h',
      'createPolicy weekly-long-term',
      'protect app-01',
      'protect web-01',
    ]);
  });

  it('applies, then reads the enhanced and long-term policies back exactly: no plan, no drift', async () => {
    const apply = await cli('apply', '-f', 'spec.yaml', '--plan', 'plan.json', '--yes');
    expect(apply.code, apply.stderr).toBe(0);
    expect((await cli('plan', '-f', 'spec.yaml')).code).toBe(0);
    const drift = await cli('drift', '-f', 'spec.yaml', '--format', 'json');
    expect(drift.code, drift.stdout).toBe(0);
    expect((JSON.parse(drift.stdout) as DriftReport).checked.policies.map((p) => p.name)).toEqual(['hourly-4h', 'weekly-long-term']);
  });

  it('the hourly policy backs the VM up several times a day, within its window', async () => {
    // 36 hours hold a whole 08:00-20:00 window (08:00, 12:00, 16:00) whatever the time of day the test starts at;
    // 24 hours from just before 08:00 hold only two of its backups.
    expect((await cli('emulator', 'clock', 'advance', '36h')).code).toBe(0);
    const jobs = JSON.parse((await cli('jobs', '-f', 'spec.yaml', '--status', 'Completed', '--since', '36h', '--format', 'json')).stdout) as ObservedJob[];
    const backups = jobs.filter((j) => j.operation === 'Backup' && j.vmName === 'web-01');
    expect(backups.length).toBeGreaterThanOrEqual(3);
    for (const j of backups) {
      const hour = new Date(j.startTime).getUTCHours();
      expect(hour, j.startTime).toBeGreaterThanOrEqual(8);
      expect(hour, j.startTime).toBeLessThan(20);
    }
    expect((await cli('drift', '-f', 'spec.yaml')).code).toBe(0);
  });
});
