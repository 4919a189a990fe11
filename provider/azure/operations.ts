// The writes whose SDK call returns after the first 202 (SUBSET.md §3): this layer polls each to its end,
// then waits for the job it started, and surfaces the job's error code and our remedy on failure.
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  AzureIaaSVMJob,
  AzureIaaSVMProtectedItem,
  JobResource,
  OperationStatus,
  ProtectedItemResource,
  ProtectionPolicyResource,
} from '@azure/arm-recoveryservicesbackup';
import { policyArmId, vaultArmId, type PolicySettings } from '../core/index.js';
import { policyToAzure } from './policyMapping.js';
import { azureError, classifyError, ClassifiedAzureError, parseRetryAfter } from './errors.js';
import { withRetry } from './retry.js';
import type { Target } from './target.js';

export const FABRIC = 'Azure';

/** The $filter that limits Azure Backup's lists to Azure VMs. */
export const IAAS_VM_FILTER = "backupManagementType eq 'AzureIaasVM'";

export interface VaultRef {
  readonly resourceGroup: string;
  readonly name: string;
}

export interface WaitOptions {
  readonly signal?: AbortSignal;
  /** Called when a call is retried, with the classified failure. */
  readonly onRetry?: (error: ClassifiedAzureError) => void;
  /**
   * The caller owns the retry budget: each call is made once and its classified failure handed back, so a
   * caller that retries a read-compare-write as one unit never multiplies its attempts with ours (and re-reads
   * an item before writing it again). Default false: each call retries its own transient failures.
   */
  readonly retriedByCaller?: boolean;
}

/** How an asynchronous write ended. */
export interface OperationOutcome {
  /** Operation id from the Azure-AsyncOperation / Location header; undefined when the call completed synchronously. */
  readonly operationId?: string;
  readonly jobId?: string;
  readonly job?: JobResource;
}

const DONE_JOB_STATES = new Set(['Completed', 'CompletedWithWarnings', 'Failed', 'Cancelled']);

/** What the SDK's `onResponse` saw of the first response. */
interface FirstResponse {
  status?: number;
  asyncOperation?: string;
  location?: string;
  retryAfterMs?: number;
}

function capture(): { seen: FirstResponse; onResponse: (raw: { status: number; headers: { get(n: string): string | undefined } }) => void } {
  const seen: FirstResponse = {};
  return {
    seen,
    onResponse: (raw) => {
      seen.status = raw.status;
      seen.asyncOperation = raw.headers.get('azure-asyncoperation');
      seen.location = raw.headers.get('location');
      seen.retryAfterMs = parseRetryAfter(raw.headers.get('retry-after'));
    },
  };
}

/** The operation id is the last path segment of the status URL. */
export function operationIdFromUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const last = new URL(url, 'https://placeholder').pathname.split('/').filter(Boolean).at(-1);
  return last === undefined ? undefined : decodeURIComponent(last);
}

/** One SDK call, retried when the failure is transient unless the caller retries it. */
export async function call<T>(target: Target, fn: () => Promise<T>, opts: WaitOptions = {}): Promise<T> {
  if (!opts.retriedByCaller) return withRetry(fn, { ...target.timing.retry, signal: opts.signal, onRetry: opts.onRetry });
  try {
    return await fn();
  } catch (e) {
    throw classifyError(e);
  }
}

function pollDelay(target: Target, retryAfterMs: number | undefined): number {
  const { pollMinMs, pollMaxMs } = target.timing;
  return Math.min(Math.max(retryAfterMs ?? pollMinMs, pollMinMs), pollMaxMs);
}

/** Polls `step` until it reports done, waiting as the service asks, bounded by the operation timeout. */
async function pollUntil<T>(
  target: Target,
  what: string,
  firstRetryAfterMs: number | undefined,
  step: () => Promise<{ done: true; value: T } | { done: false; retryAfterMs?: number }>,
  opts: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + target.timing.operationTimeoutMs;
  let wait = pollDelay(target, firstRetryAfterMs);
  for (;;) {
    await sleep(wait, undefined, { signal: opts.signal });
    const r = await step();
    if (r.done) return r.value;
    if (Date.now() > deadline) throw azureError('OperationTimedOut', `${what} did not finish within ${target.timing.operationTimeoutMs} ms`);
    wait = pollDelay(target, r.retryAfterMs);
  }
}

