// The one error type the emulator answers with. Handlers and the store create it only through the
// named factories below, so every code, status and remedy is written once.

export interface ArmErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly target?: string };
}

export class ArmError extends Error {
  override readonly name = 'ArmError';
  private constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra response headers, e.g. Retry-After on 429. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  toBody(): ArmErrorBody {
    return { error: { code: this.code, message: this.message } };
  }

  /** Only the factories in this module construct errors. */
  static make(status: number, code: string, message: string, headers?: Record<string, string>): ArmError {
    return new ArmError(status, code, message, headers);
  }
}

/** Azure Backup's guide: what the user should do about each precondition failure. */
export const Remedies = {
  vmNotRunning: 'Start the VM (it must be Running) and retry.',
  agentUnavailable:
    'Install or update the Azure VM agent (at least 2.6.1198.718), make sure its status is Ready, then retry.',
  tooManyDisks: 'Detach data disks until the VM has no more than Azure Backup supports, or exclude the VM from backup.',
  enhancedPolicyRequired: 'Protect the VM with an Enhanced policy (policyType V2, SimpleSchedulePolicyV2).',
  enhancedToStandard: 'Keep the VM on an Enhanced policy: choose another Enhanced policy, or stop protection and protect it again.',
  internalError: 'Backup failed with an internal error. Please retry the operation in a few minutes.',
  unsupportedOs: 'The operating system is not supported by Azure Backup; exclude the VM from backup.',
  notRegistered: 'Register the VM with the vault first: install the backup extension, then register its container.',
  extensionMissing: 'Install the backup extension (VMSnapshot or VMSnapshotLinux) on the VM, then register it.',
  operationInProgress: 'Wait for the running operation on this item to finish, then retry.',
  discoveryInProgress: 'Wait for the running discovery to finish, then retry.',
  vmNotFound: 'The VM no longer exists: stop protection and retain the data, or restore the VM.',
  otherVault:
    'A VM belongs to one vault: stop its protection in that vault; to move it, delete its backup data there, wait for the soft-delete period to end, then unregister it there.',
  containerHasDatasources: 'Stop protection and delete the backup data of the item, and wait for its soft-delete period to end, before unregistering.',
  policyLimits: 'Change the policy to fit the profile limits and retry.',
  policyInUse: 'Move or stop protection of the VMs that use the policy, then delete it.',
  softDeleted: 'Undelete the item (PUT with isRehydrate true) before protecting it again.',
  otherRegion: 'Protect the VM with a vault in the VM\'s own region.',
  otherSubscription: 'Protect the VM with a vault of the VM\'s own subscription and region.',
  vaultVmLimit: 'Protect the VM with another vault of its subscription and region, or stop protection and delete the backup data of VMs this vault no longer needs.',
  vaultPolicyLimit: 'Reuse an existing policy, or delete policies no VM uses.',
  policyWriteLimit: 'Wait until the oldest of those writes is 24 hours old, then retry; group policy changes so that fewer writes are needed.',
  jobNotCancellable: 'Only Backup jobs still in progress can be cancelled.',
  // The guide's workarounds for failed backups and discoveries.
  snapshotTimeout: 'Check the VM agent and the VM\'s network access to Azure; if the agent is not the cause, restart the VM, then retry.',
  noNetwork: 'Allow outbound access from the VM to Azure Storage, then retry.',
  vhdCopyTimeout: 'Retry the backup in a few minutes; the copy times out when there is too much data to copy.',
  vssWriters: 'Restart the VSS writers whose state is not Stable (`vssadmin list writers`), then retry.',
  discoveryFailed: 'Retry the discovery after 15 minutes.',
} as const;

