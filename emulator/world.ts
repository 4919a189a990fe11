// The world: the store plus the clock and the options of this process. Time is real time plus an
// offset kept in SQLite, so every process over one state directory reads the same clock.
import { randomUUID } from 'node:crypto';
import { completeJob, completeOperation, expireRecoveryPoints, purgeSoftDeleted, runScheduledBackups } from './effects.js';
import type { Job, JobStatus, Operation, OperationKind, Profile } from './model.js';
import { occurrences } from './schedule.js';
import { vmTarget, type Store } from './store.js';

export interface WorldOptions {
  /** Items per page of every pageable list. Default 100. */
  readonly pageSize: number;
  /** Retry-After (seconds) on every 202. Default 1. */
  readonly retryAfterSeconds: number;
  /** How long (clock ms) an operation stays InProgress. Default 300. */
  readonly operationDelayMs: number;
  /** Overrides the profile the world was seeded with. */
  readonly profile?: Profile;
  /** Resource Graph's query quota per window. Default 15 queries per 5 s (handlers/resourceGraph.ts). */
  readonly resourceGraphQuota?: { readonly queries: number; readonly windowMs: number };
  /** The largest Resource Graph answer in bytes. Default 16 MiB (handlers/resourceGraph.ts). */
  readonly resourceGraphPayloadLimit?: number;
}

/** What moving the clock forward performed. */
export interface ClockAdvance {
  /** The clock afterwards, in ms. */
  readonly nowMs: number;
  /** Jobs the window started: the scheduled backups that fell due. */
  readonly jobsStarted: number;
  /** Jobs that ended in the window, by their final status. */
  readonly jobsFinished: Partial<Record<JobStatus, number>>;
  /** Recovery points the window's backups made. */
  readonly recoveryPoints: number;
}

export const DEFAULT_WORLD_OPTIONS: WorldOptions = { pageSize: 100, retryAfterSeconds: 1, operationDelayMs: 300 };

export class World {
  constructor(
    readonly store: Store,
    readonly options: WorldOptions,
  ) {}

  /** The world's default subscription. */
  get subscriptionId(): string {
    return this.store.meta().subscriptionId;
  }

  /** Every subscription of the world, the default first. */
  get subscriptions(): readonly string[] {
    const meta = this.store.meta();
    return meta.subscriptions ?? [meta.subscriptionId];
  }

  /** The world's spelling of a subscription id, or undefined when the world has no such subscription. */
  subscription(id: string): string | undefined {
    return this.subscriptions.find((s) => s.toLowerCase() === id.toLowerCase());
  }

  get profile(): Profile {
    return this.options.profile ?? this.store.meta().profile;
  }

  nowMs(): number {
    return Date.now() + this.store.clockOffsetMs();
  }

  nowIso(): string {
    return new Date(this.nowMs()).toISOString();
  }

  newId(): string {
    return randomUUID();
  }

  /** Moves the clock forward, performs the work that fell due, and says what that work was. */
  advance(ms: number): ClockAdvance {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('the clock only moves forward');
    return this.store.transaction(() => {
      const from = this.nowMs();
      // Jobs already running that end in the window; those the window starts are found afterwards.
      const ending = this.store.dueJobs(from + ms).map((j) => j.id);
      this.store.setClockOffsetMs(this.store.clockOffsetMs() + ms);
      this.tick();
      const to = this.nowMs();
      const started = this.store.jobsStartedBetween(from, to);
      const jobs = new Map<string, Job>();
      for (const id of ending) {
        const job = this.store.jobById(id);
        if (job) jobs.set(id, job);
      }
      for (const job of started) jobs.set(job.id, job);
      const finished: Partial<Record<JobStatus, number>> = {};
      let points = 0;
      for (const job of jobs.values()) {
        if (job.status === 'InProgress') continue;
        finished[job.status] = (finished[job.status] ?? 0) + 1;
        // A backup that ends without failing leaves a recovery point, even one retention removes before the window ends.
        if (job.operation === 'Backup' && (job.status === 'Completed' || job.status === 'CompletedWithWarnings')) points += 1;
      }
      return { nowMs: to, jobsStarted: started.length, jobsFinished: finished, recoveryPoints: points };
    });
  }

