// The one mapper from the SDK's models to vmbackup's own types: every fact discovery and apply read of a VM,
// an item, a policy or a job ("backup extension installed", "the item's policy", its protection state) is
// derived here, once.
import type { VirtualMachine, VirtualMachineInstanceView } from '@azure/arm-compute';
import type { Vault } from '@azure/arm-recoveryservices';
import type {
  AzureIaaSVMJob,
  AzureIaaSVMProtectedItem,
  IaasVMRecoveryPoint,
  IaaSVMContainer,
  JobResource,
  ProtectedItemResource,
  ProtectionContainerResource,
  ProtectionPolicyResource,
  RecoveryPointResource,
} from '@azure/arm-recoveryservicesbackup';
import {
  azureCodeRemedy,
  itemPolicyName,
  parseArmId,
  vmArmId,
  type JobStatus,
  type ObservedJob,
  type ObservedPolicy,
  type ObservedProtectedItem,
  type ObservedVm,
  type OsType,
  type PowerState,
  type ProtectionState,
  type ImmutabilitySetting,
  type SoftDeleteSetting,
  type StorageRedundancy,
  type VaultSettingValues,
} from '../core/index.js';
import { disksFromAzure } from './diskMapping.js';
import { jobErrorCode } from './operations.js';
import { policyFromAzure } from './policyMapping.js';

/** What Compute says of a VM; the vault adds whether it is registered, protectable or held by another vault. */
export type VmRecord = Omit<ObservedVm, 'registered' | 'protectable' | 'otherVault'>;

const BACKUP_EXTENSION_TYPES = new Set(['vmsnapshot', 'vmsnapshotlinux']);
const SUCCEEDED = 'provisioningstate/succeeded';

export function toVm(vm: VirtualMachine, view: VirtualMachineInstanceView | undefined): VmRecord {
  const id = vm.id!;
  const image = vm.storageProfile?.imageReference;
  const nicConfigs = vm.networkProfile?.networkInterfaceConfigurations ?? [];
  const agent = view?.vmAgent;
  const agentVersion = agent?.vmAgentVersion && agent.vmAgentVersion.toLowerCase() !== 'unknown' ? agent.vmAgentVersion : undefined;
  return {
    id,
    name: vm.name ?? parseArmId(id).virtualmachines,
    resourceGroup: parseArmId(id).resourcegroups,
    location: vm.location,
    osType: osTypeOf(vm),
    osImage: image ? [image.publisher, image.offer, image.sku, image.version].filter(Boolean).join(':') : undefined,
    powerState: powerStateOf(view),
    agentVersion,
    agentStatus: agent?.statuses?.[0]?.displayStatus,
    dataDisks: vm.storageProfile?.dataDisks?.length ?? 0,
    dataDiskLuns: (vm.storageProfile?.dataDisks ?? []).map((d) => d.lun),
    storageSku: vm.storageProfile?.osDisk?.managedDisk?.storageAccountType ?? 'Standard_LRS',
    dataDiskSkus: (vm.storageProfile?.dataDisks ?? []).flatMap((d) => (d.managedDisk?.storageAccountType ? [d.managedDisk.storageAccountType] : [])),
    ...(vm.securityProfile?.securityType ? { securityType: vm.securityProfile.securityType } : {}),
    nicCount: Math.max(vm.networkProfile?.networkInterfaces?.length ?? 0, nicConfigs.length),
    loadBalanced: nicConfigs.some((n) => (n.ipConfigurations ?? []).some((ip) => (ip.loadBalancerBackendAddressPools?.length ?? 0) > 0)),
    tags: vm.tags ?? {},
    backupExtension: hasBackupExtension(vm, view),
  };
}

/** A VM as Compute's REST API sends it (a list item, or a Resource Graph row): the SDK's model before flattening. */
export interface RestVm {
  readonly id: string;
  readonly name?: string;
  readonly location?: string;
  readonly tags?: Record<string, string>;
  readonly properties?: Record<string, any>;
  /** The VM's extensions, in a list with the model. */
  readonly resources?: readonly { readonly name?: string; readonly properties?: { readonly type?: string; readonly provisioningState?: string } }[];
}

/** A REST object whose `properties` the SDK flattens into it (x-ms-client-flatten). */
function flatten<T extends Record<string, any>>(o: T): Record<string, any> {
  const { properties, ...rest } = o;
  return { ...rest, ...(properties ?? {}) };
}

/**
 * The VM as the Compute SDK models it, from its REST body: the `properties` bags the SDK flattens, at the top, in
 * the network profile the mapper reads (NICs, their IP configurations) and in its extensions. Large lists are read
 * this way, without the SDK's deserializer walking every member of every VM.
 */
