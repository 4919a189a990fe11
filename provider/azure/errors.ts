// Every error Azure (or the emulator) answers is classified here, once: its code, whether retrying can
// help, and our remedy. Codes are Azure Backup's (ERROR-CODES.md) plus ARM's and the emulator's named ones.
import { AzureOperationError } from '../core/errors.js';

interface CodeInfo {
  readonly remedy: string;
  /** Retrying later can succeed even without a 5xx/429 status (e.g. the failed status of an async operation). */
  readonly transient?: boolean;
}

const IN_PROGRESS = 'Another operation runs on this VM; vmbackup retries when it ends. If it persists, wait for the running job (`vmbackup jobs --status InProgress`) or cancel it.';
const AGENT_NOT_READY = 'Start the VM and make sure the VM agent is installed, at least version 2.6.1198.718, and reports Ready; then retry.';
const VM_GONE = 'The VM no longer exists: stop its protection retaining data (a `stopProtection` entry in the spec) to keep its recovery points.';
const INTERNAL = 'Azure Backup failed with an internal error: retry in 15 minutes; if it persists, open a support request quoting the job id.';
const EXTENSION_REINSTALL = 'Uninstall the VMSnapshot / VMSnapshotLinux extension from the VM so Azure Backup reinstalls it, then retry.';
const VM_STATE = 'Bring the VM to Running (or Stopped / deallocated) with the VM agent present, then retry.';
const CREDENTIAL_REFUSED = 'The credential was refused: for the emulator use the token file it wrote; for Azure sign in again (az login) or check the service principal.';
const NOT_IMPLEMENTED = 'The target does not implement this operation; use a newer emulator or Azure.';

