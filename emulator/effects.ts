// What happens when an operation or a job ends, when a scheduled run falls due, and when retention or
// soft delete runs out. Called only from World.tick, inside its transaction.
import { createHash } from 'node:crypto';
import { withBackupExtension } from './backupExtension.js';
import { disksHeld } from './disks.js';
import { BACKUP_FAILURE_CODES, failure, jobErrorDetail, type Failure } from './failures.js';
import type { Consistency, DiskExclusion, Job, Operation, Policy, ProtectedItem, RecoveryPoint, Vm } from './model.js';
import { DAY_MS, retentionExpiry } from './schedule.js';
import { itemKey } from './store.js';
import { softDeleteDays } from './vaultConfig.js';
import type { World } from './world.js';

/** Jobs bound to an operation end with it, not on their own. */
export const ENDS_WITH_OPERATION = Number.MAX_SAFE_INTEGER;

function hash(s: string): number {
  return createHash('sha256').update(s).digest().readUInt32BE(0);
}

/** A scheduled backup takes 10 to 20 minutes of clock time, fixed per VM and run. */
function backupDurationMs(vmId: string, at: number): number {
  return (10 + (hash(`${vmId.toLowerCase()}|${at}`) % 11)) * 60_000;
}

export function consistencyOf(vm: Vm): Consistency {
  if (vm.powerState !== 'running') return 'CrashConsistent';
  return vm.os === 'Windows' ? 'AppConsistent' : 'FileSystemConsistent';
}

/** Ends a job: Failed with `fail`, CompletedWithWarnings with `warning`, else Completed; `extra` is written with it. */
function finishJob(world: World, jobId: string | undefined, atMs: number, fail?: { code: string; message: string }, warning?: Failure, extra: Partial<Job> = {}): void {
  if (!jobId) return;
  const job = world.store.jobById(jobId);
  if (!job) return;
  job.status = fail ? 'Failed' : warning ? 'CompletedWithWarnings' : 'Completed';
  job.endTime = new Date(atMs).toISOString();
  const detail = fail ?? warning;
  job.errorDetails = detail ? [jobErrorDetail(detail)] : [];
  world.store.putJob({ ...job, ...extra, dueMs: atMs });
}

function registerContainer(world: World, a: Record<string, string>, atMs: number): void {
  world.store.putContainer({
    vaultId: a.vaultId,
    vmId: a.vmId,
    vmName: a.vmName,
    resourceGroup: a.resourceGroup,
    registrationStatus: 'Registered',
    registeredAt: new Date(atMs).toISOString(),
  });
}