async function pollOperationStatus(
  target: Target,
  what: string,
  first: FirstResponse,
  get: (opId: string) => Promise<OperationStatus>,
  opts: WaitOptions,
): Promise<OperationStatus | undefined> {
  const operationId = operationIdFromUrl(first.asyncOperation ?? first.location);
  if (first.status !== 202 || !operationId) return undefined;
  const status = await pollUntil<OperationStatus>(
    target,
    what,
    first.retryAfterMs,
    async () => {
      const s = await call(target, () => get(operationId), opts);
      return s.status === 'InProgress' ? { done: false as const } : { done: true as const, value: s };
    },
    opts,
  );
  return { ...status, name: status.name ?? operationId };
}

function jobIdOf(status: OperationStatus | undefined): string | undefined {
  const props = status?.properties as { jobId?: string; jobIds?: string[] } | undefined;
  return props?.jobId ?? props?.jobIds?.[0];
}

/** Turns a finished operation (and its job) into an outcome, or throws the classified failure. */
async function settle(target: Target, vault: VaultRef, what: string, status: OperationStatus | undefined, opts: WaitOptions): Promise<OperationOutcome> {
  const jobId = jobIdOf(status);
  if (status && status.status !== 'Succeeded') {
    const job = jobId ? await getJob(target, vault, jobId, opts).catch(() => undefined) : undefined;
    const fromJob = job ? jobError(job) : undefined;
    throw fromJob ?? azureError(status.error?.code ?? `Operation${status.status ?? 'Failed'}`, status.error?.message ?? `${what} ended ${status.status}`);
  }
  if (!jobId) return { operationId: status?.name };
  const job = await waitForJob(target, vault, jobId, opts);
  return { operationId: status?.name, jobId, job };
}

function getJob(target: Target, vault: VaultRef, jobId: string, opts: WaitOptions): Promise<JobResource> {
  return call(target, () => target.clients.backup.jobDetails.get(vault.name, vault.resourceGroup, jobId), opts);
}

/** The job's error as a classified error, or undefined when the job did not fail. */
export function jobError(job: JobResource): ClassifiedAzureError | undefined {
  const props = job.properties as AzureIaaSVMJob | undefined;
  if (props?.status !== 'Failed' && props?.status !== 'Cancelled') return undefined;
  const detail = props.errorDetails?.[0];
  const code = jobErrorCode(detail) ?? `Job${props.status}`;
  const message = detail?.errorTitle ?? `${props.operation ?? 'job'} ${props.status.toLowerCase()}`;
  const recommendations = detail?.recommendations?.filter(Boolean) ?? [];
  const err = azureError(code, message);
  // Unknown codes still get the service's own recommendation as the remedy.
  return err.remedy || recommendations.length === 0 ? err : new ClassifiedAzureError(err.message, err.code, recommendations.join(' '), undefined, false);
}

const CODE_LIKE = /^[A-Za-z][A-Za-z0-9]*$/;

/** Job errors carry a numeric code (bms.json); the named code, when the service gives one, is in errorString or errorTitle. */
export function jobErrorCode(detail: { errorCode?: number; errorString?: string; errorTitle?: string } | undefined): string | undefined {
  if (!detail) return undefined;
  const named = [detail.errorString, detail.errorTitle].find((s) => s !== undefined && CODE_LIKE.test(s));
  return named ?? (detail.errorCode !== undefined ? String(detail.errorCode) : undefined);
}

/** Waits for a job to finish; throws its classified error when it failed. */
export async function waitForJob(target: Target, vault: VaultRef, jobId: string, opts: WaitOptions = {}): Promise<JobResource> {
  const job = await pollUntil<JobResource>(
    target,
    `job ${jobId}`,
    0,
    async () => {
      const j = await getJob(target, vault, jobId, opts);
      return DONE_JOB_STATES.has(j.properties?.status ?? '') ? { done: true as const, value: j } : { done: false as const };
    },
    opts,
  );
  const failed = jobError(job);
  if (failed) throw failed;
  return job;
}

