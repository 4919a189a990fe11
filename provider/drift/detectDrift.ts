// Drift: where the observed vault differs from the spec, per policy and per VM. The comparison is the planner's
// (plan/compare.ts); each rule here turns one kind of difference into findings. Pure: no I/O.
import {
  describeDisks,
  declaredVaultSettings,
  describeOtherVault,
  DRIFT_FORMAT_VERSION,
  vmLabel,
  type DriftCategory,
  type DriftChecked,
  type DriftFinding,
  type DriftReport,
  type DriftSubject,
  type Observation,
  type PolicySettings,
  type ResolvedSpec,
} from '../core/index.js';
import {
  compareProtection,
  describePolicySettings,
  diffPolicySettings,
  findPolicy,
  itemPolicyName,
  itemVm,
  preflightFinding,
  vaultSettingChanges,
  type ComparedMissingVm,
  type ComparedPolicy,
  type ComparedUndeclared,
  type ComparedVm,
} from '../plan/index.js';
import { checkHealth, type HealthContext } from './healthRules.js';
import { DRIFT_REMEDIES, remedyForAzureCode } from './remedies.js';

export { maxBackupGapHours } from './healthRules.js';

export interface DriftOptions {
  /** The time overdue recovery points are judged at. Default: the observation's time (the service clock). */
  readonly now?: Date;
  /**
   * Hours a recovery point may be late beyond the policy's interval. Default 4: Azure starts a scheduled
   * backup up to about two hours after its time, and the snapshot phase of a large VM takes a while more.
   */
  readonly graceHours?: number;
}

export const DEFAULT_GRACE_HOURS = 4;

const CATEGORY_ORDER: readonly DriftCategory[] = [
  'vaultSettings', 'policyMissing', 'policyChanged', 'declaredUnprotected', 'protectedByOtherVault', 'protectionStopped', 'wrongPolicy', 'protectionError',
  'lastBackupFailed', 'recoveryPointOverdue', 'consistencyDegraded', 'undeclaredProtected',
];
const HOUR = 3_600_000;

interface DriftContext extends HealthContext {
  readonly spec: ResolvedSpec;
}

type VmRef = { id: string; name: string; resourceGroup: string };
const vmSubject = (vm: VmRef): DriftSubject => ({ kind: 'vm', id: vm.id, name: vm.name, resourceGroup: vm.resourceGroup });
/** The vault's own settings first, then policies (by name), then VMs by resource group, name and id. */
const VAULT_ORDER = '';
const policyOrder = (name: string): string => `0\u0000${name.toLowerCase()}`;
const vmOrder = (vm: VmRef): string => `1\u0000${vm.resourceGroup.toLowerCase()}\u0000${vm.name.toLowerCase()}\u0000${vm.id.toLowerCase()}`;

/** The settings of an item's policy: as the vault holds it, else as the spec declares it. */
function policySettings(ctx: DriftContext, name: string | undefined): PolicySettings | undefined {
  return (name !== undefined ? findPolicy(ctx.obs.policies, name)?.settings : undefined) ?? ctx.spec.policies.find((p) => p.name === name);
}

function policyFindings({ policy, seen, state }: ComparedPolicy, { obs }: DriftContext): DriftFinding[] {
  const { name, source, ...settings } = policy;
  const subject: DriftSubject = { kind: 'policy', name, ...(seen ? { id: seen.id } : {}) };
  if (state === 'missing') {
    return [{
      category: 'policyMissing', subject, message: `policy ${name} does not exist in vault ${obs.vault.name}`,
      remedy: DRIFT_REMEDIES.policyMissing, expected: describePolicySettings(settings), actual: 'absent', source,
    }];
  }
  if (state === 'inSync') return [];
  return [{
    category: 'policyChanged', subject,
    message: seen?.settings
      // Out of band, the policy went from the spec's settings to what the vault holds now.
      ? `policy ${name} was changed outside the spec: ${diffPolicySettings(settings, seen.settings).join('; ')}`
      : `policy ${name} was replaced by a policy that is not an Azure VM policy`,
    remedy: DRIFT_REMEDIES.policyChanged, expected: describePolicySettings(settings),
    actual: seen?.settings ? describePolicySettings(seen.settings) : 'not an Azure VM policy', source,
  }];
}

/**
 * A declared VM: not protected (blocked VMs with the pre-flight remedy, a VM another vault holds as such),
 * stopped, on another policy, and the health of whatever protection it has.
 */
