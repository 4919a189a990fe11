// Backup jobs: list (with the spec's $filter) and get.
import type { Route } from '../dispatch.js';
import { ArmErrors } from '../errors.js';
import { filterEq, parseFilter, parseFilterDate } from '../odata.js';
import { page } from '../paging.js';
import { renderJob } from '../render.js';
import { BACKUP_API, ok, requireVault, V } from './common.js';

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
      const job = ctx.world.store.getJob(vault.id, ctx.params.jobName);
      if (!job) throw ArmErrors.notFound(`${vault.id}/backupJobs/${ctx.params.jobName}`);
      return ok(renderJob(vault, job, ctx.world.nowMs()));
    },
  },
];
