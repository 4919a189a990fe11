// The estate: one declaration over many subscriptions, regions and vaults, cut into one-vault slices that the
// one-vault planner and drift already understand. Selection happens once over the whole scope; each selected VM
// is routed to the declared vault of its subscription and region (or the vault its rule pins), and every slice
// gets a spec that picks exactly the VMs routed to it.
import { createHash } from 'node:crypto';
import {
  parseArmId,
  vmArmId,
  vmContainerName,
  vmProtectedItemName,
  type ActionKind,
  type Diagnostic,
  type EstateObservation,
  type Observation,
  type ObservedVm,
  type Plan,
  type PlannedAction,
  type PlanVault,
  type PreflightFinding,
  type ProtectionRule,
  type ResolvedSpec,
  type SourceLocation,
  type VaultSpec,
  type VmPick,
} from '../core/index.js';
import { isActive, itemVm } from './observed.js';
import { actionId, planProtection, type PlanOptions } from './planProtection.js';
import { preflightFinding } from './preflight.js';
import { anyPickMatches, resolveDeclarations, rulesSelectingNothing, selectorMatches, vmOrder, type Declarations, type DeclaredVm } from './selectVms.js';

/** Azure's limits per Recovery Services vault (emulator/README.md cites them). */
export const VAULT_LIMITS = { protectedVms: 1000, policies: 200, policyWritesPerDay: 50 } as const;

/** A vault of the estate with the one-vault spec and observation that plan and drift run on. */
export interface EstateSlice {
  readonly key: string;
  readonly vault: VaultSpec;
  readonly spec: ResolvedSpec;
  readonly observation: Observation;
  /** The VMs routed here, with the spec line that declared each. */
  readonly routed: readonly DeclaredVm[];
}

/** A declared VM no vault can take (or a pick of a VM that does not exist), with why. */
export interface UnroutedVm {
  readonly vm: Pick<ObservedVm, 'id' | 'name' | 'resourceGroup' | 'location'>;
  readonly rule: ProtectionRule;
  readonly source?: SourceLocation;
  readonly finding: PreflightFinding;
}

export interface EstateResolution {
  readonly slices: readonly EstateSlice[];
  readonly unrouted: readonly UnroutedVm[];
  readonly declarations: Declarations;
  /** Every VM of the scope (its subscriptions, and resource groups when the scope names some). */
  readonly scopeVms: readonly ObservedVm[];
  readonly conflicts: readonly Diagnostic[];
  readonly warnings: readonly Diagnostic[];
}

const lower = (s: string): string => s.toLowerCase();

/** "subscription/resourceGroup/name", lower case: how plans and reports name a vault of the estate. */
export function vaultKey(v: { subscriptionId: string; resourceGroup: string; name: string }): string {
  return lower(`${v.subscriptionId}/${v.resourceGroup}/${v.name}`);
}

export function subscriptionOf(id: string): string {
  return lower(parseArmId(id).subscriptions ?? '');
}

function inScope(spec: ResolvedSpec, vm: ObservedVm): boolean {
  const sub = subscriptionOf(vm.id);
  if (!spec.scope.subscriptions.some((s) => lower(s) === sub)) return false;
  return spec.scope.resourceGroups.length === 0 || spec.scope.resourceGroups.some((g) => lower(g) === lower(vm.resourceGroup));
}

/** Whether an exemption entry covers the VM. */
export function exemptionMatches(entry: ResolvedSpec['exempt'][number], vm: ObservedVm): boolean {
  return anyPickMatches(entry.vms, vm) || (entry.selector !== undefined && selectorMatches(entry.selector, vm));
}

/**
 * A value derived from an estate observation, kept while the observation's vault list lives and returned again for the
 * same other inputs: a command resolves and plans one observation several times (what discovery will write for,
 * warnings, the plan or drift), and the observation it hands on may be a copy that adds its call counts.
 */
