// Discovery: refresh the vault's view of the VMs, then read the world with list calls, following nextLink.
// Nothing here changes anything but the discovery itself, and the number of calls grows with pages, not
// with VMs: power state, agent and extensions come from the VM list's instance views, and only VMs the
// vault can neither offer nor explain are asked about one by one (which vault holds them).
import type { VirtualMachine, VirtualMachineInstanceView } from '@azure/arm-compute';
import type {
  AzureIaaSVMJob,
  AzureIaaSVMProtectedItem,
  IaasVMRecoveryPoint,
  IaaSVMContainer,
  IaaSVMProtectableItem,
  JobResource,
  ProtectedItemResource,
  ProtectionContainerResource,
  ProtectionPolicyResource,
  WorkloadProtectableItemResource,
} from '@azure/arm-recoveryservicesbackup';
import {
  call,
  classifyError,
  diffCalls,
  FABRIC,
  IAAS_VM_FILTER,
  jobErrorCode,
  listAll,
  policyFromAzure,
  readBackupStatus,
  refreshContainers,
  type Target,
  type VaultRef,
  type VmBackupStatus,
  type WaitOptions,
} from '../azure/index.js';
import {
  azureCodeRemedy,
  parseArmId,
  sameArmId,
  vmArmId,
  type JobStatus,
  type Observation,
  type ObservedJob,
  type ObservedPolicy,
  type ObservedProtectedItem,
  type ObservedVault,
  type ObservedVm,
  type OsType,
  type OtherVault,
  type PowerState,
  type ProtectionState,
} from '../core/index.js';

export interface ObserveOptions {
  /** Ask the vault to rediscover VMs first (the only write discovery makes). Default true. */
  refresh?: boolean;
  /** Also list each protected item's recovery points (one call per item and page). Default false. */
  recoveryPoints?: boolean;
  /** Jobs started since; in-progress jobs are always included. Default: 24 hours before the service's time. */
  jobsSince?: Date;
  /** Abandons the reads (and their retries); default none. */
  signal?: AbortSignal;
}

const DAY_MS = 24 * 3_600_000;
/** backupStatus questions in flight at once. */
const BACKUP_STATUS_CONCURRENCY = 8;
const BACKUP_EXTENSION_TYPES = new Set(['vmsnapshot', 'vmsnapshotlinux']);
const SUCCEEDED = 'provisioningstate/succeeded';

/** Reads the vault and everything a plan or a drift report needs, as one Observation. */
export async function observe(target: Target, vault: VaultRef, opts: ObserveOptions = {}): Promise<Observation> {
  const before = target.calls.snapshot();
  const wait: WaitOptions = { signal: opts.signal };
  if (opts.refresh ?? true) await refreshContainers(target, vault, wait);

  const { observedVault, serviceTime } = await readVault(target, vault, wait);
  const backup = target.clients.backup;
  const since = opts.jobsSince ?? new Date(serviceTime.getTime() - DAY_MS);

  const [vmRecords, protectable, containers, items, policies, jobs] = await Promise.all([
    readVms(target, wait),
    listAll<WorkloadProtectableItemResource>(target, 'backup', backup.backupProtectableItems.list(vault.name, vault.resourceGroup, { filter: IAAS_VM_FILTER }), wait),
    listAll<ProtectionContainerResource>(target, 'backup', backup.backupProtectionContainers.list(vault.name, vault.resourceGroup, { filter: IAAS_VM_FILTER }), wait),
    listAll<ProtectedItemResource>(
      target,
      'backup',
      backup.backupProtectedItems.list(vault.name, vault.resourceGroup, { filter: `${IAAS_VM_FILTER} and itemType eq 'VM'` }),
      wait,
    ),
    listAll<ProtectionPolicyResource>(target, 'backup', backup.backupPolicies.list(vault.name, vault.resourceGroup, { filter: IAAS_VM_FILTER }), wait),
    readJobs(target, vault, since, serviceTime, wait),
  ]);

  const protectableIds = protectable
    .map((p) => (p.properties as IaaSVMProtectableItem | undefined)?.virtualMachineId)
    .filter((id): id is string => id !== undefined);
  const registeredIds = containers
    .filter((c) => c.properties?.registrationStatus?.toLowerCase() === 'registered')
    .map((c) => containerVmId(target.subscriptionId, c))
    .filter((id): id is string => id !== undefined);

  const observedItems = items.map((item) => toProtectedItem(target.subscriptionId, item));
  const vms = await withOtherVaults(
    target,
    observedVault,
    vmRecords.map((vm) => ({
      ...vm,
      registered: registeredIds.some((id) => sameArmId(id, vm.id)),
      protectable: protectableIds.some((id) => sameArmId(id, vm.id)),
    })),
    observedItems,
    wait,
  );

  const protectedItems = opts.recoveryPoints
    ? await Promise.all(observedItems.map((observed) => withRecoveryPoints(target, vault, observed, wait)))
    : observedItems;

  return {
    observedAt: serviceTime.toISOString(),
    profile: target.profile,
    vault: observedVault,
    vms,
    policies: policies.map(toPolicy),
    protectedItems,
    jobs,
    apiCalls: diffCalls(before, target.calls.snapshot()),
  };
}