export function completeOperation(world: World, op: Operation): void {
  const { store } = world;
  const at = op.dueMs;
  const failed = op.failWith !== undefined;
  op.status = failed ? 'Failed' : 'Succeeded';
  op.endTime = new Date(at).toISOString();
  store.putOperation(op);
  const a = op.args as Record<string, string>;
  if (op.kind === 'backup') {
    // The on-demand backup's job is the backup itself; a cancelled one makes no recovery point.
    const job = op.jobId ? store.jobById(op.jobId) : undefined;
    if (job && job.status !== 'InProgress') store.putOperation({ ...op, status: 'Canceled' });
    else if (job) performBackup(world, job, at);
    return;
  }
  if (!failed) {
    switch (op.kind) {
      case 'refresh': {
        const vault = store.getVault(a.vaultId);
        if (vault) store.putVault({ ...vault, discoveredAt: at });
        break;
      }
      case 'register':
        registerContainer(world, a, at);
        break;
      case 'unregister':
        store.deleteContainer(a.vaultId, a.vmId);
        break;
      case 'protect': {
        const existing = store.getItem(a.vaultId, a.vmId);
        // Modern profile: protecting registers the VM implicitly.
        if (!store.getContainer(a.vaultId, a.vmId)) registerContainer(world, a, at);
        const item: ProtectedItem = existing
          ? {
              ...existing,
              policyName: a.policyName,
              state: existing.state === 'ProtectionStopped' ? (existing.lastBackupStatus === 'Completed' ? 'Protected' : 'IRPending') : existing.state,
              configuredAt: existing.state === 'ProtectionStopped' ? at : existing.configuredAt,
            }
          : {
              vaultId: a.vaultId,
              vmId: a.vmId,
              vmName: a.vmName,
              resourceGroup: a.resourceGroup,
              vmLocation: a.vmLocation,
              policyName: a.policyName,
              state: 'IRPending',
              healthStatus: 'Passed',
              configuredAt: at,
              protectedItemDataId: String(hash(itemKey(a.vaultId, a.vmId))),
            };
        // The PUT's diskExclusionProperties replace the item's; a PUT without them keeps what it had.
        if ('diskExclusion' in a) store.putItem({ ...item, diskExclusion: (op.args.diskExclusion as DiskExclusion | null) ?? undefined });
        else store.putItem(item);
        break;
      }
      case 'stopProtection': {
        const item = store.getItem(a.vaultId, a.vmId);
        if (item) store.putItem({ ...item, state: 'ProtectionStopped', policyName: undefined });
        break;
      }
      case 'deleteItem': {
        const item = store.getItem(a.vaultId, a.vmId);
        const vault = store.getVault(a.vaultId);
        if (!item || !vault) break;
        // Soft delete keeps the data for its retention period; with soft delete off it goes at once.
        const keepDays = softDeleteDays(vault);
        if (keepDays === undefined) store.deleteItem(item.vaultId, item.vmId);
        else store.putItem({ ...item, state: 'ProtectionStopped', policyName: undefined, deferredDeleteAt: new Date(at + keepDays * DAY_MS).toISOString() });
        break;
      }
      case 'undelete': {
        const item = store.getItem(a.vaultId, a.vmId);
        if (item) store.putItem({ ...item, state: 'ProtectionStopped', deferredDeleteAt: undefined });
        break;
      }
      case 'policyDelete':
        store.deletePolicy(a.vaultId, a.policyName);
        break;
      case 'extension': {
        const vm = store.getVm(a.vmId);
        const ext = vm?.extensions[a.extensionName];
        if (vm && ext) store.putVm({ ...vm, extensions: { ...vm.extensions, [ext.name]: { ...ext, provisioningState: 'Succeeded' } } });
        break;
      }
      case 'extensionDelete': {
        const vm = store.getVm(a.vmId);
        if (vm) {
          const { [a.extensionName]: _deleted, ...rest } = vm.extensions;
          store.putVm({ ...vm, extensions: rest });
        }
        break;
      }
      case 'cancelJob': {
        const job = store.jobById(a.jobId);
        if (job) store.putJob({ ...job, status: 'Cancelled', endTime: new Date(at).toISOString(), dueMs: at });
        const bound = a.operationId ? store.getOperation(a.operationId) : undefined;
        if (bound?.status === 'InProgress') store.putOperation({ ...bound, status: 'Canceled', endTime: new Date(at).toISOString(), dueMs: at });
        break;
      }
      case 'vmPower': {
        const vm = store.getVm(a.vmId);
        if (vm) store.putVm({ ...vm, powerState: a.powerState as Vm['powerState'] });
        break;
      }
      case 'vmDelete':
        store.deleteVm(a.vmId);
        break;
      case 'policyUpdate':
        break;
    }
  } else if (op.kind === 'extension') {
    const vm = store.getVm(a.vmId);
    const ext = vm?.extensions[a.extensionName];
    if (vm && ext) store.putVm({ ...vm, extensions: { ...vm.extensions, [ext.name]: { ...ext, provisioningState: 'Failed' } } });
  }
  finishJob(world, op.jobId, at, op.failWith);
}

/** A failed backup: the item reports it and asks for action; no recovery point. */
function failBackup(world: World, job: Job, item: ProtectedItem, f: Failure, at: number, state: ProtectedItem['state'] = item.state): void {
  world.store.putItem({
    ...item,
    state,
    healthStatus: 'ActionRequired',
    lastBackupStatus: 'Failed',
    lastBackupTime: job.startTime,
    lastErrorCode: f.code,
    lastErrorMessage: f.message,
  });
  finishJob(world, job.id, at, f);
}

/**
 * The VM's backup failure, when it applies now. Failures inside the guest need it running: a VM that is
 * not is backed up from its disks alone (crash-consistent), while the copy to the vault can time out always.
 */
function backupFailureOf(vm: Vm): Failure | undefined {
  const kind = vm.backupFailure;
  if (kind === undefined || (kind !== 'vhdCopyTimeout' && vm.powerState !== 'running')) return undefined;
  return failure(BACKUP_FAILURE_CODES[kind], vm.name);
}