function keptByObservation<V>(): (obs: EstateObservation, inputs: readonly unknown[], derive: () => V) => V {
  const kept = new WeakMap<EstateObservation['vaults'], { inputs: readonly unknown[]; value: V }>();
  return (obs, inputs, derive) => {
    const k = kept.get(obs.vaults);
    if (k && k.inputs.length === inputs.length && k.inputs.every((x, i) => x === inputs[i])) return k.value;
    const value = derive();
    kept.set(obs.vaults, { inputs, value });
    return value;
  };
}

const resolutions = keptByObservation<EstateResolution>();

/** Selects over the whole scope once, routes every declared VM to its vault, and cuts the estate into slices. */
export function resolveEstate(spec: ResolvedSpec, obs: EstateObservation): EstateResolution {
  return resolutions(obs, [spec, obs.vms], () => resolveAnew(spec, obs));
}

function resolveAnew(spec: ResolvedSpec, obs: EstateObservation): EstateResolution {
  const scopeVms = obs.vms.filter((vm) => inScope(spec, vm));
  const allItems = obs.vaults.flatMap((v) => v.observation.protectedItems);
  const declarations = resolveDeclarations(spec, { vms: scopeVms, protectedItems: allItems });
  const vaults = obs.vaults.map((v) => ({ ...v, key: vaultKey(v.vault), location: lower(v.observation.vault.location) }));

  const routedTo = new Map<string, DeclaredVm[]>(vaults.map((v) => [v.key, []]));
  const unrouted: UnroutedVm[] = [];
  for (const decl of declarations.declared) {
    const { vm, rule } = decl;
    const sub = subscriptionOf(vm.id);
    const here = `${vm.location} of subscription ${sub}`;
    const candidates = rule.vault
      ? vaults.filter((v) => v.key === vaultKey(rule.vault!))
      : vaults.filter((v) => lower(v.vault.subscriptionId) === sub && v.location === lower(vm.location));
    const unroute = (finding: PreflightFinding) => unrouted.push({ vm, rule, ...(decl.source ? { source: decl.source } : {}), finding });
    if (candidates.length === 1 && (lower(candidates[0].vault.subscriptionId) !== sub || candidates[0].location !== lower(vm.location))) {
      const pinned = candidates[0];
      unroute(
        preflightFinding(
          'NoVaultInRegion',
          `rule "${rule.name}" pins vault ${pinned.vault.resourceGroup}/${pinned.vault.name} (${pinned.location}), but VM ${vm.resourceGroup}/${vm.name} is in ${here}: declare a vault in ${vm.location}`,
        ),
      );
    } else if (candidates.length === 1) {
      routedTo.get(candidates[0].key)!.push(decl);
    } else if (candidates.length === 0) {
      unroute(preflightFinding('NoVaultInRegion', `no declared vault is in ${here}: declare a vault in ${vm.location}`));
    } else {
      const names = candidates.map((v) => `${v.vault.resourceGroup}/${v.vault.name}`).join(', ');
      unroute(preflightFinding('AmbiguousVault', `vaults ${names} are all in ${here}, and rule "${rule.name}" pins none`));
    }
  }
  for (const m of declarations.missing) {
    const id = m.pick.id ?? vmArmId(spec.scope.subscriptions[0], m.resourceGroup, m.name);
    const what = m.pick.id ?? `${m.resourceGroup}/${m.name}`;
    unrouted.push({
      vm: { id, name: m.name, resourceGroup: m.resourceGroup, location: '' },
      rule: m.rule,
      ...(m.pick.source ?? m.rule.source ? { source: m.pick.source ?? m.rule.source } : {}),
      finding: preflightFinding('VmNotFound', `no VM ${what} in the scope's subscriptions (${spec.scope.subscriptions.join(', ')})`),
    });
  }

  const slices = vaults.map((v): EstateSlice => {
    const routed = routedTo.get(v.key)!;
    return { key: v.key, vault: v.vault, spec: sliceSpec(spec, v.vault, routed), observation: v.observation, routed };
  });
  return {
    slices,
    unrouted: unrouted.sort((a, b) => vmOrder(a.vm, b.vm)),
    declarations,
    scopeVms,
    conflicts: declarations.conflicts,
    warnings: rulesSelectingNothing(spec, { vms: scopeVms }),
  };
}