/** One protected item by its ARM id, with a single GET (a Pulumi refresh reads one resource); undefined when gone. */
export async function observeProtectedItem(target: Target, id: string, opts: WaitOptions = {}): Promise<ObservedProtectedItem | undefined> {
  const p = parseArmId(id);
  if (!p.vaults || !p.resourcegroups || !p.protectioncontainers || !p.protecteditems) return undefined;
  const backup = target.clients.backup;
  try {
    const item = await call(target, () => backup.protectedItems.get(p.vaults!, p.resourcegroups!, FABRIC, p.protectioncontainers!, p.protecteditems!), opts);
    return toProtectedItem(target.subscriptionId, item);
  } catch (e) {
    if (classifyError(e).statusCode === 404) return undefined;
    throw e;
  }
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

async function readVault(target: Target, vault: VaultRef, wait: WaitOptions): Promise<{ observedVault: ObservedVault; serviceTime: Date }> {
  let dateHeader: string | undefined;
  const v = await call(
    target,
    () => target.clients.vaults.vaults.get(vault.resourceGroup, vault.name, { onResponse: (raw) => (dateHeader = raw.headers.get('date')) }),
    wait,
  );
  const parsed = dateHeader ? new Date(dateHeader) : new Date();
  return {
    observedVault: {
      id: v.id ?? '',
      name: v.name ?? vault.name,
      resourceGroup: vault.resourceGroup,
      subscriptionId: target.subscriptionId,
      location: v.location,
    },
    serviceTime: Number.isNaN(parsed.getTime()) ? new Date() : parsed,
  };
}

type VmRecord = Omit<ObservedVm, 'registered' | 'protectable' | 'otherVault'>;

/**
 * A VM of the vault's region that the vault neither offers nor holds (no container, no item) is held by
 * another vault, or came after the vault's last discovery; Azure's backupStatus tells which, and names the
 * vault. Only those VMs are asked about, a few at a time.
 */
async function withOtherVaults(
  target: Target,
  vault: ObservedVault,
  vms: ObservedVm[],
  items: readonly ObservedProtectedItem[],
  wait: WaitOptions,
): Promise<ObservedVm[]> {
  const unexplained = vms.filter(
    (vm) => vm.location.toLowerCase() === vault.location.toLowerCase() && !vm.protectable && !vm.registered && !items.some((i) => sameArmId(i.vmId, vm.id)),
  );
  const found = await mapBounded(unexplained, BACKUP_STATUS_CONCURRENCY, async (vm) => otherVaultOf(await backupStatusOf(target, vm, wait), vault.id));
  const byVm = new Map(unexplained.map((vm, i) => [vm, found[i]]));
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

/** `fn` over every item, at most `limit` at a time; results keep the items' order. */
async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
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

/**
 * One subscription-wide list with statusOnly gives the instance views; when the service leaves the VM
 * model out of that list (Azure does), one more list gives the model. Both grow with pages only.
 */
async function readVms(target: Target, wait: WaitOptions): Promise<VmRecord[]> {
  const compute = target.clients.compute;
  const withStatus = await listAll<VirtualMachine>(target, 'compute', compute.virtualMachines.listAll({ statusOnly: 'true' }), wait);
  const hasModel = withStatus.every((vm) => vm.storageProfile !== undefined);
  const models = hasModel ? withStatus : await listAll<VirtualMachine>(target, 'compute', compute.virtualMachines.listAll(), wait);
  const views = new Map(withStatus.map((vm) => [vm.id?.toLowerCase(), vm.instanceView]));
  return models.filter((vm) => vm.id).map((vm) => toVm(vm, views.get(vm.id!.toLowerCase()) ?? vm.instanceView));
}

function toVm(vm: VirtualMachine, view: VirtualMachineInstanceView | undefined): VmRecord {
  const id = vm.id!;
  const image = vm.storageProfile?.imageReference;
  const nicConfigs = vm.networkProfile?.networkInterfaceConfigurations ?? [];
  const agent = view?.vmAgent;
  const agentVersion = agent?.vmAgentVersion && agent.vmAgentVersion.toLowerCase() !== 'unknown' ? agent.vmAgentVersion : undefined;
  return {
    id,
    name: vm.name ?? parseArmId(id).virtualmachines,
    resourceGroup: parseArmId(id).resourcegroups,
    location: vm.location,
    osType: osTypeOf(vm),
    osImage: image ? [image.publisher, image.offer, image.sku, image.version].filter(Boolean).join(':') : undefined,
    powerState: powerStateOf(view),
    agentVersion,
    agentStatus: agent?.statuses?.[0]?.displayStatus,
    dataDisks: vm.storageProfile?.dataDisks?.length ?? 0,
    storageSku: vm.storageProfile?.osDisk?.managedDisk?.storageAccountType ?? 'Standard_LRS',
    dataDiskSkus: (vm.storageProfile?.dataDisks ?? []).flatMap((d) => (d.managedDisk?.storageAccountType ? [d.managedDisk.storageAccountType] : [])),
    ...(vm.securityProfile?.securityType ? { securityType: vm.securityProfile.securityType } : {}),
    nicCount: Math.max(vm.networkProfile?.networkInterfaces?.length ?? 0, nicConfigs.length),
    loadBalanced: nicConfigs.some((n) => (n.ipConfigurations ?? []).some((ip) => (ip.loadBalancerBackendAddressPools?.length ?? 0) > 0)),
    tags: vm.tags ?? {},
    backupExtension: hasBackupExtension(vm, view),
  };
}

function osTypeOf(vm: VirtualMachine): OsType {
  const t = vm.storageProfile?.osDisk?.osType ?? (vm.osProfile?.windowsConfiguration ? 'Windows' : 'Linux');
  return t === 'Windows' ? 'Windows' : 'Linux';
}

const POWER_STATES: readonly PowerState[] = ['running', 'stopped', 'deallocated', 'starting', 'stopping', 'deallocating'];

function powerStateOf(view: VirtualMachineInstanceView | undefined): PowerState {
  const code = view?.statuses?.find((s) => s.code?.toLowerCase().startsWith('powerstate/'))?.code?.slice('PowerState/'.length).toLowerCase();
  return POWER_STATES.find((p) => p === code) ?? 'unknown';
}

/**
 * The extension as the instance view reports it (its extensions, else the agent's handlers), or else
 * as the VM model lists it.
 */
function hasBackupExtension(vm: VirtualMachine, view: VirtualMachineInstanceView | undefined): boolean {
  const isBackup = (type: string | undefined) => BACKUP_EXTENSION_TYPES.has((type ?? '').split('.').pop()!.toLowerCase());
  if (view?.extensions) {
    return view.extensions.some((e) => isBackup(e.type ?? e.name) && e.statuses?.some((s) => s.code?.toLowerCase() === SUCCEEDED));
  }
  if (view?.vmAgent?.extensionHandlers) {
    return view.vmAgent.extensionHandlers.some((h) => isBackup(h.type) && h.status?.code?.toLowerCase() === SUCCEEDED);
  }
  return vm.resources?.some((r) => isBackup(r.typePropertiesType ?? r.name) && r.provisioningState?.toLowerCase() === 'succeeded') ?? false;
}

/** The VM a container stands for: its virtualMachineId, or its name "…;iaasvmcontainerv2;{rg};{vm}". */
function containerVmId(subscriptionId: string, c: ProtectionContainerResource): string | undefined {
  const id = (c.properties as IaaSVMContainer | undefined)?.virtualMachineId;
  if (id) return id;
  return vmIdFromContainerName(subscriptionId, c.name);
}

function vmIdFromContainerName(subscriptionId: string, name: string | undefined): string | undefined {
  const parts = name?.split(';') ?? [];
  return parts.length >= 3 ? vmArmId(subscriptionId, parts.at(-2)!, parts.at(-1)!) : undefined;
}

const PROTECTION_STATES: readonly ProtectionState[] = ['IRPending', 'Protected', 'ProtectionError', 'ProtectionStopped', 'ProtectionPaused', 'BackupsSuspended'];

function toProtectedItem(subscriptionId: string, item: ProtectedItemResource): ObservedProtectedItem {
  const p = (item.properties ?? {}) as Partial<AzureIaaSVMProtectedItem>;
  const containerName = p.containerName ?? parseArmId(item.id ?? '').protectioncontainers ?? '';
  const vmId = p.sourceResourceId ?? p.virtualMachineId ?? vmIdFromContainerName(subscriptionId, containerName) ?? '';
  const health = p.healthDetails?.[0];
  const state = PROTECTION_STATES.find((s) => s.toLowerCase() === p.protectionState?.toLowerCase()) ?? 'Invalid';
  return {
    id: item.id ?? '',
    name: item.name ?? '',
    containerName: fullContainerName(containerName),
    vmId,
    friendlyName: p.friendlyName ?? parseArmId(vmId).virtualmachines ?? '',
    policyId: p.policyId || undefined,
    policyName: p.policyName || (p.policyId ? p.policyId.split('/').pop() : undefined),
    protectionState: state,
    healthStatus: p.healthStatus,
    lastBackupStatus: p.lastBackupStatus,
    lastBackupTime: iso(p.lastBackupTime),
    lastRecoveryPoint: iso(p.lastRecoveryPoint),
    softDeleted: p.isScheduledForDeferredDelete ?? false,
    errorCode: health?.title,
    errorMessage: health?.message,
  };
}

/** Items report "iaasvmcontainerv2;rg;vm"; URLs need the "IaasVMContainer;" prefix. */
function fullContainerName(name: string): string {
  return name.toLowerCase().startsWith('iaasvmcontainer;') || name === '' ? name : `IaasVMContainer;${name}`;
}

function iso(d: Date | string | undefined): string | undefined {
  if (d === undefined) return undefined;
  const date = d instanceof Date ? d : new Date(d);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

async function withRecoveryPoints(target: Target, vault: VaultRef, item: ObservedProtectedItem, wait: WaitOptions): Promise<ObservedProtectedItem> {
  const points = await listAll(
    target,
    'backup',
    target.clients.backup.recoveryPoints.list(vault.name, vault.resourceGroup, FABRIC, item.containerName, item.name),
    wait,
  );
  const recoveryPoints = points
    .map((rp) => {
      const p = rp.properties as IaasVMRecoveryPoint | undefined;
      return { name: rp.name ?? '', time: iso(p?.recoveryPointTime) ?? '', consistency: p?.recoveryPointType ?? 'Unknown' };
    })
    .sort((a, b) => b.time.localeCompare(a.time));
  const latest = recoveryPoints[0];
  return { ...item, recoveryPoints, ...(latest ? { latestRecoveryPoint: { time: latest.time, consistency: latest.consistency } } : {}) };
}

function toPolicy(p: ProtectionPolicyResource): ObservedPolicy {
  return {
    id: p.id ?? '',
    name: p.name ?? '',
    settings: policyFromAzure(p),
    protectedItemsCount: p.properties?.protectedItemsCount ?? 0,
  };
}

/** Job filters take dates as 'yyyy-MM-dd hh:mm:ss AM' (UTC), the format of the spec's examples. */
export function jobFilterDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const h = d.getUTCHours();
  const h12 = h % 12 === 0 ? 12 : h % 12;
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(h12)}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}

function listJobs(target: Target, vault: VaultRef, filter: string, wait: WaitOptions): Promise<JobResource[]> {
  return listAll<JobResource>(target, 'backup', target.clients.backup.backupJobs.list(vault.name, vault.resourceGroup, { filter: `${IAAS_VM_FILTER} and ${filter}` }), wait);
}

const IN_PROGRESS_FILTER = "status eq 'InProgress'";

/** The vault's jobs in progress, one list: what holds an item while it runs (a scheduled backup, another apply's write). */
export async function observeJobsInProgress(target: Target, vault: VaultRef, wait: WaitOptions = {}): Promise<ObservedJob[]> {
  return (await listJobs(target, vault, IN_PROGRESS_FILTER, wait)).map((j) => toJob(target.subscriptionId, j));
}

async function readJobs(target: Target, vault: VaultRef, since: Date, until: Date, wait: WaitOptions): Promise<ObservedJob[]> {
  const [recent, running] = await Promise.all([
    listJobs(target, vault, `startTime eq '${jobFilterDate(since)}' and endTime eq '${jobFilterDate(until)}'`, wait),
    listJobs(target, vault, IN_PROGRESS_FILTER, wait),
  ]);
  const byId = new Map<string, JobResource>();
  for (const j of [...recent, ...running]) byId.set((j.id ?? j.name ?? '').toLowerCase(), j);
  return [...byId.values()].map((j) => toJob(target.subscriptionId, j)).sort((a, b) => a.startTime.localeCompare(b.startTime));
}

const JOB_STATES: readonly JobStatus[] = ['InProgress', 'Completed', 'Failed', 'CompletedWithWarnings', 'Cancelled', 'Cancelling'];

function toJob(subscriptionId: string, j: JobResource): ObservedJob {
  const p = (j.properties ?? {}) as Partial<AzureIaaSVMJob>;
  const vmId = vmIdFromContainerName(subscriptionId, p.containerName);
  return {
    id: j.id ?? '',
    name: j.name ?? '',
    operation: p.operation ?? 'Invalid',
    status: JOB_STATES.find((s) => s === p.status) ?? 'Invalid',
    vmName: p.entityFriendlyName ?? (vmId ? parseArmId(vmId).virtualmachines : ''),
    ...(vmId ? { vmId } : {}),
    startTime: iso(p.startTime) ?? '',
    endTime: iso(p.endTime),
    durationSeconds: durationSeconds(p.duration),
    errors: (p.errorDetails ?? []).map((e) => {
      const code = jobErrorCode(e) ?? '';
      // Our remedy where the table has one, so jobs, the dashboard and drift say the same; else the service's.
      const remedy = azureCodeRemedy(code);
      return { code, message: e.errorTitle ?? e.errorString ?? '', recommendations: remedy ? [remedy] : (e.recommendations ?? []) };
    }),
  };
}

/** ISO 8601 durations as jobs report them, e.g. "PT12.4272909S", "PT1H2M". */
export function durationSeconds(d: string | undefined): number | undefined {
  const m = d ? /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?)?$/.exec(d) : null;
  if (!m) return undefined;
  return Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
}
