// Domain records -> ARM response bodies (bms 2023-06-01, vaults 2023-04-01, Compute 2024-07-01).
import { dataDiskName, osDiskName } from './disks.js';
import { FAILURES } from './failures.js';
import type { Container, Job, Operation, Policy, ProtectedItem, RecoveryPoint, Vault, Vm } from './model.js';
import { immutabilityOf, storageConfigOf, vaultConfigOf } from './vaultConfig.js';

export const FABRIC = 'Azure';

export function vmArmId(subscriptionId: string, resourceGroup: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Compute/virtualMachines/${name}`;
}

export function containerName(rg: string, vm: string): string {
  return `IaasVMContainer;iaasvmcontainerv2;${rg};${vm}`;
}

export function protectedItemName(rg: string, vm: string): string {
  return `VM;iaasvmcontainerv2;${rg};${vm}`;
}

/** "IaasVMContainer;iaasvmcontainerv2;rg;vm", "iaasvmcontainerv2;rg;vm", "VM;iaasvmcontainerv2;rg;vm" -> rg and vm. */
export function parseBackupName(name: string): { resourceGroup: string; vmName: string } | undefined {
  const parts = name.split(';');
  const at = parts.findIndex((p) => /^iaasvmcontainer(v2)?$/i.test(p) && parts.length - parts.indexOf(p) === 3);
  if (at < 0) return undefined;
  const [resourceGroup, vmName] = parts.slice(at + 1);
  return resourceGroup && vmName ? { resourceGroup, vmName } : undefined;
}

export function containerId(vault: Vault, rg: string, vm: string): string {
  return `${vault.id}/backupFabrics/${FABRIC}/protectionContainers/${containerName(rg, vm)}`;
}

export function itemId(vault: Vault, rg: string, vm: string): string {
  return `${containerId(vault, rg, vm)}/protectedItems/${protectedItemName(rg, vm)}`;
}

export function policyId(vault: Vault, name: string): string {
  return `${vault.id}/backupPolicies/${name}`;
}

const etag = (s: string) => `W/"datetime'${encodeURIComponent(s)}'"`;

export function renderVault(v: Vault): unknown {
  const config = vaultConfigOf(v);
  const storage = storageConfigOf(v);
  return {
    id: v.id,
    name: v.name,
    type: 'Microsoft.RecoveryServices/vaults',
    location: v.location,
    tags: v.tags,
    etag: etag(v.id),
    sku: { name: 'RS0', tier: 'Standard' },
    properties: {
      provisioningState: 'Succeeded',
      privateEndpointStateForBackup: 'None',
      privateEndpointStateForSiteRecovery: 'None',
      publicNetworkAccess: 'Enabled',
      redundancySettings: { standardTierStorageRedundancy: storage.storageType, crossRegionRestore: storage.crossRegionRestore ? 'Enabled' : 'Disabled' },
      securitySettings: {
        immutabilitySettings: { state: immutabilityOf(v) },
        softDeleteSettings: {
          softDeleteState: config.softDeleteFeatureState,
          softDeleteRetentionPeriodInDays: config.softDeleteRetentionPeriodInDays,
          enhancedSecurityState: config.enhancedSecurityState,
        },
      },
    },
  };
}

/** `locked`: the vault holds a registration or an item, which locks its storage model. */
export function renderStorageConfig(v: Vault, locked: boolean): unknown {
  const storage = storageConfigOf(v);
  return {
    id: `${v.id}/backupstorageconfig/vaultstorageconfig`,
    name: 'vaultstorageconfig',
    type: 'Microsoft.RecoveryServices/vaults/backupstorageconfig',
    properties: {
      storageModelType: storage.storageType,
      storageType: storage.storageType,
      storageTypeState: locked ? 'Locked' : 'Unlocked',
      crossRegionRestoreFlag: storage.crossRegionRestore,
    },
  };
}

export function renderVaultConfig(v: Vault): unknown {
  return {
    id: `${v.id}/backupconfig/vaultconfig`,
    name: 'vaultconfig',
    type: 'Microsoft.RecoveryServices/vaults/backupconfig',
    properties: vaultConfigOf(v),
  };
}

function imageReference(image: string): Record<string, string> {
  const [publisher = '', offer = '', sku = '', version = 'latest'] = image.split(':');
  return { publisher, offer, sku, version };
}

export function renderVm(vm: Vm, instanceView?: unknown): unknown {
  const nicIds = Array.from({ length: vm.nics }, (_, i) =>
    `/subscriptions/${vm.id.split('/')[2]}/resourceGroups/${vm.resourceGroup}/providers/Microsoft.Network/networkInterfaces/${vm.name}-nic${i}`,
  );
  const subscription = vm.id.split('/')[2];
  const subnet = `/subscriptions/${subscription}/resourceGroups/${vm.resourceGroup}/providers/Microsoft.Network/virtualNetworks/${vm.resourceGroup}-vnet/subnets/default`;
  return {
    id: vm.id,
    name: vm.name,
    type: 'Microsoft.Compute/virtualMachines',
    location: vm.location,
    tags: vm.tags,
    properties: {
      vmId: vm.vmId,
      hardwareProfile: { vmSize: vm.vmSize },
      ...(vm.securityType
        ? { securityProfile: { securityType: vm.securityType, uefiSettings: { secureBootEnabled: true, vTpmEnabled: true } } }
        : {}),
      storageProfile: {
        imageReference: imageReference(vm.image),
        osDisk: {
          osType: vm.os,
          name: osDiskName(vm),
          createOption: 'FromImage',
          caching: 'ReadWrite',
          diskSizeGB: 128,
          managedDisk: { storageAccountType: vm.storageSku },
        },
        dataDisks: Array.from({ length: vm.dataDisks }, (_, lun) => ({
          lun,
          name: dataDiskName(vm, lun),
          createOption: 'Empty',
          caching: 'None',
          diskSizeGB: 256,
          managedDisk: { storageAccountType: vm.dataDiskSku ?? vm.storageSku },
        })),
      },
      osProfile: {
        computerName: vm.name.slice(0, 15),
        adminUsername: 'azureuser',
        ...(vm.os === 'Windows'
          ? { windowsConfiguration: { provisionVMAgent: vm.agentVersion !== undefined, enableAutomaticUpdates: true } }
          : { linuxConfiguration: { disablePasswordAuthentication: true, provisionVMAgent: vm.agentVersion !== undefined } }),
      },
      networkProfile: {
        networkInterfaces: nicIds.map((id, i) => ({ id, properties: { primary: i === 0 } })),
        // The load balancer shows on the NIC's IP configuration, as Compute reports it for VMs with
        // network interface configurations.
        networkApiVersion: '2020-11-01',
        networkInterfaceConfigurations: nicIds.map((_, i) => ({
          name: `${vm.name}-nic${i}`,
          properties: {
            primary: i === 0,
            ipConfigurations: [
              {
                name: 'ipconfig1',
                properties: {
                  subnet: { id: subnet },
                  primary: true,
                  ...(vm.loadBalancer && i === 0
                    ? {
                        loadBalancerBackendAddressPools: [
                          {
                            id: `/subscriptions/${subscription}/resourceGroups/${vm.resourceGroup}/providers/Microsoft.Network/loadBalancers/${vm.loadBalancer}/backendAddressPools/backend`,
                          },
                        ],
                      }
                    : {}),
                },
              },
            ],
          },
        })),
      },
      provisioningState: 'Succeeded',
      timeCreated: vm.createdAt,
      ...(instanceView ? { instanceView } : {}),
    },
  };
}

const POWER_DISPLAY: Record<Vm['powerState'], string> = { running: 'VM running', stopped: 'VM stopped', deallocated: 'VM deallocated' };

export function renderInstanceView(vm: Vm, nowIso: string): unknown {
  // An agent that broke after protection still reports its version, but no longer Ready.
  const agentReady = vm.agentVersion !== undefined && vm.powerState === 'running' && vm.backupFailure !== 'agentBroken';
  return {
    computerName: vm.name.slice(0, 15),
    osName: vm.os === 'Windows' ? 'Windows Server' : 'Linux',
    osVersion: imageReference(vm.image).sku,
    hyperVGeneration: 'V2',
    vmAgent: {
      vmAgentVersion: vm.agentVersion ?? 'Unknown',
      statuses: [
        agentReady
          ? {
              code: 'ProvisioningState/succeeded',
              level: 'Info',
              displayStatus: 'Ready',
              message: 'GuestAgent is running and accepting new configurations.',
              time: nowIso,
            }
          : {
              code: 'ProvisioningState/Unavailable',
              level: 'Warning',
              displayStatus: 'Not Ready',
              message:
                vm.agentVersion === undefined
                  ? 'VM agent is not installed on the VM.'
                  : vm.backupFailure === 'agentBroken'
                    ? 'VM agent is unresponsive.'
                    : 'VM status blob is found but not yet populated.',
              time: nowIso,
            },
      ],
      extensionHandlers: Object.values(vm.extensions).map((e) => ({
        type: `${e.publisher}.${e.type}`,
        typeHandlerVersion: e.typeHandlerVersion,
        status: { code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Ready' },
      })),
    },
    disks: [
      { name: osDiskName(vm), statuses: [{ code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', time: vm.createdAt }] },
    ],
    extensions: Object.values(vm.extensions).map((e) => ({
      name: e.name,
      type: `${e.publisher}.${e.type}`,
      typeHandlerVersion: e.typeHandlerVersion,
      statuses: [
        {
          code: `ProvisioningState/${e.provisioningState.toLowerCase()}`,
          level: e.provisioningState === 'Failed' ? 'Error' : 'Info',
          displayStatus: `Provisioning ${e.provisioningState.toLowerCase()}`,
          time: nowIso,
        },
      ],
    })),
    statuses: [
      { code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', time: vm.createdAt },
      { code: `PowerState/${vm.powerState}`, level: 'Info', displayStatus: POWER_DISPLAY[vm.powerState] },
    ],
  };
}

export function renderExtension(vm: Vm, name: string): unknown {
  const e = vm.extensions[name];
  return {
    id: `${vm.id}/extensions/${e.name}`,
    name: e.name,
    type: 'Microsoft.Compute/virtualMachines/extensions',
    location: vm.location,
    properties: {
      publisher: e.publisher,
      type: e.type,
      typeHandlerVersion: e.typeHandlerVersion,
      autoUpgradeMinorVersion: e.autoUpgradeMinorVersion,
      provisioningState: e.provisioningState,
    },
  };
}

export function renderContainer(vault: Vault, c: Container): unknown {
  return {
    id: containerId(vault, c.resourceGroup, c.vmName),
    name: containerName(c.resourceGroup, c.vmName),
    type: 'Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers',
    properties: {
      friendlyName: c.vmName,
      backupManagementType: 'AzureIaasVM',
      registrationStatus: c.registrationStatus,
      healthStatus: 'Healthy',
      containerType: 'Microsoft.Compute/virtualMachines',
      virtualMachineId: c.vmId,
      virtualMachineVersion: 'Compute',
      resourceGroup: c.resourceGroup,
    },
  };
}

export function renderProtectable(vault: Vault, vm: Vm): unknown {
  return {
    id: `${containerId(vault, vm.resourceGroup, vm.name)}/protectableItems/${protectedItemName(vm.resourceGroup, vm.name)}`,
    name: protectedItemName(vm.resourceGroup, vm.name),
    type: 'Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectableItems',
    properties: {
      protectableItemType: 'Microsoft.Compute/virtualMachines',
      backupManagementType: 'AzureIaasVM',
      workloadType: 'VM',
      friendlyName: vm.name,
      protectionState: 'NotProtected',
      virtualMachineId: vm.id,
      virtualMachineVersion: 'Compute',
      resourceGroup: vm.resourceGroup,
    },
  };
}

function protectionStatus(i: ProtectedItem): string {
  return i.state === 'ProtectionError' ? 'Unhealthy' : 'Healthy';
}

export function renderItem(vault: Vault, i: ProtectedItem, nowMs: number): unknown {
  const deferredMs = i.deferredDeleteAt ? Date.parse(i.deferredDeleteAt) - nowMs : undefined;
  const remainingDays = deferredMs === undefined ? undefined : Math.max(0, Math.ceil(deferredMs / 86_400_000));
  const failure = i.lastErrorCode ? (FAILURES as Record<string, { number: number; title: string; remedy: string }>)[i.lastErrorCode] : undefined;
  return {
    id: itemId(vault, i.resourceGroup, i.vmName),
    name: protectedItemName(i.resourceGroup, i.vmName),
    type: 'Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems',
    location: i.vmLocation,
    properties: {
      protectedItemType: 'Microsoft.Compute/virtualMachines',
      backupManagementType: 'AzureIaasVM',
      workloadType: 'VM',
      containerName: `iaasvmcontainerv2;${i.resourceGroup};${i.vmName}`,
      sourceResourceId: i.vmId,
      virtualMachineId: i.vmId,
      friendlyName: i.vmName,
      ...(i.policyName ? { policyId: policyId(vault, i.policyName), policyName: i.policyName } : {}),
      protectionState: i.state,
      protectionStatus: protectionStatus(i),
      healthStatus: i.healthStatus,
      ...(failure
        ? {
            healthDetails: [
              { code: failure.number, title: i.lastErrorCode, message: i.lastErrorMessage ?? failure.title, recommendations: [failure.remedy] },
            ],
          }
        : {}),
      ...(i.lastBackupStatus ? { lastBackupStatus: i.lastBackupStatus } : {}),
      ...(i.lastBackupTime ? { lastBackupTime: i.lastBackupTime } : {}),
      ...(i.lastRecoveryPoint ? { lastRecoveryPoint: i.lastRecoveryPoint } : {}),
      protectedItemDataId: i.protectedItemDataId,
      ...(i.diskExclusion ? { extendedProperties: { diskExclusionProperties: i.diskExclusion } } : {}),
      vaultId: vault.id,
      isScheduledForDeferredDelete: i.deferredDeleteAt !== undefined,
      ...(i.deferredDeleteAt
        ? {
            deferredDeleteTimeInUTC: i.deferredDeleteAt,
            deferredDeleteTimeRemaining: `${remainingDays}.00:00:00`,
            isDeferredDeleteScheduleUpcoming: (remainingDays ?? 99) <= 2,
          }
        : {}),
    },
  };
}

export function renderPolicy(vault: Vault, p: Policy, protectedItemsCount: number): unknown {
  return {
    id: policyId(vault, p.name),
    name: p.name,
    type: 'Microsoft.RecoveryServices/vaults/backupPolicies',
    properties: { ...p.properties, backupManagementType: 'AzureIaasVM', protectedItemsCount },
  };
}

function isoDuration(ms: number): string {
  return `PT${(Math.max(0, ms) / 1000).toFixed(3).replace(/\.?0+$/, '')}S`;
}

export function renderJob(vault: Vault, j: Job, nowMs: number): unknown {
  const start = Date.parse(j.startTime);
  const end = j.endTime ? Date.parse(j.endTime) : nowMs;
  return {
    id: `${vault.id}/backupJobs/${j.id}`,
    name: j.id,
    type: 'Microsoft.RecoveryServices/vaults/backupJobs',
    properties: {
      jobType: 'AzureIaaSVMJob',
      entityFriendlyName: j.vmName,
      backupManagementType: 'AzureIaasVM',
      operation: j.operation,
      status: j.status,
      startTime: j.startTime,
      ...(j.endTime ? { endTime: j.endTime } : {}),
      activityId: j.id,
      duration: isoDuration(end - start),
      virtualMachineVersion: 'Compute',
      containerName: `iaasvmcontainerv2;${j.resourceGroup};${j.vmName}`,
      isUserTriggered: j.isUserTriggered,
      actionsInfo: j.status === 'InProgress' && j.operation === 'Backup' ? ['Cancellable'] : j.status === 'Failed' ? ['Retriable'] : [],
      errorDetails: j.errorDetails,
      extendedInfo: {
        tasksList:
          j.operation === 'Backup'
            ? [
                { taskId: 'Take Snapshot', status: j.status === 'InProgress' ? 'InProgress' : j.status, duration: isoDuration((end - start) / 3) },
                { taskId: 'Transfer data to vault', status: j.status === 'InProgress' ? 'NotStarted' : j.status, duration: isoDuration(((end - start) * 2) / 3) },
              ]
            : [],
        propertyBag: {
          'VM Name': j.vmName,
          'Backup Size': j.operation === 'Backup' && j.status.startsWith('Completed') ? '10240 MB' : '0 MB',
          // Azure's job details name the disks of a selective backup (the selective disk backup page).
          ...(j.disks ? { 'Backed-up disk(s)': j.disks.included.map((d) => d.name).join('; '), 'Excluded disk(s)': j.disks.excluded.map((d) => d.name).join('; ') } : {}),
        },
        progressPercentage: j.status === 'InProgress' ? 50 : 100,
        ...(j.errorDetails[0] ? { dynamicErrorMessage: j.errorDetails[0].errorTitle } : {}),
      },
    },
  };
}

export function renderRecoveryPoint(vault: Vault, item: ProtectedItem, rp: RecoveryPoint, nowMs: number): unknown {
  const instant = Date.parse(rp.instantUntil) > nowMs;
  return {
    id: `${itemId(vault, item.resourceGroup, item.vmName)}/recoveryPoints/${rp.name}`,
    name: rp.name,
    type: 'Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems/recoveryPoints',
    properties: {
      objectType: 'IaasVMRecoveryPoint',
      recoveryPointType: rp.consistency,
      recoveryPointTime: rp.time,
      recoveryPointAdditionalInfo: '',
      sourceVMStorageType: 'NormalStorage',
      isSourceVMEncrypted: false,
      isInstantIlrSessionActive: false,
      recoveryPointTierDetails: [
        ...(instant ? [{ type: 'InstantRP', status: 'Valid' }] : []),
        { type: 'HardenedRP', status: 'Valid' },
      ],
      isManagedVirtualMachine: true,
      virtualMachineSize: rp.vmSize,
      originalStorageAccountOption: false,
      ...(rp.expiresAt ? { recoveryPointProperties: { expiryTime: rp.expiresAt } } : {}),
      ...(rp.disks
        ? {
            recoveryPointDiskConfiguration: {
              numberOfDisksIncludedInBackup: rp.disks.included.length,
              numberOfDisksAttachedToVm: rp.disks.included.length + rp.disks.excluded.length,
              includedDiskList: rp.disks.included,
              excludedDiskList: rp.disks.excluded,
            },
          }
        : {}),
    },
  };
}

/** OperationStatus for operationsStatus / backupOperations / policy operations. */
export function renderOperationStatus(op: Operation, extendedInfo: 'job' | 'jobs' | 'none'): unknown {
  return {
    id: op.id,
    name: op.id,
    status: op.status,
    startTime: op.startTime,
    // A running operation reports the zero time, as Azure does.
    endTime: op.endTime ?? '0001-01-01T00:00:00.00000Z',
    ...(op.status === 'Failed' && op.failWith ? { error: { code: op.failWith.code, message: op.failWith.message } } : {}),
    ...(extendedInfo === 'job' && op.jobId ? { properties: { objectType: 'OperationStatusJobExtendedInfo', jobId: op.jobId } } : {}),
    ...(extendedInfo === 'jobs' ? { properties: { objectType: 'OperationStatusJobsExtendedInfo', jobIds: op.jobId ? [op.jobId] : [], failedJobsError: {} } } : {}),
  };
}