type OnResponse = ReturnType<typeof capture>['onResponse'];

/** The shape of every asynchronous write: the call, then its operation status polled to the end, then its job. */
async function writeAndWait(
  target: Target,
  vault: VaultRef,
  what: string,
  write: (onResponse: OnResponse) => Promise<unknown>,
  getStatus: (operationId: string) => Promise<OperationStatus>,
  opts: WaitOptions,
): Promise<OperationOutcome> {
  const { seen, onResponse } = capture();
  await call(target, () => write(onResponse), opts);
  const status = await pollOperationStatus(target, what, seen, getStatus, opts);
  return settle(target, vault, what, status, opts);
}

/** PUT a protected item (protect, change policy, stop retaining data), then wait for the operation and its job. */
export function putProtectedItem(
  target: Target,
  vault: VaultRef,
  containerName: string,
  itemName: string,
  body: ProtectedItemResource,
  opts: WaitOptions = {},
): Promise<OperationOutcome> {
  const backup = target.clients.backup;
  return writeAndWait(
    target,
    vault,
    `protected item ${itemName}`,
    (onResponse) => backup.protectedItems.createOrUpdate(vault.name, vault.resourceGroup, FABRIC, containerName, itemName, body, { onResponse }),
    (opId) => backup.protectedItemOperationStatuses.get(vault.name, vault.resourceGroup, FABRIC, containerName, itemName, opId),
    opts,
  );
}

/** DELETE a protected item (stop protection and delete its data); a delete of what is gone succeeds. */
export function deleteProtectedItem(
  target: Target,
  vault: VaultRef,
  containerName: string,
  itemName: string,
  opts: WaitOptions = {},
): Promise<OperationOutcome> {
  const backup = target.clients.backup;
  const gone = (e: unknown) => {
    if (classifyError(e).statusCode === 404) return undefined;
    throw e;
  };
  return writeAndWait(
    target,
    vault,
    `delete of ${itemName}`,
    // A 404 answers no operation to poll, so the outcome is empty.
    (onResponse) => backup.protectedItems.delete(vault.name, vault.resourceGroup, FABRIC, containerName, itemName, { onResponse }).catch(gone),
    (opId) => backup.backupOperationStatuses.get(vault.name, vault.resourceGroup, opId),
    opts,
  );
}

/** On-demand backup of a protected item, waiting for the backup job. */
export function triggerBackup(
  target: Target,
  vault: VaultRef,
  containerName: string,
  itemName: string,
  opts: WaitOptions & { expiry?: Date } = {},
): Promise<OperationOutcome> {
  const backup = target.clients.backup;
  const body = { properties: { objectType: 'IaasVMBackupRequest' as const, recoveryPointExpiryTimeInUTC: opts.expiry } };
  return writeAndWait(
    target,
    vault,
    `backup of ${itemName}`,
    (onResponse) => backup.backups.trigger(vault.name, vault.resourceGroup, FABRIC, containerName, itemName, body, { onResponse }),
    (opId) => backup.protectedItemOperationStatuses.get(vault.name, vault.resourceGroup, FABRIC, containerName, itemName, opId),
    opts,
  );
}

/** PUT a policy and wait for it (and the jobs updating its items); returns the policy as stored. */
export async function putPolicy(
  target: Target,
  vault: VaultRef,
  policyName: string,
  body: ProtectionPolicyResource,
  opts: WaitOptions = {},
): Promise<ProtectionPolicyResource> {
  const { seen, onResponse } = capture();
  const backup = target.clients.backup;
  const written = await call(target, () => backup.protectionPolicies.createOrUpdate(vault.name, vault.resourceGroup, policyName, body, { onResponse }), opts);
  const status = await pollOperationStatus(
    target,
    `policy ${policyName}`,
    seen,
    (opId) => backup.protectionPolicyOperationStatuses.get(vault.name, vault.resourceGroup, policyName, opId),
    opts,
  );
  if (!status) return written;
  await settle(target, vault, `policy ${policyName}`, status, opts);
  return call(target, () => backup.protectionPolicies.get(vault.name, vault.resourceGroup, policyName), opts);
}

