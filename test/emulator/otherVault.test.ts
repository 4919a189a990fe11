// A VM belongs to one vault: what the other vaults of its region see of it, and how it leaves one for
// another (delete its data, let soft delete end, unregister its container), driven through the SDK with
// every response checked against the REST specifications.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TWO_VAULTS_FLEET, VAULT_A as A, VAULT_B as B } from '../e2e/harness.js';
import {
  captureResponse,
  containerOf,
  discover,
  itemOf,
  operationIdOf,
  operationsSeen,
  pollLocation,
  pollStatus,
  policyIdOf,
  protect,
  raw,
  register,
  specProblems,
  startTestEmulator,
  vmId,
  type TestEmulator,
} from './helpers.js';

let em: TestEmulator;
const WEB = { rg: 'rg-web', name: 'web-01' };
const vaultId = (v: { resourceGroup: string; name: string }) =>
  `/subscriptions/${em.subscriptionId}/resourceGroups/${v.resourceGroup}/providers/Microsoft.RecoveryServices/vaults/${v.name}`;

const status = () => em.clients.backup.backupStatus.get('westeurope', { resourceType: 'VM', resourceId: vmId(WEB.rg, WEB.name) });
const unregister = (vault: { resourceGroup: string; name: string }, opts = {}) =>
  em.clients.backup.protectionContainers.unregister(vault.name, vault.resourceGroup, 'Azure', containerOf(WEB.rg, WEB.name), opts);
const protectInB = () =>
  em.clients.backup.protectedItems.createOrUpdate(B.name, B.resourceGroup, 'Azure', containerOf(WEB.rg, WEB.name), itemOf(WEB.rg, WEB.name), {
    properties: { protectedItemType: 'Microsoft.Compute/virtualMachines', sourceResourceId: vmId(WEB.rg, WEB.name), policyId: policyIdOf(B, 'DefaultPolicy') } as any,
  });

async function offeredBy(vault: { resourceGroup: string; name: string }): Promise<string[]> {
  const names: string[] = [];
  for await (const it of em.clients.backup.backupProtectableItems.list(vault.name, vault.resourceGroup)) names.push(it.name!);
  return names.sort();
}

beforeAll(async () => {
  em = await startTestEmulator({ fleetFile: TWO_VAULTS_FLEET });
  await discover(em, A);
  await discover(em, B);
  await register(em, WEB.rg, WEB.name, 'Windows', A);
  expect((await protect(em, WEB.rg, WEB.name, 'DefaultPolicy', A)).status).toBe('Succeeded');
});

afterAll(async () => {
  await em.dispose();
  expect(specProblems).toEqual([]);
  // The answers checked above were those of these operations of the spec.
  for (const op of ['BackupStatus_Get', 'ProtectionContainers_Unregister', 'ProtectionContainerOperationResults_Get', 'DeletedProtectionContainers_List']) {
    expect(operationsSeen).toContain(`backup:${op}`);
  }
});

describe('a VM protected by vault A, seen from vault B of the same region', () => {
  test('vault B does not offer it; backupStatus names vault A, its container and its item', async () => {
    expect(await offeredBy(B)).toEqual([itemOf('rg-app', 'app-01')]);
    const s = await status();
    expect([s.vaultId, s.protectionStatus, s.registrationStatus, s.containerName, s.protectedItemName]).toEqual([
      vaultId(A),
      'Protected',
      'Registered',
      'iaasvmcontainer;iaasvmcontainerv2;rg-web;web-01',
      'vm;iaasvmcontainerv2;rg-web;web-01',
    ]);
  });

  test('protecting it in vault B -> 400 VirtualMachineAlreadyProtected; registering it -> 400 UserErrorVmAlreadyRegistered', async () => {
    await expect(protectInB()).rejects.toMatchObject({ statusCode: 400, code: 'VirtualMachineAlreadyProtected', message: expect.stringContaining(vaultId(A)) });
    await expect(
      em.clients.backup.protectionContainers.beginRegisterAndWait(B.name, B.resourceGroup, 'Azure', containerOf(WEB.rg, WEB.name), {
        properties: { containerType: 'Microsoft.Compute/virtualMachines', backupManagementType: 'AzureIaasVM', virtualMachineId: vmId(WEB.rg, WEB.name) } as any,
      }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'UserErrorVmAlreadyRegistered' });
  });
});