export function vmFromRest(vm: RestVm): VirtualMachine {
  const properties = vm.properties ?? {};
  const network = properties.networkProfile ?? {};
  return {
    id: vm.id,
    name: vm.name,
    location: vm.location ?? '',
    tags: vm.tags ?? {},
    ...properties,
    networkProfile: {
      ...network,
      networkInterfaces: (network.networkInterfaces ?? []).map(flatten),
      networkInterfaceConfigurations: (network.networkInterfaceConfigurations ?? []).map((nic: Record<string, any>) => {
        const flat = flatten(nic);
        return { ...flat, ipConfigurations: (flat.ipConfigurations ?? []).map(flatten) };
      }),
    },
    ...(vm.resources ? { resources: vm.resources.map((r) => ({ name: r.name, typePropertiesType: r.properties?.type, provisioningState: r.properties?.provisioningState })) } : {}),
  } as VirtualMachine;
}

function osTypeOf(vm: VirtualMachine): OsType {
  const t = vm.storageProfile?.osDisk?.osType ?? (vm.osProfile?.windowsConfiguration ? 'Windows' : 'Linux');
  return t === 'Windows' ? 'Windows' : 'Linux';
}

const POWER_STATES: readonly PowerState[] = ['running', 'stopped', 'deallocated', 'starting', 'stopping', 'deallocating'];

function powerStateOf(view: VirtualMachineInstanceView | undefined): PowerState {
  const code = view?.statuses?.find((s) => s.code?.toLowerCase().startsWith('powerstate/'))?.code?.slice('PowerState/'.length).toLowerCase();
  return POWER_STATES.find((p) => p === code) ?? 'unknown';
}

/**
 * The extension as the instance view reports it (its extensions, else the agent's handlers), or else
 * as the VM model lists it.
 */
function hasBackupExtension(vm: VirtualMachine, view: VirtualMachineInstanceView | undefined): boolean {
  const isBackup = (type: string | undefined) => BACKUP_EXTENSION_TYPES.has((type ?? '').split('.').pop()!.toLowerCase());
  if (view?.extensions) {
    return view.extensions.some((e) => isBackup(e.type ?? e.name) && e.statuses?.some((s) => s.code?.toLowerCase() === SUCCEEDED));
  }
  if (view?.vmAgent?.extensionHandlers) {
    return view.vmAgent.extensionHandlers.some((h) => isBackup(h.type) && h.status?.code?.toLowerCase() === SUCCEEDED);
  }
  return vm.resources?.some((r) => isBackup(r.typePropertiesType ?? r.name) && r.provisioningState?.toLowerCase() === 'succeeded') ?? false;
}

/** The VM a container stands for, when it is registered with the vault: its virtualMachineId, or its name "…;iaasvmcontainerv2;{rg};{vm}". */
export function registeredVmId(subscriptionId: string, c: ProtectionContainerResource): string | undefined {
  if (c.properties?.registrationStatus?.toLowerCase() !== 'registered') return undefined;
  return (c.properties as IaaSVMContainer | undefined)?.virtualMachineId ?? vmIdFromContainerName(subscriptionId, c.name);
}

function vmIdFromContainerName(subscriptionId: string, name: string | undefined): string | undefined {
  const parts = name?.split(';') ?? [];
  return parts.length >= 3 ? vmArmId(subscriptionId, parts.at(-2)!, parts.at(-1)!) : undefined;
}

const PROTECTION_STATES: readonly ProtectionState[] = ['IRPending', 'Protected', 'ProtectionError', 'ProtectionStopped', 'ProtectionPaused', 'BackupsSuspended'];

export function toProtectedItem(subscriptionId: string, item: ProtectedItemResource): ObservedProtectedItem {
  const p = (item.properties ?? {}) as Partial<AzureIaaSVMProtectedItem>;
  const containerName = p.containerName ?? parseArmId(item.id ?? '').protectioncontainers ?? '';
  const vmId = p.sourceResourceId ?? p.virtualMachineId ?? vmIdFromContainerName(subscriptionId, containerName) ?? '';
  const health = p.healthDetails?.[0];
  const state = PROTECTION_STATES.find((s) => s.toLowerCase() === p.protectionState?.toLowerCase()) ?? 'Invalid';
  return {
    id: item.id ?? '',
    name: item.name ?? '',
    containerName: fullContainerName(containerName),
    vmId,
    friendlyName: p.friendlyName ?? parseArmId(vmId).virtualmachines ?? '',
    policyId: p.policyId || undefined,
    policyName: itemPolicyName(p),
    protectionState: state,
    healthStatus: p.healthStatus,
    lastBackupStatus: p.lastBackupStatus,
    lastBackupTime: iso(p.lastBackupTime),
    lastRecoveryPoint: iso(p.lastRecoveryPoint),
    softDeleted: p.isScheduledForDeferredDelete ?? false,
    disks: disksFromAzure(p.extendedProperties),
    errorCode: health?.title,
    errorMessage: health?.message,
  };
}

