// One test per failure mode of the guide, each answered with Azure Backup's code (ERROR-CODES.md or
// the emulator's own, listed in emulator/README.md).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  captureResponse,
  containerOf,
  discover,
  itemOf,
  pollStatus,
  policyIdOf,
  protect,
  raw,
  register,
  specProblems,
  startTestEmulator,
  SUB,
  vmId,
  WEU,
  type TestEmulator,
} from './helpers.js';

let em: TestEmulator;

beforeAll(async () => {
  em = await startTestEmulator();
  await discover(em);
});
afterAll(async () => {
  await em.dispose();
  expect(specProblems).toEqual([]);
});

function installExtension(rg: string, name: string, os: 'Windows' | 'Linux') {
  const type = os === 'Windows' ? 'VMSnapshot' : 'VMSnapshotLinux';
  return em.clients.compute.virtualMachineExtensions.beginCreateOrUpdateAndWait(
    rg,
    name,
    type,
    { location: 'westeurope', publisher: 'Microsoft.Azure.RecoveryServices', typePropertiesType: type, typeHandlerVersion: '1.0', autoUpgradeMinorVersion: true },
    { updateIntervalInMs: 10 },
  );
}

function registerContainer(rg: string, name: string) {
  return em.clients.backup.protectionContainers.beginRegisterAndWait(
    WEU.name,
    WEU.resourceGroup,
    'Azure',
    containerOf(rg, name),
    { properties: { containerType: 'Microsoft.Compute/virtualMachines', backupManagementType: 'AzureIaasVM', friendlyName: name, virtualMachineId: vmId(rg, name) } as any },
    { updateIntervalInMs: 10 },
  );
}

async function lastJob(operation: string, vmName: string): Promise<any> {
  for await (const j of em.clients.backup.backupJobs.list(WEU.name, WEU.resourceGroup, { filter: `operation eq '${operation}'` })) {
    if (j.properties?.entityFriendlyName === vmName) return j;
  }
  throw new Error(`no ${operation} job for ${vmName}`);
}

describe('extension install (Compute)', () => {
  test.each([
    { reason: 'VM deallocated: answered at once', rg: 'rg-batch', name: 'batch-01', os: 'Linux' as const, status: 400, code: 'AzureVmOffline' },
    { reason: 'VM stopped: answered at once', rg: 'rg-batch', name: 'batch-02', os: 'Windows' as const, status: 400, code: 'AzureVmOffline' },
    { reason: 'no VM agent: the install operation fails', rg: 'rg-legacy', name: 'legacy-01', os: 'Windows' as const, code: 'UserErrorGuestAgentStatusUnavailable' },
    { reason: 'agent older than 2.6.1198.718: the install fails', rg: 'rg-legacy', name: 'legacy-02', os: 'Windows' as const, code: 'UserErrorGuestAgentStatusUnavailable' },
    { reason: 'unsupported OS: the install times out', rg: 'rg-legacy', name: 'bsd-01', os: 'Linux' as const, code: 'VMExtensionProvisioningTimeout' },
  ])('$reason -> $code', async ({ rg, name, os, status, code }) => {
    const err = await installExtension(rg, name, os).then(
      () => undefined,
      (e: any) => e,
    );
    expect(err).toBeDefined();
    if (status) expect([err.statusCode, err.code]).toEqual([status, code]);
    else {
      // A failed LRO: the SDK's poller reports "The long-running operation has failed. CODE. message".
      expect(err.message).toContain(`failed. ${code}.`);
      const ext = await em.clients.compute.virtualMachineExtensions.get(rg, name, os === 'Windows' ? 'VMSnapshot' : 'VMSnapshotLinux');
      expect(ext.provisioningState).toBe('Failed');
    }
  });
});

describe('register (classic)', () => {
  test.each([
    { reason: 'VM not running', rg: 'rg-batch', name: 'batch-01', code: 'UserErrorVmNotInDesirableState' },
    { reason: 'agent missing', rg: 'rg-legacy', name: 'legacy-01', code: 'UserErrorGuestAgentStatusUnavailable' },
    { reason: 'agent outdated', rg: 'rg-legacy', name: 'legacy-02', code: 'UserErrorGuestAgentStatusUnavailable' },
    { reason: 'more than 5 data disks', rg: 'rg-data', name: 'bigdata-01', code: 'UserErrorUnsupportedDiskCount' },
    { reason: 'backup extension not installed', rg: 'rg-ops', name: 'ops-01', code: 'UserErrorBackupExtensionNotInstalled' },
    { reason: 'VM in another region than the vault', rg: 'rg-web-ne', name: 'web-ne-01', code: 'UserErrorVmInDifferentRegion' },
    { reason: 'VM that does not exist', rg: 'rg-web', name: 'ghost-01', code: 'BCMV2VMNotFound' },
  ])('$reason -> 400 $code', async ({ rg, name, code }) => {
    await expect(registerContainer(rg, name)).rejects.toMatchObject({ statusCode: 400, code });
  });

  test.each([
    { reason: 'Premium LRS storage', rg: 'rg-app', name: 'premium-01', os: 'Windows' as const },
    { reason: 'several NICs', rg: 'rg-net', name: 'multinic-01', os: 'Linux' as const },
    { reason: 'load balancer', rg: 'rg-web', name: 'lb-01', os: 'Linux' as const },
  ])('$reason: the register LRO ends in the internal error BackUpOperationFailedV2 and a failed Register job', async ({ rg, name, os }) => {
    await installExtension(rg, name, os);
    await expect(registerContainer(rg, name)).rejects.toMatchObject({ code: 'BackUpOperationFailedV2' });
    const job = await lastJob('Register', name);
    expect(job.properties.status).toBe('Failed');
    expect(job.properties.errorDetails[0]).toEqual({
      errorCode: 990001,
      errorString: 'BackUpOperationFailedV2',
      errorTitle: expect.any(String),
      recommendations: [expect.stringMatching(/retry the operation in a few minutes/)],
    });
  });
});

