// The data behind Azure Backup's dashboard: protected VMs, the last day of jobs, recovery points, drift.
import { describeDisks, recoveryPointConsistency, type DashboardData, type DriftReport, type JobStatus, type Observation, type ProtectionState } from '../core/index.js';

const DAY_MS = 24 * 3_600_000;
const SUCCEEDED: ReadonlySet<JobStatus> = new Set(['Completed', 'CompletedWithWarnings']);
const RUNNING: ReadonlySet<JobStatus> = new Set(['InProgress', 'Cancelling']);
/** Backed up on schedule: a stopped protection or one in error is counted apart, by its state. */
const ACTIVE: ReadonlySet<ProtectionState> = new Set(['Protected', 'IRPending']);

/**
 * Counts as the portal's dashboard does: protected VMs are those backed up on schedule (every other item shows
 * under its state, soft-deleted ones not at all); jobs are those that
 * started in the 24 hours before the observation, plus any still running; newest first.
 */
export function buildDashboard(obs: Observation, drift?: DriftReport): DashboardData {
  const items = obs.protectedItems.filter((i) => !i.softDeleted);
  const byState: Record<string, number> = {};
  for (const i of items) byState[i.protectionState] = (byState[i.protectionState] ?? 0) + 1;

  const since = Date.parse(obs.observedAt) - DAY_MS;
  const jobs = obs.jobs
    .filter((j) => RUNNING.has(j.status) || Date.parse(j.startTime) >= since)
    .sort((a, b) => Date.parse(b.startTime) - Date.parse(a.startTime) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  // Points carry Azure's spelling of their consistency, whichever one the service reported.
  const point = (p: { time: string; consistency: string }) => ({ time: p.time, consistency: recoveryPointConsistency(p.consistency) ?? p.consistency });
  const recoveryPoints = items
    .map((i) => {
      const points = (i.recoveryPoints ?? (i.latestRecoveryPoint ? [i.latestRecoveryPoint] : [])).map(point);
      return { vmName: i.friendlyName, vmId: i.vmId, disks: describeDisks(i.disks), points: points.sort((a, b) => Date.parse(b.time) - Date.parse(a.time)) };
    })
    .sort((a, b) => (a.vmId.toLowerCase() < b.vmId.toLowerCase() ? -1 : a.vmId.toLowerCase() > b.vmId.toLowerCase() ? 1 : 0));

  return {
    generatedAt: obs.observedAt,
    vault: { id: obs.vault.id, name: obs.vault.name, location: obs.vault.location, ...(obs.vault.settings ? { settings: obs.vault.settings } : {}) },
    protectedVms: { total: items.filter((i) => ACTIVE.has(i.protectionState)).length, byState },
    jobs24h: {
      succeeded: jobs.filter((j) => SUCCEEDED.has(j.status)).length,
      failed: jobs.filter((j) => j.status === 'Failed').length,
      inProgress: jobs.filter((j) => RUNNING.has(j.status)).length,
      jobs: jobs.map((j) => ({
        id: j.id,
        operation: j.operation,
        status: j.status,
        vmName: j.vmName,
        ...(j.vmId !== undefined ? { vmId: j.vmId } : {}),
        startTime: j.startTime,
        ...(j.endTime !== undefined ? { endTime: j.endTime } : {}),
        ...(j.durationSeconds !== undefined ? { durationSeconds: j.durationSeconds } : {}),
        errors: j.errors.map((e) => ({ code: e.code, message: e.message, recommendations: [...e.recommendations] })),
      })),
    },
    recoveryPoints,
    ...(drift ? { drift: { ...drift.summary, findings: drift.findings.length } } : {}),
  };
}
