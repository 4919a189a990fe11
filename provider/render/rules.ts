// What each drift category and pre-flight code means, written once for every view (titles, SARIF rules).
import type { DriftCategory, PreflightCode } from '../core/index.js';

export type Level = 'error' | 'warning' | 'note';

export interface RuleInfo {
  /** Short title, e.g. "Declared but unprotected". */
  readonly title: string;
  readonly description: string;
  /** The general remedy; each finding carries its own, more specific one. */
  readonly help: string;
  readonly level: Level;
}

/** Azure Backup's troubleshooting guide for VMs, where every error code and precondition is explained. */
export const HELP_URI = 'https://learn.microsoft.com/azure/backup/backup-azure-vms-troubleshoot';

/** Order in which reports list the categories: what leaves VMs without backups first. */
export const DRIFT_RULES: Readonly<Record<DriftCategory, RuleInfo>> = {
  declaredUnprotected: {
    title: 'Declared but unprotected',
    description: 'A VM the spec declares is not protected by Azure Backup.',
    help: 'Run `vmbackup apply` to register the VM and enable protection with the declared policy. If the plan shows the action blocked, fix its pre-flight finding first.',
    level: 'error',
  },
  protectedByOtherVault: {
    title: 'Protected by another vault',
    description: 'A VM the spec declares is protected by, or registered with, another vault; a VM belongs to one vault at a time.',
    help: 'Leave the VM to the other vault, or move it: delete its backup data there, wait for the soft-delete period to end, let vmbackup unregister it there, then apply here.',
    level: 'error',
  },
  protectionStopped: {
    title: 'Protection stopped',
    description: "A declared VM's protection was stopped: no new backups are taken.",
    help: 'Run `vmbackup apply` to resume protection with the declared policy.',
    level: 'error',
  },
  protectionError: {
    title: 'Protection error',
    description: "Azure Backup reports an error for the VM's protection.",
    help: 'Follow the remedy for the Azure Backup error code, then run a backup or wait for the next scheduled one.',
    level: 'error',
  },
  lastBackupFailed: {
    title: 'Last backup failed',
    description: "The VM's most recent backup job failed.",
    help: 'Fix the cause named by the job\'s error code (see `vmbackup jobs --status Failed`); the next scheduled backup then succeeds.',
    level: 'error',
  },
  recoveryPointOverdue: {
    title: 'Recovery point overdue',
    description: "No recovery point within the policy's backup interval plus the grace period.",
    help: "Check the VM's backup jobs (`vmbackup jobs --status Failed`) and fix their errors; make sure the VM agent and the backup extension are healthy.",
    level: 'error',
  },
  wrongPolicy: {
    title: 'Wrong policy',
    description: 'A protected VM uses another backup policy than the spec declares.',
    help: 'Run `vmbackup apply` to assign the declared policy, or change the rule in the spec if the current policy is intended.',
    level: 'error',
  },
  disksChanged: {
    title: 'Disk selection changed',
    description: "A protected VM backs up other disks than its rule's `disks:` declares.",
    help: "Run `vmbackup apply` to restore the declared selection, or write the new one into the rule's `disks:`.",
    level: 'warning',
  },
  policyMissing: {
    title: 'Policy missing',
    description: 'A policy the spec declares does not exist in the vault.',
    help: 'Run `vmbackup apply` to create the policy in the vault.',
    level: 'error',
  },
  policyChanged: {
    title: 'Policy changed out of band',
    description: "A policy's schedule or retention in the vault differs from the spec.",
    help: 'Run `vmbackup apply` to restore the declared settings, or write the settings you want to keep into the spec.',
    level: 'warning',
  },
  consistencyDegraded: {
    title: 'Consistency degraded',
    description: 'The latest recovery point is less consistent than the VM should give.',
    help: 'Keep the VM running at backup time, and make sure its agent works (VSS on Windows, pre/post scripts on Linux).',
    level: 'warning',
  },
  noVault: {
    title: 'Declared VM without a vault',
    description: "A rule declares the VM, but no declared vault is in the VM's subscription and region.",
    help: "Declare a vault of the VM's subscription and region under `vaults:`, or exclude the VM from the rule.",
    level: 'error',
  },
  uncovered: {
    title: 'VM without backup',
    description: 'A VM in scope is neither protected, declared by a rule, nor exempt.',
    help: 'Declare the VM in a rule, or list it under `exempt:` with the reason it needs no backup.',
    level: 'error',
  },
  vaultSettings: {
    title: 'Vault setting differs',
    description: "A vault's own safety setting (soft delete, immutability, storage redundancy, Cross Region Restore) differs from the spec.",
    help: 'Run `vmbackup apply` to write the declared setting (a weaker one needs --allow-weaker-vault-settings), or write the vault\'s value in the spec.',
    level: 'error',
  },
  exemptionUnused: {
    title: 'Exemption matches nothing',
    description: 'An `exempt:` entry matches no VM in scope.',
    help: 'Remove the exemption, or correct its picks and selector.',
    level: 'warning',
  },
  undeclaredProtected: {
    title: 'Protected but undeclared',
    description: 'A VM is protected in the vault but no rule of the spec declares it.',
    help: 'Add the VM to a rule of the spec, or add a `stopProtection` entry for it (its backup data is retained).',
    level: 'warning',
  },
};

