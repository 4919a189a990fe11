// A vault's safety settings through the official SDK clients: the storage config (redundancy, Cross Region
// Restore), the vault PATCH (immutability) and the rules Azure enforces on them. Every answer is checked against
// the REST specifications by the validation policy the clients carry.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { discover, NEU, operationsSeen, register, specProblems, startTestEmulator, WEU, type TestEmulator } from './helpers.js';

const OPERATIONS = [
  'backup:BackupResourceStorageConfigsNonCRR_Get',
  'backup:BackupResourceStorageConfigsNonCRR_Update',
  'backup:BackupResourceStorageConfigsNonCRR_patch',
  'vaults:Vaults_Update',
];

let em: TestEmulator;

beforeAll(async () => {
  em = await startTestEmulator();
  await discover(em);
  await register(em, 'rg-web', 'web-01', 'Windows');
});

afterAll(async () => {
  await em.dispose();
  expect(specProblems).toEqual([]);
  expect(OPERATIONS.filter((op) => !operationsSeen.has(op))).toEqual([]);
});

describe('storage config (backupstorageconfig/vaultstorageconfig)', () => {
  test('a new vault is geo-redundant without Cross Region Restore; an empty vault changes redundancy freely, and the vault shows it', async () => {
    const storage = em.clients.backup.backupResourceStorageConfigsNonCRR;
    const initial = await storage.get(NEU.name, NEU.resourceGroup);
    expect(initial.properties).toMatchObject({ storageModelType: 'GeoRedundant', crossRegionRestoreFlag: false, storageTypeState: 'Unlocked' });
    const local = await storage.update(NEU.name, NEU.resourceGroup, { properties: { storageModelType: 'LocallyRedundant' } });
    expect(local.properties?.storageModelType).toBe('LocallyRedundant');
    const vault = await em.clients.vaults.vaults.get(NEU.resourceGroup, NEU.name);
    expect(vault.properties?.redundancySettings).toEqual({ standardTierStorageRedundancy: 'LocallyRedundant', crossRegionRestore: 'Disabled' });
  });

  test('Cross Region Restore needs GeoRedundant storage; with it, PATCH turns it on', async () => {
    const storage = em.clients.backup.backupResourceStorageConfigsNonCRR;
    await expect(storage.patch(NEU.name, NEU.resourceGroup, { properties: { crossRegionRestoreFlag: true } })).rejects.toMatchObject({
      statusCode: 400,
      code: 'UserErrorCrossRegionRestoreNotSupported',
    });
    await storage.patch(NEU.name, NEU.resourceGroup, { properties: { storageModelType: 'GeoRedundant', crossRegionRestoreFlag: true } });
    const vault = await em.clients.vaults.vaults.get(NEU.resourceGroup, NEU.name);
    expect(vault.properties?.redundancySettings).toEqual({ standardTierStorageRedundancy: 'GeoRedundant', crossRegionRestore: 'Enabled' });
  });

  test('once a VM is registered, redundancy is locked, and Cross Region Restore once on stays on', async () => {
    const storage = em.clients.backup.backupResourceStorageConfigsNonCRR;
    expect((await storage.get(WEU.name, WEU.resourceGroup)).properties?.storageTypeState).toBe('Locked');
    await expect(storage.update(WEU.name, WEU.resourceGroup, { properties: { storageModelType: 'ZoneRedundant' } })).rejects.toMatchObject({
      statusCode: 400,
      code: 'StorageModelModifyError',
    });
    await storage.update(WEU.name, WEU.resourceGroup, { properties: { crossRegionRestoreFlag: true } });
    await expect(storage.update(WEU.name, WEU.resourceGroup, { properties: { crossRegionRestoreFlag: false } })).rejects.toMatchObject({
      code: 'StorageModelModifyError',
    });
    expect((await storage.get(WEU.name, WEU.resourceGroup)).properties).toMatchObject({ storageModelType: 'GeoRedundant', crossRegionRestoreFlag: true });
  });
});

describe('immutability (vault PATCH)', () => {
  test('Disabled, Unlocked and back are free; Locked is for good', async () => {
    const vaults = em.clients.vaults.vaults;
    const state = async () => (await vaults.get(NEU.resourceGroup, NEU.name)).properties?.securitySettings?.immutabilitySettings?.state;
    expect(await state()).toBe('Disabled');
    const patch = (s: string) => vaults.beginUpdateAndWait(NEU.resourceGroup, NEU.name, { properties: { securitySettings: { immutabilitySettings: { state: s } } } });
    expect((await patch('Unlocked')).properties?.securitySettings?.immutabilitySettings?.state).toBe('Unlocked');
    await patch('Disabled');
    expect(await state()).toBe('Disabled');
    await patch('Locked');
    for (const s of ['Unlocked', 'Disabled']) {
      await expect(patch(s)).rejects.toMatchObject({ statusCode: 400, code: 'UserErrorUnsupportedVaultImmutabilityStateChange' });
    }
    expect(await state()).toBe('Locked');
    await expect(patch('Sometimes')).rejects.toMatchObject({ statusCode: 400, code: 'InvalidRequestContent' });
  });
});
