import { afterEach, describe, expect, it } from 'vitest';
import { DASHBOARD_JSON_PATH, serveDashboard, type DashboardServer } from '../../provider/cli/serveDashboard.js';
import type { DashboardData } from '../../provider/core/index.js';
import { jobGroup, renderDashboard } from '../../provider/render/index.js';
import { dashboardFixture } from './fixtures.js';

describe('renderDashboard text', () => {
  const text = renderDashboard(dashboardFixture(), 'text');

  it.each([
    { reason: 'the vault and the time', line: /^Backup dashboard: vault vault-weu \(westeurope\), 2026-11-25 10:00 UTC$/m },
    { reason: 'the protected total', line: /^Protected VMs: 7$/m },
    { reason: 'protected VMs by state, most first', line: /│ Protected +│ 4 +│\n│ IRPending +│ 1 +│/ },
    { reason: 'jobs of the last 24 hours by status', line: /│ Succeeded │ Failed │ In progress │\n│ 4 +│ 2 +│ 1 +│/ },
    { reason: 'each failed job with its error code', line: /✗ rg-web\/web-01 {2}Backup {2}2026-11-25 04:00 UTC\n {6}BackUpOperationFailed: Snapshot operation failed due to timeout\./ },
    { reason: 'and its remedies', line: /^ {6}Remedy: Ensure the VM has network access to Azure\.$/m },
    { reason: "recovery points by consistency per VM, Azure's AppConsistent in the application column", line: /│ rg-data\/db-01 +│ 4 +│ 3 +│ 1 +│ 0 +│ 2026-11-23 10:00 UTC │ AppConsistent +│/ },
    { reason: 'the drift summary', line: /^Drift: 4 findings \(1 declared but unprotected, 2 last backup failed, 1 wrong policy\)\.$/m },
  ])('shows $reason', ({ line }) => {
    expect(text).toMatch(line);
  });

  it('lists a job that completed with a warning, with its code and remedy, apart from the failed ones', () => {
    const data = dashboardFixture();
    const warning = { code: 'ExtensionFailedVssWriterInBadState', message: 'VSS writers were in a bad state.', recommendations: ['Restart the VSS writers.'] };
    const jobs = data.jobs24h.jobs.map((j) => (j.status === 'CompletedWithWarnings' ? { ...j, errors: [warning] } : j));
    const text = renderDashboard({ ...data, jobs24h: { ...data.jobs24h, jobs } }, 'text');
    expect(text).toMatch(/\nJobs with warnings:\n {2}! rg-data\/db-01 {2}Backup {2}2026-11-25 02:00 UTC\n {6}ExtensionFailedVssWriterInBadState: VSS writers were in a bad state\.\n {6}Remedy: Restart the VSS writers\.\n/);
    expect(renderDashboard(data, 'text')).not.toContain('Jobs with warnings');
  });

  it('tells apart two VMs of one name by resource group, and shows a job without a VM id by its name', () => {
    const data = dashboardFixture();
    const dbJob = data.jobs24h.jobs.find((j) => j.vmName === 'db-01')!;
    const drJob = { ...dbJob, id: `${dbJob.id}-dr`, status: 'Failed', vmId: dbJob.vmId!.replace('/rg-data/', '/rg-data-dr/'), errors: [{ code: 'BackUpOperationFailed', message: 'failed.', recommendations: [] }] };
    const drPoints = { ...data.recoveryPoints[2], vmId: data.recoveryPoints[2].vmId.replace('/rg-data/', '/rg-data-dr/') };
    const text = renderDashboard({ ...data, jobs24h: { ...data.jobs24h, jobs: [...data.jobs24h.jobs, drJob] }, recoveryPoints: [...data.recoveryPoints, drPoints] }, 'text');
    expect(drPoints.vmName).toBe('db-01');
    expect(text).toMatch(/^ {2}✗ rg-data-dr\/db-01 {2}Backup /m);
    expect(text).toMatch(/^│ rg-data\/db-01 +│ 4 +│/m);
    expect(text).toMatch(/^│ rg-data-dr\/db-01 +│ 4 +│/m);
    expect(data.jobs24h.jobs.find((j) => j.vmName === 'dev-01')?.vmId).toBeUndefined();
    expect(renderDashboard({ ...data, jobs24h: { ...data.jobs24h, jobs: data.jobs24h.jobs.map((j) => (j.vmName === 'dev-01' ? { ...j, status: 'Failed' } : j)) } }, 'text'))
      .toMatch(/^ {2}✗ dev-01 {2}Backup /m);
  });

  it('counts an application-consistent point whichever spelling reported it', () => {
    const data = dashboardFixture();
    const spelledOut = { ...data, recoveryPoints: [{ ...data.recoveryPoints[0], points: data.recoveryPoints[0].points.map((p) => ({ ...p, consistency: p.consistency.replace('AppConsistent', 'ApplicationConsistent') })) }] };
    expect(spelledOut.recoveryPoints[0].points[0].consistency).toBe('ApplicationConsistent');
    expect(renderDashboard(spelledOut, 'text')).toMatch(/│ rg-web\/web-01 +│ 3 +│ 2 +│ 0 +│ 1 +│ 2026-11-22 10:00 UTC │ CrashConsistent +│/);
  });

  it.each([
    { reason: 'no drift data means not checked', drift: undefined, line: 'Drift: not checked' },
    { reason: 'an in-sync summary', drift: { inSync: true, byCategory: {}, findings: 0 }, line: 'Drift: in sync.' },
  ])('says $reason', ({ drift, line }) => {
    expect(renderDashboard({ ...dashboardFixture(), drift }, 'text')).toContain(line);
  });
});

