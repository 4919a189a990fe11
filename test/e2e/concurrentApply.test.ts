// Two `vmbackup apply` processes started together on one vault, twenty times over one emulator world: one holds
// the vault's lock, the other says another apply is running and exits 1 (or, with --wait-lock, waits for it and
// finds nothing left to do). No VM ever gets a second ConfigureBackup job, and no lock is left behind.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { openTarget } from '../../provider/azure/index.js';
import { BIN, cliEnv, DAILY_1000, requireBuild, specText, type CliResult } from './harness.js';

const SUB = '5c0e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a';
const VAULT = { resourceGroup: 'rg-backup', name: 'vault-a' };
const RUNS = 20;
const vmName = (run: number) => `vm-${String(run).padStart(2, '0')}`;

const FLEET = `subscriptionId: ${SUB}
vaults:
  - { name: ${VAULT.name}, resourceGroup: ${VAULT.resourceGroup}, location: westeurope }
vms:
${Array.from({ length: RUNS }, (_, i) => `  - { name: ${vmName(i)}, resourceGroup: rg-app, location: westeurope, os: Linux, image: "Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest" }`).join('\n')}
`;

/** Run `run` declares the VMs of the runs so far, so each pair has one new VM to protect. */
const spec = (run: number) =>
  specText(
    `policies:
${DAILY_1000}protect:
  - name: app
    policy: daily-1000
    vms:
${Array.from({ length: run + 1 }, (_, i) => `      - { resourceGroup: rg-app, name: ${vmName(i)} }`).join('\n')}
`,
    { subscriptionId: SUB, vault: VAULT },
  );

let dir: string;
let emulator: RunningEmulator;

interface Running {
  readonly pid: number;
  readonly result: Promise<CliResult>;
  /** Resolves once the process has met the other apply's lock (it says so), or has exited. */
  readonly metLock: Promise<void>;
}

/** `vmbackup apply` in its own process; the pair shares one runtime directory, as two shells of one user do. */
function apply(file: string, extra: readonly string[]): Running {
  const args = [BIN, 'apply', '-f', file, '--yes', ...extra, '--endpoint', emulator.endpoint, '--state', 'state'];
  const child = spawn(process.execPath, args, { cwd: dir, env: { ...cliEnv(), XDG_RUNTIME_DIR: join(dir, 'runtime') } });
  let stdout = '';
  let stderr = '';
  let met!: () => void;
  const metLock = new Promise<void>((done) => (met = done));
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.includes('another apply on vault')) met();
  });
  const result = new Promise<CliResult>((done) => child.on('exit', (code) => done({ code: code ?? -1, stdout, stderr })));
  void result.then(met);
  return { pid: child.pid!, result, metLock };
}

const LOCKS = () => join(dir, 'runtime', 'vmbackup', 'locks');

/** The pid in the vault's lock file as soon as one apply has taken it; undefined if both end first. */
async function lockHolderPid(ended: () => boolean): Promise<number | undefined> {
  while (!ended()) {
    const files = await readdir(LOCKS()).catch(() => []);
    const lock = files.find((f) => f.endsWith('.lock'));
    const text = lock ? await readFile(join(LOCKS(), lock), 'utf8').catch(() => '') : '';
    if (text) return (JSON.parse(text) as { pid: number }).pid;
    await sleep(5);
  }
  return undefined;
}

/**
 * Starts two applies together. However the machine schedules them, the pair overlaps: the one that takes the
 * lock is frozen (SIGSTOP) until the other has met it, then goes on.
 */
async function applyPair(file: string, extra: readonly string[]): Promise<CliResult[]> {
  const both = [apply(file, extra), apply(file, extra)];
  let ended = false;
  const results = Promise.all(both.map((r) => r.result)).finally(() => (ended = true));
  const holder = await lockHolderPid(() => ended);
  const other = both.some((r) => r.pid === holder) ? both.find((r) => r.pid !== holder) : undefined;
  if (holder !== undefined && other) {
    process.kill(holder, 'SIGSTOP');
    try {
      await other.metLock;
    } finally {
      process.kill(holder, 'SIGCONT');
    }
  }
  return results;
}

beforeAll(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), 'vmbackup-concurrent-'));
  await writeFile(join(dir, 'fleet.yaml'), FLEET);
  await mkdir(join(dir, 'runtime'), { mode: 0o700 });
  emulator = await startEmulator({ stateDir: join(dir, 'state'), fleetFile: join(dir, 'fleet.yaml'), profile: 'modern', retryAfterSeconds: 0, operationDelayMs: 150 });
});

afterAll(async () => {
  await emulator?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('two applies at once on one vault', () => {
  const pairs: { run: number; waited: boolean; results: CliResult[] }[] = [];

  beforeAll(async () => {
    for (let run = 0; run < RUNS; run++) {
      const file = `spec-${run}.yaml`;
      await writeFile(join(dir, file), spec(run));
      // Even runs refuse at once; odd runs wait for the lock.
      const waited = run % 2 === 1;
      const extra = waited ? ['--wait-lock', '2m'] : [];
      pairs.push({ run, waited, results: await applyPair(file, extra) });
    }
  }, 600_000);

  it('without --wait-lock: one applies, the other says another apply is running and exits 1', () => {
    for (const { run, results } of pairs.filter((p) => !p.waited)) {
      const refused = results.filter((r) => r.code === 1);
      expect(refused, `run ${run}: ${results.map((r) => r.stderr).join('\n')}`).toHaveLength(1);
      expect(refused[0].stderr).toMatch(/^another apply on vault rg-backup\/vault-a is running since \S+ \(pid \d+ on \S+\); nothing was applied\./);
      expect(refused[0].stdout).toBe('');
      const ran = results.find((r) => r !== refused[0])!;
      expect(ran.code, ran.stderr).toBe(0);
      expect(ran.stdout).toMatch(new RegExp(`done +protect rg-app/${vmName(run)} protected with daily-1000`));
    }
  });

  it('with --wait-lock: one applies, the other waits for it and finds nothing left to do', () => {
    for (const { run, results } of pairs.filter((p) => p.waited)) {
      for (const r of results) expect(r.code, `run ${run}: ${r.stderr}`).toBe(0);
      const waiter = results.filter((r) => /waiting for it, at most 2m/.test(r.stderr));
      expect(waiter, `run ${run}`).toHaveLength(1);
      expect(waiter[0].stdout).toMatch(/No changes: the vault matches the spec\./);
      expect(results.find((r) => r !== waiter[0])!.stdout).toMatch(new RegExp(`done +protect rg-app/${vmName(run)} protected with daily-1000`));
    }
  });

  it('gives every VM one ConfigureBackup job, and leaves no lock behind', async () => {
    const target = await openTarget({ kind: 'emulator', endpoint: emulator.endpoint, stateDir: join(dir, 'state'), subscriptionId: SUB });
    try {
      const jobs = new Map<string, number>();
      for await (const job of target.clients.backup.backupJobs.list(VAULT.name, VAULT.resourceGroup)) {
        if (job.properties?.operation !== 'ConfigureBackup') continue;
        const vm = job.properties.entityFriendlyName ?? '?';
        jobs.set(vm, (jobs.get(vm) ?? 0) + 1);
      }
      expect(Object.fromEntries(jobs)).toEqual(Object.fromEntries(Array.from({ length: RUNS }, (_, i) => [vmName(i), 1])));
    } finally {
      await target.close();
    }
    expect(await readdir(LOCKS())).toEqual([]);
  });
});
