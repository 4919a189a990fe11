// What discovery saw. Produced only by provider/discovery; read by plan, drift and the views.
import type { DiskSelection } from './disks.js';
import type { PolicySettings, VaultSettingValues, VaultSpec } from './spec.js';
import type { Profile } from './supportMatrix.js';

export type PowerState = 'running' | 'stopped' | 'deallocated' | 'starting' | 'stopping' | 'deallocating' | 'unknown';
export type OsType = 'Windows' | 'Linux';
/** Azure's `recoveryPointType` values for VM recovery points, most consistent first. */
export const RECOVERY_POINT_CONSISTENCIES = ['AppConsistent', 'FileSystemConsistent', 'CrashConsistent'] as const;
export type RecoveryPointConsistency = (typeof RECOVERY_POINT_CONSISTENCIES)[number];

const CONSISTENCY_SPELLINGS: Readonly<Record<string, RecoveryPointConsistency>> = {
  appconsistent: 'AppConsistent',
  // Older emulators and other Azure services spell it out.
  applicationconsistent: 'AppConsistent',
  filesystemconsistent: 'FileSystemConsistent',
  crashconsistent: 'CrashConsistent',
};

/** A recovery point's consistency as Azure names it, whichever spelling reported it; undefined when unknown. */
export function recoveryPointConsistency(value: string | undefined): RecoveryPointConsistency | undefined {
  return value === undefined ? undefined : CONSISTENCY_SPELLINGS[value.toLowerCase()];
}

export interface ObservedVm {
  /** ARM id exactly as Compute returns it; compare with `sameArmId`. */
  readonly id: string;
  readonly name: string;
  readonly resourceGroup: string;
  readonly location: string;
  readonly osType: OsType;
  /** OS image, e.g. "WindowsServer 2019-Datacenter"; used to tell unsupported operating systems. */
  readonly osImage?: string;
  readonly powerState: PowerState;
  /** Version reported by the VM agent; undefined when no agent is present. */
  readonly agentVersion?: string;
  /** Agent status as displayed by Compute, e.g. "Ready" or "Not Ready". */
  readonly agentStatus?: string;
  /**
   * True when the VM came from Resource Graph, which does not carry the agent, and Compute was not asked either: the
   * agent facts above are unknown, not absent, and apply checks them on the VM it reads before its first write.
   */
  readonly agentUnread?: boolean;
  readonly dataDisks: number;
  /** LUNs of the data disks; absent when Compute did not list them, then 0 .. dataDisks - 1. */
  readonly dataDiskLuns?: readonly number[];
  /** Storage SKU of the OS disk, e.g. "Standard_LRS", "Premium_LRS". */
  readonly storageSku: string;
  /** Storage SKUs of the data disks, e.g. "PremiumV2_LRS", "UltraSSD_LRS" (managed disks only). */
  readonly dataDiskSkus: readonly string[];
  /** Compute's securityProfile.securityType ("TrustedLaunch", "ConfidentialVM"); undefined for a standard VM. */
  readonly securityType?: string;
  readonly nicCount: number;
  readonly loadBalanced: boolean;
  readonly tags: Readonly<Record<string, string>>;
  /** The backup extension (VMSnapshot / VMSnapshotLinux) is installed and succeeded. */
  readonly backupExtension: boolean;
  /** The VM's container is registered with the vault. */
  readonly registered: boolean;
  /** The vault offers the VM as a protectable item (same region, not yet protected). */
  readonly protectable: boolean;
  /** Another vault protects the VM or holds its registration, as Azure's backupStatus reports it. */
  readonly otherVault?: OtherVault;
}

/** The LUNs of a VM's data disks. */
export function vmDataDiskLuns(vm: Pick<ObservedVm, 'dataDisks' | 'dataDiskLuns'>): readonly number[] {
  return vm.dataDiskLuns ?? Array.from({ length: vm.dataDisks }, (_, lun) => lun);
}

/** The vault a VM belongs to when it is not the observed one. */
export interface OtherVault {
  /** ARM id of that vault. */
  readonly id: string;
  readonly name: string;
  readonly resourceGroup: string;
  /** backupStatus's protectionStatus there, e.g. "Protected"; "NotProtected" when the VM is only registered. */
  readonly protectionStatus: string;
}

/** "protected by vault rg/name", or "registered with vault rg/name" when that vault holds only the registration. */
export function describeOtherVault(other: OtherVault): string {
  const where = `vault ${other.resourceGroup}/${other.name}`;
  return isProtectedThere(other) ? `protected by ${where}` : `registered with ${where}`;
}

