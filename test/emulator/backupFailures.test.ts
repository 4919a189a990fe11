// The guide's backup failures as fleet attributes or switched on through the admin endpoints: each scheduled
// backup ends with Azure's code in its job and on its item, a VSS failure still gives a point (file-system
// consistent, the job completes with warnings), and a failed discovery answers its code where it is polled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerOf, itemOf, pollLocation, protect, raw, specProblems, startTestEmulator, SUB, WEU, type TestEmulator } from './helpers.js';

const vm = (name: string, os: 'Windows' | 'Linux', extra: Record<string, unknown> = {}) => ({ name, resourceGroup: 'rg-fail', location: 'westeurope', os, ...extra });

const FLEET = {
  subscriptionId: SUB,
  vaults: [{ name: WEU.name, resourceGroup: WEU.resourceGroup, location: 'westeurope' }],
  vms: [
    vm('snap-01', 'Windows', { backupFailure: 'snapshotTimeout' }),
    vm('net-01', 'Linux', { backupFailure: 'snapshotNoNetwork' }),
    vm('copy-01', 'Linux', { backupFailure: 'vhdCopyTimeout' }),
    vm('vss-01', 'Windows', { backupFailure: 'vssFailure' }),
    vm('agent-01', 'Windows'),
    vm('off-01', 'Windows', { backupFailure: 'snapshotTimeout' }),
    vm('fine-01', 'Linux'),
  ],
};

let em: TestEmulator;

const vmPath = (name: string) => `/admin/virtualMachines/rg-fail/${name}`;

async function lastBackupJob(vmName: string): Promise<any> {
  const jobs: any[] = [];
  for await (const j of em.clients.backup.backupJobs.list(WEU.name, WEU.resourceGroup, { filter: "operation eq 'Backup'" })) {
    if (j.properties?.entityFriendlyName === vmName) jobs.push(j.properties);
  }
  return jobs.sort((a, b) => new Date(b.startTime).getTime() - new Date(a.startTime).getTime())[0];
}

async function points(vmName: string): Promise<string[]> {
  const out: string[] = [];
  for await (const rp of em.clients.backup.recoveryPoints.list(WEU.name, WEU.resourceGroup, 'Azure', containerOf('rg-fail', vmName), itemOf('rg-fail', vmName))) {
    out.push((rp.properties as any).recoveryPointType);
  }
  return out;
}

beforeAll(async () => {
  em = await startTestEmulator({ fleet: FLEET, profile: 'modern' });
  for (const v of FLEET.vms) expect((await protect(em, 'rg-fail', v.name)).status).toBe('Succeeded');
  // The agent breaks after protection; off-01 is shut down, so its snapshot needs no agent.
  expect((await raw(em, 'PATCH', vmPath('agent-01'), { backupFailure: 'agentBroken' })).status).toBe(200);
  await em.clients.compute.virtualMachines.beginPowerOffAndWait('rg-fail', 'off-01', { updateIntervalInMs: 10 });
  // DefaultPolicy runs daily at 22:30 UTC: move to half an hour after its next run (backups take 10 to 20
  // minutes), whatever the time of day the test starts at.
  const now = Date.parse((await raw(em, 'GET', '/admin/clock')).body.now);
  let next = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate(), 22, 30);
  if (next <= now) next += 86_400_000;
  expect((await raw(em, 'POST', '/admin/clock/advance', { duration: `${Math.ceil((next - now) / 60_000) + 30}m` })).status).toBe(200);
});

afterAll(async () => {
  await em.dispose();
  expect(specProblems).toEqual([]);
});