describe('renderDashboard json', () => {
  it('is the dashboard data itself', () => {
    expect(JSON.parse(renderDashboard(dashboardFixture(), 'json'))).toEqual(dashboardFixture());
  });
});

describe('renderDashboard html', () => {
  const html = renderDashboard(dashboardFixture(), 'html');
  const embedded = (page: string, id: string) => JSON.parse(page.split(`<script type="application/json" id="${id}">`)[1].split('</script>')[0]);

  it('is one page that loads nothing from elsewhere', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+rel="stylesheet"/i);
    expect([...html.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1].slice(0, 5))).toEqual(['data:', '#jobs']);
  });

  it('carries the data it was given, and no live URL unless asked', () => {
    expect(embedded(html, 'dashboard-data')).toEqual(dashboardFixture());
    expect(embedded(html, 'dashboard-config')).toMatchObject({ liveUrl: null, refreshSeconds: 30 });
    const live = renderDashboard(dashboardFixture(), 'html', { liveUrl: '/api/dashboard.json', refreshSeconds: 5 });
    expect(embedded(live, 'dashboard-config')).toMatchObject({ liveUrl: '/api/dashboard.json', refreshSeconds: 5 });
  });

  it('cannot be broken out of by data that looks like markup', () => {
    const hostile = { ...dashboardFixture(), vault: { ...dashboardFixture().vault, name: '</script><script>alert(1)</script>' } };
    const page = renderDashboard(hostile, 'html');
    expect(page.match(/<\/script>/g)).toHaveLength(3);
    expect(embedded(page, 'dashboard-data').vault.name).toBe(hostile.vault.name);
    expect(page).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});

describe('jobGroup', () => {
  it.each([
    { reason: 'completed is a success', status: 'Completed', group: 'succeeded' },
    { reason: 'warnings still produced a backup', status: 'CompletedWithWarnings', group: 'succeeded' },
    { reason: 'failed', status: 'Failed', group: 'failed' },
    { reason: 'running', status: 'InProgress', group: 'inProgress' },
    { reason: 'cancelling is still running', status: 'Cancelling', group: 'inProgress' },
    { reason: 'cancelled jobs are neither', status: 'Cancelled', group: 'other' },
  ])('$reason', ({ status, group }) => {
    expect(jobGroup(status)).toBe(group);
  });
});

describe('serveDashboard', () => {
  let server: DashboardServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('serves the live page and the JSON it polls, on loopback', async () => {
    server = await serveDashboard({ load: async () => dashboardFixture(), refreshSeconds: 7 });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(server.url);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    const html = await page.text();
    expect(html).toContain(`"liveUrl":"${DASHBOARD_JSON_PATH}","refreshSeconds":7`);
    const data = await fetch(new URL(DASHBOARD_JSON_PATH, server.url));
    expect(data.headers.get('cache-control')).toBe('no-store');
    expect(await data.json()).toEqual(dashboardFixture());
  });

  it.each([
    { reason: 'an unknown path is 404', method: 'GET', path: '/nope', status: 404 },
    { reason: 'writes are refused', method: 'POST', path: DASHBOARD_JSON_PATH, status: 405 },
    { reason: 'HEAD is answered', method: 'HEAD', path: DASHBOARD_JSON_PATH, status: 200 },
  ])('$reason', async ({ method, path, status }) => {
    server = await serveDashboard({ load: async () => dashboardFixture() });
    const res = await fetch(new URL(path, server.url), { method });
    expect(res.status).toBe(status);
  });

  it('answers 502 with the reason when the world cannot be read', async () => {
    server = await serveDashboard({
      load: async () => {
        throw new Error('UserErrorDiscoveryInProgress: another discovery is running');
      },
    });
    const res = await fetch(new URL(DASHBOARD_JSON_PATH, server.url));
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({ error: { code: 'DashboardLoadFailed', message: 'UserErrorDiscoveryInProgress: another discovery is running' } });
  });

  it('shares one read of the world between concurrent polls', async () => {
    let calls = 0;
    let release!: (d: DashboardData) => void;
    server = await serveDashboard({
      load: () => {
        calls += 1;
        return new Promise<DashboardData>((resolve) => (release = resolve));
      },
    });
    const url = new URL(DASHBOARD_JSON_PATH, server.url);
    const both = Promise.all([fetch(url), fetch(url)]);
    await expect.poll(() => calls).toBe(1);
    await new Promise((r) => setTimeout(r, 200));
    release(dashboardFixture());
    const answers = await both;
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(calls).toBe(1);
  });
});