describe('leaving vault A', () => {
  test('unregister is refused while vault A holds the item, protected or soft-deleted -> 400 BMSUserErrorContainerHasDatasources', async () => {
    await expect(unregister(A)).rejects.toMatchObject({ statusCode: 400, code: 'BMSUserErrorContainerHasDatasources' });
    const del = captureResponse();
    await em.clients.backup.protectedItems.delete(A.name, A.resourceGroup, 'Azure', containerOf(WEB.rg, WEB.name), itemOf(WEB.rg, WEB.name), { onResponse: del.onResponse });
    expect((await pollStatus(em, del.header('azure-asyncoperation'))).status).toBe('Succeeded');
    await expect(unregister(A)).rejects.toMatchObject({ statusCode: 400, code: 'BMSUserErrorContainerHasDatasources' });
  });

  test('with its item soft-deleted the VM is still registered with vault A: backupStatus says so, vault B still refuses it', async () => {
    const s = await status();
    expect([s.vaultId, s.protectionStatus, s.registrationStatus]).toEqual([vaultId(A), 'NotProtected', 'Registered']);
    expect(await offeredBy(B)).toEqual([itemOf('rg-app', 'app-01')]);
    await expect(protectInB()).rejects.toMatchObject({ statusCode: 400, code: 'UserErrorVmAlreadyRegistered' });
  });

  test('once the soft-delete period ends, unregister answers 202 + Location; the result is 202 while running, then 204', async () => {
    expect((await raw(em, 'POST', '/admin/clock/advance', { duration: '15d' })).status).toBe(200);
    const cap = captureResponse();
    await unregister(A, { onResponse: cap.onResponse });
    expect(cap.status).toBe(202);
    expect(cap.header('retry-after')).toBe('0');
    const location = cap.header('location');
    expect(decodeURIComponent(location)).toMatch(/\/protectionContainers\/IaasVMContainer;iaasvmcontainerv2;rg-web;web-01\/operationResults\//);
    expect((await raw(em, 'GET', location)).status).toBe(202);
    expect((await pollLocation(em, location)).status).toBe(204);
    // Through the SDK too, so the spec validates the answer.
    await em.clients.backup.protectionContainerOperationResults.get(A.name, A.resourceGroup, 'Azure', containerOf(WEB.rg, WEB.name), operationIdOf(location));
    await expect(em.clients.backup.protectionContainers.get(A.name, A.resourceGroup, 'Azure', containerOf(WEB.rg, WEB.name))).rejects.toMatchObject({ statusCode: 404 });
  });

  test('the unregister left an UnRegister job; unregistering again answers 204', async () => {
    const jobs: { operation?: string; status?: string; entityFriendlyName?: string }[] = [];
    for await (const j of em.clients.backup.backupJobs.list(A.name, A.resourceGroup, { filter: "operation eq 'UnRegister'" })) jobs.push(j.properties!);
    expect(jobs.map((j) => [j.operation, j.status, j.entityFriendlyName])).toEqual([['UnRegister', 'Completed', 'web-01']]);
    const again = captureResponse();
    await unregister(A, { onResponse: again.onResponse });
    expect(again.status).toBe(204);
  });

  test('the soft-deleted containers list answers an empty page: a VM container is never soft-deleted itself', async () => {
    const deleted: string[] = [];
    for await (const c of em.clients.backup.deletedProtectionContainers.list(A.resourceGroup, A.name, { filter: "backupManagementType eq 'AzureIaasVM'" })) deleted.push(c.name!);
    expect(deleted).toEqual([]);
  });
});

describe('joining vault B', () => {
  test('vault B offers the VM, registers and protects it; backupStatus names vault B', async () => {
    expect(await offeredBy(B)).toEqual([itemOf('rg-app', 'app-01'), itemOf(WEB.rg, WEB.name)].sort());
    await register(em, WEB.rg, WEB.name, 'Windows', B);
    expect((await protect(em, WEB.rg, WEB.name, 'DefaultPolicy', B)).status).toBe('Succeeded');
    const s = await status();
    expect([s.vaultId, s.protectionStatus]).toEqual([vaultId(B), 'Protected']);
    expect(await offeredBy(A)).toEqual([itemOf('rg-app', 'app-01')]);
  });
});
