// The emulator's domain records. Handlers render them into ARM shapes; the store persists them.

export type Profile = 'classic' | 'modern';
export type PowerState = 'running' | 'stopped' | 'deallocated';
export type OsType = 'Windows' | 'Linux';

export interface VmExtension {
  readonly name: string;
  readonly publisher: string;
  readonly type: string;
  readonly typeHandlerVersion: string;
  readonly autoUpgradeMinorVersion: boolean;
  provisioningState: 'Creating' | 'Updating' | 'Deleting' | 'Succeeded' | 'Failed';
}

export interface Vm {
  /** ARM id as Compute writes it. */
  readonly id: string;
  readonly name: string;
  readonly resourceGroup: string;
  readonly location: string;
  readonly os: OsType;
  /** "publisher:offer:sku:version". */
  readonly image: string;
  readonly vmSize: string;
  powerState: PowerState;
  /** Undefined: no VM agent. */
  readonly agentVersion?: string;
  readonly dataDisks: number;
  /** OS disk storage SKU. */
  readonly storageSku: string;
  /** Data disks' storage SKU (Premium SSD v2 and Ultra exist only as data disks); default: storageSku. */
  readonly dataDiskSku?: string;
  readonly nics: number;
  readonly loadBalancer?: string;
  /** Compute's securityProfile.securityType; undefined for a standard VM. */
  readonly securityType?: 'TrustedLaunch';
  /** False for images Azure Backup cannot install its extension on. */
  readonly osSupported: boolean;
  /** A failure of the guide that the VM's backups run into (fleet or `PATCH /admin/virtualMachines/...`). */
  readonly backupFailure?: BackupFailure;
  readonly tags: Record<string, string>;
  /** Compute's GUID for the VM. */
  readonly vmId: string;
  readonly createdAt: string;
  extensions: Record<string, VmExtension>;
}

export type SoftDeleteState = 'Enabled' | 'Disabled' | 'AlwaysON';

/** The vault's backup config (`backupconfig/vaultconfig`). */
export interface VaultBackupConfig {
  readonly softDeleteFeatureState: SoftDeleteState;
  readonly enhancedSecurityState: 'Enabled' | 'Disabled';
  readonly softDeleteRetentionPeriodInDays: number;
}

export type StorageType = 'LocallyRedundant' | 'ZoneRedundant' | 'GeoRedundant';
export type ImmutabilityState = 'Disabled' | 'Unlocked' | 'Locked';

/** The vault's backup storage config (`backupstorageconfig/vaultstorageconfig`). */
export interface VaultStorageConfig {
  readonly storageType: StorageType;
  readonly crossRegionRestore: boolean;
}

/**
 * Failures the guide describes for a VM's backups: the snapshot times out (the agent does not answer, or the
 * VM has no network), the copy to the vault times out, VSS fails (Windows gets a file-system-consistent
 * point), or the VM agent broke after protection.
 */
export type BackupFailure = 'snapshotTimeout' | 'snapshotNoNetwork' | 'vhdCopyTimeout' | 'vssFailure' | 'agentBroken';

export interface Vault {
  readonly id: string;
  readonly name: string;
  readonly resourceGroup: string;
  readonly location: string;
  readonly tags: Record<string, string>;
  /** Clock time (ms) of the last completed discovery; VMs created later are not offered yet. */
  discoveredAt?: number;
  /** Undefined: Azure's defaults for a new vault. */
  backupConfig?: VaultBackupConfig;
  /** Undefined: a new vault's storage, geo-redundant without Cross Region Restore. */
  storageConfig?: VaultStorageConfig;
  /** Undefined: immutability never enabled. */
  immutability?: ImmutabilityState;
  /** Every discovery (refreshContainers) ends Failed with the guide's internal error. */
  readonly discoveryFailure?: boolean;
  /** Clock times (ms) of the policy creations and edits of the last 24 hours, oldest first (vaultLimits.ts). */
  readonly policyWrites?: readonly number[];
}

export interface Container {
  readonly vaultId: string;
  readonly vmId: string;
  readonly vmName: string;
  readonly resourceGroup: string;
  registrationStatus: 'Registered' | 'Registering' | 'NotRegistered';
  readonly registeredAt: string;
}

export type ItemState = 'IRPending' | 'Protected' | 'ProtectionError' | 'ProtectionStopped';

/** Selective disk backup as the item's PUT wrote it (extendedProperties.diskExclusionProperties). */
export interface DiskExclusion {
  readonly diskLunList: readonly number[];
  /** True: back up the OS disk and these LUNs (none: the OS disk only); false: every disk but these. */
  readonly isInclusionList: boolean;
}

/** A disk as a recovery point's recoveryPointDiskConfiguration lists it; the OS disk has LUN -1. */
export interface DiskInfo {
  readonly lun: number;
  readonly name: string;
}