/** The one-vault spec of a slice: its vault as target, each rule reduced to the VMs routed here, picked by id. */
function sliceSpec(spec: ResolvedSpec, vault: VaultSpec, routed: readonly DeclaredVm[]): ResolvedSpec {
  const rules = spec.rules
    .map((rule): ProtectionRule => ({
      name: rule.name,
      policy: rule.policy,
      vms: routed
        .filter((d) => d.rule === rule)
        .map((d): VmPick => ({ id: d.vm.id, resourceGroup: d.vm.resourceGroup, name: d.vm.name, ...(d.source ? { source: d.source } : {}) })),
      ...(rule.disks ? { disks: rule.disks } : {}),
      ...(rule.disksSource ? { disksSource: rule.disksSource } : {}),
      ...(rule.source ? { source: rule.source } : {}),
    }))
    .filter((rule) => rule.vms.length > 0);
  const used = new Set(rules.map((r) => lower(r.policy)));
  const target = { subscriptionId: vault.subscriptionId, vault: { resourceGroup: vault.resourceGroup, name: vault.name }, ...(vault.source ? { source: vault.source } : {}) };
  return {
    ...spec,
    target,
    form: 'vault',
    vaults: [vault],
    scope: { subscriptions: [vault.subscriptionId], resourceGroups: [] },
    exempt: [],
    rules,
    policies: spec.policies.filter((p) => used.has(lower(p.name))),
  };
}

/** The VM actions of a slice beyond Azure's per-vault limits, blocked with the limit's finding. */
function withVaultLimits(slice: EstateSlice, actions: readonly PlannedAction[]): PlannedAction[] {
  const obs = slice.observation;
  const name = `${slice.vault.resourceGroup}/${slice.vault.name}`;
  const stopping = new Set(actions.filter((a) => a.kind.startsWith('stopProtection') && a.blockedBy.length === 0).map((a) => lower(a.target.vmId ?? '')));
  const active = new Set(obs.protectedItems.filter(isActive).map((i) => lower(itemVm(i).id)));
  let protectedVms = [...active].filter((id) => !stopping.has(id)).length;
  let policies = obs.policies.length;
  let policyWrites = 0;
  const block = (a: PlannedAction, f: PreflightFinding): PlannedAction => ({ ...a, blockedBy: [...a.blockedBy, f] });
  return actions.map((a) => {
    if (a.blockedBy.length > 0) return a;
    if (a.kind === 'createPolicy' || a.kind === 'updatePolicy') {
      if (a.kind === 'createPolicy' && ++policies > VAULT_LIMITS.policies) {
        return block(a, preflightFinding('VaultPolicyLimit', `vault ${name} would hold ${policies} policies; Azure allows ${VAULT_LIMITS.policies}`));
      }
      if (++policyWrites > VAULT_LIMITS.policyWritesPerDay) {
        return block(a, preflightFinding('PolicyWriteLimit', `the plan writes more than ${VAULT_LIMITS.policyWritesPerDay} policies in vault ${name}; Azure allows ${VAULT_LIMITS.policyWritesPerDay} in 24 hours`));
      }
      return a;
    }
    if (a.kind === 'protect' && !active.has(lower(a.target.vmId))) {
      if (++protectedVms > VAULT_LIMITS.protectedVms) {
        return block(a, preflightFinding('VaultItemLimit', `vault ${name} would protect ${protectedVms} VMs; Azure allows ${VAULT_LIMITS.protectedVms} per vault`));
      }
    }
    return a;
  });
}

/** Ids unique across the estate: policy actions name their vault, since each vault gets its own copy of a policy. */
function estateId(id: string, key: string): string {
  return id.startsWith('createPolicy:') || id.startsWith('updatePolicy:') ? `${id}@${key}` : id;
}

