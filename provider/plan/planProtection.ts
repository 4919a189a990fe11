// The planner: what must be done to make the vault match the spec, as plain data. No I/O.
import {
  PLAN_FORMAT_VERSION,
  vmContainerName,
  vmProtectedItemName,
  type ActionKind,
  type Observation,
  type ObservedProtectedItem,
  type ObservedVm,
  type Plan,
  type PlannedAction,
  type Profile,
  type ResolvedSpec,
  supportOf,
} from '../core/index.js';
import { fingerprintObservation } from './fingerprint.js';
import { findItem, findPolicy, isActive, itemPolicyName, itemVm, policyChoice, protectedWith, registeredWithExtension } from './observed.js';
import { describePolicySettings, diffPolicySettings, samePolicySettings } from './policySettings.js';
import { policyChangeFindings, preflight, preflightFinding } from './preflight.js';
import { compareText, pickMatches, resolveDeclarations, undeclaredItems, vmOrder, type Declarations } from './selectVms.js';

export interface PlanOptions {
  /** Time stamped on the plan. Default: the observation's time, so equal inputs give equal plans. */
  readonly now?: Date;
  /**
   * The support rules to plan by; default: the observation's. classic: a VM is registered with the vault
   * before it is protected, as the guide does it; modern: protecting a VM registers it implicitly.
   */
  readonly profile?: Profile;
}

const KIND_ORDER: readonly ActionKind[] = [
  'createPolicy', 'updatePolicy', 'register', 'protect', 'changePolicy', 'stopProtection', 'stopProtectionDeleteData', 'unregister',
];

export function actionId(kind: ActionKind, subject: string): string {
  return `${kind}:${subject}`;
}

function itemTarget(item: ObservedProtectedItem): { protectedItemName: string; containerName: string } {
  return { protectedItemName: item.name, containerName: item.containerName };
}

/**
 * A VM listed under stopProtection whose item is gone from the vault (its data deleted and purged) while its
 * container is still registered: unregistering frees it for another vault and deletes no backup data.
 */
function unregisterActions(decls: Declarations, obs: Observation): { vm: ObservedVm; planned: PlannedAction }[] {
  const out: { vm: ObservedVm; planned: PlannedAction }[] = [];
  for (const vm of obs.vms) {
    if (!vm.registered || findItem(obs.protectedItems, vm.id) || decls.conflicted.includes(vm)) continue;
    const stop = decls.stops.find((s) => pickMatches(s.entry.vm, vm));
    if (!stop) continue;
    out.push({
      vm,
      planned: {
        id: actionId('unregister', vm.id), kind: 'unregister',
        target: { vmId: vm.id, vmName: vm.name, resourceGroup: vm.resourceGroup, containerName: vmContainerName(vm.resourceGroup, vm.name) },
        reason: `stopProtection entry for VM ${vm.name}: it has no backup item left in vault ${obs.vault.name} but is still registered with it; unregistering frees it for another vault`,
        blockedBy: [], dependsOn: [], source: stop.entry.source,
      },
    });
  }
  return out;
}

/**
 * Plans the actions that make the vault match the spec. Actions come in a deterministic order: policies
 * first (by name), then VMs by resource group and name. Blocked actions are listed but never attempted.
 */
