// The planner: what must be done to make the vault match the spec, as plain data. No I/O.
import {
  ALL_DISKS,
  describeDisks,
  sameDisks,
  declaredVaultSettings,
  PLAN_FORMAT_VERSION,
  vmContainerName,
  vmProtectedItemName,
  vmLabel,
  type ActionKind,
  type Observation,
  type ObservedProtectedItem,
  type Plan,
  type PlannedAction,
  type Profile,
  type ResolvedSpec,
  supportOf,
} from '../core/index.js';
import { compareProtection, type ComparedMissingVm, type ComparedPolicy, type ComparedVm, type Comparison } from './compare.js';
import { fingerprintObservation } from './fingerprint.js';
import { itemPolicyName, itemVm, registeredWithExtension } from './observed.js';
import { describePolicySettings, diffPolicySettings } from './policySettings.js';
import { preflightFinding } from './preflight.js';
import { compareText, vmOrder } from './selectVms.js';
import { describeSettingChange, vaultSettingChanges, vaultSettingFindings } from './vaultSettings.js';

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
  'vaultSettings', 'createPolicy', 'updatePolicy', 'register', 'undelete', 'protect', 'changePolicy', 'changeDisks', 'stopProtection', 'stopProtectionDeleteData', 'unregister',
];

export function actionId(kind: ActionKind, subject: string): string {
  return `${kind}:${subject}`;
}

function itemTarget(item: ObservedProtectedItem): { protectedItemName: string; containerName: string } {
  return { protectedItemName: item.name, containerName: item.containerName };
}

type VmAction = { order: { resourceGroup: string; name: string; id: string }; action: PlannedAction };

function policyAction(p: ComparedPolicy, vaultName: string): PlannedAction | undefined {
  const { name, source, ...settings } = p.policy;
  if (p.state === 'missing') {
    return {
      id: actionId('createPolicy', name), kind: 'createPolicy', target: { policyName: name }, policy: settings,
      reason: `policy ${name} does not exist in vault ${vaultName}`, blockedBy: [], dependsOn: [], source,
    };
  }
  if (p.state === 'inSync') return undefined;
  const previous = p.seen?.settings;
  return {
    id: actionId('updatePolicy', name), kind: 'updatePolicy', target: { policyName: name }, policy: settings,
    ...(previous ? { previousPolicy: previous } : {}),
    reason: previous
      ? `policy ${name} differs: ${diffPolicySettings(previous, settings).join('; ')}`
      : `policy ${name} exists but is not an Azure VM policy vmbackup can read; it is rewritten as ${describePolicySettings(settings)}`,
    blockedBy: [], dependsOn: [], source,
  };
}

/** A declared VM's register, protect, changePolicy or changeDisks, as its place in the comparison asks. */
/** What a VM's actions wait for: the vault settings written before any VM (`settings`), and those plus its policy's creation. */
interface ActionDeps {
  readonly settings: readonly string[];
  readonly policy: (policy: string) => string[];
}

