// Discovery of an estate: every declared vault observed through its own subscription, each subscription's VMs
// listed once and shared by its vaults, and a VM held by another declared vault explained by that vault's items
// instead of a backupStatus question per VM.
import {
  diffCalls,
  listProtectedItems,
  listVms,
  queryEstate,
  readVault,
  refreshContainers,
  type Estate,
  type InVault,
  type Target,
  type VmAgentFacts,
  type VmRecord,
} from '../azure/index.js';
import {
  ConfigurationError,
  groupBy,
  parseArmId,
  type EstateObservation,
  type Observation,
  type ObservedVm,
  type OtherVault,
  type ResolvedSpec,
  type VaultObservation,
} from '../core/index.js';
import { agentFactsOf, AGENT_READ_BUDGET } from './agentFacts.js';
import { mapBounded, observe, withRecoveryPoints, type ObserveOptions } from './observe.js';

export interface EstateObserveOptions extends Omit<ObserveOptions, 'vmRecords' | 'knownVault'> {
  /**
   * `resourceGraph` (default): one Resource Graph query over every subscription, then Resource Manager only where
   * something is to be written; `arm`: Resource Manager lists for everything (`--consistent`: Resource Graph may lag).
   */
  source?: 'resourceGraph' | 'arm';
  /**
   * The VMs a plan would write for, given what Resource Graph showed: their vaults are asked to discover them
   * (the only write), and Compute gives what Resource Graph does not carry (the VM agent), within `agentReadBudget`.
   */
  toWrite?: (obs: EstateObservation) => readonly ObservedVm[];
  /**
   * Compute calls a subscription may spend on the agent facts of the VMs to write for (one GET each, or its VM list,
   * whichever is fewer). Past it the agent is left unread (ObservedVm.agentUnread) and apply checks it on the VM it
   * reads before writing. Default 10: a few Resource Graph queries read a whole estate, where the VM list of one
   * 3,000-VM subscription takes 30 calls.
   */
  agentReadBudget?: number;
}

/** Vaults observed at once. */
const VAULT_CONCURRENCY = 4;

export async function observeEstate(target: Target, spec: Pick<ResolvedSpec, 'vaults' | 'scope'>, opts: EstateObserveOptions = {}): Promise<EstateObservation> {
  return (opts.source ?? 'resourceGraph') === 'resourceGraph' ? observeThroughGraph(target, spec, opts) : observeThroughArm(target, spec, opts);
}

async function observeThroughArm(target: Target, spec: Pick<ResolvedSpec, 'vaults' | 'scope'>, opts: EstateObserveOptions): Promise<EstateObservation> {
  const before = target.calls.snapshot();
  const wait = { signal: opts.signal };
  const subscriptions = unique([...spec.scope.subscriptions, ...spec.vaults.map((v) => v.subscriptionId)]);
  const vmLists = new Map(subscriptions.map((s) => [s.toLowerCase(), listVms(target.forSubscription(s), wait)] as const));
  // Keep a failed list from going unhandled while other reads run; each use below awaits it again.
  for (const list of vmLists.values()) list.catch(() => undefined);

  const held = new Map<string, OtherVault>();
  const itemLists = await Promise.all(spec.vaults.map((v) => listProtectedItems(target.forSubscription(v.subscriptionId), v, wait)));
  spec.vaults.forEach((v, i) => {
    const id = `/subscriptions/${v.subscriptionId}/resourceGroups/${v.resourceGroup}/providers/Microsoft.RecoveryServices/vaults/${v.name}`;
    for (const item of itemLists[i]) {
      if (!item.softDeleted) held.set(item.vmId.toLowerCase(), { id, name: v.name, resourceGroup: v.resourceGroup, protectionStatus: 'Protected' });
    }
  });

  const vaults: VaultObservation[] = await mapBounded(spec.vaults, VAULT_CONCURRENCY, async (vault) => ({
    vault,
    observation: await observe(target.forSubscription(vault.subscriptionId), vault, {
      ...opts,
      vmRecords: vmLists.get(vault.subscriptionId.toLowerCase()) as Promise<VmRecord[]>,
      knownVault: (vm) => held.get(vm.id.toLowerCase()),
    }),
  }));

  const vms = await estateVms(subscriptions, vmLists, vaults);
  const first = vaults[0]?.observation;
  return {
    observedAt: first?.observedAt ?? new Date().toISOString(),
    profile: first?.profile ?? target.profile,
    vaults,
    vms,
    apiCalls: diffCalls(before, target.calls.snapshot()),
  };
}