export function planProtection(spec: ResolvedSpec, obs: Observation, opts: PlanOptions = {}): Plan {
  const profile = opts.profile ?? obs.profile;
  const decls = resolveDeclarations(spec, obs, { location: obs.vault.location });
  const policyActions: PlannedAction[] = [];
  const vmActions: { order: { resourceGroup: string; name: string; id: string }; action: PlannedAction }[] = [];
  const created = new Set<string>();

  for (const policy of [...spec.policies].sort((a, b) => compareText(a.name, b.name))) {
    const { name, source, ...settings } = policy;
    const seen = findPolicy(obs.policies, name);
    if (!seen) {
      const id = actionId('createPolicy', name);
      created.add(name);
      policyActions.push({
        id, kind: 'createPolicy', target: { policyName: name }, policy: settings,
        reason: `policy ${name} does not exist in vault ${obs.vault.name}`, blockedBy: [], dependsOn: [], source,
      });
    } else if (!seen.settings || !samePolicySettings(seen.settings, settings)) {
      policyActions.push({
        id: actionId('updatePolicy', name), kind: 'updatePolicy', target: { policyName: name }, policy: settings,
        ...(seen.settings ? { previousPolicy: seen.settings } : {}),
        reason: seen.settings
          ? `policy ${name} differs: ${diffPolicySettings(seen.settings, settings).join('; ')}`
          : `policy ${name} exists but is not an Azure VM policy vmbackup can read; it is rewritten as ${describePolicySettings(settings)}`,
        blockedBy: [], dependsOn: [], source,
      });
    }
  }
  const policyDeps = (policy: string): string[] => (created.has(policy) ? [actionId('createPolicy', policy)] : []);

  for (const d of decls.declared) {
    const { vm, policy, source } = d;
    const target = { vmId: vm.id, vmName: vm.name, resourceGroup: vm.resourceGroup };
    const item = findItem(obs.protectedItems, vm.id);
    const push = (action: PlannedAction): void => void vmActions.push({ order: vm, action });

    const chosen = policyChoice(spec, obs, policy);
    if (item && isActive(item)) {
      const current = itemPolicyName(item);
      if (!protectedWith(item, policy)) {
        const from = policyChoice({ policies: [] }, obs, current);
        push({
          id: actionId('changePolicy', vm.id), kind: 'changePolicy',
          target: { ...target, policyName: policy, ...itemTarget(item) }, fromPolicyName: current,
          reason: `VM ${vm.name} is protected with policy ${current ?? '(none)'}, rule "${d.rule.name}" gives it ${policy}`,
          blockedBy: chosen ? policyChangeFindings(vm, from, chosen, profile) : [], dependsOn: policyDeps(policy), source,
        });
      }
      continue;
    }

    // The service checks the same preconditions on protect as on register, so both carry every finding.
    const findings = preflight(vm, { ...obs, profile }, chosen);
    const dependsOn = policyDeps(policy);
    const needsRegister = supportOf(profile).explicitRegistration && !item && !registeredWithExtension(vm);
    if (needsRegister) {
      const id = actionId('register', vm.id);
      push({
        id, kind: 'register', target: { ...target, containerName: vmContainerName(vm.resourceGroup, vm.name) },
        reason: `VM ${vm.name} is declared by rule "${d.rule.name}" and not registered with vault ${obs.vault.name}`,
        blockedBy: findings, dependsOn: [], source,
      });
      dependsOn.push(id);
    }
    push({
      id: actionId('protect', vm.id), kind: 'protect',
      target: {
        ...target, policyName: policy,
        ...(item ? itemTarget(item) : { protectedItemName: vmProtectedItemName(vm.resourceGroup, vm.name), containerName: vmContainerName(vm.resourceGroup, vm.name) }),
      },
      reason: item?.softDeleted
        ? `VM ${vm.name}'s protection was deleted (soft-deleted); rule "${d.rule.name}" protects it with policy ${policy}`
        : item
          ? `VM ${vm.name}'s protection is stopped (${item.protectionState}); rule "${d.rule.name}" resumes it with policy ${policy}`
          : `VM ${vm.name} is declared by rule "${d.rule.name}" with policy ${policy} and is not protected`,
      blockedBy: findings, dependsOn, source,
    });
  }

  for (const m of decls.missing) {
    const what = m.pick.id ?? `${m.resourceGroup}/${m.name}`;
    vmActions.push({
      order: m,
      action: {
        id: actionId('protect', m.id), kind: 'protect',
        target: {
          vmId: m.id, vmName: m.name, resourceGroup: m.resourceGroup, policyName: m.rule.policy,
          protectedItemName: vmProtectedItemName(m.resourceGroup, m.name), containerName: vmContainerName(m.resourceGroup, m.name),
        },
        reason: `rule "${m.rule.name}" picks VM ${what}, which does not exist`,
        blockedBy: [preflightFinding('VmNotFound', `no VM ${what} in subscription ${spec.target.subscriptionId}`)],
        dependsOn: policyDeps(m.rule.policy), source: m.pick.source ?? m.rule.source,
      },
    });
  }

  const handled = new Set<ObservedProtectedItem>();
  for (const { entry, items } of decls.stops) {
    for (const item of items) {
      // Deleting data applies to stopped protections too; stopping applies only to active ones.
      if (handled.has(item) || (entry.retainData && !isActive(item))) continue;
      handled.add(item);
      const vm = itemVm(item);
      const kind = entry.retainData ? 'stopProtection' : 'stopProtectionDeleteData';
      vmActions.push({
        order: vm,
        action: {
          id: actionId(kind, vm.id), kind,
          target: { vmId: vm.id, vmName: vm.name, resourceGroup: vm.resourceGroup, ...itemTarget(item) },
          reason: entry.retainData
            ? `stopProtection entry for VM ${vm.name}; its recovery points are retained`
            : `stopProtection entry for VM ${vm.name} says retainData: false; its recovery points are deleted`,
          blockedBy: [], dependsOn: [], source: entry.source,
        },
      });
    }
  }

  for (const action of unregisterActions(decls, obs)) vmActions.push({ order: action.vm, action: action.planned });

  if (spec.undeclared === 'stop') {
    for (const item of undeclaredItems(decls, obs.protectedItems)) {
      if (handled.has(item)) continue;
      const vm = itemVm(item);
      vmActions.push({
        order: vm,
        action: {
          id: actionId('stopProtection', vm.id), kind: 'stopProtection',
          target: { vmId: vm.id, vmName: vm.name, resourceGroup: vm.resourceGroup, ...itemTarget(item) },
          reason: `VM ${vm.name} is protected but no rule declares it, and the spec stops undeclared protections (data retained)`,
          blockedBy: [], dependsOn: [], source: spec.undeclaredSource ?? spec.target.source,
        },
      });
    }
  }

  vmActions.sort((a, b) => vmOrder(a.order, b.order) || KIND_ORDER.indexOf(a.action.kind) - KIND_ORDER.indexOf(b.action.kind));
  const actions = [...policyActions, ...vmActions.map((v) => v.action)];
  const byKind: Partial<Record<ActionKind, number>> = {};
  for (const a of actions) byKind[a.kind] = (byKind[a.kind] ?? 0) + 1;
  const blocked = actions.filter((a) => a.blockedBy.length > 0).length;
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    createdAt: (opts.now ?? new Date(obs.observedAt)).toISOString(),
    spec: { file: spec.file, digest: spec.digest },
    target: { subscriptionId: spec.target.subscriptionId, vaultResourceGroup: spec.target.vault.resourceGroup, vaultName: spec.target.vault.name },
    stateFingerprint: fingerprintObservation(obs),
    actions,
    summary: { toApply: actions.length - blocked, blocked, byKind },
  };
}