export const ArmErrors = {
  unauthorized: () => ArmError.make(401, 'AuthenticationFailed', 'Authentication failed.'),
  notImplemented: (method: string, path: string) =>
    ArmError.make(404, 'OperationNotImplemented', `${method} ${path} is not implemented by the vmbackup emulator.`),
  missingApiVersion: () =>
    ArmError.make(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests."),
  invalidApiVersion: (given: string, supported: readonly string[]) =>
    ArmError.make(
      400,
      'InvalidApiVersionParameter',
      `The api-version '${given}' is invalid for this operation in the vmbackup emulator. The supported versions are '${supported.join(', ')}'.`,
    ),
  badRequest: (message: string) => ArmError.make(400, 'BadRequest', message),
  invalidBody: (message: string) => ArmError.make(400, 'InvalidRequestContent', message),
  invalidFilter: (message: string) => ArmError.make(400, 'InvalidQueryParameterValue', message),
  notFound: (id: string) => ArmError.make(404, 'ResourceNotFound', `The resource '${id}' was not found.`),
  subscriptionNotFound: (id: string) => ArmError.make(404, 'SubscriptionNotFound', `The subscription '${id}' could not be found.`),
  resourceGroupNotFound: (rg: string) => ArmError.make(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`),
  throttled: (retryAfterSeconds: number, headers: Record<string, string>) =>
    ArmError.make(429, 'TooManyRequests', `Too many requests; retry after ${retryAfterSeconds} seconds.`, {
      ...headers,
      'retry-after': String(retryAfterSeconds),
    }),
  injectedInternal: () =>
    ArmError.make(500, 'InternalServerError', 'The server encountered an internal error (injected fault). Please retry the request.'),
  unexpected: (message: string) => ArmError.make(500, 'InternalServerError', `The server encountered an internal error: ${message}`),

  // Azure Backup's documented codes (ERROR-CODES.md).
  vmNotRunning: (vm: string) =>
    ArmError.make(400, 'UserErrorVmNotInDesirableState', `VM '${vm}' is not in a state that allows backups. ${Remedies.vmNotRunning}`),
  vmOfflineForExtension: (vm: string) =>
    ArmError.make(
      400,
      'AzureVmOffline',
      `380008: Failed to install Microsoft Recovery Services extension as virtual machine '${vm}' is not running. ${Remedies.vmNotRunning}`,
    ),
  agentUnavailable: (vm: string, why: string) =>
    ArmError.make(400, 'UserErrorGuestAgentStatusUnavailable', `VM Agent unable to communicate with Azure Backup on '${vm}' (${why}). ${Remedies.agentUnavailable}`),
  operationInProgress: (item: string) =>
    ArmError.make(
      409,
      'UserErrorBackupOperationInProgress',
      `Unable to initiate the operation as another operation is currently in progress on '${item}'. ${Remedies.operationInProgress}`,
    ),
  computeConflict: (vm: string) =>
    ArmError.make(409, 'OperationNotAllowed', `Operation cannot be started while another operation is in progress on VM '${vm}'. Retry when it completes.`),
  vmDoesNotExist: (id: string) =>
    ArmError.make(400, 'BCMV2VMNotFound', `400094: The virtual machine '${id}' doesn't exist. Check the sourceResourceId.`),
  alreadyProtected: (vm: string, vaultId: string) =>
    ArmError.make(400, 'VirtualMachineAlreadyProtected', `Virtual machine '${vm}' is already protected by vault '${vaultId}'. ${Remedies.otherVault}`),
  containerHasDatasources: (container: string) =>
    ArmError.make(400, 'BMSUserErrorContainerHasDatasources', `There are backup items associated with the container '${container}'. ${Remedies.containerHasDatasources}`),

  // Azure's answers as quoted in public issues of its SDKs and tools (listed in emulator/README.md).
  invalidPolicy: (message: string) =>
    ArmError.make(
      400,
      'BMSUserErrorInvalidPolicyInput',
      `Input for create or update policy is not in proper format: ${message} ${Remedies.policyLimits}`,
    ),
  softDeleteAlwaysOn: (vault: string) =>
    ArmError.make(
      400,
      'BMSUserErrorSoftDeleteStateAlwaysOn',
      `Soft delete cannot be disabled on vault '${vault}' since it is configured to be 'Always on'; this state is irreversible.`,
    ),
  storageModelLocked: () =>
    ArmError.make(400, 'StorageModelModifyError', 'Storage Redundancy option is locked when the first machine is registered with the vault, and cannot be modified thereafter.'),
  crossRegionRestoreNotSupported: (storageType: string) =>
    ArmError.make(
      400,
      'UserErrorCrossRegionRestoreNotSupported',
      `Cross Region Restore is supported only for vaults with GeoRedundant storage; this vault's storage is ${storageType}. Set the storage to GeoRedundant first, while the vault protects no item.`,
    ),
  immutabilityLocked: () =>
    ArmError.make(
      400,
      'UserErrorUnsupportedVaultImmutabilityStateChange',
      'The immutable vault property for this vault is locked, hence, this setting cannot be disabled. The vault has its immutable vault property enabled and locked, and it can no longer be reverted to a non-immutable vault.',
    ),
  /** Compute refuses to change an extension's identity in place (409, as Compute answers it). */
  propertyChangeNotAllowed: (property: string) =>
    ArmError.make(409, 'PropertyChangeNotAllowed', `Changing property '${property}' is not allowed.`),

  /** A long-running operation that ended Failed, answered where a client polls its result. */
  operationFailed: (code: string, message: string) => ArmError.make(400, code, message),

  // Codes the emulator names itself where Azure documents none (listed in emulator/README.md).
  discoveryInProgress: (vault: string) =>
    ArmError.make(409, 'UserErrorDiscoveryInProgress', `Another discovery is already running on vault '${vault}'. ${Remedies.discoveryInProgress}`),
  tooManyDisks: (vm: string, disks: number, max: number) =>
    ArmError.make(400, 'UserErrorUnsupportedDiskCount', `VM '${vm}' has ${disks} data disks; Azure Backup supports at most ${max}. ${Remedies.tooManyDisks}`),
  enhancedPolicyRequired: (vm: string, why: string, policy: string) =>
    ArmError.make(
      400,
      'UserErrorEnhancedPolicyRequired',
      `VM '${vm}' can be protected only with an Enhanced policy (${why}); policy '${policy}' is Standard. ${Remedies.enhancedPolicyRequired}`,
    ),
  enhancedToStandard: (vm: string, from: string, to: string) =>
    ArmError.make(
      400,
      'UserErrorPolicyTypeChangeNotAllowed',
      `VM '${vm}' is protected with Enhanced policy '${from}' and cannot move to Standard policy '${to}'. ${Remedies.enhancedToStandard}`,
    ),
  vmNotRegistered: (vm: string) =>
    ArmError.make(400, 'UserErrorVmNotRegistered', `VM '${vm}' is not registered with the vault. ${Remedies.notRegistered}`),
  extensionMissing: (vm: string) =>
    ArmError.make(400, 'UserErrorBackupExtensionNotInstalled', `The backup extension is not installed on VM '${vm}'. ${Remedies.extensionMissing}`),
  vmOtherRegion: (vm: string, vmRegion: string, vaultRegion: string) =>
    ArmError.make(
      400,
      'UserErrorVmInDifferentRegion',
      `VM '${vm}' is in region '${vmRegion}' but the vault is in '${vaultRegion}'. ${Remedies.otherRegion}`,
    ),
  crossSubscription: (vm: string, vmSubscription: string, vaultId: string) =>
    ArmError.make(
      400,
      'UserErrorCrossSubscriptionBackupNotSupported',
      `Virtual machine '${vm}' is in subscription '${vmSubscription}', another subscription than vault '${vaultId}'. ${Remedies.otherSubscription}`,
    ),
  vaultVmLimit: (vault: string, max: number) =>
    ArmError.make(400, 'UserErrorVaultVmLimitReached', `Vault '${vault}' already holds ${max} Azure VMs, the most one vault can. ${Remedies.vaultVmLimit}`),
  vaultPolicyLimit: (vault: string, max: number) =>
    ArmError.make(400, 'UserErrorVaultPolicyLimitReached', `Vault '${vault}' already holds ${max} backup policies, the most one vault can. ${Remedies.vaultPolicyLimit}`),
  policyWriteLimit: (vault: string, max: number, retryAt: string) =>
    ArmError.make(
      400,
      'UserErrorPolicyWriteLimitReached',
      `Vault '${vault}' accepted ${max} policy creations or edits in the last 24 hours, the most it accepts; the next is accepted at ${retryAt}. ${Remedies.policyWriteLimit}`,
    ),
  alreadyRegistered: (vm: string, vaultId: string) =>
    ArmError.make(400, 'UserErrorVmAlreadyRegistered', `Virtual machine '${vm}' is already registered with another Recovery Services vault ('${vaultId}'). ${Remedies.otherVault}`),
  policyInUse: (policy: string, count: number) =>
    ArmError.make(400, 'UserErrorPolicyInUse', `Policy '${policy}' protects ${count} item(s). ${Remedies.policyInUse}`),
  policyNotFound: (policyId: string) =>
    ArmError.make(400, 'UserErrorPolicyNotFound', `The backup policy '${policyId}' does not exist in this vault. Create it first or use an existing policy.`),
  itemSoftDeleted: (item: string) =>
    ArmError.make(400, 'UserErrorItemSoftDeleted', `Protected item '${item}' is soft-deleted. ${Remedies.softDeleted}`),
  itemNotProtected: (item: string) =>
    ArmError.make(400, 'UserErrorItemNotProtected', `Item '${item}' has no active protection; protect it before triggering a backup.`),
  expiryOutOfRange: (expiry: string, min: string, max: string) =>
    ArmError.make(
      400,
      'BMSUserErrorInvalidInput',
      `recoveryPointExpiryTimeInUTC '${expiry}' is outside the retention of an on-demand backup: give a time from ${min} to ${max}.`,
    ),
  jobNotCancellable: (jobId: string, why: string) =>
    ArmError.make(400, 'UserErrorJobNotCancellable', `Job '${jobId}' cannot be cancelled: ${why}. ${Remedies.jobNotCancellable}`),
  invalidDiskLun: (vm: string, missing: readonly number[], have: readonly number[]) =>
    ArmError.make(
      400,
      'UserErrorInvalidDiskLun',
      `VM '${vm}' has no data disk at LUN ${missing.join(', ')} (its data disks: ${have.length ? `LUN ${have.join(', ')}` : 'none'}). Name only LUNs of the VM's data disks in diskExclusionProperties.diskLunList.`,
    ),
  selectiveDiskBackupNotSupported: (vm: string, profile: string) =>
    ArmError.make(
      400,
      'UserErrorSelectiveDiskBackupNotSupported',
      `The ${profile} profile backs up every disk of a VM; VM '${vm}' cannot exclude disks. Remove diskExclusionProperties to back up every disk, or use the modern profile.`,
    ),
  invalidTimeZone: (tz: string) =>
    ArmError.make(400, 'UserErrorInvalidTimeZone', `Time zone '${tz}' is not known to the vmbackup emulator; use UTC or a Windows time zone id such as 'W. Europe Standard Time'.`),
} as const;
