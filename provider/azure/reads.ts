// The reads of the port to Azure: each asks for one thing (a vault, the VMs, one VM, the items, one item, the
// policies, the jobs) and answers vmbackup's own types through the one mapper. Lists follow nextLink.
import type { VirtualMachine } from '@azure/arm-compute';
import type { IaaSVMProtectableItem } from '@azure/arm-recoveryservicesbackup';
import type { ObservedJob, ObservedPolicy, ObservedProtectedItem, ObservedVault } from '../core/index.js';
import { classifyError } from './errors.js';
import { registeredVmId, toJob, toPolicy, toProtectedItem, toVaultSettings, toVm, withRecoveryPoints, type VmRecord } from './mapping.js';
import { call, FABRIC, IAAS_VM_FILTER, type VaultRef, type WaitOptions } from './operations.js';
import { listAll, type Pager } from './paging.js';
import { COMPUTE_API_VERSION, type Target } from './target.js';
import { vmFromRest, type RestVm } from './mapping.js';
import { getJson } from './operations.js';

/** Every page of an Azure Backup list. */
function listBackup<T>(target: Target, pager: Pager<T>, wait: WaitOptions): Promise<T[]> {
  return listAll<T>(target, 'backup', pager, wait);
}

/** A read that answers undefined for what does not exist (404). */
async function orAbsent<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (e) {
    if (classifyError(e).statusCode === 404) return undefined;
    throw e;
  }
}

/** The vault, and the service's time from the answer's Date header (the emulator's clock, or Azure's). */
export async function readVault(target: Target, vault: VaultRef, wait: WaitOptions = {}): Promise<{ vault: ObservedVault; serviceTime: Date }> {
  let dateHeader: string | undefined;
  const v = await call(
    target,
    () => target.clients.vaults.vaults.get(vault.resourceGroup, vault.name, { onResponse: (raw) => (dateHeader = raw.headers.get('date')) }),
    wait,
  );
  const parsed = dateHeader ? new Date(dateHeader) : new Date();
  const settings = toVaultSettings(v);
  return {
    vault: {
      id: v.id ?? '', name: v.name ?? vault.name, resourceGroup: vault.resourceGroup, subscriptionId: target.subscriptionId, location: v.location,
      ...(settings ? { settings } : {}),
    },
    serviceTime: Number.isNaN(parsed.getTime()) ? new Date() : parsed,
  };
}

/**
 * Every VM of the subscription. One list with statusOnly gives the instance views; when the service leaves the
 * VM model out of that list (Azure does), one more list gives the model. Both grow with pages only.
 */
export async function listVms(target: Target, wait: WaitOptions = {}): Promise<VmRecord[]> {
  const withStatus = await listRestVms(target, { statusOnly: true }, wait);
  const hasModel = withStatus.every((vm) => vm.storageProfile !== undefined);
  const models = hasModel ? withStatus : await listRestVms(target, { statusOnly: false }, wait);
  const views = new Map(withStatus.map((vm) => [vm.id?.toLowerCase(), vm.instanceView]));
  return models.filter((vm) => vm.id).map((vm) => toVm(vm, views.get(vm.id!.toLowerCase()) ?? vm.instanceView));
}

/** What Compute's instance view tells of a VM and Resource Graph does not (VM_FACTS_NOT_IN_RESOURCE_GRAPH), with its power state now. */
export type VmAgentFacts = Pick<VmRecord, 'agentVersion' | 'agentStatus' | 'powerState'>;

const agentFacts = ({ agentVersion, agentStatus, powerState }: VmRecord): VmAgentFacts => ({ agentVersion, agentStatus, powerState });

/**
 * The agent facts of every VM of the subscription, from the status-only list alone, by lower-cased ARM id: where
 * Resource Graph already gave the VMs' models, the second list listVms makes on Azure is not needed.
 */
export async function listVmAgentFacts(target: Target, wait: WaitOptions = {}): Promise<Map<string, VmAgentFacts>> {
  const out = new Map<string, VmAgentFacts>();
  for (const vm of await listRestVms(target, { statusOnly: true }, wait)) {
    if (vm.id) out.set(vm.id.toLowerCase(), agentFacts(toVm(vm, vm.instanceView)));
  }
  return out;
}

/** One VM's agent facts, with one GET of its instance view; undefined for a VM deleted since it was seen. */
export async function readVmAgentFacts(target: Target, vm: { resourceGroup: string; name: string }, wait: WaitOptions = {}): Promise<VmAgentFacts | undefined> {
  const record = await orAbsent(() => readVm(target, vm, wait));
  return record && agentFacts(record);
}

/** Every page of Compute's VM list as raw JSON through our own mapper: thousands of VMs, read at the cost of a JSON parse. */
async function listRestVms(target: Target, opts: { statusOnly: boolean }, wait: WaitOptions): Promise<VirtualMachine[]> {
  const out: VirtualMachine[] = [];
  let url: string | undefined =
    `${target.endpoint.replace(/\/$/, '')}/subscriptions/${encodeURIComponent(target.subscriptionId)}/providers/Microsoft.Compute/virtualMachines` +
    `?api-version=${COMPUTE_API_VERSION}${opts.statusOnly ? '&statusOnly=true' : ''}`;
  while (url) {
    const page: string = url;
    const { body } = await call(target, () => getJson<{ value: RestVm[]; nextLink: string }>(target, page, wait), wait);
    for (const vm of body.value ?? []) out.push(vmFromRest(vm));
    url = body.nextLink || undefined;
  }
  return out;
}

