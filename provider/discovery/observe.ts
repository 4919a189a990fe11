// Discovery: refresh the vault's view of the VMs, then read the world through the port's list reads.
// Nothing here changes anything but the discovery itself, and the number of calls grows with pages, not
// with VMs: power state, agent and extensions come from the VM list's instance views, and only VMs the
// vault can neither offer nor explain are asked about one by one (which vault holds them).
import {
  classifyError,
  diffCalls,
  listJobs,
  listPolicies,
  listProtectableVmIds,
  listProtectedItems,
  listRegisteredVmIds,
  listVms,
  readBackupStatus,
  readProtectedItem,
  readRecoveryPoints,
  readVault,
  refreshContainers,
  type Target,
  type VaultRef,
  type VmBackupStatus,
  type VmRecord,
  type WaitOptions,
} from '../azure/index.js';
import {
  parseArmId,
  vmContainerName,
  vmProtectedItemName,
  sameArmId,
  type Observation,
  type ObservedJob,
  type ObservedProtectedItem,
  type ObservedVault,
  type ObservedVm,
  type OtherVault,
} from '../core/index.js';

export interface ObserveOptions {
  /**
   * Ask the vault to rediscover VMs first (the only write discovery makes). Default true. A predicate decides from a
   * provisional observation, made before any VM's backup status is asked (its VMs that the vault does not know carry
   * no `otherVault`): when it says yes, the vault discovers once and only its protectable list is read again.
   */
  refresh?: boolean | ((provisional: Observation) => boolean);
  /**
   * Also list protected items' recovery points (one call per item and page): every item's with `true`, or only
   * those of the items a predicate chooses (drift reads only what its findings need). Default false.
   */
  recoveryPoints?: RecoveryPointChoice;
  /**
   * Jobs started since; in-progress jobs are always included. Default: 24 hours before the service's time. With
   * `'inProgress'`, only those (what a plan needs: Azure Backup allows one operation per VM at a time).
   */
  jobsSince?: Date | 'inProgress';
  /** Abandons the reads (and their retries); default none. */
  signal?: AbortSignal;
  /** The subscription's VMs, when the caller lists them once for several vaults (the estate). */
  vmRecords?: Promise<VmRecord[]>;
  /** Which vault holds a VM this vault does not, when the caller already knows (the estate's other vaults); asked of backupStatus otherwise. */
  knownVault?: (vm: ObservedVm) => OtherVault | undefined;
  /**
   * The VMs the caller needs told which vault holds them (drift: the declared ones). Without it (a plan), the vault's
   * protectable list is read and each VM of its region that the vault neither offers nor holds is asked. With it,
   * only these VMs are asked, and the protectable list, which spares the VMs it offers the question, is read only when
   * it takes fewer calls than the questions: the reads grow with the declaration, not with the region's unprotected
   * VMs. A VM's `protectable` is then inferred as Resource Graph's estate infers it (in the region, held by no vault).
   */
  otherVaultAsked?: (vm: VmRecord) => boolean;
}

/**
 * Which protected items' recovery points to read; the item's VM is undefined when the VM is gone, and `jobs` are the
 * vault's jobs the observation read.
 */
export type RecoveryPointChoice = boolean | ((item: ObservedProtectedItem, vm: ObservedVm | undefined, jobs: readonly ObservedJob[]) => boolean);

const DAY_MS = 24 * 3_600_000;
/** Recovery-point lists read at once: thousands of items never mean thousands of connections at once. */
const RECOVERY_POINT_CONCURRENCY = 16;
/** Protectable items on a page of the vault's list, as the emulator serves it. */
const PROTECTABLE_PAGE = 100;
/** backupStatus questions in flight at once. */
const BACKUP_STATUS_CONCURRENCY = 8;