function vmActions(c: ComparedVm, vaultName: string, profile: Profile, deps: ActionDeps): PlannedAction[] {
  const { vm, policy, rule, source } = c.declared;
  const target = { vmId: vm.id, vmName: vm.name, resourceGroup: vm.resourceGroup };
  const { item } = c;
  // A selection is written when it is not every disk, or when the item (a stopped one) holds another.
  const withDisks = c.disks.kind === 'all' && sameDisks(item?.disks, c.disks) ? {} : { disks: c.disks };
  const disksChange = `its disks change from ${describeDisks(item?.disks)} to ${describeDisks(c.disks)}`;
  switch (c.state) {
    case 'inSync':
      return [];
    case 'wrongPolicy': {
      const current = item ? itemPolicyName(item) : undefined;
      return [{
        id: actionId('changePolicy', vm.id), kind: 'changePolicy',
        target: { ...target, policyName: policy, ...itemTarget(item!) }, fromPolicyName: current,
        ...(c.disksDiffer ? { disks: c.disks } : {}),
        reason: `VM ${vmLabel(vm.resourceGroup, vm.name)} is protected with policy ${current ?? '(none)'}, rule "${rule.name}" gives it ${policy}${c.disksDiffer ? `; ${disksChange}` : ''}`,
        blockedBy: c.findings, dependsOn: deps.policy(policy), source,
      }];
    }
    case 'wrongDisks':
      return [{
        id: actionId('changeDisks', vm.id), kind: 'changeDisks',
        target: { ...target, policyName: policy, ...itemTarget(item!) }, disks: c.disks, fromDisks: item?.disks ?? ALL_DISKS,
        reason: `VM ${vmLabel(vm.resourceGroup, vm.name)} backs up ${describeDisks(item?.disks)}, rule "${rule.name}" declares ${describeDisks(c.disks)}`,
        blockedBy: c.findings, dependsOn: deps.policy(policy), source: rule.disksSource ?? source,
      }];
    case 'unprotected':
    case 'softDeleted':
    case 'stopped': {
      const out: PlannedAction[] = [];
      const dependsOn = deps.policy(policy);
      // The VM's first write checks the agent the plan could not (the register or the undelete, else the protect).
      let agentCheck = vm.agentUnread ? { agentCheckAtApply: true as const } : {};
      if (supportOf(profile).explicitRegistration && c.state === 'unprotected' && !registeredWithExtension(vm)) {
        const id = actionId('register', vm.id);
        out.push({
          id, kind: 'register', target: { ...target, containerName: vmContainerName(vm.resourceGroup, vm.name) },
          reason: `VM ${vmLabel(vm.resourceGroup, vm.name)} is declared by rule "${rule.name}" and not registered with vault ${vaultName}`,
          // Registering locks the vault's storage redundancy as protecting does.
          blockedBy: c.findings, ...agentCheck, dependsOn: [...deps.settings], source,
        });
        dependsOn.push(id);
        agentCheck = {};
      }
      // A soft-deleted item is undeleted first: Azure refuses to protect it again until then.
      if (c.state === 'softDeleted' && item) {
        const id = actionId('undelete', vm.id);
        out.push({
          id, kind: 'undelete', target: { ...target, ...itemTarget(item) },
          reason: `VM ${vmLabel(vm.resourceGroup, vm.name)}'s protection was deleted (soft-deleted: its recovery points are kept until the soft-delete period ends); rule "${rule.name}" declares it again`,
          blockedBy: c.findings, ...agentCheck, dependsOn: [], source,
        });
        dependsOn.push(id);
        agentCheck = {};
      }
      out.push({
        id: actionId('protect', vm.id), kind: 'protect', ...withDisks,
        target: {
          ...target, policyName: policy,
          ...(item ? itemTarget(item) : { protectedItemName: vmProtectedItemName(vm.resourceGroup, vm.name), containerName: vmContainerName(vm.resourceGroup, vm.name) }),
        },
        reason: c.state === 'softDeleted'
          ? `VM ${vmLabel(vm.resourceGroup, vm.name)}, once undeleted, resumes its protection with policy ${policy} (rule "${rule.name}")`
          : c.state === 'stopped'
            ? `VM ${vmLabel(vm.resourceGroup, vm.name)}'s protection is stopped (${item!.protectionState}); rule "${rule.name}" resumes it with policy ${policy}`
            : `VM ${vmLabel(vm.resourceGroup, vm.name)} is declared by rule "${rule.name}" with policy ${policy} and is not protected`,
        blockedBy: c.findings, ...agentCheck, dependsOn, source,
      });
      return out;
    }
  }
}

function missingAction({ missing: m }: ComparedMissingVm, spec: ResolvedSpec, deps: ActionDeps): PlannedAction {
  const what = m.pick.id ?? vmLabel(m.resourceGroup, m.name);
  return {
    id: actionId('protect', m.id), kind: 'protect',
    target: {
      vmId: m.id, vmName: m.name, resourceGroup: m.resourceGroup, policyName: m.rule.policy,
      protectedItemName: vmProtectedItemName(m.resourceGroup, m.name), containerName: vmContainerName(m.resourceGroup, m.name),
    },
    reason: `rule "${m.rule.name}" picks VM ${what}, which does not exist`,
    blockedBy: [preflightFinding('VmNotFound', `no VM ${what} in subscription ${spec.target.subscriptionId}`)],
    dependsOn: deps.policy(m.rule.policy), source: m.pick.source ?? m.rule.source,
  };
}

