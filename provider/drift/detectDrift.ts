// Drift: where the observed vault differs from the spec, per policy and per VM. Pure: no I/O.
import {
  describeOtherVault,
  DRIFT_FORMAT_VERSION,
  sameArmId,
  type DriftCategory,
  type DriftChecked,
  type DriftFinding,
  type DriftReport,
  type Observation,
  type ObservedJob,
  type ObservedProtectedItem,
  type ObservedVm,
  type PolicySchedule,
  type PolicySettings,
  recoveryPointConsistency,
  type RecoveryPointConsistency,
  type ResolvedSpec,
  type SourceLocation,
} from '../core/index.js';
import {
  describePolicySettings,
  diffPolicySettings,
  findItem,
  findPolicy,
  isStopped,
  itemPolicyName,
  itemVm,
  pickMatches,
  policyChoice,
  preflight,
  preflightFinding,
  resolveDeclarations,
  samePolicySettings,
  undeclaredItems,
} from '../plan/index.js';
import { DRIFT_REMEDIES, remedyForAzureCode } from './remedies.js';

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
  'policyMissing', 'policyChanged', 'declaredUnprotected', 'protectedByOtherVault', 'protectionStopped', 'wrongPolicy', 'protectionError',
  'lastBackupFailed', 'recoveryPointOverdue', 'consistencyDegraded', 'undeclaredProtected',
];
const HOUR = 3_600_000;
const WEEK_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** The longest time between two scheduled backups, in hours. */
export function maxBackupGapHours(s: PolicySchedule): number {
  switch (s.frequency) {
    case 'Daily':
      return 24;
    case 'Weekly': {
      const days = [...new Set(s.weekDays.map((d) => WEEK_DAYS.indexOf(d)))].sort((a, b) => a - b);
      if (days.length === 0) return 7 * 24;
      const gaps = days.map((d, i) => (i + 1 < days.length ? days[i + 1] - d : days[0] + 7 - d));
      return Math.max(...gaps) * 24;
    }
    case 'Hourly':
      // Backups run every intervalHours inside the window; the gap over the night is the longest.
      return Math.max(s.intervalHours, 24 - s.windowHours + s.intervalHours);
  }
}

/** How consistent each kind of recovery point is: a higher rank keeps more. */
const RANK: Readonly<Record<RecoveryPointConsistency, number>> = { CrashConsistent: 1, FileSystemConsistent: 2, AppConsistent: 3 };

/** The newest recovery point the observation knows of, from whichever fields discovery filled. */
function latestPoint(item: ObservedProtectedItem): { time: number; consistency?: string } | undefined {
  const points: { time: number; consistency?: string }[] = [];
  if (item.latestRecoveryPoint) points.push({ time: Date.parse(item.latestRecoveryPoint.time), consistency: item.latestRecoveryPoint.consistency });
  for (const p of item.recoveryPoints ?? []) points.push({ time: Date.parse(p.time), consistency: p.consistency });
  if (item.lastRecoveryPoint) points.push({ time: Date.parse(item.lastRecoveryPoint) });
  // Azure reports "0001-01-01T00:00:00Z" for an item that has no point yet.
  const valid = points.filter((p) => !Number.isNaN(p.time) && p.time > 0).sort((a, b) => b.time - a.time || (b.consistency ? 1 : 0) - (a.consistency ? 1 : 0));
  return valid[0];
}

/** The VM's newest job that `pick` accepts. */
function newestJob(vmId: string, obs: Observation, pick: (j: ObservedJob) => boolean): ObservedJob | undefined {
  return obs.jobs
    .filter((j) => j.vmId !== undefined && sameArmId(j.vmId, vmId) && pick(j))
    .sort((a, b) => Date.parse(b.startTime) - Date.parse(a.startTime))[0];
}

/** When protection was configured, from the configure-backup job if the observation still holds it. */
function protectedSince(vmId: string, obs: Observation): number | undefined {
  const configured = newestJob(vmId, obs, (j) => /configure/i.test(j.operation) && !Number.isNaN(Date.parse(j.startTime)));
  return configured ? Date.parse(configured.startTime) : undefined;
}

/** The error code behind a failure: the item's own, or the newest failed job's. */
function failureCode(item: ObservedProtectedItem, obs: Observation): string | undefined {
  return item.errorCode || newestJob(item.vmId, obs, (j) => j.status === 'Failed' && j.errors.length > 0)?.errors[0]?.code;
}

