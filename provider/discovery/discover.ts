// What plan and drift read before they compare, where Resource Graph can stand in for Resource Manager's lists:
// an estate's discovery, and the VMs of one vault's subscription for its drift. Resource Graph may lag ARM by minutes
// and does not carry the VM agent, so the agent is read through Compute for the VMs a plan would write for (or drift
// explains), and `consistent` reads Resource Manager's lists alone.
import { diffCalls, queryVms, type Target } from '../azure/index.js';
import type { EstateObservation, Observation, ActionKind, ResolvedSpec } from '../core/index.js';
import { declaresVm, planEstate, planProtection } from '../plan/index.js';
import { agentFactsOf, AGENT_READ_BUDGET, withAgentFacts } from './agentFacts.js';
import { observe, type RecoveryPointChoice } from './observe.js';
import { observeEstate } from './observeEstate.js';

/** A VM's first write: where pre-flight judges its agent, and apply does when the plan could not. */
const FIRST_WRITES: ReadonlySet<ActionKind> = new Set(['register', 'undelete', 'protect']);

export interface DiscoverOptions {
  /** Resource Manager's lists alone (Resource Graph may lag); default false. */
  readonly consistent?: boolean;
  /** Recovery points to read (drift); default none. */
  readonly recoveryPoints?: RecoveryPointChoice;
  /** Compute calls a subscription may spend on VM agents; default 10 (see EstateObserveOptions.agentReadBudget). */
  readonly agentReadBudget?: number;
  readonly signal?: AbortSignal;
}

/**
 * An estate's discovery: Resource Graph for the whole estate, then Resource Manager only for the VMs a plan would
 * write for (their vaults discover them when `refresh`, and their agent facts come from Compute); with
 * `consistent`, Resource Manager lists alone.
 */
export function discoverEstate(target: Target, spec: ResolvedSpec, opts: DiscoverOptions & { readonly refresh: boolean }): Promise<EstateObservation> {
  return observeEstate(target, spec, {
    source: opts.consistent ? 'arm' : 'resourceGraph',
    refresh: opts.refresh,
    recoveryPoints: opts.recoveryPoints ?? false,
    ...(opts.agentReadBudget !== undefined ? { agentReadBudget: opts.agentReadBudget } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    toWrite: (obs) => {
      // As the caller will plan it, so that an observation that needs nothing more read is planned once.
      const ids = new Set(planEstate(spec, obs, { profile: target.profile }).actions.filter((a) => a.vault && FIRST_WRITES.has(a.kind)).map((a) => a.target.vmId!.toLowerCase()));
      return obs.vms.filter((vm) => ids.has(vm.id.toLowerCase()));
    },
  });
}

/**
 * What drift reads of one vault (`target` is the vault's subscription): its backup state through Resource Manager,
 * fresh right after an apply, and the subscription's VMs through Resource Graph, one query where Compute's VM list
 * takes a page per 100 VMs. The agents of the declared VMs drift explains (those a plan would register, undelete or
 * protect) are read through Compute within the budget. Nothing is written: no discovery. With `consistent`, the VMs
 * come from Compute's list too.
 */
export async function observeVaultForDrift(target: Target, spec: ResolvedSpec, opts: DiscoverOptions = {}): Promise<Observation> {
  const wait = opts.signal ? { signal: opts.signal } : {};
  const reads = { refresh: false, recoveryPoints: opts.recoveryPoints ?? false, ...wait };
  if (opts.consistent) return observe(target, spec.target.vault, { ...reads, otherVaultAsked: declaresVm(spec) });
  const before = target.calls.snapshot();
  const vms = queryVms(target, [target.subscriptionId], wait).then((list) => list.map(({ subscriptionId: _s, ...vm }) => ({ ...vm, agentUnread: true })));
  // Which vault holds a VM matters only where the spec declares it.
  const obs = await observe(target, spec.target.vault, { ...reads, vmRecords: vms, otherVaultAsked: declaresVm(spec) });
  const ids = new Set(planProtection(spec, obs, { profile: target.profile }).actions.filter((a) => FIRST_WRITES.has(a.kind)).map((a) => a.target.vmId!.toLowerCase()));
  const explained = obs.vms.filter((vm) => vm.agentUnread && ids.has(vm.id.toLowerCase()));
  const facts = explained.length === 0 ? new Map() : await agentFactsOf(target, explained, () => obs.vms.length, opts.agentReadBudget ?? AGENT_READ_BUDGET, wait);
  return { ...obs, vms: facts.size === 0 ? obs.vms : obs.vms.map((vm) => withAgentFacts(vm, facts)), apiCalls: diffCalls(before, target.calls.snapshot()) };
}
