// Selective disk backup through the protected item PUT (extendedProperties.diskExclusionProperties), driven
// through the SDK with every answer validated against the REST specifications: OS disk only reads back as an
// inclusion list of no LUN (not as every disk), a LUN the VM lacks is refused, recovery points made
// afterwards list the disks they hold, and the classic profile (the guide's preview) refuses any selection.
import type { AzureIaaSVMProtectedItem, IaasVMRecoveryPoint } from '@azure/arm-recoveryservicesbackup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureResponse, containerOf, itemOf, pollStatus, policyIdOf, raw, register, specProblems, startTestEmulator, SUB, vmId, WEU, type TestEmulator } from './helpers.js';

const FLEET = {
  subscriptionId: SUB,
  vaults: [{ name: WEU.name, resourceGroup: WEU.resourceGroup, location: 'westeurope' }],
  vms: [
    { name: 'data-01', resourceGroup: 'rg-disks', location: 'westeurope', os: 'Linux', dataDisks: 3 },
    { name: 'data-02', resourceGroup: 'rg-disks', location: 'westeurope', os: 'Linux', dataDisks: 2 },
  ],
};

let em: TestEmulator;

async function put(name: string, diskExclusionProperties?: unknown, on = em): Promise<any> {
  const cap = captureResponse();
  const properties = {
    protectedItemType: 'Microsoft.Compute/virtualMachines',
    sourceResourceId: vmId('rg-disks', name),
    policyId: policyIdOf(WEU, 'DefaultPolicy'),
    ...(diskExclusionProperties !== undefined ? { extendedProperties: { diskExclusionProperties } } : {}),
  } as AzureIaaSVMProtectedItem;
  await on.clients.backup.protectedItems.createOrUpdate(WEU.name, WEU.resourceGroup, 'Azure', containerOf('rg-disks', name), itemOf('rg-disks', name), { properties }, { onResponse: cap.onResponse });
  return pollStatus(on, cap.header('azure-asyncoperation'));
}

async function extended(name: string): Promise<AzureIaaSVMProtectedItem['extendedProperties']> {
  const item = await em.clients.backup.protectedItems.get(WEU.name, WEU.resourceGroup, 'Azure', containerOf('rg-disks', name), itemOf('rg-disks', name));
  return (item.properties as AzureIaaSVMProtectedItem).extendedProperties;
}

async function newestPoint(name: string): Promise<IaasVMRecoveryPoint> {
  const points: IaasVMRecoveryPoint[] = [];
  for await (const rp of em.clients.backup.recoveryPoints.list(WEU.name, WEU.resourceGroup, 'Azure', containerOf('rg-disks', name), itemOf('rg-disks', name))) {
    points.push(rp.properties as IaasVMRecoveryPoint);
  }
  return points.sort((a, b) => new Date(b.recoveryPointTime!).getTime() - new Date(a.recoveryPointTime!).getTime())[0];
}

/** Moves the clock half an hour past DefaultPolicy's next run (daily, 22:30 UTC). */
async function pastNextBackup(): Promise<void> {
  const now = Date.parse((await raw(em, 'GET', '/admin/clock')).body.now);
  let next = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate(), 22, 30);
  if (next <= now) next += 86_400_000;
  expect((await raw(em, 'POST', '/admin/clock/advance', { duration: `${Math.ceil((next - now) / 60_000) + 30}m` })).status).toBe(200);
}

beforeAll(async () => {
  em = await startTestEmulator({ fleet: FLEET, profile: 'modern' });
});

afterAll(async () => {
  await em.dispose();
  expect(specProblems).toEqual([]);
});

