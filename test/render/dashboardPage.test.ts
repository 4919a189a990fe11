// The dashboard page in a real headless Chromium: counts, drill-down, live refresh, and a screenshot.
import { mkdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDashboard } from '../../provider/cli/serveDashboard.js';
import type { DashboardData } from '../../provider/core/index.js';
import { jobGroup, renderDashboard } from '../../provider/render/index.js';
import { launchChromium, watchPage, type PageWatch } from './browser.js';
import { dashboardFixture } from './fixtures.js';
import { writeArtifact } from './helpers.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

async function open(url: string): Promise<{ page: Page; watch: PageWatch }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const watch = watchPage(page);
  await page.goto(url);
  await page.getByTestId('count-protected').waitFor();
  return { page, watch };
}

const text = (page: Page, testId: string) => page.getByTestId(testId).first().innerText();
const rowGroups = (page: Page) => page.getByTestId('job-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-group')));

describe('dashboard page from a file', () => {
  const data = dashboardFixture();
  let page: Page;
  let watch: PageWatch;

  beforeAll(async () => {
    const file = writeArtifact('dashboard.html', renderDashboard(data, 'html'));
    ({ page, watch } = await open(pathToFileURL(file).href));
  });
  afterAll(async () => {
    await page?.close();
  });

  it('loads nothing but itself and logs no error', () => {
    expect(watch.requests).toHaveLength(1);
    expect(watch.problems).toEqual([]);
  });

  it.each([
    { reason: 'protected VMs', testId: 'count-protected', value: (d: DashboardData) => d.protectedVms.total },
    { reason: 'succeeded jobs', testId: 'count-succeeded', value: (d: DashboardData) => d.jobs24h.succeeded },
    { reason: 'failed jobs', testId: 'count-failed', value: (d: DashboardData) => d.jobs24h.failed },
    { reason: 'jobs in progress', testId: 'count-inProgress', value: (d: DashboardData) => d.jobs24h.inProgress },
    { reason: 'drift findings', testId: 'count-drift', value: (d: DashboardData) => d.drift!.findings },
  ])('the card of $reason shows the JSON figure', async ({ testId, value }) => {
    expect(await text(page, testId)).toBe(String(value(data)));
  });

  it('draws protection states as a doughnut with a legend of the same counts', async () => {
    const legend = await page.getByTestId('state-legend-item').evaluateAll((items) => items.map((i) => [i.getAttribute('data-state'), Number(i.getAttribute('data-count'))]));
    expect(Object.fromEntries(legend)).toEqual(data.protectedVms.byState);
    expect(await page.getByTestId('donut-segment').count()).toBe(Object.keys(data.protectedVms.byState).length);
    expect(await page.getByTestId('chart-protection').getAttribute('aria-label')).toContain('Protected 4');
  });

  it('draws a bar per job status with the JSON figures', async () => {
    for (const [id, n] of [['succeeded', data.jobs24h.succeeded], ['failed', data.jobs24h.failed], ['inProgress', data.jobs24h.inProgress]] as const) {
      expect(await page.getByTestId(`bar-${id}`).innerText()).toMatch(new RegExp(`${n}$`));
    }
  });

  it.each([
    { reason: 'the failed card lists the failed jobs', click: 'card-failed', group: 'failed' },
    { reason: 'the succeeded bar lists the succeeded jobs', click: 'bar-succeeded', group: 'succeeded' },
    { reason: 'the in-progress chip lists the running jobs', click: 'filter-inProgress', group: 'inProgress' },
    { reason: '"All" lists every job again', click: 'filter-all', group: undefined },
  ])('drill-down: $reason', async ({ click, group }) => {
    await page.getByTestId(click).click();
    const expected = data.jobs24h.jobs.filter((j) => group === undefined || jobGroup(j.status) === group).map((j) => jobGroup(j.status));
    expect((await rowGroups(page)).sort()).toEqual(expected.sort());
    expect(await text(page, 'jobs-count')).toMatch(new RegExp(`^Showing ${expected.length} of 8 jobs`));
  });

  it("drill-down: a failed job opens its error code, message and remedy", async () => {
    await page.getByTestId('card-failed').click();
    await page.locator('[data-testid="job-row"][data-job-id$="000000000005"]').click();
    expect(await text(page, 'job-details-title')).toBe('ConfigureBackup · rg-legacy/legacy-02');
    expect(await text(page, 'job-error-code')).toBe('UserErrorGuestAgentStatusUnavailable');
    expect(await text(page, 'job-error-message')).toBe('VM agent unable to communicate with Azure Backup <legacy-02>.');
    expect(await page.getByTestId('job-remedy').allInnerTexts()).toEqual([
      'Ensure the VM agent is installed and at least version 2.6.1198.718.',
      'Ensure the VM has network access to Azure.',
    ]);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('job-error-code').count()).toBe(0);
  });

  it('drill-down works from the keyboard too', async () => {
    await page.getByTestId('filter-all').click();
    await page.locator('[data-testid="job-row"][data-job-id$="000000000006"] [data-testid="job-open"]').focus();
    await page.keyboard.press('Enter');
    expect(await text(page, 'job-error-code')).toBe('BackUpOperationFailed');
    expect(await text(page, 'job-remedy')).toBe('Retry the backup after 15 minutes.');
  });

  it('shows recovery points per VM, by resource group and name, with the latest consistency', async () => {
    const rows = await page.getByTestId('rp-row').evaluateAll((trs) =>
      trs.map((tr) => [tr.querySelector('[data-testid="rp-vm"]')?.textContent, tr.querySelector('[data-testid="rp-latest"]')?.textContent]),
    );
    expect(rows).toEqual([
      ['rg-app/app-01', 'File-system-consistent'],
      ['rg-data/db-01', 'Application-consistent'],
      ['rg-web/web-01', 'Crash-consistent'],
    ]);
  });

  it("names each job's VM by resource group and name, and by name alone when the job gives no VM id", async () => {
    await page.getByTestId('filter-all').click();
    const vms = await page.getByTestId('job-vm').allInnerTexts();
    expect(vms).toHaveLength(data.jobs24h.jobs.length);
    expect(vms).toContain('rg-data/db-01');
    expect(vms).toContain('dev-01');
    expect(vms.filter((v) => v === 'rg-web/web-01')).toHaveLength(2);
  });

  it('summarises drift by category', async () => {
    const cats = await page.getByTestId('drift-category').evaluateAll((lis) => lis.map((li) => [li.getAttribute('data-category'), li.textContent]));
    expect(cats).toEqual([
      ['declaredUnprotected', 'Declared but unprotected1'],
      ['lastBackupFailed', 'Last backup failed2'],
      ['wrongPolicy', 'Wrong policy1'],
    ]);
  });

  it('fits 1280 pixels without horizontal scrolling, and keeps a screenshot', async () => {
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/dashboard.png', fullPage: true });
    expect(watch.problems).toEqual([]);
  });
});