/** backupStatus says Protected or Protecting; anything else with a vault id is a registration only. */
export function isProtectedThere(other: OtherVault): boolean {
  return /^protect(ed|ing)$/i.test(other.protectionStatus);
}

export interface ObservedPolicy {
  readonly id: string;
  readonly name: string;
  /** Undefined when the policy is not an Azure IaaS VM policy vmbackup can model. */
  readonly settings?: PolicySettings;
  readonly protectedItemsCount: number;
}

export type ProtectionState =
  | 'IRPending' | 'Protected' | 'ProtectionError' | 'ProtectionStopped' | 'ProtectionPaused' | 'BackupsSuspended' | 'Invalid';

export interface ObservedProtectedItem {
  /** ARM id of the protected item. */
  readonly id: string;
  /** e.g. "VM;iaasvmcontainerv2;rg;vm". */
  readonly name: string;
  /** e.g. "IaasVMContainer;iaasvmcontainerv2;rg;vm". */
  readonly containerName: string;
  readonly vmId: string;
  readonly friendlyName: string;
  readonly policyId?: string;
  readonly policyName?: string;
  readonly protectionState: ProtectionState;
  readonly healthStatus?: string;
  readonly lastBackupStatus?: string;
  readonly lastBackupTime?: string;
  readonly lastRecoveryPoint?: string;
  /** Newest recovery point, when discovery was asked for recovery points. */
  readonly latestRecoveryPoint?: { readonly time: string; readonly consistency: RecoveryPointConsistency | string };
  readonly recoveryPoints?: readonly { readonly name: string; readonly time: string; readonly consistency: string }[];
  /** Soft-deleted item, data kept until `deferredDeleteTime`. */
  readonly softDeleted: boolean;
  /** The disks the item backs up (extendedProperties.diskExclusionProperties); absent means every disk. */
  readonly disks?: DiskSelection;
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

/** The policy an item is protected with: its policyName, else the last segment of its policyId (older answers carry only that). */
export function itemPolicyName(item: { readonly policyName?: string; readonly policyId?: string }): string | undefined {
  return item.policyName || item.policyId?.split('/').pop() || undefined;
}

export type JobStatus = 'InProgress' | 'Completed' | 'Failed' | 'CompletedWithWarnings' | 'Cancelled' | 'Cancelling' | 'Invalid';

export interface ObservedJob {
  readonly id: string;
  readonly name: string;
  readonly operation: string;
  readonly status: JobStatus;
  readonly vmName: string;
  readonly vmId?: string;
  readonly startTime: string;
  readonly endTime?: string;
  readonly durationSeconds?: number;
  readonly errors: readonly { readonly code: string; readonly message: string; readonly recommendations: readonly string[] }[];
}

export interface ObservedVault {
  readonly id: string;
  readonly name: string;
  readonly resourceGroup: string;
  readonly subscriptionId: string;
  readonly location: string;
  /** The vault's safety settings as its Resource Manager resource reports them; absent when it reports none. */
  readonly settings?: VaultSettingValues;
}

export interface Observation {
  /** Service time at which the observation was made (the emulator's clock, or Azure's Date header). */
  readonly observedAt: string;
  /** What the observed world supports: the emulator's profile, `modern` for Azure. */
  readonly profile: Profile;
  readonly vault: ObservedVault;
  readonly vms: readonly ObservedVm[];
  readonly policies: readonly ObservedPolicy[];
  readonly protectedItems: readonly ObservedProtectedItem[];
  /** Jobs within the window discovery was asked for (default: the last 24 hours and all in progress). */
  readonly jobs: readonly ObservedJob[];
  /** API calls made to build this observation, by operation name. */
  readonly apiCalls: Readonly<Record<string, number>>;
}

/** What discovery saw of one declared vault: its own observation, whose VMs are those of the vault's subscription. */
export interface VaultObservation {
  readonly vault: VaultSpec;
  readonly observation: Observation;
}

export interface EstateObservation {
  readonly observedAt: string;
  readonly profile: Profile;
  /** One per declared vault, in the spec's order. */
  readonly vaults: readonly VaultObservation[];
  /** Every VM of the scope's subscriptions, once. */
  readonly vms: readonly ObservedVm[];
  readonly apiCalls: Readonly<Record<string, number>>;
}
