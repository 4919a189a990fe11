// One test per operation, driven through the official SDK clients; every response body is checked
// against the REST specifications by the validation policy the clients carry.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  captureResponse,
  containerOf,
  dailyPolicy,
  discover,
  itemOf,
  NEU,
  operationIdOf,
  pollLocation,
  pollStatus,
  policyIdOf,
  protect,
  raw,
  operationsSeen,
  register,
  specProblems,
  startTestEmulator,
  SUB,
  vmId,
  WEU,
  type TestEmulator,
} from './helpers.js';

/** Every operation the REST subset vmbackup relies on names (the specs' operationIds); each test below drives some. */
const SUBSET_OPERATIONS = [
  ...[
    'ProtectionContainers_Refresh', 'ProtectionContainerRefreshOperationResults_Get', 'BackupProtectableItems_List', 'BackupProtectionContainers_List',
    'ProtectionContainers_Get', 'ProtectionContainers_Register', 'ProtectedItems_CreateOrUpdate', 'ProtectedItems_Delete', 'Backups_Trigger',
    'ProtectedItems_Get', 'BackupProtectedItems_List', 'ProtectedItemOperationStatuses_Get', 'ProtectedItemOperationResults_Get',
    'BackupOperationStatuses_Get', 'BackupOperationResults_Get', 'BackupJobs_List', 'JobDetails_Get', 'JobCancellations_Trigger',
    'JobOperationResults_Get', 'RecoveryPoints_List', 'RecoveryPoints_Get', 'BackupPolicies_List', 'ProtectionPolicies_Get',
    'ProtectionPolicies_CreateOrUpdate', 'ProtectionPolicies_Delete', 'ProtectionPolicyOperationResults_Get', 'ProtectionPolicyOperationStatuses_Get',
    'BackupStatus_Get', 'ProtectionIntent_Validate', 'FeatureSupport_Validate', 'BackupResourceVaultConfigs_Get', 'BackupResourceVaultConfigs_Put',
    'BackupResourceVaultConfigs_Update',
  ].map((op) => `backup:${op}`),
  ...['Vaults_Get', 'Vaults_ListBySubscriptionId', 'Vaults_ListByResourceGroup'].map((op) => `vaults:${op}`),
  ...[
    'VirtualMachines_ListAll', 'VirtualMachines_Get', 'VirtualMachines_InstanceView', 'VirtualMachineExtensions_CreateOrUpdate',
    'VirtualMachineExtensions_Get', 'VirtualMachineExtensions_List', 'VirtualMachineExtensions_Update', 'VirtualMachineExtensions_Delete',
  ].map((op) => `compute:${op}`),
];

let em: TestEmulator;
const V = `/subscriptions/${SUB}/resourceGroups/${WEU.resourceGroup}/providers/Microsoft.RecoveryServices/vaults/${WEU.name}`;

beforeAll(async () => {
  // Operations last long enough that a status read right after the write still finds them running on a busy machine.
  em = await startTestEmulator({ operationDelayMs: 400 });
  await discover(em);
  await register(em, 'rg-web', 'web-01', 'Windows');
  await register(em, 'rg-app', 'app-01', 'Linux');
});

afterAll(async () => {
  await em.dispose();
  expect(specProblems).toEqual([]);
  // Served, driven through the official SDK clients, and every answer validated against the specs.
  expect(SUBSET_OPERATIONS.filter((op) => !operationsSeen.has(op))).toEqual([]);
});