describe('a scheduled backup of a VM with a failure', () => {
  it.each([
    { reason: 'snapshot timeout (the agent does not answer)', name: 'snap-01', code: 'GuestAgentSnapshotTaskStatusError', errorCode: 990007 },
    { reason: 'snapshot without network', name: 'net-01', code: 'ExtensionSnapshotFailedNoNetwork', errorCode: 990008 },
    { reason: 'copy to the vault timed out', name: 'copy-01', code: 'CopyingVHDsFromBackUpVaultTakingLongTime', errorCode: 990009 },
    { reason: 'agent broken after protection', name: 'agent-01', code: 'UserErrorGuestAgentStatusUnavailable', errorCode: 990003 },
  ])('$reason: the job fails with $code, no point, the item asks for action', async ({ name, code, errorCode }) => {
    const job = await lastBackupJob(name);
    expect(job.status).toBe('Failed');
    expect(job.errorDetails).toEqual([expect.objectContaining({ errorCode, errorString: code, recommendations: [expect.any(String)] })]);
    expect(await points(name)).toEqual([]);
    const item = (await em.clients.backup.protectedItems.get(WEU.name, WEU.resourceGroup, 'Azure', containerOf('rg-fail', name), itemOf('rg-fail', name))).properties as any;
    expect([item.healthStatus, item.lastBackupStatus, item.healthDetails?.[0]?.title]).toEqual(['ActionRequired', 'Failed', code]);
  });

  it('VSS failure: a file-system-consistent point, the job completes with the warning', async () => {
    const job = await lastBackupJob('vss-01');
    expect(job.status).toBe('CompletedWithWarnings');
    expect(job.errorDetails).toEqual([expect.objectContaining({ errorCode: 990010, errorString: 'ExtensionFailedVssWriterInBadState' })]);
    expect(await points('vss-01')).toEqual(['FileSystemConsistent']);
  });

  it('a VM that is shut down is backed up from its disks: crash consistent, no guest failure', async () => {
    expect((await lastBackupJob('off-01')).status).toBe('Completed');
    expect(await points('off-01')).toEqual(['CrashConsistent']);
  });

  it('a VM without failure backs up as usual', async () => {
    expect((await lastBackupJob('fine-01')).status).toBe('Completed');
    expect(await points('fine-01')).toEqual(['FileSystemConsistent']);
  });

  it('a broken agent shows Not Ready in the instance view', async () => {
    const view = await em.clients.compute.virtualMachines.instanceView('rg-fail', 'agent-01');
    expect(view.vmAgent?.statuses?.[0]).toMatchObject({ displayStatus: 'Not Ready', message: 'VM agent is unresponsive.' });
  });

  it('backs up again once the failure is cleared', async () => {
    expect((await raw(em, 'PATCH', vmPath('snap-01'), { backupFailure: null })).body).toEqual({ id: expect.stringContaining('/snap-01'), backupFailure: null });
    expect((await raw(em, 'POST', '/admin/clock/advance', { duration: '24h' })).status).toBe(200);
    expect((await lastBackupJob('snap-01')).status).toBe('Completed');
    expect(await points('snap-01')).toEqual(['AppConsistent']);
  });
});

describe('the admin endpoint for backup failures', () => {
  it.each([
    { reason: 'an unknown failure', path: vmPath('fine-01'), body: { backupFailure: 'meteor' }, status: 400 },
    { reason: 'a VSS failure on Linux', path: vmPath('fine-01'), body: { backupFailure: 'vssFailure' }, status: 400 },
    { reason: 'another setting', path: vmPath('fine-01'), body: { powerState: 'stopped' }, status: 400 },
    { reason: 'a VM that does not exist', path: vmPath('ghost-01'), body: { backupFailure: 'agentBroken' }, status: 404 },
    { reason: 'a discovery switch that is not a boolean', path: `/admin/vaults/${WEU.resourceGroup}/${WEU.name}`, body: { discoveryFailure: 'yes' }, status: 400 },
    { reason: 'a vault that does not exist', path: `/admin/vaults/${WEU.resourceGroup}/nowhere`, body: { discoveryFailure: true }, status: 404 },
  ])('refuses $reason', async ({ path, body, status }) => {
    expect((await raw(em, 'PATCH', path, body)).status).toBe(status);
  });
});

describe('a failed discovery', () => {
  const refresh = async () => {
    let location = '';
    await em.clients.backup.protectionContainers.refresh(WEU.name, WEU.resourceGroup, 'Azure', { onResponse: (r) => (location = r.headers.get('location') ?? '') });
    return pollLocation(em, location);
  };

  it("ends with the guide's internal error where its result is polled, until it is switched off", async () => {
    expect((await raw(em, 'PATCH', `/admin/vaults/${WEU.resourceGroup}/${WEU.name}`, { discoveryFailure: true })).status).toBe(200);
    const failed = await refresh();
    expect(failed.status).toBe(400);
    expect(failed.body.error.code).toBe('DiscoveryInternalError');
    expect(failed.body.error.message).toContain('Retry the discovery after 15 minutes.');
    expect((await raw(em, 'PATCH', `/admin/vaults/${WEU.resourceGroup}/${WEU.name}`, { discoveryFailure: false })).status).toBe(200);
    expect((await refresh()).status).toBe(204);
  });
});
