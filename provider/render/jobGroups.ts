// How Azure Backup's job statuses fold into the dashboard's columns; the text view and the page share it.
import type { DashboardData } from '../core/index.js';

export type JobGroup = 'succeeded' | 'failed' | 'inProgress' | 'other';

/** Statuses not listed here (Cancelled, Invalid) count as "other". */
export const JOB_STATUS_GROUPS: Readonly<Record<string, JobGroup>> = {
  Completed: 'succeeded',
  CompletedWithWarnings: 'succeeded',
  Failed: 'failed',
  InProgress: 'inProgress',
  Cancelling: 'inProgress',
};

export function jobGroup(status: string): JobGroup {
  return JOB_STATUS_GROUPS[status] ?? 'other';
}

export type DashboardJob = DashboardData['jobs24h']['jobs'][number];

/** Newest first, so the jobs people ask about lead every list. */
export function jobsNewestFirst(data: DashboardData): DashboardJob[] {
  return [...data.jobs24h.jobs].sort((a, b) => b.startTime.localeCompare(a.startTime));
}