describe('vaults (2023-04-01)', () => {
  test('get returns the vault with its region', async () => {
    const v = await em.clients.vaults.vaults.get(WEU.resourceGroup, WEU.name);
    expect([v.name, v.location, v.type]).toEqual(['vault-weu', 'westeurope', 'Microsoft.RecoveryServices/vaults']);
  });
  test('list by subscription and by resource group', async () => {
    const all: string[] = [];
    for await (const v of em.clients.vaults.vaults.listBySubscriptionId()) all.push(v.name!);
    const inRg: string[] = [];
    for await (const v of em.clients.vaults.vaults.listByResourceGroup(NEU.resourceGroup)) inRg.push(v.name!);
    expect(all.sort()).toEqual(['vault-neu', 'vault-weu']);
    expect(inRg).toEqual(['vault-neu']);
  });
  test('an unknown vault is a 404 ResourceNotFound', async () => {
    await expect(em.clients.vaults.vaults.get(WEU.resourceGroup, 'nope')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
  });
});

describe('compute (2024-07-01)', () => {
  test('list all VMs and by resource group; a name shared by two groups is two VMs', async () => {
    const all: string[] = [];
    for await (const vm of em.clients.compute.virtualMachines.listAll()) all.push(vm.id!);
    expect(all).toHaveLength(20);
    expect(all.filter((id) => id.endsWith('/db-01'))).toHaveLength(2);
    const rg: string[] = [];
    for await (const vm of em.clients.compute.virtualMachines.list('rg-web')) rg.push(vm.name!);
    expect(rg.sort()).toEqual(['lb-01', 'web-01', 'web-02']);
  });
  test('get shows OS, disks, storage SKU, NICs and the load balancer', async () => {
    const lb = await em.clients.compute.virtualMachines.get('rg-web', 'lb-01');
    const pools = lb.networkProfile?.networkInterfaceConfigurations?.[0]?.ipConfigurations?.[0].loadBalancerBackendAddressPools;
    expect(pools?.[0].id).toMatch(/loadBalancers\/lb-web\//);
    const big = await em.clients.compute.virtualMachines.get('rg-data', 'bigdata-01');
    expect([big.storageProfile?.osDisk?.osType, big.storageProfile?.dataDisks?.length]).toEqual(['Linux', 8]);
    const premium = await em.clients.compute.virtualMachines.get('rg-app', 'premium-01', { expand: 'instanceView' });
    expect(premium.storageProfile?.osDisk?.managedDisk?.storageAccountType).toBe('Premium_LRS');
    expect(premium.instanceView?.statuses?.map((s) => s.code)).toContain('PowerState/running');
    const multi = await em.clients.compute.virtualMachines.get('rg-net', 'multinic-01');
    expect(multi.networkProfile?.networkInterfaces).toHaveLength(2);
  });
  test('instanceView reports power state and the agent version and status', async () => {
    const running = await em.clients.compute.virtualMachines.instanceView('rg-web', 'web-02');
    expect(running.vmAgent?.vmAgentVersion).toBe('2.7.41491.1102');
    expect(running.vmAgent?.statuses?.[0].displayStatus).toBe('Ready');
    const noAgent = await em.clients.compute.virtualMachines.instanceView('rg-legacy', 'legacy-01');
    expect(noAgent.vmAgent?.statuses?.[0].displayStatus).toBe('Not Ready');
    const off = await em.clients.compute.virtualMachines.instanceView('rg-batch', 'batch-01');
    expect(off.statuses?.map((s) => s.code)).toContain('PowerState/deallocated');
  });
  test('extension createOrUpdate (LRO polled by the SDK), get and list', async () => {
    const ext = await em.clients.compute.virtualMachineExtensions.get('rg-web', 'web-01', 'VMSnapshot');
    expect([ext.publisher, ext.typePropertiesType, ext.provisioningState]).toEqual(['Microsoft.Azure.RecoveryServices', 'VMSnapshot', 'Succeeded']);
    const list = await em.clients.compute.virtualMachineExtensions.list('rg-app', 'app-01');
    expect(list.value?.map((e) => e.name)).toEqual(['VMSnapshotLinux']);
  });
  test('a Windows VM does not take the Linux extension', async () => {
    await expect(
      em.clients.compute.virtualMachineExtensions.beginCreateOrUpdateAndWait('rg-dev', 'dev-02', 'VMSnapshotLinux', {
        location: 'westeurope',
        publisher: 'Microsoft.Azure.RecoveryServices',
        typePropertiesType: 'VMSnapshotLinux',
        typeHandlerVersion: '1.0',
      }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });
});

describe('discovery and containers', () => {
  test('refreshContainers answers 202 + Location; the result is 202 while running, then 204', async () => {
    const cap = captureResponse();
    await em.clients.backup.protectionContainers.refresh(NEU.name, NEU.resourceGroup, 'Azure', { onResponse: cap.onResponse });
    expect(cap.status).toBe(202);
    expect(cap.header('retry-after')).toBe('0');
    const location = cap.header('location');
    expect(location).toMatch(/\/backupFabrics\/Azure\/operationResults\//);
    const running = await raw(em, 'GET', location);
    expect(running.status).toBe(202);
    const done = await pollLocation(em, location);
    expect(done.status).toBe(204);
    // Through the SDK too.
    await em.clients.backup.protectionContainerRefreshOperationResults.get(NEU.name, NEU.resourceGroup, 'Azure', operationIdOf(location));
  });
  test('vault-weu offers exactly the VMs of its region, vault-neu those of its own', async () => {
    const weu: string[] = [];
    for await (const it of em.clients.backup.backupProtectableItems.list(WEU.name, WEU.resourceGroup, { filter: "backupManagementType eq 'AzureIaasVM'" })) {
      weu.push((it.properties as any).virtualMachineId);
    }
    const westVms: string[] = [];
    for await (const vm of em.clients.compute.virtualMachines.listAll()) if (vm.location === 'westeurope') westVms.push(vm.id!);
    expect(weu.sort()).toEqual(westVms.sort());
    const neu: string[] = [];
    for await (const it of em.clients.backup.backupProtectableItems.list(NEU.name, NEU.resourceGroup)) neu.push(it.name!);
    expect(neu.sort()).toEqual([itemOf('rg-app-ne', 'app-ne-01'), itemOf('rg-web-ne', 'web-ne-01')]);
  });
  test('protectable items filter by friendlyName', async () => {
    const found: string[] = [];
    for await (const it of em.clients.backup.backupProtectableItems.list(WEU.name, WEU.resourceGroup, { filter: "friendlyName eq 'db-01'" })) found.push(it.name!);
    expect(found.sort()).toEqual([itemOf('rg-data-dr', 'db-01'), itemOf('rg-data', 'db-01')].sort());
  });
  test('registered VMs show in the container list and get', async () => {
    const names: string[] = [];
    for await (const c of em.clients.backup.backupProtectionContainers.list(WEU.name, WEU.resourceGroup, { filter: "backupManagementType eq 'AzureIaasVM'" })) {
      names.push(c.name!);
      expect((c.properties as any).registrationStatus).toBe('Registered');
    }
    expect(names).toEqual(expect.arrayContaining([containerOf('rg-web', 'web-01'), containerOf('rg-app', 'app-01')]));
    const c = await em.clients.backup.protectionContainers.get(WEU.name, WEU.resourceGroup, 'Azure', containerOf('rg-web', 'web-01'));
    expect((c.properties as any).virtualMachineId).toBe(vmId('rg-web', 'web-01'));
  });
  test('registering an already registered VM answers 200 with the container', async () => {
    const cap = captureResponse();
    const c = await em.clients.backup.protectionContainers.beginRegisterAndWait(
      WEU.name,
      WEU.resourceGroup,
      'Azure',
      containerOf('rg-web', 'web-01'),
      { properties: { containerType: 'Microsoft.Compute/virtualMachines', backupManagementType: 'AzureIaasVM' } as any },
      { onResponse: cap.onResponse },
    );
    expect(c.name).toBe(containerOf('rg-web', 'web-01'));
  });
});

describe('protected items', () => {
  test('protect: 202 with Location, Azure-AsyncOperation and Retry-After; operationsStatus ends Succeeded with the job id', async () => {
    const cap = captureResponse();
    await em.clients.backup.protectedItems.createOrUpdate(
      WEU.name,
      WEU.resourceGroup,
      'Azure',
      containerOf('rg-web', 'web-01'),
      itemOf('rg-web', 'web-01'),
      { properties: { protectedItemType: 'Microsoft.Compute/virtualMachines', sourceResourceId: vmId('rg-web', 'web-01'), policyId: policyIdOf(WEU, 'DefaultPolicy') } as any },
      { onResponse: cap.onResponse },
    );
    expect(cap.status).toBe(202);
    expect(cap.header('location')).toMatch(/\/protectedItems\/.*\/operationResults\//);
    const statusUrl = cap.header('azure-asyncoperation');
    expect(statusUrl).toMatch(/\/operationsStatus\//);
    const opId = operationIdOf(statusUrl);
    const first = await em.clients.backup.protectedItemOperationStatuses.get(WEU.name, WEU.resourceGroup, 'Azure', containerOf('rg-web', 'web-01'), itemOf('rg-web', 'web-01'), opId);
    expect(first.status).toBe('InProgress');
    const final = await pollStatus(em, statusUrl);
    expect(final.status).toBe('Succeeded');
    const job = await em.clients.backup.jobDetails.get(WEU.name, WEU.resourceGroup, final.properties.jobId);
    expect([job.properties?.operation, job.properties?.status]).toEqual(['ConfigureBackup', 'Completed']);
    const result = await raw(em, 'GET', cap.header('location'));
    expect(result.status).toBe(200);
    await em.clients.backup.protectedItemOperationResults.get(WEU.name, WEU.resourceGroup, 'Azure', containerOf('rg-web', 'web-01'), itemOf('rg-web', 'web-01'), opId);
  });
  test('get: a new protection is IRPending with its policy', async () => {
    const item = await em.clients.backup.protectedItems.get(WEU.name, WEU.resourceGroup, 'Azure', containerOf('rg-web', 'web-01'), itemOf('rg-web', 'web-01'));
    const p = item.properties as any;
    expect([p.protectionState, p.policyName, p.sourceResourceId]).toEqual(['IRPending', 'DefaultPolicy', vmId('rg-web', 'web-01')]);
  });
  test('list with the spec filter; the protected VM is no longer protectable', async () => {
    const items: string[] = [];
    for await (const it of em.clients.backup.backupProtectedItems.list(WEU.name, WEU.resourceGroup, { filter: "backupManagementType eq 'AzureIaasVM' and itemType eq 'VM'" })) items.push(it.name!);
    expect(items).toContain(itemOf('rg-web', 'web-01'));
    const offered: string[] = [];
    for await (const it of em.clients.backup.backupProtectableItems.list(WEU.name, WEU.resourceGroup)) offered.push(it.name!);
    expect(offered).not.toContain(itemOf('rg-web', 'web-01'));
  });
  test('change policy, then on-demand backup makes a recovery point', async () => {
    await em.clients.backup.protectionPolicies.createOrUpdate(WEU.name, WEU.resourceGroup, 'daily-10', dailyPolicy('10:00', 14));
    expect((await protect(em, 'rg-web', 'web-01', 'daily-10')).status).toBe('Succeeded');
    const item = await em.clients.backup.protectedItems.get(WEU.name, WEU.resourceGroup, 'Azure', containerOf('rg-web', 'web-01'), itemOf('rg-web', 'web-01'));
    expect((item.properties as any).policyName).toBe('daily-10');
    const cap = captureResponse();
    await em.clients.backup.backups.trigger(
      WEU.name,
      WEU.resourceGroup,
      'Azure',
      containerOf('rg-web', 'web-01'),
      itemOf('rg-web', 'web-01'),
      { properties: { objectType: 'IaasVMBackupRequest' } as any },
      { onResponse: cap.onResponse },
    );
    expect(cap.status).toBe(202);
    const final = await pollStatus(em, cap.header('azure-asyncoperation'));
    const job = await em.clients.backup.jobDetails.get(WEU.name, WEU.resourceGroup, final.properties.jobId);
    expect([job.properties?.operation, job.properties?.status, (job.properties as any).isUserTriggered]).toEqual(['Backup', 'Completed', true]);
    const points: any[] = [];
    for await (const rp of em.clients.backup.recoveryPoints.list(WEU.name, WEU.resourceGroup, 'Azure', containerOf('rg-web', 'web-01'), itemOf('rg-web', 'web-01'))) points.push(rp);
    expect(points).toHaveLength(1);
    expect(points[0].properties.recoveryPointType).toBe('AppConsistent');
    const one = await em.clients.backup.recoveryPoints.get(WEU.name, WEU.resourceGroup, 'Azure', containerOf('rg-web', 'web-01'), itemOf('rg-web', 'web-01'), points[0].name);
    expect(one.name).toBe(points[0].name);
    const after = await em.clients.backup.protectedItems.get(WEU.name, WEU.resourceGroup, 'Azure', containerOf('rg-web', 'web-01'), itemOf('rg-web', 'web-01'));
    expect([(after.properties as any).protectionState, (after.properties as any).lastBackupStatus]).toEqual(['Protected', 'Completed']);
  });
  test('stop protection retaining data, then stop and delete data (soft delete), then undelete', async () => {
    expect((await protect(em, 'rg-app', 'app-01')).status).toBe('Succeeded');
    const stop = captureResponse();
    await em.clients.backup.protectedItems.createOrUpdate(
      WEU.name,
      WEU.resourceGroup,
      'Azure',
      containerOf('rg-app', 'app-01'),
      itemOf('rg-app', 'app-01'),
      { properties: { protectedItemType: 'Microsoft.Compute/virtualMachines', sourceResourceId: vmId('rg-app', 'app-01'), protectionState: 'ProtectionStopped' } as any },
      { onResponse: stop.onResponse },
    );
    expect((await pollStatus(em, stop.header('azure-asyncoperation'))).status).toBe('Succeeded');
    const stopped = await em.clients.backup.protectedItems.get(WEU.name, WEU.resourceGroup, 'Azure', containerOf('rg-app', 'app-01'), itemOf('rg-app', 'app-01'));
    expect([(stopped.properties as any).protectionState, (stopped.properties as any).policyId]).toEqual(['ProtectionStopped', undefined]);

    const del = captureResponse();
    await em.clients.backup.protectedItems.delete(WEU.name, WEU.resourceGroup, 'Azure', containerOf('rg-app', 'app-01'), itemOf('rg-app', 'app-01'), { onResponse: del.onResponse });
    expect(del.status).toBe(202);
    const statusUrl = del.header('azure-asyncoperation');
    expect(statusUrl).toMatch(new RegExp(`${WEU.name}/backupOperations/`));
    expect(del.header('location')).toMatch(/\/backupOperationResults\//);
    const final = await pollStatus(em, statusUrl);
    expect(final.status).toBe('Succeeded');
    await em.clients.backup.backupOperationStatuses.get(WEU.name, WEU.resourceGroup, operationIdOf(statusUrl));
    expect((await pollLocation(em, del.header('location'))).status).toBe(204);
    const soft = await em.clients.backup.protectedItems.get(WEU.name, WEU.resourceGroup, 'Azure', containerOf('rg-app', 'app-01'), itemOf('rg-app', 'app-01'));
    expect((soft.properties as any).isScheduledForDeferredDelete).toBe(true);
    expect(Date.parse((soft.properties as any).deferredDeleteTimeInUTC) - Date.now()).toBeGreaterThan(13 * 86_400_000);
    // Deleting again is a no-op success.
    const again = captureResponse();
    await em.clients.backup.protectedItems.delete(WEU.name, WEU.resourceGroup, 'Azure', containerOf('rg-app', 'app-01'), itemOf('rg-app', 'app-01'), { onResponse: again.onResponse });
    expect(again.status).toBe(204);

    const undelete = captureResponse();
    await em.clients.backup.protectedItems.createOrUpdate(
      WEU.name,
      WEU.resourceGroup,
      'Azure',
      containerOf('rg-app', 'app-01'),
      itemOf('rg-app', 'app-01'),
      { properties: { protectedItemType: 'Microsoft.Compute/virtualMachines', sourceResourceId: vmId('rg-app', 'app-01'), isRehydrate: true } as any },
      { onResponse: undelete.onResponse },
    );
    expect((await pollStatus(em, undelete.header('azure-asyncoperation'))).status).toBe('Succeeded');
    const back = await em.clients.backup.protectedItems.get(WEU.name, WEU.resourceGroup, 'Azure', containerOf('rg-app', 'app-01'), itemOf('rg-app', 'app-01'));
    expect([(back.properties as any).isScheduledForDeferredDelete, (back.properties as any).protectionState]).toEqual([false, 'ProtectionStopped']);
  });
});

describe('policies', () => {
  test('the vault holds DefaultPolicy (daily, 30 days) from creation', async () => {
    const p = await em.clients.backup.protectionPolicies.get(NEU.name, NEU.resourceGroup, 'DefaultPolicy');
    const props = p.properties as any;
    expect([props.schedulePolicy.scheduleRunFrequency, props.retentionPolicy.dailySchedule.retentionDuration.count]).toEqual(['Daily', 30]);
  });
  test('create answers 200 with the policy; list filters by backupManagementType', async () => {
    const cap = captureResponse();
    const created = await em.clients.backup.protectionPolicies.createOrUpdate(WEU.name, WEU.resourceGroup, 'daily-06', dailyPolicy('06:00', 7), { onResponse: cap.onResponse });
    expect(cap.status).toBe(200);
    expect(created.name).toBe('daily-06');
    const names: string[] = [];
    for await (const p of em.clients.backup.backupPolicies.list(WEU.name, WEU.resourceGroup, { filter: "backupManagementType eq 'AzureIaasVM'" })) names.push(p.name!);
    expect(names).toEqual(expect.arrayContaining(['DefaultPolicy', 'daily-06']));
  });
  test('updating a policy in use answers 202; its operation status and result', async () => {
    await em.clients.backup.protectionPolicies.createOrUpdate(WEU.name, WEU.resourceGroup, 'in-use', dailyPolicy('08:00', 7));
    await register(em, 'rg-dev', 'dev-01', 'Linux');
    expect((await protect(em, 'rg-dev', 'dev-01', 'in-use')).status).toBe('Succeeded');
    const cap = captureResponse();
    await em.clients.backup.protectionPolicies.createOrUpdate(WEU.name, WEU.resourceGroup, 'in-use', dailyPolicy('09:00', 10), { onResponse: cap.onResponse });
    expect(cap.status).toBe(202);
    const status = await pollStatus(em, cap.header('azure-asyncoperation'));
    expect([status.status, status.properties.objectType]).toEqual(['Succeeded', 'OperationStatusJobsExtendedInfo']);
    const opId = operationIdOf(cap.header('location'));
    await em.clients.backup.protectionPolicyOperationStatuses.get(WEU.name, WEU.resourceGroup, 'in-use', opId);
    const result = await em.clients.backup.protectionPolicyOperationResults.get(WEU.name, WEU.resourceGroup, 'in-use', opId);
    expect((result.properties as any).retentionPolicy.dailySchedule.retentionDuration.count).toBe(10);
    expect((result.properties as any).protectedItemsCount).toBe(1);
    await expect(em.clients.backup.protectionPolicies.beginDeleteAndWait(WEU.name, WEU.resourceGroup, 'in-use')).rejects.toMatchObject({
      statusCode: 400,
      code: 'UserErrorPolicyInUse',
    });
  });
  test('delete is an LRO the SDK polls to its end', async () => {
    await em.clients.backup.protectionPolicies.beginDeleteAndWait(WEU.name, WEU.resourceGroup, 'daily-06', { updateIntervalInMs: 10 });
    await expect(em.clients.backup.protectionPolicies.get(WEU.name, WEU.resourceGroup, 'daily-06')).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('jobs, backup status, pre-validation', () => {
  test('jobs list with the spec filter and get', async () => {
    const jobs: any[] = [];
    for await (const j of em.clients.backup.backupJobs.list(WEU.name, WEU.resourceGroup, { filter: "operation eq 'ConfigureBackup' and backupManagementType eq 'AzureIaasVM'" })) jobs.push(j);
    expect(jobs.length).toBeGreaterThanOrEqual(2);
    expect(jobs.every((j) => j.properties.operation === 'ConfigureBackup')).toBe(true);
    const one = await em.clients.backup.jobDetails.get(WEU.name, WEU.resourceGroup, jobs[0].name);
    expect(one.properties?.entityFriendlyName).toBe(jobs[0].properties.entityFriendlyName);
    const since: any[] = [];
    for await (const j of em.clients.backup.backupJobs.list(WEU.name, WEU.resourceGroup, { filter: "startTime eq '2099-01-01 00:00:00 AM'" })) since.push(j);
    expect(since).toEqual([]);
  });
  test('backupStatus tells a protected VM from an unprotected one', async () => {
    const yes = await em.clients.backup.backupStatus.get('westeurope', { resourceType: 'VM', resourceId: vmId('rg-web', 'web-01') });
    expect([yes.protectionStatus, yes.policyName, yes.vaultId]).toEqual(['Protected', 'daily-10', `${V}`]);
    const no = await em.clients.backup.backupStatus.get('westeurope', { resourceType: 'VM', resourceId: vmId('rg-web', 'web-02') });
    expect(no.protectionStatus).toBe('NotProtected');
  });
  test('backupPreValidateProtection answers Succeeded or Failed with the code and remedy', async () => {
    const validate = (rg: string, name: string) =>
      em.clients.backup.protectionIntentOperations.validate('westeurope', {
        objectType: 'PreValidateEnableBackupRequest',
        resourceType: 'VM',
        resourceId: vmId(rg, name),
        vaultId: V,
        properties: '',
      } as any);
    expect((await validate('rg-web', 'web-01')).status).toBe('Failed');
    const unregistered = await validate('rg-web', 'web-02');
    expect([unregistered.status, unregistered.errorCode]).toEqual(['Failed', 'UserErrorVmNotRegistered']);
    const stopped = await validate('rg-batch', 'batch-02');
    expect([stopped.errorCode, stopped.recommendation]).toEqual(['UserErrorVmNotInDesirableState', expect.stringMatching(/Start the VM/)]);
    await register(em, 'rg-web', 'web-02', 'Windows');
    expect((await validate('rg-web', 'web-02')).status).toBe('Succeeded');
  });
});


/** Deletes a protected item (stop protection and delete data) and waits for the operation to end. */
async function deleteItem(vault: { resourceGroup: string; name: string }, rg: string, vm: string): Promise<void> {
  const cap = captureResponse();
  await em.clients.backup.protectedItems.delete(vault.name, vault.resourceGroup, 'Azure', containerOf(rg, vm), itemOf(rg, vm), { onResponse: cap.onResponse });
  expect((await pollStatus(em, cap.header('azure-asyncoperation'))).status).toBe('Succeeded');
  await em.clients.backup.backupOperationResults.get(vault.name, vault.resourceGroup, operationIdOf(cap.header('location')));
}

/** Triggers an on-demand backup; returns its operation status URL and its job id. */
async function triggerBackup(vault: { resourceGroup: string; name: string }, rg: string, vm: string): Promise<{ statusUrl: string; jobId: string }> {
  const cap = captureResponse();
  await em.clients.backup.backups.trigger(vault.name, vault.resourceGroup, 'Azure', containerOf(rg, vm), itemOf(rg, vm), { properties: { objectType: 'IaasVMBackupRequest' } as any }, {
    onResponse: cap.onResponse,
  });
  const statusUrl = cap.header('azure-asyncoperation');
  const first = await raw(em, 'GET', statusUrl);
  return { statusUrl, jobId: first.body.properties.jobId };
}

/** Cancels a job through the SDK; returns the Location of the cancellation's result. */
async function cancel(vault: { resourceGroup: string; name: string }, jobId: string): Promise<string> {
  const cap = captureResponse();
  await em.clients.backup.jobCancellations.trigger(vault.name, vault.resourceGroup, jobId, { onResponse: cap.onResponse });
  expect(cap.status).toBe(202);
  return cap.header('location');
}

describe('vault backup config (soft delete, enhanced security)', () => {
  test('get answers a new vault\'s defaults; PATCH and PUT change only the fields they carry; the vault shows them', async () => {
    const configs = em.clients.backup.backupResourceVaultConfigs;
    const initial = await configs.get(NEU.name, NEU.resourceGroup);
    expect([initial.name, initial.properties]).toEqual(['vaultconfig', { softDeleteFeatureState: 'Enabled', enhancedSecurityState: 'Enabled', softDeleteRetentionPeriodInDays: 14 }]);
    const patched = await configs.update(NEU.name, NEU.resourceGroup, { properties: { softDeleteRetentionPeriodInDays: 30 } });
    expect(patched.properties).toEqual({ softDeleteFeatureState: 'Enabled', enhancedSecurityState: 'Enabled', softDeleteRetentionPeriodInDays: 30 });
    const put = await configs.put(NEU.name, NEU.resourceGroup, { properties: { enhancedSecurityState: 'Disabled' } });
    expect(put.properties).toEqual({ softDeleteFeatureState: 'Enabled', enhancedSecurityState: 'Disabled', softDeleteRetentionPeriodInDays: 30 });
    const vault = await em.clients.vaults.vaults.get(NEU.resourceGroup, NEU.name);
    expect(vault.properties?.securitySettings?.softDeleteSettings).toMatchObject({ softDeleteState: 'Enabled', softDeleteRetentionPeriodInDays: 30 });
    await expect(configs.update(NEU.name, NEU.resourceGroup, { properties: { softDeleteRetentionPeriodInDays: 7 } })).rejects.toMatchObject({ statusCode: 400, code: 'BadRequest' });
    await expect(configs.update(NEU.name, NEU.resourceGroup, { properties: { softDeleteFeatureState: 'Sometimes' as any } })).rejects.toMatchObject({ statusCode: 400 });
  });
  test('soft delete Disabled: deleting a protected item deletes its data at once', async () => {
    await em.clients.backup.backupResourceVaultConfigs.update(NEU.name, NEU.resourceGroup, { properties: { softDeleteFeatureState: 'Disabled' } });
    await register(em, 'rg-web-ne', 'web-ne-01', 'Windows', NEU);
    expect((await protect(em, 'rg-web-ne', 'web-ne-01', 'DefaultPolicy', NEU)).status).toBe('Succeeded');
    expect((await pollStatus(em, (await triggerBackup(NEU, 'rg-web-ne', 'web-ne-01')).statusUrl)).status).toBe('Succeeded');
    await deleteItem(NEU, 'rg-web-ne', 'web-ne-01');
    await expect(em.clients.backup.protectedItems.get(NEU.name, NEU.resourceGroup, 'Azure', containerOf('rg-web-ne', 'web-ne-01'), itemOf('rg-web-ne', 'web-ne-01'))).rejects.toMatchObject({
      statusCode: 404,
    });
    const left: string[] = [];
    for await (const it of em.clients.backup.backupProtectedItems.list(NEU.name, NEU.resourceGroup)) left.push(it.name!);
    expect(left).not.toContain(itemOf('rg-web-ne', 'web-ne-01'));
  });
  test('AlwaysON cannot be turned off again, and deleted data is kept for the retention period', async () => {
    const configs = em.clients.backup.backupResourceVaultConfigs;
    expect((await configs.update(NEU.name, NEU.resourceGroup, { properties: { softDeleteFeatureState: 'AlwaysON' } })).properties?.softDeleteFeatureState).toBe('AlwaysON');
    for (const state of ['Disabled', 'Enabled'] as const) {
      await expect(configs.update(NEU.name, NEU.resourceGroup, { properties: { softDeleteFeatureState: state } })).rejects.toMatchObject({
        statusCode: 400,
        code: 'BMSUserErrorSoftDeleteStateAlwaysOn',
      });
    }
    await expect(configs.put(NEU.name, NEU.resourceGroup, { properties: { softDeleteFeatureState: 'Disabled' } })).rejects.toMatchObject({ code: 'BMSUserErrorSoftDeleteStateAlwaysOn' });
    expect((await configs.get(NEU.name, NEU.resourceGroup)).properties?.softDeleteFeatureState).toBe('AlwaysON');
    await register(em, 'rg-app-ne', 'app-ne-01', 'Linux', NEU);
    expect((await protect(em, 'rg-app-ne', 'app-ne-01', 'DefaultPolicy', NEU)).status).toBe('Succeeded');
    await deleteItem(NEU, 'rg-app-ne', 'app-ne-01');
    const soft = await em.clients.backup.protectedItems.get(NEU.name, NEU.resourceGroup, 'Azure', containerOf('rg-app-ne', 'app-ne-01'), itemOf('rg-app-ne', 'app-ne-01'));
    expect((soft.properties as any).isScheduledForDeferredDelete).toBe(true);
    // The retention period set above (30 days), not the basic 14.
    expect(Date.parse((soft.properties as any).deferredDeleteTimeInUTC) - Date.now()).toBeGreaterThan(29 * 86_400_000);
  });
});

describe('job cancellation', () => {
  test('an on-demand backup in progress goes Cancelling, then Cancelled, and makes no recovery point', async () => {
    const { statusUrl, jobId } = await triggerBackup(WEU, 'rg-dev', 'dev-01');
    const location = await cancel(WEU, jobId);
    expect(location).toMatch(new RegExp(`/backupJobs/${jobId}/operationResults/`));
    expect((await em.clients.backup.jobDetails.get(WEU.name, WEU.resourceGroup, jobId)).properties?.status).toBe('Cancelling');
    expect((await raw(em, 'GET', location)).status).toBe(202);
    expect((await pollLocation(em, location)).status).toBe(204);
    await em.clients.backup.jobOperationResults.get(WEU.name, WEU.resourceGroup, jobId, operationIdOf(location));
    const job = await em.clients.backup.jobDetails.get(WEU.name, WEU.resourceGroup, jobId);
    expect([job.properties?.status, job.properties?.endTime instanceof Date]).toEqual(['Cancelled', true]);
    expect((await pollStatus(em, statusUrl)).status).toBe('Canceled');
    const points: string[] = [];
    for await (const rp of em.clients.backup.recoveryPoints.list(WEU.name, WEU.resourceGroup, 'Azure', containerOf('rg-dev', 'dev-01'), itemOf('rg-dev', 'dev-01'))) points.push(rp.name!);
    expect(points).toEqual([]);
    const item = await em.clients.backup.protectedItems.get(WEU.name, WEU.resourceGroup, 'Azure', containerOf('rg-dev', 'dev-01'), itemOf('rg-dev', 'dev-01'));
    expect([(item.properties as any).protectionState, (item.properties as any).lastBackupStatus]).toEqual(['IRPending', undefined]);
  });
  test('a scheduled backup in progress is cancelled and makes no recovery point', async () => {
    // A daily policy due 30 minutes from the emulator's clock; the run's job lasts 10 to 20 minutes.
    const clock = await raw(em, 'GET', '/admin/clock');
    const due = new Date(Date.parse(clock.body.now) + 30 * 60_000);
    const hhmm = due.toISOString().slice(11, 16);
    await em.clients.backup.protectionPolicies.createOrUpdate(WEU.name, WEU.resourceGroup, 'soon', dailyPolicy(hhmm, 7));
    await register(em, 'rg-app', 'app-02', 'Linux');
    expect((await protect(em, 'rg-app', 'app-02', 'soon')).status).toBe('Succeeded');
    await raw(em, 'POST', '/admin/clock/advance', { duration: '31m' });
    const running: any[] = [];
    for await (const j of em.clients.backup.backupJobs.list(WEU.name, WEU.resourceGroup, { filter: "operation eq 'Backup' and status eq 'InProgress'" })) running.push(j);
    const scheduled = running.find((j) => j.properties.entityFriendlyName === 'app-02');
    expect(scheduled?.properties.isUserTriggered).toBe(false);
    expect((await pollLocation(em, await cancel(WEU, scheduled.name))).status).toBe(204);
    await raw(em, 'POST', '/admin/clock/advance', { duration: '30m' });
    expect((await em.clients.backup.jobDetails.get(WEU.name, WEU.resourceGroup, scheduled.name)).properties?.status).toBe('Cancelled');
    const points: string[] = [];
    for await (const rp of em.clients.backup.recoveryPoints.list(WEU.name, WEU.resourceGroup, 'Azure', containerOf('rg-app', 'app-02'), itemOf('rg-app', 'app-02'))) points.push(rp.name!);
    expect(points).toEqual([]);
  });
  test('a finished job cannot be cancelled: the cancellation result answers 400 UserErrorJobNotCancellable', async () => {
    const done: any[] = [];
    for await (const j of em.clients.backup.backupJobs.list(WEU.name, WEU.resourceGroup, { filter: "operation eq 'Backup' and status eq 'Completed'" })) done.push(j);
    const jobId = done[0].name;
    const location = await cancel(WEU, jobId);
    const result = await pollLocation(em, location);
    expect([result.status, result.body.error.code]).toEqual([400, 'UserErrorJobNotCancellable']);
    await expect(em.clients.backup.jobOperationResults.get(WEU.name, WEU.resourceGroup, jobId, operationIdOf(location))).rejects.toMatchObject({
      statusCode: 400,
      code: 'UserErrorJobNotCancellable',
    });
    expect((await em.clients.backup.jobDetails.get(WEU.name, WEU.resourceGroup, jobId)).properties?.status).toBe('Completed');
  });
  test('cancelling a job the vault does not hold is a 404', async () => {
    await expect(em.clients.backup.jobCancellations.trigger(WEU.name, WEU.resourceGroup, '00000000-0000-0000-0000-000000000000')).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('feature support validation', () => {
  test.each([
    { reason: 'classic: the guide leaves Premium storage out', vmSku: 'Premium', status: 'NotSupported' },
    { reason: 'classic: standard storage is supported, off until configured', vmSku: 'Standard', status: 'DefaultOFF' },
  ])('$reason -> $status', async ({ vmSku, status }) => {
    const res = await em.clients.backup.featureSupport.validate('westeurope', { featureType: 'AzureVMResourceBackup', vmSize: 'Standard_D2s_v3', vmSku });
    expect(res.supportStatus).toBe(status);
  });
  test('modern: a Premium VM is supported, off until configured, as Azure\'s example answers', async () => {
    const modern = await startTestEmulator({ profile: 'modern' });
    try {
      const res = await modern.clients.backup.featureSupport.validate('westeurope', { featureType: 'AzureVMResourceBackup', vmSize: 'Basic_A0', vmSku: 'Premium' });
      expect(res.supportStatus).toBe('DefaultOFF');
    } finally {
      await modern.dispose();
    }
  });
});

describe('backup extension update and delete (Compute LROs)', () => {
  test('update changes the version in place (the SDK polls, then reads the extension); its identity cannot change', async () => {
    const updated = await em.clients.compute.virtualMachineExtensions.beginUpdateAndWait(
      'rg-web',
      'web-01',
      'VMSnapshot',
      { typeHandlerVersion: '1.1', autoUpgradeMinorVersion: false },
      { updateIntervalInMs: 10 },
    );
    expect([updated.typeHandlerVersion, updated.autoUpgradeMinorVersion, updated.provisioningState]).toEqual(['1.1', false, 'Succeeded']);
    await expect(
      em.clients.compute.virtualMachineExtensions.beginUpdateAndWait('rg-web', 'web-01', 'VMSnapshot', { type: 'VMSnapshotLinux' }, { updateIntervalInMs: 10 }),
    ).rejects.toMatchObject({ statusCode: 409, code: 'PropertyChangeNotAllowed' });
    await expect(
      em.clients.compute.virtualMachineExtensions.beginUpdateAndWait('rg-web', 'web-02', 'NoSuchExtension', { typeHandlerVersion: '1.1' }, { updateIntervalInMs: 10 }),
    ).rejects.toMatchObject({ statusCode: 404 });
  });
  test('deleting the backup extension of a protected VM: the next backup reinstalls it', async () => {
    await em.clients.compute.virtualMachineExtensions.beginDeleteAndWait('rg-web', 'web-01', 'VMSnapshot', { updateIntervalInMs: 10 });
    expect((await em.clients.compute.virtualMachineExtensions.list('rg-web', 'web-01')).value).toEqual([]);
    // Deleting what is gone succeeds.
    await em.clients.compute.virtualMachineExtensions.beginDeleteAndWait('rg-web', 'web-01', 'VMSnapshot', { updateIntervalInMs: 10 });
    expect((await pollStatus(em, (await triggerBackup(WEU, 'rg-web', 'web-01')).statusUrl)).status).toBe('Succeeded');
    const after = await em.clients.compute.virtualMachineExtensions.list('rg-web', 'web-01');
    expect(after.value?.map((e) => [e.name, e.typePropertiesType, e.provisioningState])).toEqual([['VMSnapshot', 'VMSnapshot', 'Succeeded']]);
  });
});

describe('ARM conventions', () => {
  test('every response carries x-ms-request-id, errors included', async () => {
    const ok = await raw(em, 'GET', `${V}?api-version=2023-04-01`);
    const bad = await raw(em, 'GET', `${V}/nothingHere?api-version=2023-06-01`);
    expect(ok.headers['x-ms-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(bad.headers['x-ms-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
  test.each([
    { reason: 'unknown path', method: 'GET', path: `${V}/backupEngines?api-version=2023-06-01`, status: 404, code: 'OperationNotImplemented' },
    { reason: 'unknown method on a known path', method: 'DELETE', path: `${V}?api-version=2023-04-01`, status: 404, code: 'OperationNotImplemented' },
    { reason: 'no api-version', method: 'GET', path: V, status: 400, code: 'MissingApiVersionParameter' },
    { reason: 'api-version the emulator does not speak', method: 'GET', path: `${V}?api-version=2016-06-01`, status: 400, code: 'InvalidApiVersionParameter' },
    { reason: 'unknown $filter field', method: 'GET', path: `${V}/backupProtectedItems?api-version=2023-06-01&$filter=${encodeURIComponent("colour eq 'red'")}`, status: 400, code: 'InvalidQueryParameterValue' },
    { reason: 'malformed $filter', method: 'GET', path: `${V}/backupJobs?api-version=2023-06-01&$filter=${encodeURIComponent("status = 'x'")}`, status: 400, code: 'InvalidQueryParameterValue' },
    { reason: 'bad job filter date', method: 'GET', path: `${V}/backupJobs?api-version=2023-06-01&$filter=${encodeURIComponent("startTime eq 'yesterday'")}`, status: 400, code: 'InvalidQueryParameterValue' },
    { reason: 'another subscription', method: 'GET', path: `/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Compute/virtualMachines?api-version=2024-07-01`, status: 404, code: 'SubscriptionNotFound' },
  ])('$reason -> $status $code', async ({ method, path, status, code }) => {
    const res = await raw(em, method, path);
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ error: { code, message: expect.any(String) } });
  });
  test('literal path segments match case-insensitively', async () => {
    const res = await raw(em, 'GET', `${V.replace('/subscriptions/', '/Subscriptions/').replace('/vaults/', '/VAULTS/')}?api-version=2023-04-01`);
    expect(res.status).toBe(200);
  });
});