/** Reads the vault and everything a plan or a drift report needs, as one Observation. */
export async function observe(target: Target, vault: VaultRef, opts: ObserveOptions = {}): Promise<Observation> {
  const before = target.calls.snapshot();
  const wait: WaitOptions = { signal: opts.signal };
  const refresh = opts.refresh ?? true;
  if (refresh === true) await refreshContainers(target, vault, wait);

  const { vault: observedVault, serviceTime } = await readVault(target, vault, wait);
  const since = opts.jobsSince ?? new Date(serviceTime.getTime() - DAY_MS);

  const asked = opts.otherVaultAsked;
  const [vmRecords, listed, registeredIds, items, policies, jobs] = await Promise.all([
    opts.vmRecords ?? listVms(target, wait),
    asked ? undefined : listProtectableVmIds(target, vault, wait),
    listRegisteredVmIds(target, vault, wait),
    listProtectedItems(target, vault, wait),
    listPolicies(target, vault, wait),
    readJobs(target, vault, since, serviceTime, wait),
  ]);

  const registered = new Set(registeredIds.map((id) => id.toLowerCase()));
  const held = new Set(items.map((i) => i.vmId.toLowerCase()));
  const inRegion = (vm: VmRecord) => vm.location.toLowerCase() === observedVault.location.toLowerCase();
  // The VMs a protectable list could spare a backupStatus question: of the region, neither registered nor held.
  const unexplained = (vm: VmRecord) => inRegion(vm) && !registered.has(vm.id.toLowerCase()) && !held.has(vm.id.toLowerCase());
  let protectableIds = listed;
  if (asked) {
    const candidates = vmRecords.filter(unexplained);
    const questions = candidates.filter(asked).length;
    if (questions > Math.ceil(candidates.length / PROTECTABLE_PAGE)) protectableIds = await listProtectableVmIds(target, vault, wait);
  }
  const known = (protectable: readonly string[] | undefined): ObservedVm[] => {
    const offered = protectable && new Set(protectable.map((id) => id.toLowerCase()));
    // Unread, no VM is taken as offered until the questions are asked (below).
    return vmRecords.map((vm) => ({ ...vm, registered: registered.has(vm.id.toLowerCase()), protectable: offered?.has(vm.id.toLowerCase()) ?? false }));
  };
  const observation = (vms: ObservedVm[], protectedItems: ObservedProtectedItem[]): Observation => ({
    observedAt: serviceTime.toISOString(),
    profile: target.profile,
    vault: observedVault,
    vms,
    policies,
    protectedItems,
    jobs,
    apiCalls: diffCalls(before, target.calls.snapshot()),
  });

  let vms = known(protectableIds);
  if (typeof refresh === 'function' && refresh(observation(vms, items))) {
    await refreshContainers(target, vault, wait);
    protectableIds = await listProtectableVmIds(target, vault, wait);
    vms = known(protectableIds);
  }
  // Only the VMs the caller asks about are asked; without the list, a VM is offered where it is unexplained and no
  // other vault holds it.
  vms = await withOtherVaults(target, observedVault, vms, (vm) => unexplained(vm) && !vm.protectable && (asked?.(vm) ?? true), wait, opts.knownVault);
  if (!protectableIds) vms = vms.map((vm) => (unexplained(vm) && !vm.otherVault ? { ...vm, protectable: true } : vm));
  const [protectedItems] = await withRecoveryPoints([{ target, vault, items, vms, jobs }], opts.recoveryPoints, wait);
  return observation(vms, protectedItems);
}

/** The protected item of one VM in a vault, with a single GET (after a write to it); undefined when it has none. */
export async function observeVmItem(target: Target, vault: VaultRef, vm: { resourceGroup: string; name: string }, opts: WaitOptions = {}): Promise<ObservedProtectedItem | undefined> {
  return readProtectedItem(target, vault, { containerName: vmContainerName(vm.resourceGroup, vm.name), protectedItemName: vmProtectedItemName(vm.resourceGroup, vm.name) }, opts);
}

/** One protected item by its ARM id, with a single GET (a Pulumi refresh reads one resource); undefined when gone. */
export async function observeProtectedItem(target: Target, id: string, opts: WaitOptions = {}): Promise<ObservedProtectedItem | undefined> {
  const p = parseArmId(id);
  if (!p.vaults || !p.resourcegroups || !p.protectioncontainers || !p.protecteditems) return undefined;
  return readProtectedItem(target, { resourceGroup: p.resourcegroups, name: p.vaults }, { containerName: p.protectioncontainers, protectedItemName: p.protecteditems }, opts);
}

/**
 * Only the vault's jobs (what `vmbackup jobs` shows): the vault read for the service's time, then the two job
 * lists, without the VM, item and policy lists a full observation makes. `window` is measured back from the
 * service's time, which on an emulator may run ahead of ours.
 */
