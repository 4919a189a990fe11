// The VM agent, which Resource Graph does not carry: read through Compute for the few VMs that need it, within a
// budget of calls per subscription, the cheaper way (one GET per VM, or the subscription's status-only VM list).
import { listVmAgentFacts, readVmAgentFacts, type Target, type VmAgentFacts, type WaitOptions } from '../azure/index.js';
import { groupBy, parseArmId, type ObservedVm } from '../core/index.js';
import { mapBounded } from './observe.js';

/** VMs on a page of Compute's VM list, as the emulator serves it (Azure's pages are reported to be no larger). */
const VM_LIST_PAGE = 100;
/** VM reads in flight at once when a few VMs' agent facts are read one by one. */
const VM_READ_CONCURRENCY = 8;
/** The default budget: a few Resource Graph queries read a whole estate, where the VM list of one 3,000-VM subscription takes 30 calls. */
export const AGENT_READ_BUDGET = 10;

/**
 * The agent facts of `vms`, by lower-cased ARM id: per subscription, one GET each when they are fewer than the pages
 * of its VM list (`vmsIn` counts the subscription's VMs, by lower-cased id), the status-only list otherwise; none
 * when both cost more than `budget` calls (the caller leaves those VMs' agents unread).
 */
export async function agentFactsOf(
  target: Target,
  vms: readonly ObservedVm[],
  vmsIn: (subscription: string) => number,
  budget: number,
  wait: WaitOptions,
): Promise<Map<string, VmAgentFacts>> {
  const subscriptionOf = (id: string) => parseArmId(id).subscriptions ?? '';
  const facts = await Promise.all(
    [...groupBy(vms, (vm) => subscriptionOf(vm.id))].map(async ([sub, mine]) => {
      // The id's own casing for the target, the lower-cased key for the count.
      const subTarget = target.forSubscription(subscriptionOf(mine[0].id));
      const pages = Math.ceil(vmsIn(sub) / VM_LIST_PAGE);
      if (Math.min(mine.length, pages) > budget) return new Map<string, VmAgentFacts>();
      if (mine.length >= pages) return listVmAgentFacts(subTarget, wait);
      const read = await mapBounded(mine, VM_READ_CONCURRENCY, (vm) => readVmAgentFacts(subTarget, vm, wait));
      return new Map(mine.flatMap((vm, i) => (read[i] ? [[vm.id.toLowerCase(), read[i]!] as const] : [])));
    }),
  );
  return new Map(facts.flatMap((f) => [...f]));
}

/** `vm` with the agent facts read for it, or as it is (its agent unread) when there are none. */
export function withAgentFacts<V extends ObservedVm>(vm: V, facts: ReadonlyMap<string, VmAgentFacts>): V {
  const read = facts.get(vm.id.toLowerCase());
  if (!read) return vm;
  const { agentUnread: _unread, ...rest } = vm;
  return { ...rest, ...read } as V;
}
