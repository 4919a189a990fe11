// The health of a protection that exists, as small rules: each looks at one item and says at most one thing
// (its protection in error or its last backup failed, a recovery point overdue, a point less consistent than
// the VM should give). Pure.
import {
  groupBy,
  memoByIdentity,
  recoveryPointConsistency,
  type DriftFinding,
  type DriftSubject,
  type Observation,
  type ObservedJob,
  type ObservedProtectedItem,
  type ObservedVm,
  type PolicySchedule,
  type PolicySettings,
  type RecoveryPointConsistency,
  type SourceLocation,
} from '../core/index.js';
import { DRIFT_REMEDIES, remedyForAzureCode } from './remedies.js';

/** A protected item with what the rules need to judge it. */
export interface HealthSubject {
  readonly item: ObservedProtectedItem;
  readonly vm: Pick<ObservedVm, 'id' | 'powerState' | 'osType'>;
  readonly subject: DriftSubject;
  /** "rg/name", as messages name the VM. */
  readonly label: string;
  readonly source?: SourceLocation;
  /** The settings of the item's policy, when they are known. */
  readonly settings?: PolicySettings;
}

export interface HealthContext {
  readonly obs: Observation;
  /** The time recovery points are judged at, in ms. */
  readonly now: number;
  readonly graceMs: number;
}

type HealthRule = (h: HealthSubject, ctx: HealthContext) => DriftFinding | undefined;

const HOUR = 3_600_000;
const WEEK_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const iso = (ms: number): string => new Date(ms).toISOString();

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

// Each job list indexed by VM once, newest first (a stable sort): the rules look a VM's jobs up for every item, and
// a vault's day holds a backup job per item.
const jobsByVm = memoByIdentity((jobs: readonly ObservedJob[]): ReadonlyMap<string, readonly ObservedJob[]> => {
  const byVm = groupBy(
    jobs.filter((j) => j.vmId !== undefined),
    (j) => j.vmId!,
  );
  for (const list of byVm.values()) list.sort((a, b) => Date.parse(b.startTime) - Date.parse(a.startTime));
  return byVm;
});

/** The VM's newest job that `pick` accepts. */
function newestJob(vmId: string, jobs: readonly ObservedJob[], pick: (j: ObservedJob) => boolean): ObservedJob | undefined {
  return jobsByVm(jobs).get(vmId.toLowerCase())?.find(pick);
}

/** The VM's newest backup that completed, with or without a warning: the one that took its newest point. */
function newestCompletedBackup(vmId: string, jobs: readonly ObservedJob[]): ObservedJob | undefined {
  return newestJob(vmId, jobs, (j) => j.operation === 'Backup' && j.status.startsWith('Completed'));
}

/** When protection was configured, from the configure-backup job if the observation still holds it. */
function protectedSince(vmId: string, obs: Observation): number | undefined {
  const configured = newestJob(vmId, obs.jobs, (j) => /configure/i.test(j.operation) && !Number.isNaN(Date.parse(j.startTime)));
  return configured ? Date.parse(configured.startTime) : undefined;
}

/** The error code behind a failure: the item's own, or the newest failed job's. */
function failureCode(item: ObservedProtectedItem, obs: Observation): string | undefined {
  return item.errorCode || newestJob(item.vmId, obs.jobs, (j) => j.status === 'Failed' && j.errors.length > 0)?.errors[0]?.code;
}

/** The warning of the VM's newest completed backup, e.g. the VSS failure behind a file-system-consistent point. */
function backupWarningCode(vmId: string, obs: Observation): string | undefined {
  return newestCompletedBackup(vmId, obs.jobs)?.errors[0]?.code;
}

const isUnhealthy = (item: ObservedProtectedItem): boolean =>
  item.protectionState === 'ProtectionError' || (item.healthStatus !== undefined && item.healthStatus.toLowerCase() !== 'passed');

const withCode = (code: string | undefined) => (code ? { azureErrorCode: code } : {});

const protectionInError: HealthRule = ({ item, subject, label, source }, { obs }) => {
  if (!isUnhealthy(item)) return undefined;
  const code = failureCode(item, obs);
  return {
    category: 'protectionError', subject,
    message: `VM ${label}'s protection is unhealthy (${item.protectionState}, health ${item.healthStatus ?? 'unknown'})${item.errorMessage ? `: ${item.errorMessage}` : ''}`,
    remedy: remedyForAzureCode(code, DRIFT_REMEDIES.protectionError), expected: 'Protected, health Passed',
    actual: `${item.protectionState}, health ${item.healthStatus ?? 'unknown'}`, ...withCode(code), source,
  };
};