// Discovery plans the estate to know what to read for; the command then plans the same observation again.
const plans = keptByObservation<Plan>();

/** One plan for the estate: every slice's actions tagged with their vault, then the declared VMs no vault can take. */
export function planEstate(spec: ResolvedSpec, obs: EstateObservation, opts: PlanOptions = {}): Plan {
  if (opts.now !== undefined) return planAnew(spec, obs, opts);
  // The plan's own inputs: the spec, the observation's lists and time, the profile (the observation's by default).
  return plans(obs, [spec, obs.vms, obs.observedAt, opts.profile ?? obs.profile], () => planAnew(spec, obs, opts));
}

function planAnew(spec: ResolvedSpec, obs: EstateObservation, opts: PlanOptions): Plan {
  const resolution = resolveEstate(spec, obs);
  const vaults: PlanVault[] = [];
  const actions: PlannedAction[] = [];
  for (const slice of resolution.slices) {
    const plan = planProtection(slice.spec, slice.observation, opts);
    vaults.push({
      key: slice.key,
      subscriptionId: slice.vault.subscriptionId,
      vaultResourceGroup: slice.vault.resourceGroup,
      vaultName: slice.vault.name,
      location: slice.observation.vault.location,
      stateFingerprint: plan.stateFingerprint,
    });
    for (const a of withVaultLimits(slice, plan.actions)) {
      actions.push({ ...a, id: estateId(a.id, slice.key), dependsOn: a.dependsOn.map((d) => estateId(d, slice.key)), vault: slice.key });
    }
  }
  for (const u of resolution.unrouted) actions.push(unroutedAction(u));
  const first = vaults[0];
  return {
    formatVersion: 1,
    createdAt: (opts.now ?? new Date(obs.observedAt)).toISOString(),
    spec: { file: spec.file, digest: spec.digest },
    target: { subscriptionId: first.subscriptionId, vaultResourceGroup: first.vaultResourceGroup, vaultName: first.vaultName },
    stateFingerprint: createHash('sha256').update(vaults.map((v) => `${v.key}=${v.stateFingerprint}`).join('\n')).digest('hex'),
    vaults,
    actions,
    summary: summarize(actions),
  };
}

function summarize(actions: readonly PlannedAction[]): Plan['summary'] {
  const byKind: Partial<Record<ActionKind, number>> = {};
  for (const a of actions) byKind[a.kind] = (byKind[a.kind] ?? 0) + 1;
  const blocked = actions.filter((a) => a.blockedBy.length > 0).length;
  return { toApply: actions.length - blocked, blocked, byKind };
}

function unroutedAction(u: UnroutedVm): PlannedAction {
  const { vm, rule } = u;
  return {
    id: actionId('protect', vm.id),
    kind: 'protect',
    target: {
      vmId: vm.id, vmName: vm.name, resourceGroup: vm.resourceGroup, policyName: rule.policy,
      protectedItemName: vmProtectedItemName(vm.resourceGroup, vm.name), containerName: vmContainerName(vm.resourceGroup, vm.name),
    },
    reason: `VM ${vm.resourceGroup}/${vm.name} is declared by rule "${rule.name}" with policy ${rule.policy}`,
    blockedBy: [u.finding],
    dependsOn: [],
    ...(u.source ? { source: u.source } : {}),
  };
}

/** The one-vault plan of each vault an estate plan names, as apply runs them. */
export function splitEstatePlan(plan: Plan): { vault: PlanVault; plan: Plan }[] {
  return (plan.vaults ?? []).map((vault) => {
    const actions = plan.actions.filter((a) => a.vault === vault.key);
    return {
      vault,
      plan: {
        ...plan,
        target: { subscriptionId: vault.subscriptionId, vaultResourceGroup: vault.vaultResourceGroup, vaultName: vault.vaultName },
        stateFingerprint: vault.stateFingerprint,
        vaults: undefined,
        actions,
        summary: summarize(actions),
      },
    };
  });
}