function declaredFindings(c: ComparedVm, ctx: DriftContext): DriftFinding[] {
  const { vm, policy, source } = c.declared;
  const subject = vmSubject(vm);
  const label = vmLabel(vm.resourceGroup, vm.name);
  const { item } = c;
  switch (c.state) {
    case 'unprotected':
    case 'softDeleted': {
      const elsewhere = c.findings.find((b) => b.code === 'ProtectedByOtherVault');
      if (vm.otherVault && elsewhere) {
        return [{
          category: 'protectedByOtherVault', subject,
          message: `VM ${label} is declared with policy ${policy} in vault ${ctx.obs.vault.name} but is ${describeOtherVault(vm.otherVault)}`,
          remedy: elsewhere.remedy, expected: `protected by vault ${ctx.obs.vault.resourceGroup}/${ctx.obs.vault.name} with policy ${policy}`,
          actual: describeOtherVault(vm.otherVault), ...(elsewhere.azureErrorCode ? { azureErrorCode: elsewhere.azureErrorCode } : {}), source,
        }];
      }
      const blocked = c.findings;
      return [{
        category: 'declaredUnprotected', subject,
        message: blocked.length
          ? `VM ${label} is declared with policy ${policy} but not protected, and cannot be: ${blocked.map((b) => b.message).join('; ')}`
          : `VM ${label} is declared with policy ${policy} but not protected`,
        remedy: blocked.length ? blocked.map((b) => b.remedy).join(' ') : DRIFT_REMEDIES.declaredUnprotected,
        expected: `protected with policy ${policy}`, actual: c.state === 'softDeleted' ? 'protection deleted (soft-deleted)' : 'not protected',
        ...(blocked[0]?.azureErrorCode ? { azureErrorCode: blocked[0].azureErrorCode } : {}), source,
      }];
    }
    case 'stopped':
      return [{
        category: 'protectionStopped', subject, message: `VM ${label}'s protection is stopped (${item!.protectionState}); no backups run`,
        remedy: DRIFT_REMEDIES.protectionStopped, expected: `protected with policy ${policy}`, actual: item!.protectionState, source,
      }];
    case 'wrongPolicy':
    case 'wrongDisks':
    case 'inSync': {
      const current = itemPolicyName(item!);
      const wrong: DriftFinding[] =
        c.state === 'wrongPolicy'
          ? [{
              category: 'wrongPolicy', subject, message: `VM ${label} is protected with policy ${current ?? '(none)'}, the spec gives it ${policy}`,
              remedy: DRIFT_REMEDIES.wrongPolicy, expected: policy, actual: current ?? '(none)', source,
            }]
          : [];
      if (c.disksDiffer) {
        wrong.push({
          category: 'disksChanged', subject,
          message: `VM ${label} backs up disks: ${describeDisks(item!.disks)}, rule "${c.declared.rule.name}" declares ${describeDisks(c.disks)}`,
          remedy: DRIFT_REMEDIES.disksChanged, expected: describeDisks(c.disks), actual: describeDisks(item!.disks),
          source: c.declared.rule.disksSource ?? source,
        });
      }
      return [...wrong, ...checkHealth({ item: item!, vm, subject, label, source, settings: policySettings(ctx, current) }, ctx)];
    }
  }
}

/** A pick whose VM does not exist: unprotected, or, deleted under its protection, what its item shows. */
function missingFindings({ missing: m, orphan }: ComparedMissingVm, ctx: DriftContext): DriftFinding[] {
  const subject = vmSubject(m);
  const source = m.pick.source ?? m.rule.source;
  if (orphan) {
    const label = vmLabel(m.resourceGroup, m.name);
    const vm = { id: orphan.vmId, powerState: 'unknown' as const, osType: 'Linux' as const };
    const health = checkHealth({ item: orphan, vm, subject, label, source, settings: policySettings(ctx, itemPolicyName(orphan)) }, ctx);
    if (health.length > 0) return health;
    return [{
      category: 'protectionError', subject,
      message: `VM ${label} no longer exists, but its protection with policy ${itemPolicyName(orphan) ?? '(none)'} goes on`,
      remedy: remedyForAzureCode('UserErrorVmNotFoundV2', DRIFT_REMEDIES.protectionError), expected: 'an existing VM', actual: 'VM not found',
      azureErrorCode: 'UserErrorVmNotFoundV2', source,
    }];
  }
  const found = preflightFinding('VmNotFound', `rule "${m.rule.name}" picks VM ${m.pick.id ?? vmLabel(m.resourceGroup, m.name)}, which does not exist`);
  return [{
    category: 'declaredUnprotected', subject, message: found.message, remedy: found.remedy,
    expected: `protected with policy ${m.rule.policy}`, actual: 'VM not found', ...(found.azureErrorCode ? { azureErrorCode: found.azureErrorCode } : {}),
    source,
  }];
}