/** A failed last backup of a protection that is otherwise healthy (an unhealthy one says so already). */
const lastBackupFailed: HealthRule = ({ item, subject, label, source }, { obs }) => {
  if (isUnhealthy(item) || item.lastBackupStatus === undefined || !/^fail/i.test(item.lastBackupStatus)) return undefined;
  const code = failureCode(item, obs);
  return {
    category: 'lastBackupFailed', subject,
    message: `VM ${label}'s last backup${item.lastBackupTime ? ` (${item.lastBackupTime})` : ''} failed${item.errorMessage ? `: ${item.errorMessage}` : ''}`,
    remedy: remedyForAzureCode(code, DRIFT_REMEDIES.lastBackupFailed), expected: 'last backup Completed', actual: `last backup ${item.lastBackupStatus}`,
    ...withCode(code), source,
  };
};

/**
 * No recovery point within the policy's longest gap plus grace. Without a point, the clock starts when protection
 * was configured; an item still waiting for its first scheduled run, or whose start is unknown, is not overdue.
 */
const recoveryPointOverdue: HealthRule = ({ item, vm, subject, label, source, settings }, { obs, now, graceMs }) => {
  if (!settings) return undefined;
  const latest = latestPoint(item);
  const gapMs = maxBackupGapHours(settings.schedule) * HOUR;
  const since = protectedSince(vm.id, obs);
  const from = latest?.time ?? since;
  if (from === undefined || now <= from + gapMs + graceMs) return undefined;
  return {
    category: 'recoveryPointOverdue', subject,
    message: latest
      ? `VM ${label}'s newest recovery point is from ${iso(latest.time)}, more than ${gapMs / HOUR}h + ${graceMs / HOUR}h grace ago`
      : `VM ${label} has no recovery point ${gapMs / HOUR}h + ${graceMs / HOUR}h grace after protection started (${iso(since!)})`,
    remedy: DRIFT_REMEDIES.recoveryPointOverdue, expected: `a recovery point after ${iso(now - gapMs - graceMs)}`,
    actual: latest ? `newest recovery point ${iso(latest.time)}` : 'no recovery point', ...withCode(failureCode(item, obs)), source,
  };
};

/** A running VM's newest point is less consistent than its OS gives (application for Windows, file system for Linux). */
const consistencyDegraded: HealthRule = ({ item, vm, subject, label, source }, { obs }) => {
  const got = recoveryPointConsistency(latestPoint(item)?.consistency);
  if (got === undefined || vm.powerState !== 'running') return undefined;
  const want: RecoveryPointConsistency = vm.osType === 'Windows' ? 'AppConsistent' : 'FileSystemConsistent';
  if (RANK[got] >= RANK[want]) return undefined;
  const warning = backupWarningCode(vm.id, obs);
  return {
    category: 'consistencyDegraded', subject,
    message: `VM ${label}'s newest recovery point is ${got}; a running ${vm.osType} VM gives ${want}${warning ? ` (its backup warned ${warning})` : ''}`,
    remedy: remedyForAzureCode(
      warning,
      vm.osType === 'Windows'
        ? 'Check the VSS writers and the Volume Shadow Copy service on the VM (`vssadmin list writers`); keep the VM running with its agent Ready at backup time.'
        : 'Check that the file systems can be frozen (the extension log names the mount points that failed); keep the VM running with its agent Ready at backup time.',
    ),
    expected: want, actual: got, ...withCode(warning), source,
  };
};

/**
 * Whether the consistency rule can judge the item: its VM runs and it has a point. Only the rule reads a point the item
 * does not carry (the item has its newest point's time, health and last backup). Drift's `--all-recovery-points`
 * reads the points of every such item.
 */
export function judgesConsistency(item: ObservedProtectedItem, vm: Pick<ObservedVm, 'powerState'> | undefined): boolean {
  return vm?.powerState === 'running' && latestPoint(item) !== undefined;
}

/**
 * Whether drift reads the item's recovery points by default: where the consistency rule can judge it and the jobs read
 * do not vouch for its newest point, that is when the newest completed backup warned (a snapshot that fell back to
 * less consistency warns, e.g. a VSS failure), or when no completed backup read ended at or after the point (a backup
 * older than the jobs read). A point taken while the VM was stopped comes from a backup that completed cleanly, so
 * only `--all-recovery-points` finds it.
 */
export function needsRecoveryPoints(item: ObservedProtectedItem, vm: Pick<ObservedVm, 'id' | 'powerState'> | undefined, jobs: readonly ObservedJob[]): boolean {
  if (!vm || !judgesConsistency(item, vm)) return false;
  const backup = newestCompletedBackup(vm.id, jobs);
  const ended = backup?.endTime ? Date.parse(backup.endTime) : Number.NaN;
  if (!backup || Number.isNaN(ended) || ended < latestPoint(item)!.time) return true;
  return backup.status !== 'Completed' || backup.errors.length > 0;
}

const HEALTH_RULES: readonly HealthRule[] = [protectionInError, lastBackupFailed, recoveryPointOverdue, consistencyDegraded];

/** What the health rules find wrong with one protection, in their order. */
export function checkHealth(h: HealthSubject, ctx: HealthContext): DriftFinding[] {
  return HEALTH_RULES.map((rule) => rule(h, ctx)).filter((f): f is DriftFinding => f !== undefined);
}
