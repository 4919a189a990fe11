// The writes whose SDK call returns after the first 202 (SUBSET.md §3): this layer polls each to its end,
// then waits for the job it started, and surfaces the job's error code and our remedy on failure.
import { setTimeout as sleep } from 'node:timers/promises';
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import type {
  AzureIaaSVMJob,
  AzureIaaSVMProtectedItem,
  JobResource,
  OperationStatus,
  ProtectedItemResource,
  ProtectionPolicyResource,
} from '@azure/arm-recoveryservicesbackup';
import { policyArmId, vaultArmId, type DiskSelection, type PolicySettings } from '../core/index.js';
import { disksToAzure } from './diskMapping.js';
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
  /** Fail at once with the service's code when another operation holds the item, instead of waiting for it. Default false. */
  readonly failWhileBusy?: boolean;
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
      // An SDK poller (begin*) polls right after its write: the write's own answer is the first one.
      if (seen.status !== undefined) return;
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
  if (!opts.retriedByCaller) {
    return withRetry(fn, { ...target.timing.retry, signal: opts.signal, onRetry: opts.onRetry, ...(opts.failWhileBusy ? { waitForConflicts: false } : {}) });
  }
  try {
    return await fn();
  } catch (e) {
    throw classifyError(e);
  }
}

/**
 * One read of an operation that was accepted, retried on its own when transient whoever owns the write's
 * retries: a throttled or failed poll must never send the write again.
 */
function poll<T>(target: Target, fn: () => Promise<T>, opts: WaitOptions): Promise<T> {
  return withRetry(fn, { ...target.timing.retry, signal: opts.signal, onRetry: opts.onRetry });
}

/** A poll whose answer's status and Retry-After matter: captured afresh for each attempt, so a retried 429 is not taken for it. */
function pollSeeing<T>(target: Target, fn: (onResponse: OnResponse) => Promise<T>, opts: WaitOptions): Promise<{ value: T; seen: FirstResponse }> {
  return poll(
    target,
    async () => {
      const { seen, onResponse } = capture();
      return { value: await fn(onResponse), seen };
    },
    opts,
  );
}

/** The write was accepted (2xx) by the service, whatever happened after. */
function accepted(first: FirstResponse): boolean {
  return first.status !== undefined && first.status >= 200 && first.status < 300;
}

/**
 * Sends an SDK long-running write (begin*, which also makes the first poll) once and hands back the write's
 * own answer, so the caller polls the operation itself; a failure after the write was accepted is the poll's
 * and does not count against the write.
 */
