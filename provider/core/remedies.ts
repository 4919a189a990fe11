// Our remedy for each error code Azure Backup, Compute and ARM answer with (and the emulator's named ones),
// written once: apply's failures, drift's findings and the Pulumi provider all quote the same text.

const IN_PROGRESS = 'Another operation runs on this VM; vmbackup retries when it ends. If it persists, wait for the running job (`vmbackup jobs --status InProgress`) or cancel it.';
const AGENT_NOT_READY = 'Start the VM and make sure the VM agent is installed, at least version 2.6.1198.718, and reports Ready; then retry.';
const VM_GONE = 'The VM no longer exists: stop its protection retaining the data (a `stopProtection` entry in the spec), so its recovery points stay restorable.';
// A VM's backup operation that failed inside Azure Backup: the guide's unsupported hardware ends this way.
const BACKUP_INTERNAL = 'Azure Backup failed with an internal error: retry in 15 minutes, as the guide advises; if it persists, check that the VM has no Premium storage, several NICs or a load balancer, then open a support request quoting the job id.';
// An HTTP 500 answered to any request (a policy read as much as a VM's write): says nothing about the VM.
const SERVICE_INTERNAL = 'The service answered an internal error and kept answering it through vmbackup\'s retries: run the command again in 15 minutes, as Azure Backup\'s guide advises for internal errors; if it persists, open a support request quoting the request id.';
const EXTENSION_REINSTALL = 'Uninstall the VMSnapshot / VMSnapshotLinux extension from the VM so Azure Backup reinstalls it, then retry.';
const VM_STATE = 'Bring the VM to Running (or Stopped / deallocated) with the VM agent present, then retry.';
const CREDENTIAL_REFUSED = 'The credential was refused: for the emulator use the token file it wrote; for Azure sign in again (az login) or check the service principal.';
const UNREACHABLE = 'The target could not be reached: check --endpoint and that the emulator is running (`vmbackup emulator serve`), or the network path to Azure.';
const NOT_IMPLEMENTED = 'The target does not implement this operation; use a newer emulator or Azure.';

/** A VM belongs to one vault at a time; this is how it leaves one for another, written once for plan, drift and apply. */
export const OTHER_VAULT_REMEDY =
  'Another vault protects the VM or holds its registration, and a VM belongs to one vault. To keep it there, leave it out of this spec. ' +
  "To move it here: list it under stopProtection with retainData: false in that vault's spec and apply it with --allow-data-deletion; " +
  'wait until the soft-delete period ends (14 days; or, with soft delete disabled on that vault, undelete the item and delete it again so it is purged); ' +
  "apply that vault's spec again so vmbackup unregisters the VM there; then run `vmbackup apply` here.";

/** A vault's safety settings Azure will not change, written once for the spec, pre-flight and apply. */
export const STORAGE_REDUNDANCY_LOCKED_REMEDY =
  "A vault's storage redundancy (and its Cross Region Restore) is locked once it protects an item: keep the vault's current value in the spec, or protect the VMs from a new vault created with the redundancy you need (stop protection here retaining the data).";
export const SOFT_DELETE_ALWAYS_ON_REMEDY =
  "Always-on soft delete cannot be turned off: write `softDelete: alwaysOn` in the vault's settings; deleted backup data stays for its retention period.";
export const IMMUTABILITY_LOCKED_REMEDY = "A locked immutable vault stays locked: write `immutability: locked` in the vault's settings.";
export const CROSS_REGION_RESTORE_REMEDY =
  'Cross Region Restore is offered only on geo-redundant vaults: set `storageRedundancy: GeoRedundant` (possible while the vault protects nothing), or `crossRegionRestore: false`.';

