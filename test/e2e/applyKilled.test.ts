// An apply killed with SIGKILL in the middle of its work, embedded emulator and all, then run again:
// the world survives the crash and the second run converges without a second protection job for any VM.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTarget } from '../../provider/azure/index.js';
import { parseArmId } from '../../provider/core/index.js';
import { BIN, cliEnv, DAILY_1000, DEMO_FLEET, DEMO_SUBSCRIPTION as SUB, DEMO_VAULT as VAULT, requireBuild, specText } from './harness.js';

const VMS = ['rg-web/web-01', 'rg-web/web-02', 'rg-app/app-01', 'rg-app/app-02', 'rg-data/db-01', 'rg-dev/dev-01'];

const SPEC = specText(`policies:
${DAILY_1000}protect:
  - name: all
    policy: daily-1000
    vms:
${VMS.map((v) => `      - { resourceGroup: ${v.split('/')[0]}, name: ${v.split('/')[1]} }`).join('\n')}
`);

let dir: string;

interface ApplyRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  events: { event: string; phase?: string; kind?: string; vmName?: string; applied?: number; operationsIssued?: number }[];
  stderr: string;
}

/**
 * Runs `vmbackup apply` on the embedded emulator over `state`; with `stopAfter`, sends `signal` once that many
 * protections are in flight.
 */
function apply(state: string, stopAfter?: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<ApplyRun> {
  const child = spawn(process.execPath, [BIN, 'apply', '-f', 'spec.yaml', '--yes', '--format', 'json', '--concurrency', '2', '--state', state, '--fleet', DEMO_FLEET], {
    cwd: dir,
    env: cliEnv(),
  });
  const events: ApplyRun['events'] = [];
  let stderr = '';
  let buffered = '';
  let protecting = 0;
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines.filter(Boolean)) {
      const e = JSON.parse(line) as ApplyRun['events'][number];
      events.push(e);
      if (e.kind === 'protect' && e.phase === 'protecting') protecting += 1;
      // The protect PUT goes out right after its event: give it a moment to reach the emulator, then stop.
      if (stopAfter !== undefined && protecting === stopAfter) setTimeout(() => child.kill(signal), 150);
    }
  });
  return new Promise((done) => child.on('exit', (code, signal) => done({ code, signal, events, stderr })));
}

beforeAll(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), 'vmbackup-killed-'));
  await writeFile(join(dir, 'spec.yaml'), SPEC);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Every declared VM is protected, and each has exactly one ConfigureBackup job: nothing was done twice. */
async function expectOneProtectionPerVm(state: string): Promise<void> {
  const target = await openTarget({ kind: 'emulator', stateDir: join(dir, state), subscriptionId: SUB });
  try {
    const protectedVms = new Set<string>();
    for await (const item of target.clients.backup.backupProtectedItems.list(VAULT.name, VAULT.resourceGroup)) {
      const p = item.properties as { sourceResourceId?: string; protectionState?: string };
      expect(p.protectionState).not.toBe('ProtectionStopped');
      const id = parseArmId(p.sourceResourceId ?? '');
      protectedVms.add(`${id.resourcegroups}/${id.virtualmachines}`);
    }
    expect([...protectedVms].sort()).toEqual([...VMS].sort());

    const configureJobs = new Map<string, number>();
    for await (const job of target.clients.backup.backupJobs.list(VAULT.name, VAULT.resourceGroup)) {
      if (job.properties?.operation !== 'ConfigureBackup') continue;
      const vm = job.properties.entityFriendlyName ?? '?';
      configureJobs.set(vm, (configureJobs.get(vm) ?? 0) + 1);
    }
    for (const vm of VMS.map((v) => v.split('/')[1])) expect(configureJobs.get(vm), `ConfigureBackup jobs of ${vm}`).toBe(1);
  } finally {
    await target.close();
  }
}

describe('apply stopped mid-way', () => {
  it('killed, embedded emulator and all, converges on the next run with exactly one ConfigureBackup job per VM', async () => {
    const killed = await apply('state', 2);
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const finished = killed.events.filter((e) => e.kind === 'protect' && e.phase === 'done').length;
    expect(finished, 'the crash came before every protection finished').toBeLessThan(VMS.length);

    const rerun = await apply('state');
    expect(rerun.code, rerun.stderr).toBe(0);
    const summary = rerun.events.at(-1)!;
    expect(summary.event).toBe('summary');

    await expectOneProtectionPerVm('state');

    const third = await apply('state');
    expect(third.code).toBe(0);
    expect(third.events).toEqual([expect.objectContaining({ event: 'summary', applied: 0 })]);
  });

  it('interrupted with Ctrl+C, stops, says how to finish, and the next run converges without doing anything twice', async () => {
    const interrupted = await apply('state-int', 2, 'SIGINT');
    expect(interrupted.code).toBe(1);
    expect(interrupted.stderr).toMatch(/Interrupt received/);
    expect(interrupted.stderr).toMatch(/apply was interrupted: \d+ actions? not finished.*run `vmbackup apply -f spec\.yaml` again/s);
    expect(interrupted.events.at(-1)?.event).toBe('summary');
    // What was in flight reads as interrupted, not failed, as the summary counts it.
    const summary = interrupted.events.at(-1) as unknown as { actions: { status: string }[] };
    expect(interrupted.events.filter((e) => e.phase === 'failed')).toEqual([]);
    expect(summary.actions.filter((a) => a.status === 'failed')).toEqual([]);
    const inFlight = interrupted.events.filter((e) => e.phase === 'interrupted').length;
    expect(inFlight).toBeGreaterThan(0);
    expect(summary.actions.filter((a) => a.status === 'cancelled').length).toBeGreaterThanOrEqual(inFlight);

    const rerun = await apply('state-int');
    expect(rerun.code, rerun.stderr).toBe(0);
    await expectOneProtectionPerVm('state-int');
  });
});
