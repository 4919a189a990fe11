// `vmbackup backup` end to end on the modern emulator: one on-demand backup job per VM, chosen by --vm or by a
// rule, in the one-vault and the estate form; job ids that `vmbackup jobs` finds; recovery points kept until
// --retain-until; and every refusal (a retention out of Azure's range, an unprotected VM or a stopped protection,
// the classic profile, another operation on the VM) made before anything is triggered, or answered with Azure's
// code and our remedy.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { openTarget, type Target } from '../../provider/azure/index.js';
import { vmContainerName, vmProtectedItemName, type ObservedJob } from '../../provider/core/index.js';
import { DAILY_1000, DEMO_FLEET, DEMO_SUBSCRIPTION, DEMO_VAULT, requireBuild, runCli, specText, WEB_AND_API_RULES, type CliResult } from './harness.js';

const SPEC = specText(`policies:
${DAILY_1000}${WEB_AND_API_RULES}`);

const VAULT = (rg: string, name: string) => `{ subscriptionId: ${DEMO_SUBSCRIPTION}, resourceGroup: ${rg}, name: ${name} }`;
const ESTATE = `apiVersion: vmbackup/v1
scope:
  subscriptions: [${DEMO_SUBSCRIPTION}]
vaults:
  - ${VAULT('rg-backup', 'vault-weu')}
  - ${VAULT('rg-backup-ne', 'vault-neu')}
policies:
${DAILY_1000}protect:
  - name: front
    policy: daily-1000
    vms: [{ resourceGroup: rg-web, name: web-01 }, { resourceGroup: rg-web-ne, name: web-ne-01 }]
`;

const JOB_ID = /job ([0-9a-f-]{36})/g;

let dir: string;
let emulator: RunningEmulator;
let target: Target;

function cli(...args: string[]): Promise<CliResult> {
  return runCli([...args, '--endpoint', emulator.endpoint, '--state', 'state'], dir);
}

async function jobs(): Promise<ObservedJob[]> {
  const out = await cli('jobs', '-f', 'spec.yaml', '--format', 'json');
  expect(out.code, out.stderr).toBe(0);
  return JSON.parse(out.stdout) as ObservedJob[];
}

const backupJobs = async () => (await jobs()).filter((j) => j.operation === 'Backup');

