// The dashboard as a terminal summary, as JSON, or as a self-contained page.
import { RECOVERY_POINT_CONSISTENCIES, recoveryPointConsistency, vmLabelOfId, type DashboardData, type EstateDashboard } from '../core/index.js';
import { dashboardHtml, type DashboardPageOptions } from './dashboardPage.js';
import { estateDashboardHtml, type EstatePageOptions } from './estatePage.js';
import { colors, describeVaultSettings, json, plural, shortTime, table, unreachable, type Colors, type DashboardFormat } from './format.js';
import { jobGroup, jobsNewestFirst } from './jobGroups.js';
import { DRIFT_CATEGORIES, DRIFT_RULES } from './rules.js';

export interface DashboardOptions extends DashboardPageOptions {
  /** ANSI colours in the text view; default false. */
  color?: boolean;
}

export function renderDashboard(data: DashboardData, format: DashboardFormat, opts: DashboardOptions = {}): string {
  switch (format) {
    case 'text':
      return dashboardText(data, colors(opts.color));
    case 'json':
      return json(data);
    case 'html':
      return dashboardHtml(data, opts);
    default:
      return unreachable(format, 'format');
  }
}

function dashboardText(data: DashboardData, c: Colors): string {
  const out: string[] = [
    c.bold(`Backup dashboard: vault ${data.vault.name} (${data.vault.location}), ${shortTime(data.generatedAt)}`),
    ...(data.vault.settings ? [`Vault settings: ${describeVaultSettings(data.vault.settings)}`] : []),
    '',
    c.bold(`Protected VMs: ${data.protectedVms.total}`),
  ];
  const apart = Object.values(data.protectedVms.byState).reduce((n, k) => n + k, 0) - data.protectedVms.total;
  if (apart > 0) out.push(`Not backed up on schedule: ${plural(apart, 'item')} (stopped or in error, by state below)`);
  const states = table(['Protection state', 'VMs'], c);
  for (const [state, n] of Object.entries(data.protectedVms.byState).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
    states.push([state, n]);
  }
  out.push(states.toString(), '');

  const j = data.jobs24h;
  out.push(c.bold('Jobs in the last 24 hours'));
  const jobs = table(['Succeeded', 'Failed', 'In progress'], c);
  jobs.push([c.green(String(j.succeeded)), j.failed > 0 ? c.red(String(j.failed)) : '0', String(j.inProgress)]);
  out.push(jobs.toString());
  const newest = jobsNewestFirst(data);
  const listJobs = (title: string, mark: string, jobs: typeof newest) => {
    if (jobs.length > 0) out.push(title);
    for (const job of jobs) {
      out.push(`  ${mark} ${vmLabelOfId(job.vmId, job.vmName)}  ${job.operation}  ${c.dim(shortTime(job.startTime))}`);
      for (const e of job.errors) {
        out.push(`      ${e.code}: ${e.message}`);
        for (const r of e.recommendations) out.push(`      ${c.cyan('Remedy:')} ${r}`);
      }
    }
  };
  listJobs('Failed jobs:', c.red('✗'), newest.filter((job) => jobGroup(job.status) === 'failed'));
  // A job can succeed and still warn, e.g. a backup whose VSS failed gives a file-system-consistent point.
  listJobs('Jobs with warnings:', c.yellow('!'), newest.filter((job) => jobGroup(job.status) === 'succeeded' && job.errors.length > 0));
  out.push('');

  out.push(c.bold('Recovery points by consistency, with the disks each VM backs up'));
  if (data.recoveryPoints.length === 0) {
    out.push('No recovery points yet.');
  } else {
    const t = table(['VM', 'Points', 'Application', 'File system', 'Crash', 'Latest', 'Latest consistency', 'Disks'], c);
    const labelled = data.recoveryPoints.map((rp) => ({ rp, vm: vmLabelOfId(rp.vmId, rp.vmName) }));
    for (const { rp, vm } of labelled.sort((a, b) => a.vm.localeCompare(b.vm))) {
      const latest = [...rp.points].sort((a, b) => b.time.localeCompare(a.time))[0];
      const count = (k: string) => rp.points.filter((p) => recoveryPointConsistency(p.consistency) === k).length;
      const latestKind = latest ? (recoveryPointConsistency(latest.consistency) ?? latest.consistency) : '-';
      t.push([vm, rp.points.length, ...RECOVERY_POINT_CONSISTENCIES.map(count), latest ? shortTime(latest.time) : '-', latestKind, rp.disks]);
    }
    out.push(t.toString());
  }
  out.push('');

  const d = data.drift;
  if (!d) out.push('Drift: not checked (give a spec with -f to compare).');
  else if (d.inSync) out.push(c.green('Drift: in sync.'));
  else {
    const parts = DRIFT_CATEGORIES.filter((k) => (d.byCategory[k] ?? 0) > 0).map((k) => `${d.byCategory[k]} ${DRIFT_RULES[k].title.toLowerCase()}`);
    out.push(c.yellow(`Drift: ${plural(d.findings, 'finding')} (${parts.join(', ')}).`));
  }
  return `${out.join('\n')}\n`;
}

/** An estate's dashboard: one row per vault, by subscription and region, then the totals and the scope's coverage. */
export function renderEstateDashboard(data: EstateDashboard, format: DashboardFormat, opts: DashboardOptions & EstatePageOptions = {}): string {
  if (format === 'json') return json(data);
  if (format === 'html') return estateDashboardHtml(data, opts);
  const c = colors(opts.color);
  const t = table(['Subscription', 'Region', 'Vault', 'Protected VMs', 'Succeeded', 'Failed', 'In progress'], c);
  for (const v of data.vaults) {
    t.push([v.subscriptionId, v.location, `${v.vaultResourceGroup}/${v.vaultName}`, v.protectedVms, v.jobs24h.succeeded, v.jobs24h.failed > 0 ? c.red(String(v.jobs24h.failed)) : '0', v.jobs24h.inProgress]);
  }
  const s = data.totals;
  t.push([c.bold('Estate'), '', plural(s.vaults, 'vault'), c.bold(String(s.protectedVms)), s.jobs24h.succeeded, s.jobs24h.failed, s.jobs24h.inProgress]);
  const cov = data.coverage;
  const coverage = cov
    ? [
        '',
        `Coverage: ${plural(cov.inScope, 'VM')} in scope: ${cov.protected} protected, ${cov.declaredUnprotected} declared but not yet protected, ${cov.exempt} exempt, ` +
          (cov.uncovered > 0 ? c.red(`${cov.uncovered} uncovered`) : '0 uncovered') +
          '.',
      ]
    : [];
  const settings = data.vaults.flatMap((v) => (v.settings ? [`  ${v.vaultResourceGroup}/${v.vaultName}: ${describeVaultSettings(v.settings)}`] : []));
  return [
    c.bold(`Backup dashboard: estate of ${plural(s.vaults, 'vault')}, ${shortTime(data.generatedAt)}`),
    '',
    'Jobs are those of the last 24 hours.',
    t.toString(),
    ...(settings.length > 0 ? ['Vault settings:', ...settings] : []),
    ...coverage,
    '',
  ].join('\n');
}