describe('diskExclusionProperties on the protected item', () => {
  it('a new protection with OS disk only reads back as an inclusion list of no LUN', async () => {
    expect((await put('data-01', { diskLunList: [], isInclusionList: true })).status).toBe('Succeeded');
    expect(await extended('data-01')).toEqual({ diskExclusionProperties: { diskLunList: [], isInclusionList: true } });
  });

  it('a protection without a selection has no exclusion properties (every disk)', async () => {
    expect((await put('data-02')).status).toBe('Succeeded');
    expect(await extended('data-02')).toBeUndefined();
  });

  it('a PUT without extendedProperties keeps the selection; another selection replaces it', async () => {
    expect((await put('data-01')).status).toBe('Succeeded');
    expect(await extended('data-01')).toEqual({ diskExclusionProperties: { diskLunList: [], isInclusionList: true } });
    expect((await put('data-01', { diskLunList: [2, 0], isInclusionList: true })).status).toBe('Succeeded');
    expect(await extended('data-01')).toEqual({ diskExclusionProperties: { diskLunList: [0, 2], isInclusionList: true } });
  });

  it('an exclusion list of no LUN resets the selection to every disk', async () => {
    expect((await put('data-02', { diskLunList: [1], isInclusionList: false })).status).toBe('Succeeded');
    expect(await extended('data-02')).toEqual({ diskExclusionProperties: { diskLunList: [1], isInclusionList: false } });
    expect((await put('data-02', { diskLunList: [], isInclusionList: false })).status).toBe('Succeeded');
    expect(await extended('data-02')).toBeUndefined();
  });

  it('a LUN the VM has no data disk at is refused with UserErrorInvalidDiskLun, and the item keeps its selection', async () => {
    await expect(put('data-01', { diskLunList: [0, 7], isInclusionList: true })).rejects.toMatchObject({
      statusCode: 400,
      code: 'UserErrorInvalidDiskLun',
      message: expect.stringContaining('LUN 7'),
    });
    expect(await extended('data-01')).toEqual({ diskExclusionProperties: { diskLunList: [0, 2], isInclusionList: true } });
  });
});

describe('recovery points made with a selection', () => {
  it("list the OS disk (LUN -1) and the included data disks, and the excluded ones, as their jobs do; a point of every disk has no disk configuration", async () => {
    expect((await put('data-01', { diskLunList: [1], isInclusionList: false })).status).toBe('Succeeded');
    await pastNextBackup();
    const point = await newestPoint('data-01');
    expect(point.recoveryPointDiskConfiguration).toEqual({
      numberOfDisksIncludedInBackup: 3,
      numberOfDisksAttachedToVm: 4,
      includedDiskList: [
        { lun: -1, name: 'data-01_OsDisk' },
        { lun: 0, name: 'data-01_DataDisk_0' },
        { lun: 2, name: 'data-01_DataDisk_2' },
      ],
      excludedDiskList: [{ lun: 1, name: 'data-01_DataDisk_1' }],
    });
    expect((await newestPoint('data-02')).recoveryPointDiskConfiguration).toBeUndefined();
    const jobs: any[] = [];
    for await (const j of em.clients.backup.backupJobs.list(WEU.name, WEU.resourceGroup, { filter: "operation eq 'Backup'" })) jobs.push(j.properties);
    const bag = (vm: string) => jobs.find((j) => j.entityFriendlyName === vm)?.extendedInfo?.propertyBag;
    expect(bag('data-01')).toMatchObject({ 'Backed-up disk(s)': 'data-01_OsDisk; data-01_DataDisk_0; data-01_DataDisk_2', 'Excluded disk(s)': 'data-01_DataDisk_1' });
    expect(bag('data-02')).not.toHaveProperty('Excluded disk(s)');
  });
});

describe('the classic profile', () => {
  let classic: TestEmulator;
  beforeAll(async () => {
    classic = await startTestEmulator({ fleet: FLEET, profile: 'classic' });
    await register(classic, 'rg-disks', 'data-01', 'Linux');
  });
  afterAll(async () => {
    await classic.dispose();
  });

  it('refuses a selection with UserErrorSelectiveDiskBackupNotSupported before any job starts, and protects every disk without one', async () => {
    for (const selection of [{ diskLunList: [], isInclusionList: true }, { diskLunList: [1], isInclusionList: false }]) {
      await expect(put('data-01', selection, classic)).rejects.toMatchObject({
        statusCode: 400,
        code: 'UserErrorSelectiveDiskBackupNotSupported',
        message: expect.stringContaining('modern profile'),
      });
    }
    const jobs: unknown[] = [];
    for await (const j of classic.clients.backup.backupJobs.list(WEU.name, WEU.resourceGroup, { filter: "operation eq 'ConfigureBackup'" })) jobs.push(j);
    expect(jobs).toEqual([]);
    // Clearing a selection asks for every disk, which is all the classic profile backs up.
    expect((await put('data-01', { diskLunList: [], isInclusionList: false }, classic)).status).toBe('Succeeded');
    const item = await classic.clients.backup.protectedItems.get(WEU.name, WEU.resourceGroup, 'Azure', containerOf('rg-disks', 'data-01'), itemOf('rg-disks', 'data-01'));
    expect((item.properties as AzureIaaSVMProtectedItem).extendedProperties).toBeUndefined();
  });
});