export async function observeJobs(
  target: Target,
  vault: VaultRef,
  opts: { windowMs?: number; signal?: AbortSignal } = {},
): Promise<{ observedAt: string; jobs: readonly ObservedJob[] }> {
  const wait: WaitOptions = { signal: opts.signal };
  const { serviceTime } = await readVault(target, vault, wait);
  const since = new Date(serviceTime.getTime() - (opts.windowMs ?? DAY_MS));
  return { observedAt: serviceTime.toISOString(), jobs: await readJobs(target, vault, since, serviceTime, wait) };
}

/** The jobs of a window (none with 'inProgress') and those still in progress, once each, oldest first. */
async function readJobs(target: Target, vault: VaultRef, since: Date | 'inProgress', until: Date, wait: WaitOptions): Promise<ObservedJob[]> {
  const [recent, running] = await Promise.all([
    since === 'inProgress' ? [] : listJobs(target, vault, { since, until }, wait),
    listJobs(target, vault, 'inProgress', wait),
  ]);
  const byId = new Map<string, ObservedJob>();
  for (const j of [...recent, ...running]) byId.set((j.id || j.name).toLowerCase(), j);
  return [...byId.values()].sort((a, b) => a.startTime.localeCompare(b.startTime));
}

/**
 * A VM of the vault's region that the vault neither offers nor holds (no container, no item) is held by
 * another vault, or came after the vault's last discovery; Azure's backupStatus tells which, and names the
 * vault. Only the VMs `questioned` picks among those are asked about, a few at a time.
 */
async function withOtherVaults(
  target: Target,
  vault: ObservedVault,
  vms: ObservedVm[],
  questioned: (vm: ObservedVm) => boolean,
  wait: WaitOptions,
  knownVault?: (vm: ObservedVm) => OtherVault | undefined,
): Promise<ObservedVm[]> {
  const asked = vms.filter(questioned);
  const found = await mapBounded(asked, BACKUP_STATUS_CONCURRENCY, async (vm) => knownVault?.(vm) ?? otherVaultOf(await backupStatusOf(target, vm, wait), vault.id));
  const byVm = new Map(asked.map((vm, i) => [vm, found[i]]));
  return vms.map((vm) => {
    const otherVault = byVm.get(vm);
    return otherVault ? { ...vm, otherVault } : vm;
  });
}

/** The VM's backup status; a VM deleted since the VM list has none. */
async function backupStatusOf(target: Target, vm: ObservedVm, wait: WaitOptions): Promise<VmBackupStatus | undefined> {
  try {
    return await readBackupStatus(target, vm.location, vm.id, wait);
  } catch (e) {
    const err = classifyError(e);
    if (err.statusCode === 404 || err.code === 'BCMV2VMNotFound') return undefined;
    throw err;
  }
}

function otherVaultOf(status: VmBackupStatus | undefined, ownVaultId: string): OtherVault | undefined {
  if (!status?.vaultId || sameArmId(status.vaultId, ownVaultId)) return undefined;
  const parts = parseArmId(status.vaultId);
  return { id: status.vaultId, name: parts.vaults ?? status.vaultId, resourceGroup: parts.resourcegroups ?? '', protectionStatus: status.protectionStatus };
}

/**
 * Each group's items, with their recovery points where `choice` wants them, all read through one bounded pool;
 * the other items are returned as they are.
 */
export async function withRecoveryPoints(
  groups: readonly { target: Target; vault: VaultRef; items: readonly ObservedProtectedItem[]; vms: readonly ObservedVm[]; jobs: readonly ObservedJob[] }[],
  choice: RecoveryPointChoice | undefined,
  wait: WaitOptions,
): Promise<ObservedProtectedItem[][]> {
  const out = groups.map((g) => [...g.items]);
  if (!choice) return out;
  const work = groups.flatMap((g, gi) => {
    const vms = new Map(g.vms.map((vm) => [vm.id.toLowerCase(), vm] as const));
    return g.items.flatMap((item, ii) => (choice === true || choice(item, vms.get(item.vmId.toLowerCase()), g.jobs) ? [{ g, gi, ii, item }] : []));
  });
  const read = await mapBounded(work, RECOVERY_POINT_CONCURRENCY, ({ g, item }) => readRecoveryPoints(g.target, g.vault, item, wait));
  work.forEach(({ gi, ii }, k) => {
    out[gi][ii] = read[k];
  });
  return out;
}

/** `fn` over every item, at most `limit` at a time; results keep the items' order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