/** A date `days` from now, as --retain-until takes it. */
function dateIn(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

beforeAll(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), 'vmbackup-backup-now-'));
  await writeFile(join(dir, 'spec.yaml'), SPEC);
  await writeFile(join(dir, 'estate.yaml'), ESTATE);
  emulator = await startEmulator({ stateDir: join(dir, 'state'), fleetFile: DEMO_FLEET, profile: 'modern', retryAfterSeconds: 0, operationDelayMs: 20 });
  target = await openTarget({ endpoint: emulator.endpoint, stateDir: join(dir, 'state') });
  const apply = await cli('apply', '-f', 'spec.yaml', '--yes');
  expect(apply.code, apply.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await target?.close();
  await emulator?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('vmbackup backup', () => {
  it('backs up two VMs with --wait: a job each, printed, found by `jobs`, and recovery points kept until --retain-until', async () => {
    const day = dateIn(45);
    const run = await cli('backup', '-f', 'spec.yaml', '--vm', 'rg-web/web-01', '--vm', 'rg-app/app-01', '--retain-until', day, '--wait');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Started\s+rg-web\/web-01 in vault rg-backup\/vault-weu: job /);
    expect(run.stdout).toMatch(/Completed\s+rg-app\/app-01 in vault rg-backup\/vault-weu: job /);
    expect(run.stdout).toContain(`2 backups completed; recovery points kept until ${day}T23:59:59.000Z.`);
    const ids = [...new Set([...run.stdout.matchAll(JOB_ID)].map((m) => m[1]))];
    expect(ids).toHaveLength(2);

    const listed = await backupJobs();
    for (const id of ids) expect(listed.find((j) => j.name === id)?.status, id).toBe('Completed');
    expect(listed.filter((j) => ids.includes(j.name)).map((j) => j.vmName).sort()).toEqual(['app-01', 'web-01']);

    for (const [rg, vm] of [['rg-web', 'web-01'], ['rg-app', 'app-01']]) {
      const points = [];
      for await (const p of target.clients.backup.recoveryPoints.list(DEMO_VAULT.name, DEMO_VAULT.resourceGroup, 'Azure', vmContainerName(rg, vm), vmProtectedItemName(rg, vm))) points.push(p);
      expect(points, vm).toHaveLength(1);
      expect((points[0].properties as { recoveryPointProperties?: { expiryTime?: string } }).recoveryPointProperties?.expiryTime).toBe(`${day}T23:59:59.000Z`);
    }
  }, 120_000);

  it('refuses a retention outside Azure\'s range for on-demand backups, triggering nothing', async () => {
    const before = (await backupJobs()).length;
    const retains = ['2h', dateIn(-1), '2200-01-01'];
    const runs = await Promise.all(retains.map((retain) => cli('backup', '-f', 'spec.yaml', '--vm', 'rg-web/web-02', '--retain-until', retain)));
    runs.forEach((run, i) => {
      expect(run.code, retains[i]).toBe(1);
      expect(run.stderr, retains[i]).toMatch(/out of range: Azure keeps an on-demand backup from 1 day to 99 years; give a time from .*Nothing was triggered/);
    });
    expect((await backupJobs()).length).toBe(before);
  }, 120_000);

  it('refuses a VM the spec does not protect, naming it with the remedy, and backs up none of the others', async () => {
    const before = (await backupJobs()).length;
    const run = await cli('backup', '-f', 'spec.yaml', '--vm', 'rg-web/web-02', '--vm', 'rg-dev/dev-01', '--vm', 'rg-nowhere/ghost-01');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('only protected VMs can be backed up; nothing was triggered');
    expect(run.stderr).toContain('rg-dev/dev-01: it is not protected: declare it in a rule of spec.yaml and run `vmbackup apply -f spec.yaml`, then back it up');
    expect(run.stderr).toMatch(/rg-nowhere\/ghost-01: no such VM/);
    expect((await backupJobs()).length).toBe(before);
  }, 120_000);

  it('--rule backs up the VMs the rule declares', async () => {
    const run = await cli('backup', '-f', 'spec.yaml', '--rule', 'web', '--wait', '--format', 'json');
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as { retainUntil: string | null; backups: { vmName: string; jobId: string; status: string }[] };
    expect(doc.retainUntil).toBeNull();
    expect(doc.backups.map((b) => `${b.vmName} ${b.status}`).sort()).toEqual(['web-01 Completed', 'web-02 Completed']);
    const listed = await backupJobs();
    for (const b of doc.backups) expect(listed.map((j) => `${j.name} ${j.startTime}`).join('\n')).toContain(b.jobId);

    const unknown = await cli('backup', '-f', 'spec.yaml', '--rule', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('spec.yaml declares no rule "nope": give one of web, api');
  }, 120_000);

  it('the estate form backs each VM up in the vault that protects it', async () => {
    const apply = await cli('apply', '-f', 'estate.yaml', '--yes');
    expect(apply.code, apply.stderr).toBe(0);
    const run = await cli('backup', '-f', 'estate.yaml', '--rule', 'front', '--retain-until', '60d', '--wait', '--format', 'json');
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as { retainUntil: string; backups: { vmName: string; vault: { name: string }; status: string }[] };
    expect(doc.backups.map((b) => `${b.vmName} ${b.vault.name} ${b.status}`).sort()).toEqual(['web-01 vault-weu Completed', 'web-ne-01 vault-neu Completed']);
    expect(Date.parse(doc.retainUntil) - Date.now()).toBeGreaterThan(59 * 86_400_000);

    const byVm = await cli('backup', '-f', 'estate.yaml', '--vm', 'rg-web-ne/web-ne-01', '--wait');
    expect(byVm.code, byVm.stderr).toBe(0);
    expect(byVm.stdout).toMatch(/Completed\s+rg-web-ne\/web-ne-01 in vault rg-backup-ne\/vault-neu: job /);
  }, 120_000);

  it('refuses a VM whose protection is stopped, with the remedy that fits the spec', async () => {
    const stopped = specText(`policies:
${DAILY_1000}protect:
  - name: web
    policy: daily-1000
    vms: [{ resourceGroup: rg-web, name: web-01 }]
stopProtection:
  - vm: { resourceGroup: rg-web, name: web-02 }
`);
    await writeFile(join(dir, 'stopped.yaml'), stopped);
    const apply = await cli('apply', '-f', 'stopped.yaml', '--yes');
    expect(apply.code, apply.stderr).toBe(0);
    const before = (await backupJobs()).length;
    const undeclared = await cli('backup', '-f', 'stopped.yaml', '--vm', 'rg-web/web-02');
    expect(undeclared.code).toBe(1);
    expect(undeclared.stderr).toContain(
      'rg-web/web-02: its protection in vault rg-backup/vault-weu is stopped (its data is retained): declare it in a rule of stopped.yaml and run `vmbackup apply -f stopped.yaml`, then back it up',
    );
    const declared = await cli('backup', '-f', 'spec.yaml', '--rule', 'web');
    expect(declared.code).toBe(1);
    expect(declared.stderr).toContain('rg-web/web-02: its protection in vault rg-backup/vault-weu is stopped (its data is retained): spec.yaml declares it: run `vmbackup apply -f spec.yaml`');
    expect((await backupJobs()).length).toBe(before);
  }, 120_000);

  it('a VM with an operation in progress gets Azure\'s code and the remedy; the other VMs are backed up', async () => {
    // A second emulator over the same world whose operations last minutes: the first backup is still running.
    const slow = await startEmulator({ stateDir: join(dir, 'state'), retryAfterSeconds: 0, operationDelayMs: 10 * 60_000 });
    try {
      const first = await runCli(['backup', '-f', 'spec.yaml', '--vm', 'rg-web/web-01', '--endpoint', slow.endpoint, '--state', 'state'], dir);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain('1 backup job started');
    } finally {
      await slow.close();
    }
    const second = await cli('backup', '-f', 'spec.yaml', '--vm', 'rg-web/web-01', '--vm', 'rg-app/app-01', '--wait');
    expect(second.code).toBe(1);
    expect(second.stdout).toMatch(/Failed\s+rg-web\/web-01 in vault rg-backup\/vault-weu\n\s+UserErrorBackupOperationInProgress: /);
    expect(second.stdout).toContain('Remedy: Another operation or backup runs on this VM: wait for it to end (`vmbackup jobs -f spec.yaml --status InProgress`)');
    expect(second.stdout).toMatch(/Completed\s+rg-app\/app-01/);
    expect(second.stdout).toContain('1 of 2 backups failed');
  }, 120_000);
});

describe('vmbackup backup on the classic profile', () => {
  it('refuses with the guide\'s words and triggers nothing', async () => {
    const classic = await mkdtemp(join(tmpdir(), 'vmbackup-backup-classic-'));
    try {
      await writeFile(join(classic, 'spec.yaml'), SPEC);
      const run = await runCli(['backup', '-f', 'spec.yaml', '--vm', 'rg-web/web-01', '--state', 'state', '--fleet', DEMO_FLEET], classic);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('the classic profile is Azure Backup\'s 2015 preview');
      expect(run.stderr).toContain('at most one backup a day, with no backup on demand; nothing was triggered');
      const listed = await runCli(['jobs', '-f', 'spec.yaml', '--state', 'state'], classic);
      expect(listed.stdout).toContain('No jobs in this window.');
    } finally {
      await rm(classic, { recursive: true, force: true });
    }
  });
});