function undeclaredFindings({ item, stop }: ComparedUndeclared, { spec }: DriftContext): DriftFinding[] {
  const vm = itemVm(item);
  return [{
    category: 'undeclaredProtected', subject: vmSubject(vm),
    message: stop
      ? `VM ${vmLabel(vm.resourceGroup, vm.name)} is protected although the spec stops its protection`
      : `VM ${vmLabel(vm.resourceGroup, vm.name)} is protected with policy ${itemPolicyName(item) ?? '(none)'} but no rule declares it`,
    remedy: stop ? 'Run `vmbackup apply` to stop its protection as the spec says.' : DRIFT_REMEDIES.undeclaredProtected,
    expected: stop ? 'protection stopped' : 'not protected', actual: `${item.protectionState} with policy ${itemPolicyName(item) ?? '(none)'}`,
    source: stop ? stop.source : spec.target.source,
  }];
}

/** One finding per declared vault setting that differs from the vault's, at the line of that setting. */
function vaultSettingsDrift(spec: ResolvedSpec, obs: Observation): DriftFinding[] {
  const vault = obs.vault;
  return vaultSettingChanges(declaredVaultSettings(spec, vault), vault.settings).map((c) => ({
    category: 'vaultSettings',
    subject: { kind: 'vault', id: vault.id, name: vault.name, resourceGroup: vault.resourceGroup },
    message: `vault ${vmLabel(vault.resourceGroup, vault.name)} has ${c.setting} ${String(c.from)}, the spec declares ${String(c.to)}`,
    remedy: DRIFT_REMEDIES.vaultSettings,
    expected: `${c.setting}: ${String(c.to)}`,
    actual: `${c.setting}: ${String(c.from)}`,
    ...(c.source ? { source: c.source } : {}),
  }));
}

/**
 * Compares the spec with the observed vault. Blocked VMs (failing pre-flight checks) are reported as
 * declaredUnprotected with the pre-flight remedy. VMs whose declarations conflict are left to the
 * conflict diagnostics and not checked here.
 */
export function detectDrift(spec: ResolvedSpec, obs: Observation, opts: DriftOptions = {}): DriftReport {
  const now = (opts.now ?? new Date(obs.observedAt)).getTime();
  const ctx: DriftContext = { spec, obs, now, graceMs: (opts.graceHours ?? DEFAULT_GRACE_HOURS) * HOUR };
  const c = compareProtection(spec, obs);
  const ordered: { order: string; finding: DriftFinding }[] = [
    ...vaultSettingsDrift(spec, obs).map((finding) => ({ order: VAULT_ORDER, finding })),
    ...c.policies.flatMap((p) => policyFindings(p, ctx).map((finding) => ({ order: policyOrder(p.policy.name), finding }))),
    ...c.vms.flatMap((v) => declaredFindings(v, ctx).map((finding) => ({ order: vmOrder(v.declared.vm), finding }))),
    ...c.missing.flatMap((m) => missingFindings(m, ctx).map((finding) => ({ order: vmOrder(m.missing), finding }))),
    ...c.undeclared.flatMap((u) => undeclaredFindings(u, ctx).map((finding) => ({ order: vmOrder(itemVm(u.item)), finding }))),
  ];
  ordered.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : CATEGORY_ORDER.indexOf(a.finding.category) - CATEGORY_ORDER.indexOf(b.finding.category)));
  const findings = ordered.map((f) => f.finding);
  const byCategory: Partial<Record<DriftCategory, number>> = {};
  for (const f of findings) byCategory[f.category] = (byCategory[f.category] ?? 0) + 1;

  const decls = c.declarations;
  const checked: DriftChecked = {
    vms: [
      ...decls.declared.map((d) => ({ id: d.vm.id, name: d.vm.name, resourceGroup: d.vm.resourceGroup, policy: d.policy, source: d.source })),
      ...decls.missing.map((m) => ({ id: m.id, name: m.name, resourceGroup: m.resourceGroup, policy: m.rule.policy, source: m.pick.source ?? m.rule.source })),
    ].sort((a, b) => (vmOrder(a) < vmOrder(b) ? -1 : vmOrder(a) > vmOrder(b) ? 1 : 0)),
    policies: spec.policies.map((p) => ({ name: p.name, source: p.source })),
  };

  return {
    formatVersion: DRIFT_FORMAT_VERSION,
    generatedAt: new Date(now).toISOString(),
    spec: { file: spec.file, digest: spec.digest },
    target: { subscriptionId: spec.target.subscriptionId, vaultResourceGroup: spec.target.vault.resourceGroup, vaultName: spec.target.vault.name },
    checked,
    findings,
    summary: { inSync: findings.length === 0, byCategory },
  };
}
