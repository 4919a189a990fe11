// Backup jobs: list (with the spec's $filter), get, and cancel with its operation result.
import type { HandlerResult, RequestContext, Route } from '../dispatch.js';
import { ArmErrors } from '../errors.js';
import type { Job, Operation, Vault } from '../model.js';
import { filterEq, parseFilter, parseFilterDate } from '../odata.js';
import { page } from '../paging.js';
import { renderJob } from '../render.js';
import { accepted, BACKUP_API, ok, requireOperation, requireVault, throwIfFailed, V, vmTarget } from './common.js';

function requireJob(ctx: RequestContext, vault: Vault): Job {
  const job = ctx.world.store.getJob(vault.id, ctx.params.jobName);
  if (!job) throw ArmErrors.notFound(`${vault.id}/backupJobs/${ctx.params.jobName}`);
  return job;
}

function cancelAccepted(ctx: RequestContext, vault: Vault, job: Job, op: Operation): HandlerResult {
  return accepted(ctx, ctx.link(`${vault.id}/backupJobs/${job.id}/operationResults/${op.id}`));
}

/** Why a job cannot be cancelled, or undefined: only Backup jobs still in progress can. */
function cancelRefusal(job: Job): string | undefined {
  if (job.operation !== 'Backup') return `it is a ${job.operation} job`;
  if (job.status !== 'InProgress') return `it is ${job.status}`;
  return undefined;
}

/**
 * POST cancel: accepted for any job; a job that cannot be cancelled fails at the operation result, as Azure
 * answers. A cancellable job turns Cancelling at once and Cancelled when the cancellation ends.
 */
function cancelJob(ctx: RequestContext): HandlerResult {
  const vault = requireVault(ctx);
  const job = requireJob(ctx, vault);
  const { store } = ctx.world;
  const why = cancelRefusal(job);
  const refusal = why === undefined ? undefined : ArmErrors.jobNotCancellable(job.id, why);
  // An on-demand backup's job runs as the item's operation: the cancellation ends that operation too.
  const running = store.runningOperation(vmTarget(job.vmId));
  const boundOperation = running?.jobId?.toLowerCase() === job.id.toLowerCase() ? running.id : undefined;
  if (!refusal) store.putJob({ ...job, status: 'Cancelling' });
  const op = ctx.world.startOperation({
    kind: 'cancelJob',
    target: `job|${job.id.toLowerCase()}`,
    failWith: refusal && { code: refusal.code, message: refusal.message },
    args: { jobId: job.id, ...(boundOperation ? { operationId: boundOperation } : {}) },
  });
  return cancelAccepted(ctx, vault, job, op);
}

export const jobRoutes: Route[] = [
  {
    operationId: 'BackupJobs_List',
    method: 'GET',
    template: `${V}/backupJobs`,
    apiVersions: BACKUP_API,
    body: 'none',
    handler: (ctx) => {
      const vault = requireVault(ctx);
      const f = parseFilter(ctx.query.get('$filter'), ['status', 'backupManagementType', 'operation', 'jobId', 'startTime', 'endTime']);
      // Like Azure: startTime / endTime bound the jobs' start times.
      const fromMs = f.has('startTime') ? parseFilterDate('startTime', f.get('startTime')!) : undefined;
      const toMs = f.has('endTime') ? parseFilterDate('endTime', f.get('endTime')!) : undefined;
      const jobs = ctx.world.store
        .listJobs({ vaultId: vault.id, fromMs, toMs })
        .filter(
          (j) =>
            filterEq(f, 'status', j.status) &&
            filterEq(f, 'backupManagementType', 'AzureIaasVM') &&
            filterEq(f, 'operation', j.operation) &&
            filterEq(f, 'jobId', j.id),
        );
      const now = ctx.world.nowMs();
      return page(ctx, jobs, (j) => renderJob(vault, j, now));
    },
  },
  {
    operationId: 'JobDetails_Get',
    method: 'GET',
    template: `${V}/backupJobs/{jobName}`,
    apiVersions: BACKUP_API,
    body: 'none',
    handler: (ctx) => {
      const vault = requireVault(ctx);
      return ok(renderJob(vault, requireJob(ctx, vault), ctx.world.nowMs()));
    },
  },
  { operationId: 'JobCancellations_Trigger', method: 'POST', template: `${V}/backupJobs/{jobName}/cancel`, apiVersions: BACKUP_API, body: 'optional', handler: cancelJob },
  {
    operationId: 'JobOperationResults_Get',
    method: 'GET',
    template: `${V}/backupJobs/{jobName}/operationResults/{operationId}`,
    apiVersions: BACKUP_API,
    body: 'none',
    handler: (ctx) => {
      const vault = requireVault(ctx);
      const job = requireJob(ctx, vault);
      const op = requireOperation(ctx, (o) => o.kind === 'cancelJob' && String(o.args.jobId).toLowerCase() === job.id.toLowerCase());
      if (op.status === 'InProgress') return cancelAccepted(ctx, vault, job, op);
      throwIfFailed(op);
      return { status: 204 };
    },
  },
];