/**
 * Every VM of the subscriptions, each as the vault of its own region sees it (registered, offered, held
 * elsewhere), or as a bare VM where no declared vault shares its subscription and region.
 */
async function estateVms(subscriptions: readonly string[], lists: ReadonlyMap<string, Promise<VmRecord[]>>, vaults: readonly VaultObservation[]): Promise<ObservedVm[]> {
  const seen = new Map<string, ObservedVm>();
  for (const { observation } of vaults) {
    const location = observation.vault.location.toLowerCase();
    for (const vm of observation.vms) if (vm.location.toLowerCase() === location) seen.set(vm.id.toLowerCase(), vm);
  }
  const out: ObservedVm[] = [];
  for (const sub of subscriptions) {
    for (const record of await lists.get(sub.toLowerCase())!) {
      const key = record.id.toLowerCase();
      if (parseArmId(record.id).subscriptions?.toLowerCase() !== sub.toLowerCase()) continue;
      out.push(seen.get(key) ?? { ...record, registered: false, protectable: false });
    }
  }
  return out;
}

function unique(values: readonly string[]): string[] {
  const byKey = new Map(values.map((v) => [v.toLowerCase(), v]));
  return [...byKey.values()];
}

/**
 * The estate as Resource Graph shows it: a few pages for every subscription at once. Each vault's observation is
 * cut from it (a VM is registered where it has an item, offered where no vault holds it, held by another vault
 * whatever vault that is). Then, only where the plan would write: the vault discovers its VMs, and Compute gives the
 * agent facts Resource Graph lacks (one GET per VM or the status-only VM list, within the budget; beyond it apply
 * checks them).
 * Recovery points, when asked for, come per item.
 */
async function observeThroughGraph(target: Target, spec: Pick<ResolvedSpec, 'vaults' | 'scope'>, opts: EstateObserveOptions): Promise<EstateObservation> {
  const before = target.calls.snapshot();
  const wait = { signal: opts.signal };
  const subscriptions = unique([...spec.scope.subscriptions, ...spec.vaults.map((v) => v.subscriptionId)]);
  const estate = await queryEstate(target, subscriptions, wait);
  // The service's clock, from one vault read (the emulator's clock runs on its own).
  const first = spec.vaults[0];
  const { serviceTime } = await readVault(target.forSubscription(first.subscriptionId), first, wait);
  const build = (records: ReadonlyMap<string, VmAgentFacts>): EstateObservation => graphObservation(spec, estate, serviceTime, target, records);

  let obs = build(new Map());
  const toWrite = opts.toWrite?.(obs) ?? [];
  if (toWrite.length > 0) {
    const inSubscription = groupBy(estate.vms, (vm) => vm.subscriptionId);
    const records = await agentFactsOf(target, toWrite, (sub) => inSubscription.get(sub)?.length ?? 0, opts.agentReadBudget ?? AGENT_READ_BUDGET, wait);
    if (opts.refresh ?? true) {
      const places = new Set(toWrite.map((vm) => `${parseArmId(vm.id).subscriptions ?? ''}|${vm.location}`.toLowerCase()));
      const vaults = obs.vaults.filter((v) => places.has(`${v.vault.subscriptionId}|${v.observation.vault.location}`.toLowerCase()));
      await Promise.all(vaults.map((v) => refreshContainers(target.forSubscription(v.vault.subscriptionId), v.vault, wait)));
    }
    // Nothing read through Compute: the observation is the one already made (and planned).
    if (records.size > 0) obs = build(records);
  }
  if (opts.recoveryPoints) {
    // One pool for the whole estate.
    const groups = obs.vaults.map(({ vault, observation }) => ({ target: target.forSubscription(vault.subscriptionId), vault, items: observation.protectedItems, vms: observation.vms, jobs: observation.jobs }));
    const read = await withRecoveryPoints(groups, opts.recoveryPoints, wait);
    obs = { ...obs, vaults: obs.vaults.map((v, i) => ({ ...v, observation: { ...v.observation, protectedItems: read[i] } })) };
  }
  return { ...obs, apiCalls: diffCalls(before, target.calls.snapshot()) };
}