describe('protect', () => {
  test('classic: protecting an unregistered VM -> 400 UserErrorVmNotRegistered', async () => {
    await expect(protect(em, 'rg-web', 'web-02')).rejects.toMatchObject({ statusCode: 400, code: 'UserErrorVmNotRegistered' });
  });
  test('a VM powered off after registration -> 400 UserErrorVmNotInDesirableState', async () => {
    await register(em, 'rg-dev', 'dev-02', 'Windows');
    await em.clients.compute.virtualMachines.beginPowerOffAndWait('rg-dev', 'dev-02', { updateIntervalInMs: 10 });
    await expect(protect(em, 'rg-dev', 'dev-02')).rejects.toMatchObject({ statusCode: 400, code: 'UserErrorVmNotInDesirableState' });
    await em.clients.compute.virtualMachines.beginStartAndWait('rg-dev', 'dev-02', { updateIntervalInMs: 10 });
    expect((await protect(em, 'rg-dev', 'dev-02')).status).toBe('Succeeded');
  });
  test('a policy that does not exist -> 400 UserErrorPolicyNotFound', async () => {
    await register(em, 'rg-web', 'web-01', 'Windows');
    await expect(protect(em, 'rg-web', 'web-01', 'no-such-policy')).rejects.toMatchObject({ statusCode: 400, code: 'UserErrorPolicyNotFound' });
  });
  test('a second operation on the same VM -> 409 UserErrorBackupOperationInProgress', async () => {
    const body = { properties: { protectedItemType: 'Microsoft.Compute/virtualMachines', sourceResourceId: vmId('rg-web', 'web-01'), policyId: policyIdOf(WEU, 'DefaultPolicy') } as any };
    const put = (on: TestEmulator, opts = {}) =>
      on.clients.backup.protectedItems.createOrUpdate(WEU.name, WEU.resourceGroup, 'Azure', containerOf('rg-web', 'web-01'), itemOf('rg-web', 'web-01'), body, opts);
    // The 409 needs the first operation still running when the second arrives, however slow the machine: a world
    // whose operations last a minute (modern, so protect registers implicitly and needs no earlier operation).
    const slow = await startTestEmulator({ profile: 'modern', operationDelayMs: 60_000 });
    try {
      await put(slow);
      await expect(put(slow)).rejects.toMatchObject({ statusCode: 409, code: 'UserErrorBackupOperationInProgress' });
    } finally {
      await slow.dispose();
    }
    // The shared world keeps web-01 protected for the tests below.
    const first = captureResponse();
    await put(em, { onResponse: first.onResponse });
    expect((await pollStatus(em, first.header('azure-asyncoperation'))).status).toBe('Succeeded');
  });
  test('one policy per VM: a VM protected by one vault cannot be protected by another -> 400 VirtualMachineAlreadyProtected', async () => {
    const res = await raw(
      em,
      'PUT',
      `/subscriptions/${SUB}/resourceGroups/rg-backup-ne/providers/Microsoft.RecoveryServices/vaults/vault-neu/backupFabrics/Azure/protectionContainers/${containerOf('rg-web', 'web-01')}/protectedItems/${itemOf('rg-web', 'web-01')}?api-version=2023-06-01`,
      { properties: { protectedItemType: 'Microsoft.Compute/virtualMachines', sourceResourceId: vmId('rg-web', 'web-01'), policyId: policyIdOf({ resourceGroup: 'rg-backup-ne', name: 'vault-neu' }, 'DefaultPolicy') } },
    );
    expect([res.status, res.body.error.code]).toEqual([400, 'VirtualMachineAlreadyProtected']);
  });
  test('on-demand backup of an item whose protection is stopped -> 400 UserErrorItemNotProtected', async () => {
    await register(em, 'rg-app', 'app-02', 'Linux');
    await protect(em, 'rg-app', 'app-02');
    const stop = captureResponse();
    await em.clients.backup.protectedItems.createOrUpdate(
      WEU.name,
      WEU.resourceGroup,
      'Azure',
      containerOf('rg-app', 'app-02'),
      itemOf('rg-app', 'app-02'),
      { properties: { protectedItemType: 'Microsoft.Compute/virtualMachines', protectionState: 'ProtectionStopped' } as any },
      { onResponse: stop.onResponse },
    );
    await pollStatus(em, stop.header('azure-asyncoperation'));
    await expect(
      em.clients.backup.backups.trigger(WEU.name, WEU.resourceGroup, 'Azure', containerOf('rg-app', 'app-02'), itemOf('rg-app', 'app-02'), {
        properties: { objectType: 'IaasVMBackupRequest' } as any,
      }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'UserErrorItemNotProtected' });
  });
});

