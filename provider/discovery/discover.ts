// What plan and drift read before they compare, where Resource Graph can stand in for Resource Manager's lists:
// an estate's discovery, and the VMs of one vault's subscription for its drift. Resource Graph may lag ARM by minutes
// and does not carry the VM agent, so the agent is read through Compute for the VMs a plan would write for (or drift
// explains), and `consistent` reads Resource Manager's lists alone.
import { diffCalls, listVms, queryVms, type Target, type VmRecord } from '../azure/index.js';
import type { ActionKind, EstateObservation, Observation, ObservedVm, PlannedAction, ResolvedSpec } from '../core/index.js';
import { declaresVm, everyPickFound, planEstate, planProtection } from '../plan/index.js';
import { agentFactsOf, withAgentFacts } from './agentFacts.js';
import { observe, type RecoveryPointChoice } from './observe.js';
import { observeEstate } from './observeEstate.js';

/** A VM's first write: where pre-flight judges its agent, and apply does when the plan could not. */
const FIRST_WRITES: ReadonlySet<ActionKind> = new Set(['register', 'undelete', 'protect']);

/** The VMs among `vms` whose first write is among `actions`: those whose agent pre-flight judges. */
function firstWritten(actions: readonly PlannedAction[], vms: readonly ObservedVm[]): ObservedVm[] {
  const ids = new Set(actions.filter((a) => FIRST_WRITES.has(a.kind)).map((a) => a.target.vmId!.toLowerCase()));
  return vms.filter((vm) => ids.has(vm.id.toLowerCase()));
}

export interface DriftReadOptions {
  /** Resource Manager's lists alone (Resource Graph may lag); default false. */
  readonly consistent?: boolean;
  /** Recovery points to read; default none. */
  readonly recoveryPoints?: RecoveryPointChoice;
  readonly signal?: AbortSignal;
}

export interface DiscoverOptions extends DriftReadOptions {
  /**
   * Compute calls a subscription may spend on VM agents; default 10 (see EstateObserveOptions.agentReadBudget): past
   * it, apply checks each agent before its first write.
   */
  readonly agentReadBudget?: number;
}

/**
 * Drift has no apply after it to check an agent the reading left out: it reads the agent of every VM it explains, the
 * cheaper way (one GET each, or the subscription's status-only VM list), so its findings are those of `consistent`.
 */
const DRIFT_AGENT_READS = Number.POSITIVE_INFINITY;

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
    // As the caller will plan it, so that an observation that needs nothing more read is planned once; a VM no vault
    // can take is written for by none.
    toWrite: (obs) => firstWritten(planEstate(spec, obs, { profile: target.profile }).actions.filter((a) => a.vault), obs.vms),
  });
}

/** What an estate's drift reads: discoverEstate without a discovery, every explained VM's agent read. */
export function discoverEstateForDrift(target: Target, spec: ResolvedSpec, opts: DriftReadOptions = {}): Promise<EstateObservation> {
  return discoverEstate(target, spec, { ...opts, refresh: false, agentReadBudget: DRIFT_AGENT_READS });
}

/**
 * What drift reads of one vault (`target` is the vault's subscription): its backup state through Resource Manager,
 * fresh right after an apply, and the subscription's VMs through Resource Graph, one query where Compute's VM list
 * takes a page per 100 VMs. The agents of the declared VMs drift explains (those a plan would register, undelete or
 * protect) are read through Compute. A VM the spec names that Resource Graph does not show is looked for in Compute's
 * list before it is called missing. Nothing is written: no discovery. With `consistent`, the VMs come from Compute's
 * list alone.
 */
export async function observeVaultForDrift(target: Target, spec: ResolvedSpec, opts: DriftReadOptions = {}): Promise<Observation> {
  const wait = opts.signal ? { signal: opts.signal } : {};
  // Which vault holds a VM matters only where the spec declares it.
  const reads = { refresh: false, recoveryPoints: opts.recoveryPoints ?? false, otherVaultAsked: declaresVm(spec), ...wait };
  if (opts.consistent) return observe(target, spec.target.vault, reads);
  const before = target.calls.snapshot();
  const vms: Promise<VmRecord[]> = queryVms(target, [target.subscriptionId], wait).then((list) => {
    const records = list.map(({ subscriptionId: _s, ...vm }) => ({ ...vm, agentUnread: true }));
    // A VM the spec names that Resource Graph does not show may be newer than its index, or out of the principal's
    // sight there: Compute's list (agents included) has the last word before drift calls it missing.
    return everyPickFound(spec, records) ? records : listVms(target, wait);
  });
  // observe awaits it after the vault's read: a failure before then is its to report, not an unhandled rejection.
  vms.catch(() => undefined);
  const obs = await observe(target, spec.target.vault, { ...reads, vmRecords: vms });
  const explained = firstWritten(planProtection(spec, obs, { profile: target.profile }).actions, obs.vms).filter((vm) => vm.agentUnread);
  const facts = await agentFactsOf(target, explained, () => obs.vms.length, DRIFT_AGENT_READS, wait);
  return { ...obs, vms: obs.vms.map((vm) => withAgentFacts(vm, facts)), apiCalls: diffCalls(before, target.calls.snapshot()) };
}
