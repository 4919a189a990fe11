// The one comparison of a spec with an observed vault: where each declared policy and VM stands. The planner
// maps it to actions, drift maps it to findings, so the two never read the same world differently. Pure.
import { ALL_DISKS, sameDisks } from '../core/index.js';
import type {
  DiskSelection,
  Observation,
  ObservedPolicy,
  ObservedProtectedItem,
  ObservedVm,
  PreflightFinding,
  Profile,
  ResolvedPolicy,
  ResolvedSpec,
  StopProtectionEntry,
} from '../core/index.js';
import { findItem, findPolicy, isActive, isStopped, itemPolicyName, itemVm, policyChoice, protectedWith } from './observed.js';
import { samePolicySettings } from './policySettings.js';
import { diskFindings, policyChangeFindings, preflight, type PolicyChoice } from './preflight.js';
import { pickMatches, resolveDeclarations, undeclaredItems, type Declarations, type DeclaredVm, type MissingPick } from './selectVms.js';

export interface ComparedPolicy {
  readonly policy: ResolvedPolicy;
  /** The vault's policy of that name, if any. */
  readonly seen?: ObservedPolicy;
  /** missing: not in the vault; changed: other settings, or not a VM policy vmbackup can read. */
  readonly state: 'missing' | 'changed' | 'inSync';
}

/**
 * Where a declared VM's protection stands: no item; its item soft-deleted; its protection stopped (data
 * retained); active with another policy; active with the declared policy but other disks; or as declared.
 */
export type DeclaredState = 'unprotected' | 'softDeleted' | 'stopped' | 'wrongPolicy' | 'wrongDisks' | 'inSync';

export interface ComparedVm {
  readonly declared: DeclaredVm;
  readonly state: DeclaredState;
  readonly item?: ObservedProtectedItem;
  /** The declared policy by name and type, as the spec declares it or the vault holds it. */
  readonly chosen?: PolicyChoice;
  /** What stands in the way of protecting it (pre-flight) or of moving it to the declared policy or disks. */
  readonly findings: readonly PreflightFinding[];
  /** The disks the rule declares (every disk when it writes no `disks:`). */
  readonly disks: DiskSelection;
  /** The active item backs up other disks than declared. */
  readonly disksDiffer: boolean;
}

export interface ComparedMissingVm {
  readonly missing: MissingPick;
  /** The protection of a VM deleted under it, which goes on without its VM. */
  readonly orphan?: ObservedProtectedItem;
}

/** A protection a stopProtection entry ends: stopped retaining the data, or with its data deleted. */
export interface ComparedStop {
  readonly entry: StopProtectionEntry;
  readonly item: ObservedProtectedItem;
  readonly deleteData: boolean;
}

/** A VM whose item is gone from the vault (data deleted and purged) while its registration stays. */
export interface ComparedRegistration {
  readonly vm: ObservedVm;
  readonly entry: StopProtectionEntry;
}

/** An active protection no rule declares, and the stop entry that ends it if there is one. */
export interface ComparedUndeclared {
  readonly item: ObservedProtectedItem;
  readonly stop?: StopProtectionEntry;
}

export interface Comparison {
  readonly declarations: Declarations;
  readonly policies: readonly ComparedPolicy[];
  readonly vms: readonly ComparedVm[];
  readonly missing: readonly ComparedMissingVm[];
  readonly stops: readonly ComparedStop[];
  readonly registrations: readonly ComparedRegistration[];
  readonly undeclared: readonly ComparedUndeclared[];
}

export interface CompareOptions {
  /** The support rules to judge by; default: the observation's. */
  readonly profile?: Profile;
}

function comparePolicy(policy: ResolvedPolicy, obs: Observation): ComparedPolicy {
  const seen = findPolicy(obs.policies, policy.name);
  if (!seen) return { policy, state: 'missing' };
  return { policy, seen, state: seen.settings && samePolicySettings(seen.settings, policy) ? 'inSync' : 'changed' };
}