export const DRIFT_CATEGORIES = Object.keys(DRIFT_RULES) as DriftCategory[];

export const PREFLIGHT_RULES: Readonly<Record<PreflightCode, RuleInfo>> = {
  VmNotFound: {
    title: 'VM not found',
    description: 'The VM the spec names does not exist in the subscription.',
    help: 'Check the resource group and name (or the ARM id) the spec gives for the VM.',
    level: 'error',
  },
  VmNotRunning: {
    title: 'VM not running',
    description: 'In the guide\'s world (the classic profile) Azure Backup registers and protects only running VMs.',
    help: 'Start the VM, then run `vmbackup apply` again.',
    level: 'error',
  },
  AgentMissing: {
    title: 'VM agent missing',
    description: 'The VM has no Azure VM agent, which the backup extension needs.',
    help: 'Install the Azure VM agent on the VM, then run `vmbackup apply` again.',
    level: 'error',
  },
  AgentOutdated: {
    title: 'VM agent outdated',
    description: 'The VM agent is older than the oldest version the target supports (2.6.1198.718 in the guide\'s world).',
    help: 'Update the Azure VM agent, then run `vmbackup apply` again.',
    level: 'error',
  },
  TooManyDataDisks: {
    title: 'Too many data disks',
    description: 'The VM has more data disks than Azure Backup protects (5 in the guide\'s world, 32 today).',
    help: 'Detach data disks down to the limit, or protect the data another way.',
    level: 'error',
  },
  PremiumStorageUnsupported: {
    title: 'Premium storage unsupported',
    description: 'In the guide\'s world (the classic profile) VMs on Premium storage are not supported; protecting one ends in an internal error.',
    help: 'Move the VM to Standard storage, or leave it out of the spec.',
    level: 'error',
  },
  MultipleNicsUnsupported: {
    title: 'Several NICs unsupported',
    description: 'In the guide\'s world (the classic profile) VMs with several network interfaces are not supported; protecting one ends in an internal error.',
    help: 'Reduce the VM to one network interface, or leave it out of the spec.',
    level: 'error',
  },
  LoadBalancerUnsupported: {
    title: 'Load-balanced VM unsupported',
    description: 'In the guide\'s world (the classic profile) load-balanced VMs are not supported; protecting one ends in an internal error.',
    help: 'Take the VM out of the load balancer, or leave it out of the spec.',
    level: 'error',
  },
  UnsupportedOs: {
    title: 'Unsupported operating system',
    description: "The VM's operating system is not supported; installing the backup extension times out.",
    help: 'Protect only VMs with a supported Windows or Linux distribution.',
    level: 'error',
  },
  OtherRegion: {
    title: 'Other region than the vault',
    description: "A vault protects only VMs in its own region.",
    help: "Protect the VM with a vault in the VM's region.",
    level: 'error',
  },
  ProtectedByOtherVault: {
    title: 'Protected by another vault',
    description: 'Another vault protects the VM or holds its registration; a VM belongs to one vault at a time.',
    help: 'Stop its protection there; to move it here, delete its backup data there, wait for the soft-delete period to end, unregister it there, then apply here.',
    level: 'error',
  },
  OperationInProgress: {
    title: 'Operation in progress',
    description: 'Another operation runs on the VM; Azure Backup allows one at a time.',
    help: 'Wait for the running operation to finish, then run `vmbackup apply` again.',
    level: 'warning',
  },
  EnhancedPolicyRequired: {
    title: 'Enhanced policy required',
    description: 'Trusted Launch and Confidential VMs, and VMs with Premium SSD v2 or Ultra disks, can be protected only with an Enhanced (V2) policy.',
    help: 'Set `enhanced: true` on the policy the VM\'s rule names, or name an Enhanced policy.',
    level: 'error',
  },
  EnhancedPolicyToStandard: {
    title: 'Enhanced to Standard policy',
    description: 'A VM protected with an Enhanced policy cannot move to a Standard policy.',
    help: 'Keep the VM on an Enhanced policy, or stop its protection and protect it again.',
    level: 'error',
  },
  NoVaultInRegion: {
    title: 'No vault for the VM',
    description: "No declared vault is in the VM's subscription and region; Azure keeps a VM's backups in its own region.",
    help: "Declare a vault of the VM's subscription and region under `vaults:`, or exclude the VM from the rule.",
    level: 'error',
  },
  AmbiguousVault: {
    title: 'Several vaults for the VM',
    description: "More than one declared vault is in the VM's subscription and region, and the rule pins none.",
    help: 'Pin one with `vault: RESOURCE_GROUP/NAME` on the rule.',
    level: 'error',
  },
  VaultItemLimit: {
    title: 'Vault over 1,000 VMs',
    description: 'Azure Backup protects at most 1,000 Azure VMs in one vault.',
    help: 'Declare another vault in the same subscription and region and pin some rules to it.',
    level: 'error',
  },
  VaultPolicyLimit: {
    title: 'Vault over 200 policies',
    description: 'A Recovery Services vault holds at most 200 backup policies.',
    help: 'Let rules share policies, or pin some rules to another vault of the region.',
    level: 'error',
  },
  PolicyWriteLimit: {
    title: 'Over 50 policy writes in 24 hours',
    description: 'Azure allows 50 backup policy creations or edits through Resource Manager in 24 hours.',
    help: 'Apply the rest after 24 hours, or change fewer policies at once.',
    level: 'error',
  },
  DiskLunNotFound: {
    title: 'Disk LUN not on the VM',
    description: "A rule's `disks:` names a LUN at which the VM has no data disk; Azure Backup refuses the selection.",
    help: "Name only LUNs of the VM's data disks, or attach the disks first.",
    level: 'error',
  },
  SelectiveDisksUnsupported: {
    title: 'Selective disk backup not offered',
    description: "A rule's `disks:` selects disks, but the target's profile backs up every disk of a VM (the classic profile: Azure Backup's 2015 preview).",
    help: "Remove the rule's `disks:`, or use the modern profile.",
    level: 'error',
  },
  StorageRedundancyLocked: {
    title: 'Storage redundancy locked',
    description: "A vault's storage redundancy, and its Cross Region Restore once on, cannot change after the vault protects an item.",
    help: "Keep the vault's value in the spec, or protect the VMs from a new vault with the redundancy you need.",
    level: 'error',
  },
  SoftDeleteAlwaysOn: {
    title: 'Soft delete always on',
    description: 'Always-on soft delete is irreversible.',
    help: 'Write `softDelete: alwaysOn` in the vault settings.',
    level: 'error',
  },
  ImmutabilityLocked: {
    title: 'Immutability locked',
    description: 'A locked immutable vault cannot be unlocked or made mutable.',
    help: 'Write `immutability: locked` in the vault settings.',
    level: 'error',
  },
  CrossRegionRestoreNeedsGeoRedundant: {
    title: 'Cross Region Restore needs GeoRedundant',
    description: 'Azure offers Cross Region Restore only on geo-redundant vaults.',
    help: 'Set `storageRedundancy: GeoRedundant` before any item is protected, or `crossRegionRestore: false`.',
    level: 'error',
  },
};

export const PREFLIGHT_CODES = Object.keys(PREFLIGHT_RULES) as PreflightCode[];