/** The warning of the VM's newest completed backup, e.g. the VSS failure behind a file-system-consistent point. */
function backupWarningCode(vmId: string, obs: Observation): string | undefined {
  return newestJob(vmId, obs, (j) => j.operation === 'Backup' && j.status.startsWith('Completed'))?.errors[0]?.code;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Compares the spec with the observed vault. Blocked VMs (failing pre-flight checks) are reported as
 * declaredUnprotected with the pre-flight remedy. VMs whose declarations conflict are left to the
 * conflict diagnostics and not checked here.
 */
export function detectDrift(spec: ResolvedSpec, obs: Observation, opts: DriftOptions = {}): DriftReport {
  const now = (opts.now ?? new Date(obs.observedAt)).getTime();
  const graceMs = (opts.graceHours ?? DEFAULT_GRACE_HOURS) * HOUR;
  const decls = resolveDeclarations(spec, obs, { location: obs.vault.location });
  const findings: { order: string; finding: DriftFinding }[] = [];
  const add = (order: string, finding: DriftFinding): void => void findings.push({ order, finding });
  const vmSubject = (vm: { id: string; name: string; resourceGroup: string }) => ({ kind: 'vm' as const, id: vm.id, name: vm.name, resourceGroup: vm.resourceGroup });
  const vmOrderKey = (vm: { id: string; name: string; resourceGroup: string }) => `1\u0000${vm.resourceGroup.toLowerCase()}\u0000${vm.name.toLowerCase()}\u0000${vm.id.toLowerCase()}`;

  for (const policy of spec.policies) {
    const { name, source, ...settings } = policy;
    const seen = findPolicy(obs.policies, name);
    const subject = { kind: 'policy' as const, name, ...(seen ? { id: seen.id } : {}) };
    const order = `0\u0000${name.toLowerCase()}`;
    if (!seen) {
      add(order, {
        category: 'policyMissing', subject, message: `policy ${name} does not exist in vault ${obs.vault.name}`,
        remedy: DRIFT_REMEDIES.policyMissing, expected: describePolicySettings(settings), actual: 'absent', source,
      });
    } else if (!seen.settings || !samePolicySettings(settings, seen.settings)) {
      add(order, {
        category: 'policyChanged', subject,
        message: seen.settings
          // Out of band, the policy went from the spec's settings to what the vault holds now.
          ? `policy ${name} was changed outside the spec: ${diffPolicySettings(settings, seen.settings).join('; ')}`
          : `policy ${name} was replaced by a policy that is not an Azure VM policy`,
        remedy: DRIFT_REMEDIES.policyChanged, expected: describePolicySettings(settings),
        actual: seen.settings ? describePolicySettings(seen.settings) : 'not an Azure VM policy', source,
      });
    }
  }

  const policySettings = (name: string | undefined): PolicySettings | undefined =>
    (name !== undefined ? findPolicy(obs.policies, name)?.settings : undefined) ?? spec.policies.find((p) => p.name === name);

  function checkHealth(item: ObservedProtectedItem, vm: Pick<ObservedVm, 'id' | 'powerState' | 'osType'>, subject: ReturnType<typeof vmSubject>, order: string, source: SourceLocation | undefined, label: string): void {
    const unhealthy = item.protectionState === 'ProtectionError' || (item.healthStatus !== undefined && item.healthStatus.toLowerCase() !== 'passed');
    const code = failureCode(item, obs);
    if (unhealthy) {
      add(order, {
        category: 'protectionError', subject,
        message: `VM ${label}'s protection is unhealthy (${item.protectionState}, health ${item.healthStatus ?? 'unknown'})${item.errorMessage ? `: ${item.errorMessage}` : ''}`,
        remedy: remedyForAzureCode(code, DRIFT_REMEDIES.protectionError), expected: 'Protected, health Passed',
        actual: `${item.protectionState}, health ${item.healthStatus ?? 'unknown'}`, ...(code ? { azureErrorCode: code } : {}), source,
      });
    } else if (item.lastBackupStatus !== undefined && /^fail/i.test(item.lastBackupStatus)) {
      add(order, {
        category: 'lastBackupFailed', subject,
        message: `VM ${label}'s last backup${item.lastBackupTime ? ` (${item.lastBackupTime})` : ''} failed${item.errorMessage ? `: ${item.errorMessage}` : ''}`,
        remedy: remedyForAzureCode(code, DRIFT_REMEDIES.lastBackupFailed), expected: 'last backup Completed', actual: `last backup ${item.lastBackupStatus}`,
        ...(code ? { azureErrorCode: code } : {}), source,
      });
    }

    const settings = policySettings(itemPolicyName(item));
    const latest = latestPoint(item);
    if (settings) {
      const gapMs = maxBackupGapHours(settings.schedule) * HOUR;
      const since = protectedSince(vm.id, obs);
      // Without a point, the clock starts when protection was configured; an item still waiting for its
      // first scheduled run, or whose start is unknown, is not overdue.
      const from = latest?.time ?? since;
      if (from !== undefined && now > from + gapMs + graceMs) {
        add(order, {
          category: 'recoveryPointOverdue', subject,
          message: latest
            ? `VM ${label}'s newest recovery point is from ${iso(latest.time)}, more than ${gapMs / HOUR}h + ${graceMs / HOUR}h grace ago`
            : `VM ${label} has no recovery point ${gapMs / HOUR}h + ${graceMs / HOUR}h grace after protection started (${iso(since!)})`,
          remedy: DRIFT_REMEDIES.recoveryPointOverdue, expected: `a recovery point after ${iso(now - gapMs - graceMs)}`,
          actual: latest ? `newest recovery point ${iso(latest.time)}` : 'no recovery point', ...(code ? { azureErrorCode: code } : {}), source,
        });
      }
    }

    const got = recoveryPointConsistency(latest?.consistency);
    if (got !== undefined && vm.powerState === 'running') {
      const want: RecoveryPointConsistency = vm.osType === 'Windows' ? 'AppConsistent' : 'FileSystemConsistent';
      if (RANK[got] < RANK[want]) {
        const warning = backupWarningCode(vm.id, obs);
        add(order, {
          category: 'consistencyDegraded', subject,
          message: `VM ${label}'s newest recovery point is ${got}; a running ${vm.osType} VM gives ${want}${warning ? ` (its backup warned ${warning})` : ''}`,
          remedy: remedyForAzureCode(
            warning,
            vm.osType === 'Windows'
              ? 'Check the VSS writers and the Volume Shadow Copy service on the VM (`vssadmin list writers`); keep the VM running with its agent Ready at backup time.'
              : 'Check that the file systems can be frozen (the extension log names the mount points that failed); keep the VM running with its agent Ready at backup time.',
          ),
          expected: want, actual: got, ...(warning ? { azureErrorCode: warning } : {}), source,
        });
      }
    }
  }

  for (const d of decls.declared) {
    const { vm, policy, source } = d;
    const subject = vmSubject(vm);
    const order = vmOrderKey(vm);
    const label = `${vm.resourceGroup}/${vm.name}`;
    const item = findItem(obs.protectedItems, vm.id);

    if (!item || item.softDeleted) {
      const blocked = preflight(vm, obs, policyChoice(spec, obs, policy));
      const elsewhere = blocked.find((b) => b.code === 'ProtectedByOtherVault');
      if (vm.otherVault && elsewhere) {
        add(order, {
          category: 'protectedByOtherVault', subject,
          message: `VM ${label} is declared with policy ${policy} in vault ${obs.vault.name} but is ${describeOtherVault(vm.otherVault)}`,
          remedy: elsewhere.remedy, expected: `protected by vault ${obs.vault.resourceGroup}/${obs.vault.name} with policy ${policy}`,
          actual: describeOtherVault(vm.otherVault), ...(elsewhere.azureErrorCode ? { azureErrorCode: elsewhere.azureErrorCode } : {}), source,
        });
        continue;
      }
      add(order, {
        category: 'declaredUnprotected', subject,
        message: blocked.length
          ? `VM ${label} is declared with policy ${policy} but not protected, and cannot be: ${blocked.map((b) => b.message).join('; ')}`
          : `VM ${label} is declared with policy ${policy} but not protected`,
        remedy: blocked.length ? blocked.map((b) => b.remedy).join(' ') : DRIFT_REMEDIES.declaredUnprotected,
        expected: `protected with policy ${policy}`, actual: item?.softDeleted ? 'protection deleted (soft-deleted)' : 'not protected',
        ...(blocked[0]?.azureErrorCode ? { azureErrorCode: blocked[0].azureErrorCode } : {}), source,
      });
      continue;
    }
    if (isStopped(item)) {
      add(order, {
        category: 'protectionStopped', subject, message: `VM ${label}'s protection is stopped (${item.protectionState}); no backups run`,
        remedy: DRIFT_REMEDIES.protectionStopped, expected: `protected with policy ${policy}`, actual: item.protectionState, source,
      });
      continue;
    }
    const current = itemPolicyName(item);
    if (current === undefined || current.toLowerCase() !== policy.toLowerCase()) {
      add(order, {
        category: 'wrongPolicy', subject, message: `VM ${label} is protected with policy ${current ?? '(none)'}, the spec gives it ${policy}`,
        remedy: DRIFT_REMEDIES.wrongPolicy, expected: policy, actual: current ?? '(none)', source,
      });
    }
    checkHealth(item, vm, subject, order, source, label);
  }

  for (const m of decls.missing) {
    // A VM deleted under its protection: the item stays and its backups fail; report what the item shows.
    const orphan = obs.protectedItems.find((i) => !i.softDeleted && !isStopped(i) && pickMatches(m.pick, itemVm(i)));
    if (orphan) {
      const label = `${m.resourceGroup}/${m.name}`;
      const before = findings.length;
      checkHealth(orphan, { id: orphan.vmId, powerState: 'unknown', osType: 'Linux' }, vmSubject(m), vmOrderKey(m), m.pick.source ?? m.rule.source, label);
      if (findings.length === before) {
        add(vmOrderKey(m), {
          category: 'protectionError', subject: vmSubject(m),
          message: `VM ${label} no longer exists, but its protection with policy ${itemPolicyName(orphan) ?? '(none)'} goes on`,
          remedy: remedyForAzureCode('UserErrorVmNotFoundV2', DRIFT_REMEDIES.protectionError), expected: 'an existing VM', actual: 'VM not found',
          azureErrorCode: 'UserErrorVmNotFoundV2', source: m.pick.source ?? m.rule.source,
        });
      }
      continue;
    }
    const found = preflightFinding('VmNotFound', `rule "${m.rule.name}" picks VM ${m.pick.id ?? `${m.resourceGroup}/${m.name}`}, which does not exist`);
    add(vmOrderKey(m), {
      category: 'declaredUnprotected', subject: vmSubject(m), message: found.message, remedy: found.remedy,
      expected: `protected with policy ${m.rule.policy}`, actual: 'VM not found', ...(found.azureErrorCode ? { azureErrorCode: found.azureErrorCode } : {}),
      source: m.pick.source ?? m.rule.source,
    });
  }

  for (const item of undeclaredItems(decls, obs.protectedItems)) {
    const vm = itemVm(item);
    const stop = decls.stops.find((s) => s.items.includes(item));
    add(vmOrderKey(vm), {
      category: 'undeclaredProtected', subject: vmSubject(vm),
      message: stop
        ? `VM ${vm.resourceGroup}/${vm.name} is protected although the spec stops its protection`
        : `VM ${vm.resourceGroup}/${vm.name} is protected with policy ${itemPolicyName(item) ?? '(none)'} but no rule declares it`,
      remedy: stop ? 'Run `vmbackup apply` to stop its protection as the spec says.' : DRIFT_REMEDIES.undeclaredProtected,
      expected: stop ? 'protection stopped' : 'not protected', actual: `${item.protectionState} with policy ${itemPolicyName(item) ?? '(none)'}`,
      source: stop ? stop.entry.source : spec.target.source,
    });
  }

  findings.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : CATEGORY_ORDER.indexOf(a.finding.category) - CATEGORY_ORDER.indexOf(b.finding.category)));
  const sorted = findings.map((f) => f.finding);
  const byCategory: Partial<Record<DriftCategory, number>> = {};
  for (const f of sorted) byCategory[f.category] = (byCategory[f.category] ?? 0) + 1;

  const checked: DriftChecked = {
    vms: [
      ...decls.declared.map((d) => ({ id: d.vm.id, name: d.vm.name, resourceGroup: d.vm.resourceGroup, policy: d.policy, source: d.source })),
      ...decls.missing.map((m) => ({ id: m.id, name: m.name, resourceGroup: m.resourceGroup, policy: m.rule.policy, source: m.pick.source ?? m.rule.source })),
    ].sort((a, b) => (vmOrderKey(a) < vmOrderKey(b) ? -1 : vmOrderKey(a) > vmOrderKey(b) ? 1 : 0)),
    policies: spec.policies.map((p) => ({ name: p.name, source: p.source })),
  };

  return {
    formatVersion: DRIFT_FORMAT_VERSION,
    generatedAt: new Date(now).toISOString(),
    spec: { file: spec.file, digest: spec.digest },
    target: { subscriptionId: spec.target.subscriptionId, vaultResourceGroup: spec.target.vault.resourceGroup, vaultName: spec.target.vault.name },
    checked,
    findings: sorted,
    summary: { inSync: sorted.length === 0, byCategory },
  };
}