function compareVm(declared: DeclaredVm, spec: ResolvedSpec, obs: Observation, profile: Profile): ComparedVm {
  const { vm, policy } = declared;
  const item = findItem(obs.protectedItems, vm.id);
  const chosen = policyChoice(spec, obs, policy);
  const withItem = item ? { item } : {};
  const withChosen = chosen ? { chosen } : {};
  const disks = declared.rule.disks ?? ALL_DISKS;
  // Judged only where the selection is written: a VM whose item already backs up these disks needs no check.
  const diskSelectionFindings = () => diskFindings(vm, declared.rule.disks, `rule "${declared.rule.name}"`, profile);
  if (item && isActive(item)) {
    const disksDiffer = !sameDisks(item.disks, disks);
    const withDisks = { disks, disksDiffer };
    const disksFound = disksDiffer ? diskSelectionFindings() : [];
    if (protectedWith(item, policy)) {
      return disksDiffer
        ? { declared, state: 'wrongDisks', ...withItem, ...withChosen, ...withDisks, findings: disksFound }
        : { declared, state: 'inSync', ...withItem, ...withChosen, ...withDisks, findings: [] };
    }
    const from = policyChoice({ policies: [] }, obs, itemPolicyName(item));
    const policyFound = chosen ? policyChangeFindings(vm, from, chosen, profile) : [];
    return { declared, state: 'wrongPolicy', ...withItem, ...withChosen, ...withDisks, findings: [...policyFound, ...disksFound] };
  }
  const state: DeclaredState = !item ? 'unprotected' : item.softDeleted ? 'softDeleted' : 'stopped';
  // The service checks the same preconditions on protect as on register, so both carry every finding.
  return { declared, state, ...withItem, ...withChosen, disks, disksDiffer: false, findings: [...preflight(vm, { ...obs, profile }, chosen), ...diskSelectionFindings()] };
}

/** Items the stop entries end, each once: deleting data applies to stopped protections too, stopping only to active ones. */
function compareStops(decls: Declarations): ComparedStop[] {
  const out: ComparedStop[] = [];
  for (const { entry, items } of decls.stops) {
    for (const item of items) {
      if (out.some((s) => s.item === item) || (entry.retainData && !isActive(item))) continue;
      out.push({ entry, item, deleteData: !entry.retainData });
    }
  }
  return out;
}

function compareRegistrations(decls: Declarations, obs: Observation): ComparedRegistration[] {
  const out: ComparedRegistration[] = [];
  for (const vm of obs.vms) {
    if (!vm.registered || findItem(obs.protectedItems, vm.id) || decls.conflicted.includes(vm)) continue;
    const stop = decls.stops.find((s) => pickMatches(s.entry.vm, vm));
    if (stop) out.push({ vm, entry: stop.entry });
  }
  return out;
}

/** Compares the spec with the observed vault. VMs whose declarations conflict are left to the conflict diagnostics. */
export function compareProtection(spec: ResolvedSpec, obs: Observation, opts: CompareOptions = {}): Comparison {
  const profile = opts.profile ?? obs.profile;
  const declarations = resolveDeclarations(spec, obs, { location: obs.vault.location });
  return {
    declarations,
    policies: spec.policies.map((p) => comparePolicy(p, obs)),
    vms: declarations.declared.map((d) => compareVm(d, spec, obs, profile)),
    missing: declarations.missing.map((missing) => {
      const orphan = obs.protectedItems.find((i) => !i.softDeleted && !isStopped(i) && pickMatches(missing.pick, itemVm(i)));
      return orphan ? { missing, orphan } : { missing };
    }),
    stops: compareStops(declarations),
    registrations: compareRegistrations(declarations, obs),
    undeclared: undeclaredItems(declarations, obs.protectedItems).map((item) => {
      const stop = declarations.stops.find((s) => s.items.includes(item))?.entry;
      return stop ? { item, stop } : { item };
    }),
  };
}