/** Our remedy for each error code, by code (case-insensitive lookup). */
export const REMEDIES: Readonly<Record<string, CodeInfo>> = {
  // Throttling and concurrency (transient).
  TooManyRequests: { remedy: 'Azure Resource Manager throttled the request; vmbackup waits for Retry-After and retries. Lower --concurrency if it persists.', transient: true },
  UserErrorBackupOperationInProgress: { remedy: IN_PROGRESS, transient: true },
  SystemBackupOperationInProgress: { remedy: IN_PROGRESS, transient: true },
  UserErrorDiscoveryInProgress: { remedy: 'Another discovery runs on the vault; vmbackup waits for it and retries.', transient: true },
  // VM not running, agent missing or outdated.
  UserErrorGuestAgentStatusUnavailable: { remedy: AGENT_NOT_READY },
  GuestAgentSnapshotTaskStatusError: { remedy: 'The VM agent did not answer for the snapshot: restart the agent (WindowsAzureGuestAgent or waagent), update it, check outbound connectivity, then retry.' },
  UserErrorVmNotInDesirableState: { remedy: VM_STATE },
  VmNotInDesirableState: { remedy: VM_STATE },
  UserErrorVmProvisioningStateFailed: { remedy: 'The VM is in failed provisioning state: fix or remove the failed extension until the VM shows "Provisioning succeeded", then retry.' },
  AzureVmOffline: { remedy: 'Start the VM and install the VM agent (at least 2.6.1198.718); the backup extension installs through it.' },
  // Extension failures.
  ExtensionOperationFailedForManagedDisks: { remedy: EXTENSION_REINSTALL },
  ExtensionStuckInDeletionState: { remedy: EXTENSION_REINSTALL },
  ExtensionInstallationFailedCOM: { remedy: 'Repair COM+ in the guest (restart the COM+ System Application and MSDTC services), then retry.' },
  ExtensionInstallationFailedMDTC: { remedy: 'Restart or reinstall the MSDTC service in the guest, then retry.' },
  ExtensionConfigParsingFailure: { remedy: 'Give the MachineKeys directory its default permissions and remove stale certificates in the VM, then retry.' },
  ExtensionVCRedistInstallationFailure: { remedy: 'Install the Visual C++ Redistributable 2012 in the VM, then retry.' },
  // Snapshot failures.
  ExtensionFailedTimeoutVMNetworkUnresponsive: { remedy: 'The VM lacked resources during the snapshot: move to a larger size or back up outside peak load.' },
  ExtensionSnapshotFailedNoNetwork: { remedy: 'Allow outbound access from the VM to Azure Storage (NSG, proxy, firewall), then retry.' },
  ExtensionFailedVssWriterInBadState: { remedy: 'Restart the VSS writers in a bad state (`vssadmin list writers`) or the VM, then retry.' },
  ExtensionFailedVssServiceInBadState: { remedy: 'Restart the Volume Shadow Copy service in the VM, then retry.' },
  ExtensionFailedSnapshotLimitReachedError: { remedy: 'Delete disk snapshots not taken by Azure Backup, then retry.' },
  UserErrorRpCollectionLimitReached: { remedy: 'Remove the lock on the restore point collection\'s resource group so old restore points can be cleaned up, then retry.' },
  UserErrorFsFreezeFailed: { remedy: 'Fix or unmount the mount points that cannot be frozen (or exclude them in /etc/azure/vmbackup.conf), then retry.' },
  CopyingVHDsFromBackUpVaultTakingLongTime: { remedy: 'The transfer to the vault timed out; the next backup usually succeeds. Retry the backup.' },
  // Disks.
  UserErrorUnsupportedDiskSize: { remedy: 'Azure Backup supports disks up to 32 TB (4 TB encrypted): resize or exclude the disk.' },
  UserErrorStandardSSDNotSupported: { remedy: 'Move the VM\'s disks to a storage type Azure Backup supports.' },
  // VM deleted.
  UserErrorVmNotFoundV2: { remedy: VM_GONE },
  BCMV2VMNotFound: { remedy: VM_GONE },
  // Internal errors.
  BackUpOperationFailed: { remedy: INTERNAL },
  BackUpOperationFailedV2: { remedy: INTERNAL },
  VMRestorePointInternalError: { remedy: 'Exclude IaaSBcdrExtension.exe and the extension folders from antivirus scanning in the VM, then retry.' },
  InternalServerError: { remedy: INTERNAL, transient: true },
  InternalError: { remedy: INTERNAL, transient: true },
  // ARM.
  ResourceNotFound: { remedy: 'The resource does not exist: check the subscription, resource group and name (a VM that was deleted needs its protection stopped, retaining data).' },
  NotFound: { remedy: 'The resource does not exist: check the subscription, resource group and name.' },
  ResourceGroupNotFound: { remedy: 'Check the resource group name and the subscription.' },
  SubscriptionNotFound: { remedy: 'Check the subscription id (spec `target.subscriptionId` or AZURE_SUBSCRIPTION_ID).' },
  InvalidAuthenticationToken: { remedy: CREDENTIAL_REFUSED },
  AuthenticationFailed: { remedy: CREDENTIAL_REFUSED },
  AuthorizationFailed: { remedy: 'Grant the identity the Backup Contributor role on the vault and Virtual Machine Contributor on the VMs.' },
  BadRequest: { remedy: 'The request was refused as invalid; check the spec values against Azure Backup\'s limits.' },
  OperationNotAllowed: { remedy: 'Another operation runs on the VM, or a quota or state forbids this one: wait for running operations on the VM, then retry.' },
  NotImplemented: { remedy: NOT_IMPLEMENTED },
  ServiceUnavailable: { remedy: 'The service is temporarily unavailable; vmbackup retries.', transient: true },
  // Codes the emulator names where Azure documents none (its README lists them).
  VMExtensionProvisioningTimeout: { remedy: 'The VM agent never reported the backup extension installed: the operating system is likely unsupported by Azure Backup; exclude the VM or move it to a supported image.' },
  UserErrorUnsupportedDiskCount: { remedy: 'Azure Backup in this profile supports at most 5 data disks: detach disks or exclude the VM.' },
  UserErrorVmNotRegistered: { remedy: 'Register the VM with the vault first (vmbackup plans a `register` action before `protect`).' },
  UserErrorBackupExtensionNotInstalled: { remedy: 'Install the backup extension (VMSnapshot / VMSnapshotLinux) before registering; vmbackup\'s `register` action does both.' },
  UserErrorVmInDifferentRegion: { remedy: 'A vault protects only VMs of its own region: use a vault in the VM\'s region.' },
  UserErrorVmAlreadyProtected: { remedy: 'The VM is protected by another vault: stop its protection there first.' },
  UserErrorVmAlreadyRegistered: { remedy: 'The VM is registered with another vault: unregister it there first.' },
  UserErrorInvalidScheduleFrequency: { remedy: 'The schedule is beyond what the vault allows (classic: at most one backup a day): change the policy.' },
  UserErrorInvalidRetentionRange: { remedy: 'The retention is beyond what the vault allows (classic: at most 30 days): change the policy.' },
  UserErrorInvalidPolicyInput: { remedy: 'The policy is invalid for an Azure IaaS VM policy: check its schedule and retention.' },
  UserErrorPolicyInUse: { remedy: 'Move the VMs the policy protects to another policy (or stop their protection) before deleting it.' },
  UserErrorPolicyNotFound: { remedy: 'Declare the policy in the spec so vmbackup creates it before protecting VMs with it.' },
  UserErrorItemSoftDeleted: { remedy: 'The item is soft-deleted: undelete it before protecting the VM again.' },
  UserErrorItemNotProtected: { remedy: 'Protect the VM before triggering a backup.' },
  UserErrorInvalidTimeZone: { remedy: 'Use UTC or a Windows time zone id such as "W. Europe Standard Time".' },
  OperationNotImplemented: { remedy: NOT_IMPLEMENTED },
  MissingApiVersionParameter: { remedy: 'The request lacked an api-version; use the SDK versions vmbackup ships with.' },
  InvalidApiVersionParameter: { remedy: 'The target does not support this api-version; use the SDK versions vmbackup ships with.' },
  InvalidRequestContent: { remedy: 'The request body was refused; check the spec values against Azure Backup\'s limits.' },
  InvalidQueryParameterValue: { remedy: 'A filter was refused; this is a bug in vmbackup, please report it.' },
  // Transport: the request never got an answer.
  REQUEST_SEND_ERROR: { remedy: 'The target could not be reached: check the endpoint, the network and that the emulator is running.', transient: true },
};