/** Stop entries, unregistrations, and the undeclared protections the spec stops. */
function stopActions(c: Comparison, spec: ResolvedSpec, vaultName: string): VmAction[] {
  const out: VmAction[] = [];
  for (const { entry, item, deleteData } of c.stops) {
    const vm = itemVm(item);
    const kind = deleteData ? 'stopProtectionDeleteData' : 'stopProtection';
    out.push({
      order: vm,
      action: {
        id: actionId(kind, vm.id), kind,
        target: { vmId: vm.id, vmName: vm.name, resourceGroup: vm.resourceGroup, ...itemTarget(item) },
        reason: deleteData
          ? `stopProtection entry for VM ${vmLabel(vm.resourceGroup, vm.name)} says retainData: false; its recovery points are deleted`
          : `stopProtection entry for VM ${vmLabel(vm.resourceGroup, vm.name)}; its recovery points are retained`,
        blockedBy: [], dependsOn: [], source: entry.source,
      },
    });
  }
  for (const { vm, entry } of c.registrations) {
    out.push({
      order: vm,
      action: {
        id: actionId('unregister', vm.id), kind: 'unregister',
        target: { vmId: vm.id, vmName: vm.name, resourceGroup: vm.resourceGroup, containerName: vmContainerName(vm.resourceGroup, vm.name) },
        reason: `stopProtection entry for VM ${vmLabel(vm.resourceGroup, vm.name)}: it has no backup item left in vault ${vaultName} but is still registered with it; unregistering frees it for another vault`,
        blockedBy: [], dependsOn: [], source: entry.source,
      },
    });
  }
  if (spec.undeclared === 'stop') {
    for (const { item } of c.undeclared) {
      if (c.stops.some((s) => s.item === item)) continue;
      const vm = itemVm(item);
      out.push({
        order: vm,
        action: {
          id: actionId('stopProtection', vm.id), kind: 'stopProtection',
          target: { vmId: vm.id, vmName: vm.name, resourceGroup: vm.resourceGroup, ...itemTarget(item) },
          reason: `VM ${vmLabel(vm.resourceGroup, vm.name)} is protected but no rule declares it, and the spec stops undeclared protections (data retained)`,
          blockedBy: [], dependsOn: [], source: spec.undeclaredSource ?? spec.target.source,
        },
      });
    }
  }
  return out;
}

/** The vault's own settings that differ from the spec, as one action; undefined when they match or are not managed. */
function vaultSettingsAction(spec: ResolvedSpec, obs: Observation): PlannedAction | undefined {
  const declared = declaredVaultSettings(spec, obs.vault);
  const observed = obs.vault.settings;
  const changes = vaultSettingChanges(declared, observed);
  if (changes.length === 0 || !observed) return undefined;
  const vault = `${obs.vault.resourceGroup}/${obs.vault.name}`;
  return {
    id: actionId('vaultSettings', obs.vault.id), kind: 'vaultSettings', target: {}, changes,
    reason: `vault ${vault}'s settings differ from the spec: ${changes.map(describeSettingChange).join('; ')}`,
    blockedBy: vaultSettingFindings(changes, observed, obs), dependsOn: [], source: changes[0].source ?? spec.target.source,
  };
}

/**
 * Plans the actions that make the vault match the spec. Actions come in a deterministic order: policies
 * first (by name), then VMs by resource group and name. Blocked actions are listed but never attempted.
 */
export function planProtection(spec: ResolvedSpec, obs: Observation, opts: PlanOptions = {}): Plan {
  const profile = opts.profile ?? obs.profile;
  const comparison = compareProtection(spec, obs, { profile });
  const vaultName = obs.vault.name;
  const policyActions = [...comparison.policies]
    .sort((a, b) => compareText(a.policy.name, b.policy.name))
    .map((p) => policyAction(p, vaultName))
    .filter((a): a is PlannedAction => a !== undefined);
  const created = new Set(policyActions.filter((a) => a.kind === 'createPolicy').map((a) => a.target.policyName));

  const settings = vaultSettingsAction(spec, obs);
  // Protecting a VM locks the vault's storage redundancy: a redundancy the spec changes is written first.
  const redundancyFirst =
    settings?.kind === 'vaultSettings' && settings.blockedBy.length === 0 && settings.changes.some((c) => c.setting === 'storageRedundancy')
      ? [settings.id]
      : [];
  const deps: ActionDeps = {
    settings: redundancyFirst,
    policy: (policy) => [...redundancyFirst, ...(created.has(policy) ? [actionId('createPolicy', policy)] : [])],
  };

  const vmActionList: VmAction[] = [
    ...comparison.vms.flatMap((c) => vmActions(c, vaultName, profile, deps).map((action) => ({ order: c.declared.vm, action }))),
    ...comparison.missing.map((m) => ({ order: m.missing, action: missingAction(m, spec, deps) })),
    ...stopActions(comparison, spec, vaultName),
  ];
  vmActionList.sort((a, b) => vmOrder(a.order, b.order) || KIND_ORDER.indexOf(a.action.kind) - KIND_ORDER.indexOf(b.action.kind));
  const actions = [...(settings ? [settings] : []), ...policyActions, ...vmActionList.map((v) => v.action)];
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