/** Writes a policy's settings (create or update) and waits for it; returns the policy as stored. */
export function writePolicy(target: Target, vault: VaultRef, name: string, settings: PolicySettings, opts: WaitOptions = {}): Promise<ProtectionPolicyResource> {
  return putPolicy(target, vault, name, policyToAzure(settings), opts);
}

/** Deletes a policy (the SDK polls the delete to its end); a policy that is gone is deleted. */
export async function deletePolicy(target: Target, vault: VaultRef, name: string, opts: WaitOptions = {}): Promise<void> {
  await call(target, () => target.clients.backup.protectionPolicies.beginDeleteAndWait(vault.name, vault.resourceGroup, name, { updateIntervalInMs: target.timing.pollMinMs }), opts);
}

/** The names of a VM's item in the vault, and its VM. */
export interface ItemRef {
  readonly vmId: string;
  readonly containerName: string;
  readonly protectedItemName: string;
}

/** Protects a VM with a policy of the vault, or moves its protection to that policy, and waits for its ConfigureBackup job. */
export function protectVm(target: Target, vault: VaultRef, item: ItemRef, policyName: string, opts: WaitOptions = {}): Promise<OperationOutcome> {
  const policyId = policyArmId(vaultArmId(target.subscriptionId, vault.resourceGroup, vault.name), policyName);
  const body: ProtectedItemResource = { properties: { protectedItemType: 'Microsoft.Compute/virtualMachines', sourceResourceId: item.vmId, policyId } };
  return putProtectedItem(target, vault, item.containerName, item.protectedItemName, body, opts);
}

/**
 * Undeletes a soft-deleted item: a PUT with isRehydrate, Azure's way back from soft delete. The item comes back
 * with its protection stopped and its recovery points kept; protecting it again resumes it.
 */
export function undeleteProtectedItem(target: Target, vault: VaultRef, item: ItemRef, opts: WaitOptions = {}): Promise<OperationOutcome> {
  const body: ProtectedItemResource = {
    properties: { protectedItemType: 'Microsoft.Compute/virtualMachines', sourceResourceId: item.vmId, protectionState: 'ProtectionStopped', isRehydrate: true } as AzureIaaSVMProtectedItem,
  };
  return putProtectedItem(target, vault, item.containerName, item.protectedItemName, body, opts);
}

/** Stops a VM's protection and keeps its recovery points, waiting for the job. */
export function stopProtectionRetainingData(target: Target, vault: VaultRef, item: ItemRef, opts: WaitOptions = {}): Promise<OperationOutcome> {
  const body: ProtectedItemResource = {
    properties: { protectedItemType: 'Microsoft.Compute/virtualMachines', sourceResourceId: item.vmId, protectionState: 'ProtectionStopped' } as AzureIaaSVMProtectedItem,
  };
  return putProtectedItem(target, vault, item.containerName, item.protectedItemName, body, opts);
}

/**
 * Discovery: POST refreshContainers, then poll its Location until 204. Another discovery running on the
 * vault is transient: the call is retried until it ends.
 */
export async function refreshContainers(target: Target, vault: VaultRef, opts: WaitOptions = {}): Promise<void> {
  const backup = target.clients.backup;
  await writeAndPollLocation(
    target,
    `discovery on vault ${vault.name}`,
    (onResponse) => backup.protectionContainers.refresh(vault.name, vault.resourceGroup, FABRIC, { filter: IAAS_VM_FILTER, onResponse }),
    (operationId, onResponse) => backup.protectionContainerRefreshOperationResults.get(vault.name, vault.resourceGroup, FABRIC, operationId, { onResponse }),
    opts,
  );
}

/**
 * Unregisters a VM's container from the vault (DELETE, then its Location polled until it stops answering 202).
 * A container that is already gone is unregistered; one that still holds an item is refused by the service.
 */
export async function unregisterContainer(target: Target, vault: VaultRef, containerName: string, opts: WaitOptions = {}): Promise<void> {
  const backup = target.clients.backup;
  await writeAndPollLocation(
    target,
    `unregister of ${containerName}`,
    (onResponse) => backup.protectionContainers.unregister(vault.name, vault.resourceGroup, FABRIC, containerName, { onResponse }),
    (operationId, onResponse) => backup.protectionContainerOperationResults.get(vault.name, vault.resourceGroup, FABRIC, containerName, operationId, { onResponse }),
    opts,
  );
}