/** Ends a backup job: a recovery point, or a failure when the VM is gone or its backup fails. */
function performBackup(world: World, job: Job, at: number): void {
  const { store } = world;
  const item = store.getItem(job.vaultId, job.vmId);
  const vm = store.getVm(job.vmId);
  if (!item) {
    finishJob(world, job.id, at, failure('UserErrorVmNotFoundV2', job.vmName));
    return;
  }
  if (!vm) {
    failBackup(world, job, item, failure('UserErrorVmNotFoundV2', job.vmName), at, item.state === 'ProtectionStopped' ? item.state : 'ProtectionError');
    return;
  }
  const trouble = backupFailureOf(vm);
  // A VSS failure still makes a point, file-system consistent (the guide's snapshot consistency table).
  const vssFailed = trouble?.code === BACKUP_FAILURE_CODES.vssFailure;
  if (trouble && !vssFailed) {
    failBackup(world, job, item, trouble, at);
    return;
  }
  const startMs = Date.parse(job.startTime);
  const policy = item.policyName ? store.getPolicy(item.vaultId, item.policyName) : undefined;
  const expiresMs = job.backup?.expiresAt ? Date.parse(job.backup.expiresAt) : policy ? retentionExpiry(policy.properties, startMs) : startMs + 30 * DAY_MS;
  const instantDays = Number(policy?.properties.instantRpRetentionRangeInDays ?? 2);
  const rp: RecoveryPoint = {
    name: `${startMs}${String(hash(vm.id.toLowerCase()) % 1000).padStart(3, '0')}`,
    itemKey: itemKey(item.vaultId, item.vmId),
    time: job.startTime,
    consistency: vssFailed ? 'FileSystemConsistent' : consistencyOf(vm),
    expiresAt: expiresMs === undefined ? undefined : new Date(expiresMs).toISOString(),
    vmSize: vm.vmSize,
    instantUntil: new Date(startMs + instantDays * DAY_MS).toISOString(),
    ...(item.diskExclusion ? { disks: disksHeld(vm, item.diskExclusion) } : {}),
  };
  store.putRecoveryPoint(rp);
  // The backup reinstalls its extension when it was uninstalled since.
  const reinstalled = withBackupExtension(vm);
  if (reinstalled !== vm) store.putVm(reinstalled);
  store.putItem({
    ...item,
    state: item.state === 'ProtectionStopped' ? item.state : 'Protected',
    healthStatus: 'Passed',
    lastBackupStatus: 'Completed',
    lastBackupTime: job.startTime,
    lastRecoveryPoint: job.startTime,
    lastErrorCode: undefined,
    lastErrorMessage: undefined,
  });
  finishJob(world, job.id, at, undefined, vssFailed ? trouble : undefined, rp.disks ? { disks: rp.disks } : {});
}

export function completeJob(world: World, job: Job): void {
  if (job.operation === 'Backup') performBackup(world, job, job.dueMs);
  else finishJob(world, job.id, job.dueMs);
}

/**
 * One Backup job per protected VM of the policy (not stopped, configured before the run). When another
 * operation or job holds the item, the run's job fails at once with UserErrorBackupOperationInProgress, as
 * Azure fails a backup that finds one in progress: never two at a time on one item.
 */
export function runScheduledBackups(world: World, policy: Policy, at: number): void {
  const { store } = world;
  for (const item of store.listItems(policy.vaultId)) {
    if (item.policyName?.toLowerCase() !== policy.name.toLowerCase()) continue;
    if (item.state === 'ProtectionStopped' || item.deferredDeleteAt !== undefined || item.configuredAt >= at) continue;
    const vm = store.getVm(item.vmId);
    const busy = world.itemBusy(item.vmId);
    const job = world.startJob({
      vaultId: item.vaultId,
      operation: 'Backup',
      vmId: item.vmId,
      vmName: item.vmName,
      resourceGroup: item.resourceGroup,
      // A backup of a deleted VM fails within a couple of minutes.
      dueMs: busy ? at : at + (vm ? backupDurationMs(item.vmId, at) : 2 * 60_000),
      isUserTriggered: false,
      backup: {},
      startMs: at,
    });
    if (busy) finishJob(world, job.id, at, failure('UserErrorBackupOperationInProgress', item.vmName));
  }
}

/** Retention: expired points go, except an item's newest one and those of stopped protections (kept forever). */
export function expireRecoveryPoints(world: World, until: number): void {
  const { store } = world;
  for (const rp of store.expiredRecoveryPoints(until)) {
    const points = store.listRecoveryPoints(rp.itemKey);
    const [vaultKey, vmKey] = rp.itemKey.split('|');
    const item = store.getItem(vaultKey, vmKey);
    if (points[0]?.name === rp.name || item?.state === 'ProtectionStopped') {
      store.putRecoveryPoint({ ...rp, expiresAt: undefined });
    } else {
      store.deleteRecoveryPoint(rp.itemKey, rp.name);
    }
  }
}

export function purgeSoftDeleted(world: World, until: number): void {
  for (const item of world.store.softDeletedDue(until)) world.store.deleteItem(item.vaultId, item.vmId);
}