async function sendOnce<T>(target: Target, send: (onResponse: OnResponse) => Promise<T>, opts: WaitOptions): Promise<{ first: FirstResponse; value?: T }> {
  return call(
    target,
    async () => {
      // A fresh capture per attempt: a refused attempt's answer is not the write's.
      const { seen, onResponse } = capture();
      try {
        return { first: seen, value: await send(onResponse) };
      } catch (e) {
        if (!accepted(seen)) throw e;
        return { first: seen };
      }
    },
    opts,
  );
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
  get: (opId: string, onResponse: OnResponse) => Promise<OperationStatus>,
  opts: WaitOptions,
  done: (s: OperationStatus) => boolean = (s) => s.status !== 'InProgress',
): Promise<OperationStatus | undefined> {
  const operationId = operationIdFromUrl(first.asyncOperation ?? first.location);
  if (first.status !== 202 || !operationId) return undefined;
  const status = await pollUntil<OperationStatus>(
    target,
    what,
    first.retryAfterMs,
    async () => {
      const { value: s, seen } = await pollSeeing(target, (onResponse) => get(operationId, onResponse), opts);
      return done(s) ? { done: true as const, value: s } : { done: false as const, retryAfterMs: seen.retryAfterMs };
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
async function settle(
  target: Target,
  vault: VaultRef,
  what: string,
  status: OperationStatus | undefined,
  opts: WaitOptions,
  retryAfterMs?: number,
): Promise<OperationOutcome> {
  const jobId = jobIdOf(status);
  if (status && status.status !== 'Succeeded') {
    const job = jobId ? await getJob(target, vault, jobId, opts).catch(() => undefined) : undefined;
    const fromJob = job ? jobError(job) : undefined;
    throw fromJob ?? azureError(status.error?.code ?? `Operation${status.status ?? 'Failed'}`, status.error?.message ?? `${what} ended ${status.status}`);
  }
  if (!jobId) return { operationId: status?.name };
  const job = await waitForJob(target, vault, jobId, opts, retryAfterMs);
  return { operationId: status?.name, jobId, job };
}

function getJob(target: Target, vault: VaultRef, jobId: string, opts: WaitOptions): Promise<JobResource> {
  return poll(target, () => target.clients.backup.jobDetails.get(vault.name, vault.resourceGroup, jobId), opts);
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

/**
 * Waits for a job to finish; throws its classified error when it failed. A job has no Retry-After of its own:
 * after a first look it is read at `everyMs`, the pace its operation's service asked for (default: the shortest poll).
 */
export async function waitForJob(target: Target, vault: VaultRef, jobId: string, opts: WaitOptions = {}, everyMs?: number): Promise<JobResource> {
  const job = await pollUntil<JobResource>(
    target,
    `job ${jobId}`,
    0,
    async () => {
      const j = await getJob(target, vault, jobId, opts);
      return DONE_JOB_STATES.has(j.properties?.status ?? '') ? { done: true as const, value: j } : { done: false as const, retryAfterMs: everyMs };
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
  getStatus: (operationId: string, onResponse: OnResponse) => Promise<OperationStatus>,
  opts: WaitOptions,
): Promise<OperationOutcome> {
  const { first } = await sendOnce(target, write, opts);
  const status = await pollOperationStatus(target, what, first, getStatus, opts);
  return settle(target, vault, what, status, opts, first.retryAfterMs);
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
    (opId, onResponse) => backup.protectedItemOperationStatuses.get(vault.name, vault.resourceGroup, FABRIC, containerName, itemName, opId, { onResponse }),
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
    (opId, onResponse) => backup.backupOperationStatuses.get(vault.name, vault.resourceGroup, opId, { onResponse }),
    opts,
  );
}

/**
 * On-demand backup of a protected item (Backups_Trigger), waiting for the backup job; with `untilJobStarted`, only
 * until the service names the job, so the caller can report it and wait for it (or not) itself.
 */
export async function triggerBackup(
  target: Target,
  vault: VaultRef,
  containerName: string,
  itemName: string,
  opts: WaitOptions & { expiry?: Date; untilJobStarted?: boolean } = {},
): Promise<OperationOutcome> {
  const backup = target.clients.backup;
  const body = { properties: { objectType: 'IaasVMBackupRequest' as const, recoveryPointExpiryTimeInUTC: opts.expiry } };
  const what = `backup of ${itemName}`;
  const write = (onResponse: OnResponse) => backup.backups.trigger(vault.name, vault.resourceGroup, FABRIC, containerName, itemName, body, { onResponse });
  const getStatus = (opId: string, onResponse: OnResponse) =>
    backup.protectedItemOperationStatuses.get(vault.name, vault.resourceGroup, FABRIC, containerName, itemName, opId, { onResponse });
  if (!opts.untilJobStarted) return writeAndWait(target, vault, what, write, getStatus, opts);
  const { first } = await sendOnce(target, write, opts);
  const status = await pollOperationStatus(target, what, first, getStatus, opts, (s) => s.status !== 'InProgress' || jobIdOf(s) !== undefined);
  // A failed operation is thrown with its job's error; a running or finished one has named its job.
  if (status && status.status !== 'InProgress' && status.status !== 'Succeeded') return settle(target, vault, what, status, opts);
  return { operationId: status?.name, jobId: jobIdOf(status) };
}

/** PUT a policy and wait for it (and the jobs updating its items); returns the policy as stored. */
export async function putPolicy(
  target: Target,
  vault: VaultRef,
  policyName: string,
  body: ProtectionPolicyResource,
  opts: WaitOptions = {},
): Promise<ProtectionPolicyResource> {
  const backup = target.clients.backup;
  const { first, value: written } = await sendOnce(target, (onResponse) => backup.protectionPolicies.createOrUpdate(vault.name, vault.resourceGroup, policyName, body, { onResponse }), opts);
  const status = await pollOperationStatus(
    target,
    `policy ${policyName}`,
    first,
    (opId, onResponse) => backup.protectionPolicyOperationStatuses.get(vault.name, vault.resourceGroup, policyName, opId, { onResponse }),
    opts,
  );
  if (!status && written) return written;
  if (status) await settle(target, vault, `policy ${policyName}`, status, opts, first.retryAfterMs);
  return poll(target, () => backup.protectionPolicies.get(vault.name, vault.resourceGroup, policyName), opts);
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

/** What a protect writes: the policy, and the disk selection when one is given (without one, the item keeps its own). */
export interface ProtectionWrite {
  readonly policyName: string;
  readonly disks?: DiskSelection;
}

/**
 * Protects a VM with a policy of the vault, or moves its protection to that policy or to other disks, in one PUT,
 * and waits for its ConfigureBackup job.
 */
export function protectVm(target: Target, vault: VaultRef, item: ItemRef, write: ProtectionWrite, opts: WaitOptions = {}): Promise<OperationOutcome> {
  const policyId = policyArmId(vaultArmId(target.subscriptionId, vault.resourceGroup, vault.name), write.policyName);
  const properties: AzureIaaSVMProtectedItem = {
    protectedItemType: 'Microsoft.Compute/virtualMachines',
    sourceResourceId: item.vmId,
    policyId,
    ...(write.disks ? { extendedProperties: disksToAzure(write.disks) } : {}),
  };
  const body: ProtectedItemResource = { properties };
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
  const { first: seen } = await sendOnce(target, write, opts);
  const operationId = operationIdFromUrl(seen.location ?? seen.asyncOperation);
  if (seen.status !== 202 || !operationId) return;
  await pollUntil<undefined>(
    target,
    what,
    seen.retryAfterMs,
    async () => {
      const { seen: step } = await pollSeeing(target, (onResponse) => result(operationId, onResponse), opts);
      return step.status === 202 ? { done: false as const, retryAfterMs: step.retryAfterMs } : { done: true as const, value: undefined };
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

/** Installs the backup extension through the VM agent, then polls Compute's Azure-AsyncOperation to its end. */
export async function installBackupExtension(
  target: Target,
  vm: { resourceGroup: string; name: string; location: string; osType: 'Windows' | 'Linux' },
  opts: WaitOptions = {},
): Promise<void> {
  const type = backupExtensionType(vm.osType);
  const body = { location: vm.location, publisher: BACKUP_EXTENSION_PUBLISHER, typePropertiesType: type, typeHandlerVersion: '1.0', autoUpgradeMinorVersion: true };
  const compute = target.clients.compute;
  const { first } = await sendOnce(
    target,
    (onResponse) => compute.virtualMachineExtensions.beginCreateOrUpdate(vm.resourceGroup, vm.name, type, body, { abortSignal: opts.signal, onResponse }),
    opts,
  );
  const url = first.asyncOperation;
  if (first.status === undefined || first.status >= 300 || !url) return;
  await pollUntil<undefined>(
    target,
    `backup extension on ${vm.name}`,
    first.retryAfterMs,
    async () => {
      const s = await poll(target, () => readAsyncOperation(target, url, opts), opts);
      if (s.status === 'InProgress') return { done: false as const, retryAfterMs: s.retryAfterMs };
      if (s.status === 'Succeeded') return { done: true as const, value: undefined };
      throw azureError(s.error?.code ?? `Operation${s.status ?? 'Failed'}`, s.error?.message ?? `backup extension on ${vm.name} ended ${s.status}`);
    },
    opts,
  );
}

interface AsyncOperationStatus {
  readonly status?: string;
  readonly error?: { code?: string; message?: string };
  readonly retryAfterMs?: number;
}

/** GETs an Azure-AsyncOperation URL; Compute has no typed call for it. */
async function readAsyncOperation(target: Target, url: string, opts: WaitOptions): Promise<AsyncOperationStatus> {
  const { body, retryAfterMs } = await getJson<{ status?: string; error?: { code?: string; message?: string } }>(target, url, opts);
  return { ...body, retryAfterMs };
}

/**
 * GETs a URL through the SDK's pipeline (its auth, counting and pacing) and parses the JSON body without the SDK's
 * per-item deserializer; a status of 400 or more is thrown as Azure's error.
 */
export async function getJson<T extends object>(target: Target, url: string, opts: WaitOptions): Promise<{ body: Partial<T>; retryAfterMs?: number }> {
  const res = await target.clients.compute.sendRequest(createPipelineRequest({ url, method: 'GET', abortSignal: opts.signal }));
  const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
  let body: Partial<T> & { error?: { code?: string; message?: string } } = {};
  try {
    body = JSON.parse(res.bodyAsText ?? '{}') as typeof body;
  } catch {
    // A body that is not JSON says nothing more than its status.
  }
  if (res.status >= 400) {
    throw azureError(body.error?.code ?? (res.status === 429 ? 'TooManyRequests' : `Http${res.status}`), body.error?.message ?? `status ${res.status}`, {
      statusCode: res.status,
      retryAfterMs,
      requestId: res.headers.get('x-ms-request-id'),
    });
  }
  return { body, retryAfterMs };
}

/** Associates a VM with the vault (classic profile), then polls the registration's Location to its end. */
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
  const backup = target.clients.backup;
  await writeAndPollLocation(
    target,
    `registration of ${vm.name}`,
    (onResponse) => backup.protectionContainers.beginRegister(vault.name, vault.resourceGroup, FABRIC, containerName, body, { abortSignal: opts.signal, onResponse }),
    (operationId, onResponse) => backup.protectionContainerOperationResults.get(vault.name, vault.resourceGroup, FABRIC, containerName, operationId, { onResponse }),
    opts,
  );
}