const BY_LOWER_CODE = new Map(Object.entries(REMEDIES).map(([code, info]) => [code.toLowerCase(), info]));

/** Numeric job error codes the docs give, mapped to their named codes. */
const NUMERIC_CODES: Readonly<Record<string, string>> = { '320001': 'ResourceNotFound', '400094': 'BCMV2VMNotFound', '380008': 'AzureVmOffline' };

const STATUS_REMEDIES: readonly [predicate: (s: number) => boolean, remedy: string][] = [
  [(s) => s === 401, REMEDIES.InvalidAuthenticationToken.remedy],
  [(s) => s === 403, REMEDIES.AuthorizationFailed.remedy],
  [(s) => s === 404, REMEDIES.NotFound.remedy],
  [(s) => s === 429, REMEDIES.TooManyRequests.remedy],
  [(s) => s >= 500, INTERNAL],
];

/** Codes that mean "busy with another operation now, try later" (answered with 409, or as an operation's failure). */
const IN_PROGRESS_CODES: ReadonlySet<string> = new Set(['UserErrorBackupOperationInProgress', 'SystemBackupOperationInProgress', 'UserErrorDiscoveryInProgress']);
const TRANSIENT_CONFLICTS = new Set([...IN_PROGRESS_CODES].map((c) => c.toLowerCase()));

/** AzureOperationError with what retrying needs. */
export class ClassifiedAzureError extends AzureOperationError {
  constructor(
    message: string,
    code: string,
    remedy: string | undefined,
    statusCode: number | undefined,
    transient: boolean,
    /** Delay the service asked for (Retry-After), in milliseconds. */
    readonly retryAfterMs?: number,
    /** x-ms-request-id of the failed call, for a support request. */
    readonly requestId?: string,
  ) {
    super(message, code, remedy, statusCode, transient);
  }

  /** Busy with another operation: wait for it rather than back off. */
  get inProgress(): boolean {
    return isInProgress(this.code, this.statusCode, this.message);
  }
}

