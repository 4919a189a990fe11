// Discovery of an estate: every declared vault observed through its own subscription, each subscription's VMs
// listed once and shared by its vaults, and a VM held by another declared vault explained by that vault's items
// instead of a backupStatus question per VM.
import { diffCalls, listProtectedItems, listVms, type Target, type VmRecord } from '../azure/index.js';
import { parseArmId, type EstateObservation, type ObservedVm, type OtherVault, type ResolvedSpec, type VaultObservation } from '../core/index.js';
import { observe, type ObserveOptions } from './observe.js';

/** Vaults observed at once. */
const VAULT_CONCURRENCY = 4;

export async function observeEstate(
  target: Target,
  spec: Pick<ResolvedSpec, 'vaults' | 'scope'>,
  opts: Omit<ObserveOptions, 'vmRecords' | 'knownVault'> = {},
): Promise<EstateObservation> {
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

  const vaults: VaultObservation[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < spec.vaults.length) {
      const i = next++;
      const vault = spec.vaults[i];
      const observation = await observe(target.forSubscription(vault.subscriptionId), vault, {
        ...opts,
        vmRecords: vmLists.get(vault.subscriptionId.toLowerCase()) as Promise<VmRecord[]>,
        knownVault: (vm) => held.get(vm.id.toLowerCase()),
      });
      vaults[i] = { vault, observation };
    }
  };
  await Promise.all(Array.from({ length: Math.min(VAULT_CONCURRENCY, spec.vaults.length) }, worker));

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
