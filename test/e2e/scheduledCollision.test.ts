// A scheduled backup and `vmbackup apply` at the same minute. The scheduled run starts first; apply's
// stop-protection and policy change find the items busy and are refused with Azure's 409
// UserErrorBackupOperationInProgress, wait for the backups to end, then converge. Every VM ends with one
// Backup job for the run and no two jobs of one VM ever overlap.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import type { ObservedJob } from '../../provider/core/index.js';
import { raw } from '../emulator/helpers.js';
import { DAILY_1000, DEMO_FLEET, requireBuild, runCli, specText, startCli, WEB_AND_API_RULES } from './harness.js';

const MINUTE = 60_000;
const VMS = ['web-01', 'web-02', 'app-01'] as const;

const PROTECTED = specText(`policies:
${DAILY_1000}  - name: daily-2200
    schedule: { frequency: Daily, time: "22:00", timeZone: UTC }
    retention: { daily: 30 }
${WEB_AND_API_RULES}`);

/** web-01 moves to another policy, web-02's protection stops (data retained), app-01 stays as it is. */
const CHANGED = PROTECTED.replace(
  'vms: [{ resourceGroup: rg-web, name: web-01 }, { resourceGroup: rg-web, name: web-02 }]',
  'vms: [{ resourceGroup: rg-web, name: web-01 }]',
)
  .replace('  - name: web\n    policy: daily-1000', '  - name: web\n    policy: daily-2200')
  .concat('stopProtection:\n  - vm: { resourceGroup: rg-web, name: web-02 }\n');

let dir: string;
let emulator: RunningEmulator;

const target = () => ['--endpoint', emulator.endpoint, '--state', 'state'];

async function advance(ms: number): Promise<void> {
  expect((await raw(emulator, 'POST', '/admin/clock/advance', { duration: `${Math.ceil(ms / 1000)}s` })).status).toBe(200);
}

async function clockMs(): Promise<number> {
  return Date.parse((await raw(emulator, 'GET', '/admin/clock')).body.now);
}

beforeAll(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), 'vmbackup-collision-'));
  await writeFile(join(dir, 'protected.yaml'), PROTECTED);
  await writeFile(join(dir, 'changed.yaml'), CHANGED);
  emulator = await startEmulator({ stateDir: join(dir, 'state'), fleetFile: DEMO_FLEET, profile: 'modern', retryAfterSeconds: 0, operationDelayMs: 20 });
  const first = await runCli(['apply', '-f', 'protected.yaml', '--yes', ...target()], dir);
  expect(first.code, first.stdout + first.stderr).toBe(0);
});

afterAll(async () => {
  await emulator?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a scheduled backup and apply at the same minute', () => {
  let run: number;
  let applyOutput = '';
  let applyCode: number | null = null;

  beforeAll(async () => {
    // Land one minute into the next 10:00 UTC run: every VM's scheduled Backup job is running.
    const now = await clockMs();
    const today = Math.floor(now / 86_400_000) * 86_400_000 + 10 * 60 * MINUTE;
    run = today > now ? today : today + 86_400_000;
    await advance(run + MINUTE - now);

    const { child, output } = await startCli(['apply', '-f', 'changed.yaml', '--yes', ...target()], dir, /retry\s.*UserErrorBackupOperationInProgress/);
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    // Refused while the backups run: once they end (at most 20 minutes), apply's retry goes through.
    await advance(30 * MINUTE);
    applyCode = await exited;
    applyOutput = output();
  });

  it('refuses the write with Azure\'s code and retries it until the backup has ended', () => {
    expect(applyOutput).toMatch(/retry\s+\S+ rg-web\/web-0[12] UserErrorBackupOperationInProgress: /);
    expect(applyCode, applyOutput).toBe(0);
    expect(applyOutput).toMatch(/Apply: 2 applied/);
  });

  it('converges: a second apply has nothing to do', async () => {
    const again = await runCli(['apply', '-f', 'changed.yaml', '--yes', ...target()], dir);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/No changes: the vault matches the spec./);
    expect((await runCli(['plan', '-f', 'changed.yaml', ...target()], dir)).code).toBe(0);
  });

  it('gives every VM one Backup job for the run and never two jobs at a time', async () => {
    const res = await runCli(['jobs', '-f', 'changed.yaml', '--since', '48h', '--format', 'json', ...target()], dir);
    expect(res.code, res.stderr).toBe(0);
    const jobs = JSON.parse(res.stdout) as ObservedJob[];
    for (const vm of VMS) {
      const mine = jobs.filter((j) => j.vmName === vm).sort((a, b) => a.startTime.localeCompare(b.startTime));
      const backups = mine.filter((j) => j.operation === 'Backup');
      expect(backups.map((j) => [j.status, Date.parse(j.startTime)]), vm).toEqual([['Completed', run]]);
      for (let i = 1; i < mine.length; i++) {
        expect(Date.parse(mine[i].startTime), `${vm}: ${mine[i].operation} starts before ${mine[i - 1].operation} ends`).toBeGreaterThanOrEqual(Date.parse(mine[i - 1].endTime!));
      }
    }
    const after = (vm: string, operation: string) => jobs.find((j) => j.vmName === vm && j.operation === operation && Date.parse(j.startTime) > run);
    expect(after('web-02', 'DisableBackup')?.status).toBe('Completed');
    expect(after('web-01', 'ConfigureBackup')?.status).toBe('Completed');
  });
});