export function remedyFor(code: string, statusCode?: number): string | undefined {
  const info = BY_LOWER_CODE.get(normalizeCode(code).toLowerCase());
  if (info) return info.remedy;
  if (statusCode === undefined) return undefined;
  return STATUS_REMEDIES.find(([matches]) => matches(statusCode))?.[1];
}

/** Whether retrying can help: 429, 5xx, 409 "operation / discovery in progress", transport failures. 4xx otherwise never. */
export function isTransient(code: string, statusCode?: number, message = ''): boolean {
  const lower = normalizeCode(code).toLowerCase();
  if (statusCode !== undefined) {
    if (statusCode === 429 || statusCode >= 500) return true;
    if (statusCode === 409) return isInProgress(code, statusCode, message);
    return false;
  }
  return BY_LOWER_CODE.get(lower)?.transient ?? false;
}

/**
 * Another operation runs on the item, VM or vault: Azure Backup's in-progress codes, or Compute's 409
 * OperationNotAllowed when its message says another operation is in progress (Compute has no code of its own).
 */
export function isInProgress(code: string, statusCode?: number, message = ''): boolean {
  if (TRANSIENT_CONFLICTS.has(normalizeCode(code).toLowerCase())) return statusCode === undefined || statusCode === 409;
  return statusCode === 409 && code === 'OperationNotAllowed' && /in progress/i.test(message);
}

function normalizeCode(code: string): string {
  return NUMERIC_CODES[code] ?? code;
}

interface RestErrorLike {
  message: string;
  code?: string;
  statusCode?: number;
  response?: { headers: { get(name: string): string | undefined } };
}

function isRestErrorLike(e: unknown): e is RestErrorLike {
  return e instanceof Error && ('statusCode' in e || 'response' in e || (e as { name?: string }).name === 'RestError');
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Builds the classified error for a code the service reported (a failed call, operation or job). */
export function azureError(code: string, message: string, opts: { statusCode?: number; retryAfterMs?: number; requestId?: string } = {}): ClassifiedAzureError {
  const named = normalizeCode(code);
  return new ClassifiedAzureError(
    `${named}: ${message}`,
    named,
    remedyFor(named, opts.statusCode),
    opts.statusCode,
    isTransient(named, opts.statusCode, message),
    opts.retryAfterMs,
    opts.requestId,
  );
}

/** Classifies anything a call to the SDK threw. */
export function classifyError(e: unknown): ClassifiedAzureError {
  if (e instanceof ClassifiedAzureError) return e;
  if (e instanceof AzureOperationError) {
    return new ClassifiedAzureError(e.message, e.code, e.remedy ?? remedyFor(e.code, e.statusCode), e.statusCode, e.transient);
  }
  if (e instanceof Error && e.name === 'AbortError') {
    return new ClassifiedAzureError(`Aborted: ${e.message}`, 'Aborted', undefined, undefined, false);
  }
  if (isRestErrorLike(e)) {
    const status = e.statusCode;
    const headers = e.response?.headers;
    const code = e.code ?? (status === 429 ? 'TooManyRequests' : status !== undefined ? `Http${status}` : 'UnknownError');
    return azureError(code, stripCodePrefix(e.message, code), {
      statusCode: status,
      retryAfterMs: parseRetryAfter(headers?.get('retry-after')),
      requestId: headers?.get('x-ms-request-id'),
    });
  }
  const message = e instanceof Error ? e.message : String(e);
  // The SDK's own pollers (begin*AndWait) report a failed operation as a plain Error with the code inside.
  const lro = LRO_FAILED.exec(message);
  if (lro) return azureError(lro[1], lro[2]);
  return new ClassifiedAzureError(message, 'UnexpectedError', undefined, undefined, false);
}

const LRO_FAILED = /^The long-running operation has failed\. ([A-Za-z][A-Za-z0-9]*)\. ([\s\S]*)$/;

function stripCodePrefix(message: string, code: string): string {
  return message.startsWith(`${code}: `) ? message.slice(code.length + 2) : message;
}
