// What plan, apply and drift read before they compare: the vault's observation (discovering only when the plan
// would protect a VM the vault does not know), or an estate's (Resource Graph, then Resource Manager only for the
// VMs a plan would write for).
import { InvalidInputError, type Observation, type Plan, type ResolvedSpec } from '../core/index.js';
import type { Target } from '../azure/index.js';
import { discoverEstate, observe } from '../discovery/index.js';
import { findConflicts, planEstate, planProtection, resolveEstate, rulesSelectingNothing } from '../plan/index.js';
import { reportWarnings } from './context.js';

/**
 * Observes the vault the spec targets (every vault of an estate) and plans: the plan, and for one vault the observation
 * (through Resource Manager) it was made from. Conflicts between rules are input errors, rules that select nothing
 * warnings.
 */
export async function observeAndPlan(target: Target, spec: ResolvedSpec, consistent = false): Promise<{ plan: Plan; observation?: Observation }> {
  if (spec.form === 'estate') {
    const estate = await discoverEstate(target, spec, { consistent, refresh: true });
    const resolution = resolveEstate(spec, estate);
    if (resolution.conflicts.some((d) => d.severity === 'error')) throw new InvalidInputError(resolution.conflicts, `${spec.file} is invalid`);
    reportWarnings(resolution.warnings);
    return { plan: planEstate(spec, estate, { profile: target.profile }) };
  }
  // Discovery is a write (and slow on Azure): only when the plan protects a VM the vault does not know yet.
  const observation = await observe(target, spec.target.vault, {
    refresh: (provisional) => needsDiscovery(spec, provisional, target.profile),
    // A plan needs only the jobs in progress; the day's jobs are drift's and the dashboard's.
    jobsSince: 'inProgress',
  });
  const conflicts = findConflicts(spec, observation);
  if (conflicts.some((d) => d.severity === 'error')) throw new InvalidInputError(conflicts, `${spec.file} is invalid`);
  reportWarnings(rulesSelectingNothing(spec, observation));
  return { plan: planProtection(spec, observation, { profile: target.profile }), observation };
}

/**
 * Whether the plan registers or protects a VM of the vault's region that the vault neither offers, holds nor has
 * registered. Planned only when the vault lacks some VM of its region: a vault that knows them all needs no plan here.
 */
function needsDiscovery(spec: ResolvedSpec, obs: Observation, profile: Target['profile']): boolean {
  const unknown = new Set(
    obs.vms
      .filter((vm) => vm.location.toLowerCase() === obs.vault.location.toLowerCase() && !vm.protectable && !vm.registered && !vm.otherVault)
      .map((vm) => vm.id.toLowerCase()),
  );
  for (const item of obs.protectedItems) unknown.delete(item.vmId.toLowerCase());
  if (unknown.size === 0) return false;
  return planProtection(spec, obs, { profile }).actions.some((a) => (a.kind === 'register' || a.kind === 'protect') && unknown.has((a.target.vmId ?? '').toLowerCase()));
}