describe('dashboard page with hostile data', () => {
  it('shows markup in names as text and runs none of it', async () => {
    const data = dashboardFixture();
    const name = '<img src=x onerror=alert(1)></script><script>alert(2)</script>';
    const hostile: DashboardData = {
      ...data,
      jobs24h: { ...data.jobs24h, jobs: data.jobs24h.jobs.map((j) => ({ ...j, vmName: name })) },
    };
    const file = writeArtifact('dashboard-hostile.html', renderDashboard(hostile, 'html'));
    const { page, watch } = await open(pathToFileURL(file).href);
    expect(await page.locator('[data-testid="job-row"] td:nth-child(3)').first().innerText()).toBe(`rg-app/${name}`);
    expect(await page.locator('img').count()).toBe(0);
    expect(watch.problems).toEqual([]);
    await page.close();
  });
});

describe('dashboard page served live', () => {
  it('refreshes itself when the served data changes, keeping the chosen filter', async () => {
    let current = dashboardFixture();
    let loads = 0;
    const server = await serveDashboard({
      refreshSeconds: 0.3,
      load: async () => {
        loads += 1;
        return current;
      },
    });
    try {
      const { page, watch } = await open(server.url);
      expect(await text(page, 'count-failed')).toBe('2');
      expect(await text(page, 'generated-at')).toContain('Live');
      await page.getByTestId('card-failed').click();

      const failedJob = { ...current.jobs24h.jobs[5], id: `${current.jobs24h.jobs[5].id}-2`, vmName: 'app-02', startTime: '2026-11-25T10:05:00.000Z' };
      current = {
        ...current,
        generatedAt: '2026-11-25T10:10:00.000Z',
        protectedVms: { total: 8, byState: { ...current.protectedVms.byState, Protected: 5 } },
        jobs24h: { ...current.jobs24h, failed: 3, jobs: [...current.jobs24h.jobs, failedJob] },
      };
      await expect.poll(() => text(page, 'count-failed'), { timeout: 10_000 }).toBe('3');
      expect(await text(page, 'count-protected')).toBe('8');
      expect(await rowGroups(page)).toEqual(['failed', 'failed', 'failed']);
      expect(await page.getByTestId('card-failed').getAttribute('aria-pressed')).toBe('true');
      expect(loads).toBeGreaterThanOrEqual(2);
      expect(watch.problems).toEqual([]);
      expect(new Set(watch.requests.map((u) => new URL(u).pathname))).toEqual(new Set(['/', '/api/dashboard.json']));
      await page.close();
    } finally {
      await server.close();
    }
  });

  it('says so when the server stops answering, without console errors of its own', async () => {
    const server = await serveDashboard({ refreshSeconds: 0.3, load: async () => dashboardFixture() });
    const { page, watch } = await open(server.url);
    await server.close();
    await expect.poll(() => text(page, 'generated-at'), { timeout: 10_000 }).toContain('update failed');
    expect(watch.problems.filter((p) => !p.startsWith('request failed') && !p.includes('ERR_CONNECTION_REFUSED'))).toEqual([]);
    await page.close();
  });
});
