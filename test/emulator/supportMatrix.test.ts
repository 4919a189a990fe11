// The emulator follows the support table of its profile (facts/vm-backup-support.json), driven through the
// official SDK: today's Azure protects what the guide's preview refused, and asks an Enhanced policy of
// Trusted Launch VMs and of Premium SSD v2 and Ultra disks, with no way back to a Standard policy.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { containerOf, discover, itemOf, policyIdOf, protect, specProblems, startTestEmulator, SUB, vmId, WEU, type TestEmulator } from './helpers.js';

const FLEET = {
  subscriptionId: SUB,
  vaults: [{ name: WEU.name, resourceGroup: WEU.resourceGroup, location: 'westeurope' }],
  vms: [
    { name: 'premium-01', resourceGroup: 'rg-app', location: 'westeurope', os: 'Windows', storageSku: 'Premium_LRS', dataDisks: 8 },
    { name: 'net-01', resourceGroup: 'rg-app', location: 'westeurope', os: 'Linux', nics: 3, loadBalancer: 'lb-app', agentVersion: '2.2.53' },
    { name: 'off-01', resourceGroup: 'rg-app', location: 'westeurope', os: 'Linux', powerState: 'deallocated', agentVersion: null },
    { name: 'big-01', resourceGroup: 'rg-app', location: 'westeurope', os: 'Linux', dataDisks: 33 },
    { name: 'tl-01', resourceGroup: 'rg-secure', location: 'westeurope', os: 'Windows', securityType: 'TrustedLaunch' },
    { name: 'v2disk-01', resourceGroup: 'rg-data', location: 'westeurope', os: 'Linux', dataDisks: 2, dataDiskSku: 'PremiumV2_LRS' },
  ],
};

const ENHANCED_DAILY = {
  backupManagementType: 'AzureIaasVM',
  policyType: 'V2',
  timeZone: 'UTC',
  instantRpRetentionRangeInDays: 7,
  schedulePolicy: { schedulePolicyType: 'SimpleSchedulePolicyV2', scheduleRunFrequency: 'Daily', dailySchedule: { scheduleRunTimes: ['2024-01-01T10:00:00Z'] } },
  retentionPolicy: {
    retentionPolicyType: 'LongTermRetentionPolicy',
    dailySchedule: { retentionTimes: ['2024-01-01T10:00:00Z'], retentionDuration: { count: 30, durationType: 'Days' } },
  },
};

/** PUT of the protected item, answered synchronously when a request-time check refuses it. */
function putItem(em: TestEmulator, rg: string, name: string, policy: string) {
  return em.clients.backup.protectedItems.createOrUpdate(WEU.name, WEU.resourceGroup, 'Azure', containerOf(rg, name), itemOf(rg, name), {
    properties: { protectedItemType: 'Microsoft.Compute/virtualMachines', sourceResourceId: vmId(rg, name), policyId: policyIdOf(WEU, policy) } as any,
  });
}

describe('modern profile', () => {
  let em: TestEmulator;
  beforeAll(async () => {
    em = await startTestEmulator({ fleet: FLEET, profile: 'modern' });
    await discover(em);
    await em.clients.backup.protectionPolicies.createOrUpdate(WEU.name, WEU.resourceGroup, 'enhanced-daily', { properties: ENHANCED_DAILY as any });
  });
  afterAll(async () => {
    await em.dispose();
    expect(specProblems).toEqual([]);
  });

  test.each([
    { reason: 'Premium SSD with 8 data disks', rg: 'rg-app', name: 'premium-01' },
    { reason: 'three NICs behind a load balancer, Linux agent 2.2.53', rg: 'rg-app', name: 'net-01' },
    { reason: 'deallocated, its agent silent', rg: 'rg-app', name: 'off-01' },
  ])('protects a VM the guide refused: $reason', async ({ rg, name }) => {
    const final = await protect(em, rg, name);
    expect(final.status, JSON.stringify(final.error)).toBe('Succeeded');
  });

  test('33 data disks are more than the 32 Azure Backup protects', async () => {
    await expect(putItem(em, 'rg-app', 'big-01', 'DefaultPolicy')).rejects.toMatchObject({ statusCode: 400, code: 'UserErrorUnsupportedDiskCount' });
  });

  test.each([
    { reason: 'a Trusted Launch VM', rg: 'rg-secure', name: 'tl-01', why: /TrustedLaunch/ },
    { reason: 'a VM with Premium SSD v2 disks', rg: 'rg-data', name: 'v2disk-01', why: /PremiumV2_LRS/ },
  ])('$reason needs an Enhanced policy: refused on a Standard one, protected on an Enhanced one', async ({ rg, name, why }) => {
    const err = await putItem(em, rg, name, 'DefaultPolicy').then(
      () => undefined,
      (e: any) => e,
    );
    expect([err?.statusCode, err?.code]).toEqual([400, 'UserErrorEnhancedPolicyRequired']);
    expect(err.message).toMatch(why);
    expect((await protect(em, rg, name, 'enhanced-daily')).status).toBe('Succeeded');
  });

  test('a VM on an Enhanced policy cannot move to a Standard one, and stays where it was', async () => {
    await expect(putItem(em, 'rg-secure', 'tl-01', 'DefaultPolicy')).rejects.toMatchObject({ statusCode: 400, code: 'UserErrorPolicyTypeChangeNotAllowed' });
    const item = await em.clients.backup.protectedItems.get(WEU.name, WEU.resourceGroup, 'Azure', containerOf('rg-secure', 'tl-01'), itemOf('rg-secure', 'tl-01'));
    expect((item.properties as any).policyName).toBe('enhanced-daily');
  });

  test('a Standard VM may migrate to an Enhanced policy', async () => {
    expect((await protect(em, 'rg-app', 'premium-01', 'enhanced-daily')).status).toBe('Succeeded');
  });
});

describe('classic profile over the same fleet', () => {
  let em: TestEmulator;
  beforeAll(async () => {
    em = await startTestEmulator({ fleet: FLEET, profile: 'classic' });
    await discover(em);
  });
  afterAll(() => em.dispose());

  function registerVm(rg: string, name: string) {
    return em.clients.backup.protectionContainers.beginRegisterAndWait(WEU.name, WEU.resourceGroup, 'Azure', containerOf(rg, name), {
      properties: { containerType: 'Microsoft.Compute/virtualMachines', backupManagementType: 'AzureIaasVM', friendlyName: name, virtualMachineId: vmId(rg, name) } as any,
    });
  }

  test('a deallocated VM is refused at once, as the guide says', async () => {
    await expect(registerVm('rg-app', 'off-01')).rejects.toMatchObject({ statusCode: 400, code: 'UserErrorVmNotInDesirableState' });
  });

  test('more than 5 data disks are refused at register', async () => {
    await expect(registerVm('rg-app', 'premium-01')).rejects.toMatchObject({ statusCode: 400, code: 'UserErrorUnsupportedDiskCount' });
  });
});