/** One VM with its instance view; a VM that does not exist is Compute's 404, for the caller to report. */
export async function readVm(target: Target, vm: { resourceGroup: string; name: string }, wait: WaitOptions = {}): Promise<VmRecord> {
  const model = await call(target, () => target.clients.compute.virtualMachines.get(vm.resourceGroup, vm.name, { expand: 'instanceView' }), wait);
  return toVm(model, model.instanceView);
}

/** The ids of the VMs the vault offers to protect (its region's, protected by no vault). */
export async function listProtectableVmIds(target: Target, vault: VaultRef, wait: WaitOptions = {}): Promise<string[]> {
  const items = await listBackup(target, target.clients.backup.backupProtectableItems.list(vault.name, vault.resourceGroup, { filter: IAAS_VM_FILTER }), wait);
  return items.map((p) => (p.properties as IaaSVMProtectableItem | undefined)?.virtualMachineId).filter((id): id is string => id !== undefined);
}

/** The ids of the VMs registered with the vault. */
export async function listRegisteredVmIds(target: Target, vault: VaultRef, wait: WaitOptions = {}): Promise<string[]> {
  const containers = await listBackup(target, target.clients.backup.backupProtectionContainers.list(vault.name, vault.resourceGroup, { filter: IAAS_VM_FILTER }), wait);
  return containers.map((c) => registeredVmId(target.subscriptionId, c)).filter((id): id is string => id !== undefined);
}

/** Whether the VM's container is registered with the vault now. */
export async function readRegistration(target: Target, vault: VaultRef, containerName: string, wait: WaitOptions = {}): Promise<boolean> {
  const container = await orAbsent(() =>
    call(target, () => target.clients.backup.protectionContainers.get(vault.name, vault.resourceGroup, FABRIC, containerName), wait),
  );
  return container !== undefined && registeredVmId(target.subscriptionId, container) !== undefined;
}

export async function listProtectedItems(target: Target, vault: VaultRef, wait: WaitOptions = {}): Promise<ObservedProtectedItem[]> {
  const items = await listBackup(target, target.clients.backup.backupProtectedItems.list(vault.name, vault.resourceGroup, { filter: `${IAAS_VM_FILTER} and itemType eq 'VM'` }), wait);
  return items.map((item) => toProtectedItem(target.subscriptionId, item));
}

/** One protected item as it is now; undefined when there is none. */
export async function readProtectedItem(
  target: Target,
  vault: VaultRef,
  item: { containerName: string; protectedItemName: string },
  wait: WaitOptions = {},
): Promise<ObservedProtectedItem | undefined> {
  const found = await orAbsent(() =>
    call(target, () => target.clients.backup.protectedItems.get(vault.name, vault.resourceGroup, FABRIC, item.containerName, item.protectedItemName), wait),
  );
  return found ? toProtectedItem(target.subscriptionId, found) : undefined;
}

/** The item with its recovery points, newest first (one call per page). */
export async function readRecoveryPoints(target: Target, vault: VaultRef, item: ObservedProtectedItem, wait: WaitOptions = {}): Promise<ObservedProtectedItem> {
  const points = await listBackup(target, target.clients.backup.recoveryPoints.list(vault.name, vault.resourceGroup, FABRIC, item.containerName, item.name), wait);
  return withRecoveryPoints(item, points);
}

export async function listPolicies(target: Target, vault: VaultRef, wait: WaitOptions = {}): Promise<ObservedPolicy[]> {
  const policies = await listBackup(target, target.clients.backup.backupPolicies.list(vault.name, vault.resourceGroup, { filter: IAAS_VM_FILTER }), wait);
  return policies.map(toPolicy);
}

/** One policy; undefined when the vault has none of that name. */
export async function readPolicy(target: Target, vault: VaultRef, name: string, wait: WaitOptions = {}): Promise<ObservedPolicy | undefined> {
  const found = await orAbsent(() => call(target, () => target.clients.backup.protectionPolicies.get(vault.name, vault.resourceGroup, name), wait));
  return found ? toPolicy(found) : undefined;
}

/** Job filters take dates as 'yyyy-MM-dd hh:mm:ss AM' (UTC), the format of the spec's examples. */
export function jobFilterDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const h = d.getUTCHours();
  const h12 = h % 12 === 0 ? 12 : h % 12;
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(h12)}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}

/** Jobs started in a window, or, without one, the jobs in progress: what holds an item while it runs. */
export async function listJobs(target: Target, vault: VaultRef, window: { since: Date; until: Date } | 'inProgress', wait: WaitOptions = {}): Promise<ObservedJob[]> {
  // The filter's dates hold whole seconds, and the service's time (its Date header) is cut to the second too: the end
  // goes to the next whole second, so a job started earlier in the window's last second is not left out (the start
  // is rounded down by the format).
  const nextSecond = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000 + 1000);
  const filter =
    window === 'inProgress' ? "status eq 'InProgress'" : `startTime eq '${jobFilterDate(window.since)}' and endTime eq '${jobFilterDate(nextSecond(window.until))}'`;
  const jobs = await listBackup(target, target.clients.backup.backupJobs.list(vault.name, vault.resourceGroup, { filter: `${IAAS_VM_FILTER} and ${filter}` }), wait);
  return jobs.map((j) => toJob(target.subscriptionId, j));
}