export interface ProtectedItem {
  readonly vaultId: string;
  /** ARM id of the source VM (kept after the VM is deleted). */
  readonly vmId: string;
  readonly vmName: string;
  readonly resourceGroup: string;
  readonly vmLocation: string;
  policyName?: string;
  state: ItemState;
  healthStatus: 'Passed' | 'ActionRequired' | 'ActionSuggested';
  lastBackupStatus?: 'Completed' | 'Failed';
  lastBackupTime?: string;
  lastRecoveryPoint?: string;
  lastErrorCode?: string;
  lastErrorMessage?: string;
  /** Clock time the item was (re)configured; scheduled runs before it do not apply. */
  configuredAt: number;
  protectedItemDataId: string;
  /** Soft delete: data kept until deferredDeleteAt. */
  deferredDeleteAt?: string;
  /** Undefined: every disk is backed up. */
  diskExclusion?: DiskExclusion;
}

export interface JobErrorDetail {
  readonly errorCode: number;
  readonly errorString: string;
  readonly errorTitle: string;
  readonly recommendations: readonly string[];
}

export type JobOperation = 'Register' | 'UnRegister' | 'ConfigureBackup' | 'Backup' | 'DisableBackup' | 'DeleteBackupData';
export type JobStatus = 'InProgress' | 'Completed' | 'Failed' | 'CompletedWithWarnings' | 'Cancelling' | 'Cancelled';

export interface Job {
  readonly id: string;
  readonly vaultId: string;
  readonly operation: JobOperation;
  status: JobStatus;
  readonly vmId: string;
  readonly vmName: string;
  readonly resourceGroup: string;
  readonly startTime: string;
  endTime?: string;
  /** Clock ms when the job ends; the tick completes it then. */
  readonly dueMs: number;
  readonly isUserTriggered: boolean;
  errorDetails: JobErrorDetail[];
  /** What ending the job does: a backup makes a recovery point or fails. */
  readonly backup?: { readonly expiresAt?: string };
  /** The disks a backup of an item with a disk selection held, shown in the job's details. */
  readonly disks?: RecoveryPoint['disks'];
}

/** Azure's recoveryPointType values. */
export type Consistency = 'AppConsistent' | 'FileSystemConsistent' | 'CrashConsistent';

export interface RecoveryPoint {
  /** Numeric string, as Azure names them. */
  readonly name: string;
  readonly itemKey: string;
  readonly time: string;
  readonly consistency: Consistency;
  readonly expiresAt?: string;
  readonly vmSize: string;
  readonly instantUntil: string;
  /** The disks the point holds, recorded when its item backs up a selection of disks. */
  readonly disks?: { readonly included: readonly DiskInfo[]; readonly excluded: readonly DiskInfo[] };
}

export type OperationStatus = 'InProgress' | 'Succeeded' | 'Failed' | 'Canceled';

export type OperationKind =
  | 'refresh'
  | 'register'
  | 'unregister'
  | 'protect'
  | 'stopProtection'
  | 'deleteItem'
  | 'undelete'
  | 'backup'
  | 'policyUpdate'
  | 'policyDelete'
  | 'extension'
  | 'extensionDelete'
  | 'cancelJob'
  | 'vmPower'
  | 'vmDelete';

export interface Operation {
  readonly id: string;
  readonly kind: OperationKind;
  /** What the operation works on; at most one InProgress operation per target (the lower-cased key). */
  readonly target: string;
  status: OperationStatus;
  readonly startTime: string;
  endTime?: string;
  readonly dueMs: number;
  readonly jobId?: string;
  /** Failure to report when the operation ends, decided when it was accepted. */
  readonly failWith?: { readonly code: string; readonly message: string };
  /** Kind-specific arguments for the completion effect. */
  readonly args: Record<string, unknown>;
}

/** A policy stored as written by the client (AzureIaaSVMProtectionPolicy properties). */
export interface Policy {
  readonly vaultId: string;
  readonly name: string;
  properties: Record<string, unknown>;
  readonly createdAt: string;
}

export interface Faults {
  /** Share of requests answered with 500 (0..1). Default 0. */
  internalErrorRate?: number;
  /** Which requests the internal errors hit. Default 'all'. */
  internalErrorOn?: 'all' | 'reads' | 'writes';
  /** ARM's token buckets; off by default. */
  throttling?: boolean;
  /** Bucket sizes and refill rates per second; defaults are ARM's (reads 250 / 25 per s, writes 200 / 10 per s). */
  readBucket?: number;
  readRefillPerSecond?: number;
  writeBucket?: number;
  writeRefillPerSecond?: number;
  /** Added to every request, in ms. Default 0. */
  latencyMs?: number;
  /** PRNG seed for repeatable internal errors. Default 1. */
  seed?: number;
}
