// An estate's dashboard page in a real headless Chromium: totals, coverage with the exemptions' reasons,
// one row per vault with the command that opens its own dashboard, and nothing loaded but the page itself.
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EstateDashboard } from '../../provider/core/index.js';
import { renderEstateDashboard } from '../../provider/render/index.js';
import { launchChromium, watchPage, type PageWatch } from './browser.js';
import { SUB } from './fixtures.js';
import { writeArtifact } from './helpers.js';

const OTHER = '0b6f2c1d-9e8a-4f3b-8c7d-112233445566';

const estate: EstateDashboard = {
  generatedAt: '2026-11-30T10:00:00.000Z',
  vaults: [
    { subscriptionId: SUB, location: 'westeurope', vaultResourceGroup: 'rg-backup', vaultName: 'vault-weu', protectedVms: 6, jobs24h: { succeeded: 5, failed: 1, inProgress: 0 } },
    { subscriptionId: OTHER, location: 'northeurope', vaultResourceGroup: 'rg-backup-ne', vaultName: 'vault-neu', protectedVms: 2, jobs24h: { succeeded: 2, failed: 0, inProgress: 1 } },
  ],
  totals: { vaults: 2, protectedVms: 8, jobs24h: { succeeded: 7, failed: 1, inProgress: 1 } },
  coverage: {
    inScope: 23,
    protected: 8,
    declaredUnprotected: 1,
    exempt: 12,
    uncovered: 2,
    exemptions: [{ id: `/subscriptions/${SUB}/resourceGroups/rg-dev/providers/Microsoft.Compute/virtualMachines/dev-01`, name: 'dev-01', resourceGroup: 'rg-dev', reason: 'rebuilt from images <in minutes>' }],
  },
};

let browser: Browser;
let page: Page;
let watch: PageWatch;

beforeAll(async () => {
  browser = await launchChromium();
  const file = writeArtifact('estate-dashboard.html', renderEstateDashboard(estate, 'html', { specFile: 'estate.yaml' }));
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  watch = watchPage(page);
  await page.goto(pathToFileURL(file).href);
  await page.getByTestId('estate-dashboard').waitFor();
  await page.screenshot({ path: writeArtifact('estate-dashboard.png', ''), fullPage: true });
});
afterAll(async () => {
  await browser?.close();
});

const text = (testId: string) => page.getByTestId(testId).first().innerText();

describe('the estate dashboard page', () => {
  it('loads nothing but itself and logs no error', () => {
    expect(watch.requests).toHaveLength(1);
    expect(watch.problems).toEqual([]);
  });

  it('shows the estate totals and the scope coverage, uncovered VMs marked', async () => {
    expect(await text('estate-vaults')).toBe('2 vaults');
    expect(await text('total-protected')).toContain('8');
    expect(await text('total-failed')).toContain('1');
    expect(await text('coverage-in-scope')).toContain('23');
    expect(await text('coverage-uncovered')).toContain('2');
    expect(await page.getByTestId('coverage-uncovered').getAttribute('class')).toContain('bad');
    expect(await text('coverage-declared')).toContain('1');
  });

  it('gives each exemption its reason, escaped', async () => {
    const rows = await page.getByTestId('exemption-row').allInnerTexts();
    expect(rows).toEqual(['rg-dev/dev-01\trebuilt from images <in minutes>']);
  });

  it('has one row per vault by subscription and region, each with its drill-down command, and the estate total', async () => {
    const rows = await page.getByTestId('vault-row').allInnerTexts();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain(SUB);
    expect(rows[0]).toContain('westeurope');
    expect(rows[1]).toContain('rg-backup-ne/vault-neu');
    expect(rows[1]).toContain('vmbackup dashboard -f estate.yaml --vault rg-backup-ne/vault-neu --format html');
    expect((await text('estate-total')).split('\t').map((s) => s.trim()).filter(Boolean)).toEqual(['Estate', '8', '7', '1', '1']);
  });
});