/** Items report "iaasvmcontainerv2;rg;vm"; URLs need the "IaasVMContainer;" prefix. */
function fullContainerName(name: string): string {
  return name.toLowerCase().startsWith('iaasvmcontainer;') || name === '' ? name : `IaasVMContainer;${name}`;
}

function iso(d: Date | string | undefined): string | undefined {
  if (d === undefined) return undefined;
  const date = d instanceof Date ? d : new Date(d);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** An item with its recovery points, newest first, and the newest one. */
export function withRecoveryPoints(item: ObservedProtectedItem, points: readonly RecoveryPointResource[]): ObservedProtectedItem {
  const recoveryPoints = points
    .map((rp) => {
      const p = rp.properties as IaasVMRecoveryPoint | undefined;
      return { name: rp.name ?? '', time: iso(p?.recoveryPointTime) ?? '', consistency: p?.recoveryPointType ?? 'Unknown' };
    })
    .sort((a, b) => b.time.localeCompare(a.time));
  const latest = recoveryPoints[0];
  return { ...item, recoveryPoints, ...(latest ? { latestRecoveryPoint: { time: latest.time, consistency: latest.consistency } } : {}) };
}

export function toPolicy(p: ProtectionPolicyResource): ObservedPolicy {
  return {
    id: p.id ?? '',
    name: p.name ?? '',
    settings: policyFromAzure(p),
    protectedItemsCount: p.properties?.protectedItemsCount ?? 0,
  };
}

const JOB_STATES: readonly JobStatus[] = ['InProgress', 'Completed', 'Failed', 'CompletedWithWarnings', 'Cancelled', 'Cancelling'];

export function toJob(subscriptionId: string, j: JobResource): ObservedJob {
  const p = (j.properties ?? {}) as Partial<AzureIaaSVMJob>;
  const vmId = vmIdFromContainerName(subscriptionId, p.containerName);
  return {
    id: j.id ?? '',
    name: j.name ?? '',
    operation: p.operation ?? 'Invalid',
    status: JOB_STATES.find((s) => s === p.status) ?? 'Invalid',
    vmName: p.entityFriendlyName ?? (vmId ? parseArmId(vmId).virtualmachines : ''),
    ...(vmId ? { vmId } : {}),
    startTime: iso(p.startTime) ?? '',
    endTime: iso(p.endTime),
    durationSeconds: durationSeconds(p.duration),
    errors: (p.errorDetails ?? []).map((e) => {
      const code = jobErrorCode(e) ?? '';
      // Our remedy where the table has one, so jobs, the dashboard and drift say the same; else the service's.
      const remedy = azureCodeRemedy(code);
      return { code, message: e.errorTitle ?? e.errorString ?? '', recommendations: remedy ? [remedy] : (e.recommendations ?? []) };
    }),
  };
}

/** ISO 8601 durations as jobs report them, e.g. "PT12.4272909S", "PT1H2M". */
export function durationSeconds(d: string | undefined): number | undefined {
  const m = d ? /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?)?$/.exec(d) : null;
  if (!m) return undefined;
  return Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
}

/** Azure's soft delete states as vmbackup names them (Vaults' softDeleteState, backupconfig's softDeleteFeatureState). */
export const SOFT_DELETE_STATES: Readonly<Record<SoftDeleteSetting, string>> = { on: 'Enabled', alwaysOn: 'AlwaysON', off: 'Disabled' };
/** Azure's immutability states (securitySettings.immutabilitySettings.state). */
export const IMMUTABILITY_STATES: Readonly<Record<ImmutabilitySetting, string>> = { disabled: 'Disabled', unlocked: 'Unlocked', locked: 'Locked' };

function settingOf<T extends string>(states: Readonly<Record<T, string>>, azure: string | undefined): T | undefined {
  return (Object.keys(states) as T[]).find((k) => states[k].toLowerCase() === azure?.toLowerCase());
}

/**
 * The vault's safety settings from its Resource Manager resource: Azure reports them all on the vault, so reading
 * them costs no call of its own. Undefined when the answer lacks soft delete or redundancy (an older api-version);
 * immutability absent means it was never enabled.
 */
export function toVaultSettings(v: Vault): VaultSettingValues | undefined {
  const softDelete = settingOf(SOFT_DELETE_STATES, v.properties?.securitySettings?.softDeleteSettings?.softDeleteState);
  const storageRedundancy = v.properties?.redundancySettings?.standardTierStorageRedundancy as StorageRedundancy | undefined;
  if (softDelete === undefined || storageRedundancy === undefined) return undefined;
  return {
    softDelete,
    immutability: settingOf(IMMUTABILITY_STATES, v.properties?.securitySettings?.immutabilitySettings?.state) ?? 'disabled',
    storageRedundancy,
    crossRegionRestore: v.properties?.redundancySettings?.crossRegionRestore?.toLowerCase() === 'enabled',
  };
}