function graphObservation(
  spec: Pick<ResolvedSpec, 'vaults' | 'scope'>,
  estate: Estate,
  serviceTime: Date,
  target: Target,
  records: ReadonlyMap<string, VmAgentFacts>,
): EstateObservation {
  const holder = new Map<string, OtherVault>();
  for (const item of estate.protectedItems) {
    if (item.softDeleted) continue;
    const p = parseArmId(item.vaultId);
    holder.set(item.vmId.toLowerCase(), { id: item.vaultId, name: p.vaults ?? item.vaultId, resourceGroup: p.resourcegroups ?? '', protectionStatus: 'Protected' });
  }
  // Grouped once: each vault takes its subscription's VMs and its own records without scanning the estate's.
  const inScope = new Set(spec.scope.subscriptions.map((s) => s.toLowerCase()));
  const vms = estate.vms.map((vm) => {
    const { subscriptionId, ...record } = { ...vm, ...(records.get(vm.id.toLowerCase()) ?? { agentUnread: true }) };
    const observed: ObservedVm = { ...record, registered: false, protectable: false };
    return { subscriptionId, vm: observed };
  });
  const vmsBySub = groupBy(vms, (v) => v.subscriptionId);
  const byVault = <T extends InVault>(list: readonly T[]) => groupBy(list, (x) => x.vaultId);
  const [itemsOf, policiesOf, jobsOf] = [byVault(estate.protectedItems), byVault(estate.policies), byVault(estate.jobs)];
  const vaults = spec.vaults.map((vault): VaultObservation => {
    const found = estate.vaults.find((v) => v.subscriptionId.toLowerCase() === vault.subscriptionId.toLowerCase() && v.resourceGroup.toLowerCase() === vault.resourceGroup.toLowerCase() && v.name.toLowerCase() === vault.name.toLowerCase());
    if (!found) {
      throw new ConfigurationError(
        `vault ${vault.resourceGroup}/${vault.name} (subscription ${vault.subscriptionId}) was not found: create it, or correct vaults: in the spec (Resource Graph can lag a new vault by minutes; --consistent reads Resource Manager instead)`,
      );
    }
    const mine = <T extends InVault>(of: ReadonlyMap<string, T[]>) => (of.get(found.id.toLowerCase()) ?? []).map(({ vaultId: _v, subscriptionId: _s, ...x }) => x);
    const items = mine(itemsOf);
    const held = new Set(items.map((i) => i.vmId.toLowerCase()));
    const observation: Observation = {
      observedAt: serviceTime.toISOString(),
      profile: target.profile,
      vault: found,
      vms: (vmsBySub.get(vault.subscriptionId.toLowerCase()) ?? []).map(({ vm }) => {
        const key = vm.id.toLowerCase();
        const other = holder.get(key);
        const sameRegion = vm.location.toLowerCase() === found.location.toLowerCase();
        return {
          ...vm,
          registered: held.has(key),
          protectable: sameRegion && !held.has(key) && !other,
          ...(other && !held.has(key) ? { otherVault: other } : {}),
        };
      }),
      policies: mine(policiesOf),
      protectedItems: items,
      jobs: mine(jobsOf),
      apiCalls: {},
    };
    return { vault, observation };
  });
  return {
    observedAt: serviceTime.toISOString(),
    profile: target.profile,
    vaults,
    vms: vms.filter((v) => inScope.has(v.subscriptionId.toLowerCase())).map(({ vm }) => {
      const other = holder.get(vm.id.toLowerCase());
      return other ? { ...vm, otherVault: other } : vm;
    }),
    apiCalls: {},
  };
}