describe('discovery', () => {
  test('a second discovery while one runs -> 409 UserErrorDiscoveryInProgress', async () => {
    // A world whose discovery lasts a minute, so the second one always finds the first running.
    const slow = await startTestEmulator({ operationDelayMs: 60_000 });
    try {
      await slow.clients.backup.protectionContainers.refresh(WEU.name, WEU.resourceGroup, 'Azure');
      await expect(slow.clients.backup.protectionContainers.refresh(WEU.name, WEU.resourceGroup, 'Azure')).rejects.toMatchObject({
        statusCode: 409,
        code: 'UserErrorDiscoveryInProgress',
      });
    } finally {
      await slow.dispose();
    }
  });
});

describe('policy limits (classic)', () => {
  const base = {
    backupManagementType: 'AzureIaasVM',
    timeZone: 'UTC',
    instantRpRetentionRangeInDays: 2,
  };
  test.each([
    {
      reason: 'hourly schedule: more than one backup a day',
      code: 'BMSUserErrorInvalidPolicyInput',
      says: /at most one backup a day/,
      props: {
        ...base,
        policyType: 'V2',
        schedulePolicy: {
          schedulePolicyType: 'SimpleSchedulePolicyV2',
          scheduleRunFrequency: 'Hourly',
          hourlySchedule: { interval: 4, scheduleWindowStartTime: '2024-01-01T08:00:00Z', scheduleWindowDuration: 16 },
        },
        retentionPolicy: { retentionPolicyType: 'LongTermRetentionPolicy', dailySchedule: { retentionTimes: ['2024-01-01T08:00:00Z'], retentionDuration: { count: 7, durationType: 'Days' } } },
      },
    },
    {
      reason: 'retention over 30 days',
      code: 'BMSUserErrorInvalidPolicyInput',
      says: /dailySchedule retention of 31 days is outside 1 to 30 days, the classic profile's range/,
      props: {
        ...base,
        schedulePolicy: { schedulePolicyType: 'SimpleSchedulePolicy', scheduleRunFrequency: 'Daily', scheduleRunTimes: ['2024-01-01T08:00:00Z'] },
        retentionPolicy: { retentionPolicyType: 'LongTermRetentionPolicy', dailySchedule: { retentionTimes: ['2024-01-01T08:00:00Z'], retentionDuration: { count: 31, durationType: 'Days' } } },
      },
    },
    {
      reason: 'weekly retention of 5 weeks (35 days)',
      code: 'BMSUserErrorInvalidPolicyInput',
      says: /weeklySchedule retention of 5 weeks is outside 1 to 4 weeks/,
      props: {
        ...base,
        schedulePolicy: { schedulePolicyType: 'SimpleSchedulePolicy', scheduleRunFrequency: 'Weekly', scheduleRunDays: ['Sunday'], scheduleRunTimes: ['2024-01-01T08:00:00Z'] },
        retentionPolicy: {
          retentionPolicyType: 'LongTermRetentionPolicy',
          weeklySchedule: { daysOfTheWeek: ['Sunday'], retentionTimes: ['2024-01-01T08:00:00Z'], retentionDuration: { count: 5, durationType: 'Weeks' } },
        },
      },
    },
    {
      reason: 'a time zone the emulator does not know',
      code: 'UserErrorInvalidTimeZone',
      says: /Mars Standard Time/,
      props: {
        ...base,
        timeZone: 'Mars Standard Time',
        schedulePolicy: { schedulePolicyType: 'SimpleSchedulePolicy', scheduleRunFrequency: 'Daily', scheduleRunTimes: ['2024-01-01T08:00:00Z'] },
        retentionPolicy: { retentionPolicyType: 'LongTermRetentionPolicy', dailySchedule: { retentionTimes: ['2024-01-01T08:00:00Z'], retentionDuration: { count: 7, durationType: 'Days' } } },
      },
    },
  ])('$reason -> 400 $code', async ({ props, code, says }) => {
    await expect(em.clients.backup.protectionPolicies.createOrUpdate(WEU.name, WEU.resourceGroup, 'too-much', { properties: props as any })).rejects.toMatchObject({
      statusCode: 400,
      code,
      message: expect.stringMatching(says),
    });
  });
});