/** A write answered 202 + Location, whose operation result answers 202 while it runs and something else once done. */
async function writeAndPollLocation(
  target: Target,
  what: string,
  write: (onResponse: OnResponse) => Promise<unknown>,
  result: (operationId: string, onResponse: OnResponse) => Promise<unknown>,
  opts: WaitOptions,
): Promise<void> {
  const { seen, onResponse } = capture();
  await call(target, () => write(onResponse), opts);
  const operationId = operationIdFromUrl(seen.location ?? seen.asyncOperation);
  if (seen.status !== 202 || !operationId) return;
  await pollUntil<undefined>(
    target,
    what,
    seen.retryAfterMs,
    async () => {
      const step = capture();
      await call(target, () => result(operationId, step.onResponse), opts);
      return step.seen.status === 202 ? { done: false as const, retryAfterMs: step.seen.retryAfterMs } : { done: true as const, value: undefined };
    },
    opts,
  );
}

/** What Azure Backup's region-wide backupStatus says of a VM: the vault that protects or registered it, if any. */
export interface VmBackupStatus {
  readonly vaultId?: string;
  /** e.g. "Protected", "NotProtected". */
  readonly protectionStatus: string;
  readonly registrationStatus?: string;
}

/** Asks the VM's region which vault, if any, holds the VM (BackupStatus_Get; a POST that changes nothing). */
export async function readBackupStatus(target: Target, region: string, vmId: string, opts: WaitOptions = {}): Promise<VmBackupStatus> {
  const status = await call(target, () => target.clients.backup.backupStatus.get(region, { resourceType: 'VM', resourceId: vmId }), opts);
  return {
    ...(status.vaultId ? { vaultId: status.vaultId } : {}),
    protectionStatus: status.protectionStatus ?? 'Invalid',
    ...(status.registrationStatus ? { registrationStatus: status.registrationStatus } : {}),
  };
}

/** Extension name and type of Azure Backup's VM extension for an OS. */
export function backupExtensionType(osType: 'Windows' | 'Linux'): 'VMSnapshot' | 'VMSnapshotLinux' {
  return osType === 'Windows' ? 'VMSnapshot' : 'VMSnapshotLinux';
}

export const BACKUP_EXTENSION_PUBLISHER = 'Microsoft.Azure.RecoveryServices';

/** Installs the backup extension through the VM agent (Compute polls this one itself). */
export async function installBackupExtension(
  target: Target,
  vm: { resourceGroup: string; name: string; location: string; osType: 'Windows' | 'Linux' },
  opts: WaitOptions = {},
): Promise<void> {
  const type = backupExtensionType(vm.osType);
  const body = { location: vm.location, publisher: BACKUP_EXTENSION_PUBLISHER, typePropertiesType: type, typeHandlerVersion: '1.0', autoUpgradeMinorVersion: true };
  await call(
    target,
    () =>
      target.clients.compute.virtualMachineExtensions.beginCreateOrUpdateAndWait(vm.resourceGroup, vm.name, type, body, {
        updateIntervalInMs: target.timing.pollMinMs,
        abortSignal: opts.signal,
      }),
    opts,
  );
}

/** Associates a VM with the vault (classic profile); the SDK polls the registration to its end. */
export async function registerContainer(
  target: Target,
  vault: VaultRef,
  vm: { id: string; resourceGroup: string; name: string },
  containerName: string,
  opts: WaitOptions = {},
): Promise<void> {
  const body = {
    properties: {
      containerType: 'Microsoft.Compute/virtualMachines' as const,
      backupManagementType: 'AzureIaasVM' as const,
      friendlyName: vm.name,
      virtualMachineId: vm.id,
    },
  };
  await call(
    target,
    () =>
      target.clients.backup.protectionContainers.beginRegisterAndWait(vault.name, vault.resourceGroup, FABRIC, containerName, body, {
        updateIntervalInMs: target.timing.pollMinMs,
        abortSignal: opts.signal,
      }),
    opts,
  );
}