  /**
   * Performs everything due up to now, in time order: operations and jobs that end, scheduled backups,
   * expiring recovery points, soft-deleted items whose time is up. Runs inside the caller's transaction
   * (BEGIN IMMEDIATE), so processes sharing the state directory never perform a run twice.
   */
  tick(): void {
    this.store.transaction(() => {
      const now = this.nowMs();
      const last = this.store.lastProcessedMs();
      if (now <= last) return;
      const runs: { at: number; policyKey: string }[] = [];
      for (const policy of this.store.listPolicies()) {
        for (const at of occurrences(policy.properties, last, now)) runs.push({ at, policyKey: `${policy.vaultId}|${policy.name}` });
      }
      runs.sort((a, b) => a.at - b.at || a.policyKey.localeCompare(b.policyKey));
      for (const run of runs) {
        this.settle(run.at);
        const [vaultId, name] = [run.policyKey.slice(0, run.policyKey.lastIndexOf('|')), run.policyKey.slice(run.policyKey.lastIndexOf('|') + 1)];
        const policy = this.store.getPolicy(vaultId, name);
        if (policy) runScheduledBackups(this, policy, run.at);
      }
      this.settle(now);
      this.store.setLastProcessedMs(now);
    });
  }

  /**
   * Whether nothing fell due since the last tick (no operation or job ends, no scheduled backup, no expiry), so a
   * read may answer from the store as it is, without a write transaction.
   */
  isUpToDate(): boolean {
    const now = this.nowMs();
    const last = this.store.lastProcessedMs();
    if (now <= last) return true;
    const { store } = this;
    if (store.dueOperations(now).length > 0 || store.dueJobs(now).length > 0) return false;
    if (store.expiredRecoveryPoints(now).length > 0 || store.softDeletedDue(now).length > 0) return false;
    return store.listPolicies().every((policy) => occurrences(policy.properties, last, now).length === 0);
  }

  /** Ends operations and jobs due by `until`, oldest first, then applies retention. */
  private settle(until: number): void {
    for (;;) {
      const op = this.store.dueOperations(until)[0];
      const job = this.store.dueJobs(until)[0];
      if (!op && !job) break;
      if (op && (!job || op.dueMs <= job.dueMs)) completeOperation(this, op);
      else if (job) completeJob(this, job);
    }
    expireRecoveryPoints(this, until);
    purgeSoftDeleted(this, until);
  }

  /**
   * Azure Backup's lock on a VM's item: an operation on the VM, or a running job (a scheduled backup has no
   * operation of its own).
   */
  itemBusy(vmId: string): boolean {
    return this.store.runningOperation(vmTarget(vmId)) !== undefined || this.store.runningJobOfVm(vmId) !== undefined;
  }

  /** Records a new InProgress operation that ends after the configured delay. */
  startOperation(init: {
    kind: OperationKind;
    target: string;
    args?: Record<string, unknown>;
    jobId?: string;
    failWith?: Operation['failWith'];
    delayMs?: number;
  }): Operation {
    const now = this.nowMs();
    const op: Operation = {
      id: this.newId(),
      kind: init.kind,
      target: init.target,
      status: 'InProgress',
      startTime: new Date(now).toISOString(),
      dueMs: now + (init.delayMs ?? this.options.operationDelayMs),
      jobId: init.jobId,
      failWith: init.failWith,
      args: init.args ?? {},
    };
    this.store.putOperation(op);
    return op;
  }

  /** Records a job that ends with its operation (or at dueMs). */
  startJob(init: Omit<Job, 'id' | 'status' | 'startTime' | 'errorDetails' | 'vaultId'> & { vaultId: string; startMs?: number }): Job {
    const start = init.startMs ?? this.nowMs();
    const { startMs: _ignored, ...rest } = init;
    const job: Job = { ...rest, id: this.newId(), status: 'InProgress', startTime: new Date(start).toISOString(), errorDetails: [] };
    this.store.putJob(job);
    return job;
  }
}