/** Remedy by error code; look codes up with `azureCodeRemedy`, which ignores case and knows the numeric forms. */
export const AZURE_CODE_REMEDIES: Readonly<Record<string, string>> = {
  // Throttling and concurrency (transient).
  TooManyRequests: 'Azure Resource Manager throttled the request; vmbackup waits for Retry-After and retries. Lower --concurrency if it persists.',
  UserErrorBackupOperationInProgress: IN_PROGRESS,
  SystemBackupOperationInProgress: IN_PROGRESS,
  UserErrorDiscoveryInProgress: 'Another discovery runs on the vault; vmbackup waits for it and retries.',
  // VM not running, agent missing or outdated.
  UserErrorGuestAgentStatusUnavailable: AGENT_NOT_READY,
  GuestAgentSnapshotTaskStatusError:
    'The snapshot timed out: the VM agent did not answer. Restart the agent (WindowsAzureGuestAgent or waagent), update it and check the VM\'s outbound access to Azure; if the agent is not the cause, restart the VM. Then retry.',
  UserErrorVmNotInDesirableState: VM_STATE,
  VmNotInDesirableState: VM_STATE,
  UserErrorVmProvisioningStateFailed: 'The VM is in failed provisioning state: fix or remove the failed extension until the VM shows "Provisioning succeeded", then retry.',
  AzureVmOffline: 'Start the VM and install the VM agent (at least 2.6.1198.718); the backup extension installs through it.',
  // Extension failures.
  ExtensionOperationFailedForManagedDisks: EXTENSION_REINSTALL,
  ExtensionStuckInDeletionState: EXTENSION_REINSTALL,
  ExtensionInstallationFailedCOM: 'Repair COM+ in the guest (restart the COM+ System Application and MSDTC services), then retry.',
  ExtensionInstallationFailedMDTC: 'Restart or reinstall the MSDTC service in the guest, then retry.',
  ExtensionConfigParsingFailure: 'Give the MachineKeys directory its default permissions and remove stale certificates in the VM, then retry.',
  ExtensionVCRedistInstallationFailure: 'Install the Visual C++ Redistributable 2012 in the VM, then retry.',
  // Snapshot failures.
  ExtensionFailedTimeoutVMNetworkUnresponsive: 'The VM lacked resources during the snapshot: move to a larger size or back up outside peak load.',
  ExtensionSnapshotFailedNoNetwork: 'Allow outbound access from the VM to Azure Storage (NSG, proxy, firewall), then retry.',
  ExtensionFailedVssWriterInBadState: 'Restart the VSS writers in a bad state (`vssadmin list writers`) or the VM, then retry.',
  ExtensionFailedVssServiceInBadState: 'Restart the Volume Shadow Copy service in the VM, then retry.',
  ExtensionFailedSnapshotLimitReachedError: 'Delete disk snapshots not taken by Azure Backup, then retry.',
  UserErrorRpCollectionLimitReached: 'Remove the lock on the restore point collection\'s resource group so old restore points can be cleaned up, then retry.',
  UserErrorFsFreezeFailed: 'Fix or unmount the mount points that cannot be frozen (or exclude them in /etc/azure/vmbackup.conf), then retry.',
  CopyingVHDsFromBackUpVaultTakingLongTime: 'Copying the backup to the vault timed out, which happens when there is too much data to copy: retry the backup in a few minutes.',
  // Disks.
  UserErrorUnsupportedDiskSize: 'Azure Backup supports disks up to 32 TB (4 TB encrypted): resize or exclude the disk.',
  UserErrorStandardSSDNotSupported: 'Move the VM\'s disks to a storage type Azure Backup supports.',
  // VM deleted.
  UserErrorVmNotFoundV2: VM_GONE,
  BCMV2VMNotFound: VM_GONE,
  // Internal errors.
  BackUpOperationFailed: BACKUP_INTERNAL,
  BackUpOperationFailedV2: BACKUP_INTERNAL,
  VMRestorePointInternalError: 'Exclude IaaSBcdrExtension.exe and the extension folders from antivirus scanning in the VM, then retry.',
  InternalServerError: SERVICE_INTERNAL,
  InternalError: SERVICE_INTERNAL,
  // Policies and vault settings.
  BMSUserErrorInvalidPolicyInput: 'The vault refused the policy (its schedule or retention is beyond what it allows; classic: one backup a day, 30 days): change the policy.',
  BMSUserErrorSoftDeleteStateAlwaysOn: SOFT_DELETE_ALWAYS_ON_REMEDY,
  StorageModelModifyError: STORAGE_REDUNDANCY_LOCKED_REMEDY,
  UserErrorUnsupportedVaultImmutabilityStateChange: IMMUTABILITY_LOCKED_REMEDY,
  // ARM.
  ResourceNotFound: 'The resource does not exist: check the subscription, resource group and name (a VM that was deleted needs its protection stopped, retaining data).',
  NotFound: 'The resource does not exist: check the subscription, resource group and name.',
  ResourceGroupNotFound: 'Check the resource group name and the subscription.',
  SubscriptionNotFound: 'Check the subscription id (spec `target.subscriptionId` or AZURE_SUBSCRIPTION_ID).',
  InvalidAuthenticationToken: CREDENTIAL_REFUSED,
  AuthenticationFailed: CREDENTIAL_REFUSED,
  AuthorizationFailed: 'Grant the identity the Backup Contributor role on the vault and Virtual Machine Contributor on the VMs.',
  BadRequest: 'The request was refused as invalid; check the spec values against Azure Backup\'s limits.',
  OperationNotAllowed: 'Another operation runs on the VM, or a quota or state forbids this one: wait for running operations on the VM, then retry.',
  PropertyChangeNotAllowed: 'The property cannot change on an existing resource: delete the resource and create it again with the new value.',
  NotImplemented: NOT_IMPLEMENTED,
  ServiceUnavailable: 'The service is temporarily unavailable; vmbackup retries.',
  // Another vault: Azure's codes, from the REST spec's example and from its answers to container unregister.
  VirtualMachineAlreadyProtected: OTHER_VAULT_REMEDY,
  BMSUserErrorContainerHasDatasources:
    'The VM still has a protected or soft-deleted item in this vault: stop its protection deleting its data, wait until the soft-delete period ends, then apply again; vmbackup unregisters the VM once its item is gone.',
  // Codes the emulator names where Azure documents none (its README lists them).
  DiscoveryInternalError: 'Azure Backup\'s discovery failed with an internal error: run the discovery again (`vmbackup discover`) after 15 minutes, as the guide advises.',
  VMExtensionProvisioningTimeout: 'The VM agent never reported the backup extension installed: the operating system is likely unsupported by Azure Backup; exclude the VM or move it to a supported image.',
  UserErrorUnsupportedDiskCount: 'Azure Backup in this profile supports at most 5 data disks: detach disks or exclude the VM.',
  UserErrorVmNotRegistered: 'Register the VM with the vault first (vmbackup plans a `register` action before `protect`).',
  UserErrorBackupExtensionNotInstalled: 'Install the backup extension (VMSnapshot / VMSnapshotLinux) before registering; vmbackup\'s `register` action does both.',
  UserErrorVmInDifferentRegion: 'A vault protects only VMs of its own region: use a vault in the VM\'s region.',
  UserErrorCrossRegionRestoreNotSupported: CROSS_REGION_RESTORE_REMEDY,
  UserErrorVmAlreadyRegistered: OTHER_VAULT_REMEDY,
  UserErrorJobNotCancellable: 'Only Backup jobs still in progress can be cancelled; this one has ended or is of another kind.',
  UserErrorPolicyInUse: 'Move the VMs the policy protects to another policy (or stop their protection) before deleting it.',
  UserErrorPolicyNotFound: 'Declare the policy in the spec so vmbackup creates it before protecting VMs with it.',
  UserErrorItemSoftDeleted: 'The item is soft-deleted: undelete it before protecting the VM again.',
  UserErrorItemNotProtected: 'Protect the VM before triggering a backup.',
  UserErrorInvalidTimeZone: 'Use UTC or a Windows time zone id such as "W. Europe Standard Time".',
  OperationNotImplemented: NOT_IMPLEMENTED,
  MissingApiVersionParameter: 'The request lacked an api-version; use the SDK versions vmbackup ships with.',
  InvalidApiVersionParameter: 'The target does not support this api-version; use the SDK versions vmbackup ships with.',
  InvalidRequestContent: 'The request body was refused; check the spec values against Azure Backup\'s limits.',
  InvalidQueryParameterValue: 'A filter was refused; this is a bug in vmbackup, please report it.',
  // Transport: the request never got an answer.
  ECONNREFUSED: UNREACHABLE,
  ENOTFOUND: UNREACHABLE,
  ECONNRESET: UNREACHABLE,
  ETIMEDOUT: UNREACHABLE,
  EAI_AGAIN: UNREACHABLE,
  // Credentials (Azure target).
  CredentialUnavailable:
    'Sign in to Azure: `az login`, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or use a workload or managed identity); the identity needs Backup Contributor on the vault and Virtual Machine Contributor on the VMs.',
  REQUEST_SEND_ERROR: 'The target could not be reached: check the endpoint, the network and that the emulator is running.',
};


/** Numeric job error codes the docs give, mapped to their named codes. */
export const NUMERIC_AZURE_CODES: Readonly<Record<string, string>> = { '320001': 'ResourceNotFound', '400094': 'BCMV2VMNotFound', '380008': 'AzureVmOffline' };

const BY_LOWER_CODE = new Map(Object.entries(AZURE_CODE_REMEDIES).map(([code, remedy]) => [code.toLowerCase(), remedy]));

/** The named form of a code (numeric job codes become their names). */
export function namedAzureCode(code: string): string {
  return NUMERIC_AZURE_CODES[code] ?? code;
}

/** Our remedy for an error code, or undefined for a code we have none for. */
export function azureCodeRemedy(code: string | undefined): string | undefined {
  return code === undefined ? undefined : BY_LOWER_CODE.get(namedAzureCode(code).toLowerCase());
}
