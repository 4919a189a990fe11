// Every format over a real world: the demo fleet on the embedded emulator, applied, a day of backups,
// then a policy changed and a VM moved to another policy out of band.
import { XMLParser } from 'fast-xml-parser';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan } from '../../provider/apply/index.js';
import { policyToAzure, putPolicy, putProtectedItem } from '../../provider/azure/index.js';
import { policyArmId, vmArmId, vmContainerName, vmProtectedItemName, type DashboardData, type DriftReport, type Plan, type ResolvedSpec } from '../../provider/core/index.js';
import { observe } from '../../provider/discovery/index.js';
import { buildDashboard, detectDrift } from '../../provider/drift/index.js';
import { planProtection } from '../../provider/plan/index.js';
import { DRIFT_RULES, renderDashboard, renderDrift, renderPlan } from '../../provider/render/index.js';
import { resolveSpecFile } from '../../provider/spec/index.js';
import { openEmulatorState } from '../../emulator/index.js';
import { openTestTarget, WEU, type TestTarget } from '../discovery/harness.js';
import { launchChromium, watchPage } from './browser.js';
import { sarifMultitoolValidate, sarifSchemaErrors, writeArtifact } from './helpers.js';

const SPEC = 'examples/spec.yaml';
let t: TestTarget;
let spec: ResolvedSpec;
let plan: Plan;
let report: DriftReport;
let dashboard: DashboardData;

beforeAll(async () => {
  const resolved = await resolveSpecFile(SPEC);
  spec = resolved.spec!;
  t = await openTestTarget();
  await applyPlan(t.target, planProtection(spec, await observe(t.target, WEU, { refresh: true })));

  const clock = openEmulatorState(t.stateDir);
  clock.advance(26 * 3_600_000);
  clock.close();

  const daily = spec.policies.find((p) => p.name === 'daily-1000')!;
  await putPolicy(t.target, WEU, 'daily-1000', policyToAzure({ ...daily, retention: { dailyDays: 20 } }));
  const vaultId = `/subscriptions/${spec.target.subscriptionId}/resourceGroups/${WEU.resourceGroup}/providers/Microsoft.RecoveryServices/vaults/${WEU.name}`;
  await putProtectedItem(t.target, WEU, vmContainerName('rg-app', 'app-01'), vmProtectedItemName('rg-app', 'app-01'), {
    properties: {
      protectedItemType: 'Microsoft.Compute/virtualMachines',
      sourceResourceId: vmArmId(spec.target.subscriptionId, 'rg-app', 'app-01'),
      policyId: policyArmId(vaultId, 'weekly-0600'),
    },
  } as never);

  const obs = await observe(t.target, WEU, { refresh: false, recoveryPoints: true });
  plan = planProtection(spec, obs);
  report = detectDrift(spec, obs);
  dashboard = buildDashboard(obs, report);
}, 120_000);

afterAll(async () => {
  await t?.close();
});

/** "category subject" for each finding, as each format states it. */
const key = (category: string, subject: string) => `${category} ${subject}`;
const titleToCategory = new Map(Object.entries(DRIFT_RULES).map(([c, r]) => [r.title, c]));

describe('drift formats over the emulator', () => {
  it('sees the out-of-band changes', () => {
    const found = report.findings.map((f) => key(f.category, f.subject.name));
    expect(found).toContain('policyChanged daily-1000');
    expect(found).toContain('wrongPolicy app-01');
  });

  it('text, markdown, SARIF and JUnit report the same findings as the JSON', () => {
    const expected = report.findings.map((f) => key(f.category, f.subject.kind === 'vm' ? `VM ${f.subject.resourceGroup}/${f.subject.name}` : `policy ${f.subject.name}`)).sort();

    const text = renderDrift(report, 'text');
    const fromText: string[] = [];
    let category = '';
    for (const line of text.split('\n')) {
      const heading = /^(.+) \(\d+\)$/.exec(line);
      if (heading && titleToCategory.has(heading[1])) category = titleToCategory.get(heading[1])!;
      const item = /^ {2}✗ (.+?)(?: {2}\S+:\d+:\d+)?$/.exec(line);
      if (item) fromText.push(key(category, item[1]));
    }

    const md = renderDrift(report, 'markdown');
    const fromMarkdown = md.split('\n### ').slice(1).flatMap((section) => {
      const c = titleToCategory.get(section.split('\n')[0].replace(/ \(\d+\)$/, ''))!;
      return section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Subject') && !l.startsWith('| ---')).map((l) => key(c, l.split(' | ')[0].slice(2)));
    });

    const sarif = renderDrift(report, 'sarif');
    const fromSarif = JSON.parse(sarif).runs[0].results.map((r: any) => key(r.ruleId.replace('drift/', ''), r.properties.subject));

    const junit = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => n === 'testcase' }).parse(renderDrift(report, 'junit'));
    const fromJunit = junit.testsuites.testsuite.testcase.flatMap((c: any) =>
      c.failure
        ? String(c.failure['#text']).split('\n\n').map((block) => {
            const m = /^\[(.+?)\] (.+?): /.exec(block)!;
            return key(titleToCategory.get(m[1])!, m[2]);
          })
        : [],
    );

    expect(fromText.sort()).toEqual(expected);
    expect(fromMarkdown.sort()).toEqual(expected);
    expect(fromSarif.sort()).toEqual(expected);
    expect(fromJunit.sort()).toEqual(expected);
  });

  it('the SARIF validates and points at lines of the spec file', () => {
    const text = renderDrift(report, 'sarif');
    expect(sarifMultitoolValidate(writeArtifact('emulator-drift.sarif', text))).toEqual([]);
    expect(sarifSchemaErrors(text)).toEqual([]);
    const changed = JSON.parse(text).runs[0].results.find((r: any) => r.ruleId === 'drift/policyChanged');
    const where = changed.locations[0].physicalLocation;
    expect(where.artifactLocation.uri).toBe(SPEC);
    expect(where.region.startLine).toBe(spec.policies.find((p) => p.name === 'daily-1000')!.source!.line);
  });

  it('the plan SARIF validates, with a result per pre-flight finding of the blocked actions', () => {
    const text = renderPlan(plan, 'sarif');
    expect(sarifMultitoolValidate(writeArtifact('emulator-plan.sarif', text))).toEqual([]);
    const blockedFindings = plan.actions.flatMap((a) => a.blockedBy);
    expect(blockedFindings.length).toBeGreaterThan(0);
    expect(JSON.parse(text).runs[0].results).toHaveLength(blockedFindings.length);
    expect(renderPlan(plan, 'text')).toContain(`Plan: ${plan.summary.toApply} to apply, ${plan.summary.blocked} blocked.`);
  });
});

describe('dashboard over the emulator', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('the page shows the counts the JSON prints', async () => {
    const json = JSON.parse(renderDashboard(dashboard, 'json')) as DashboardData;
    expect(json.jobs24h.jobs.length).toBeGreaterThan(0);
    const file = writeArtifact('emulator-dashboard.html', renderDashboard(dashboard, 'html'));
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const watch = watchPage(page);
    await page.goto(`file://${file}`);
    const count = (id: string) => page.getByTestId(id).innerText();
    expect(await count('count-protected')).toBe(String(json.protectedVms.total));
    expect(await count('count-succeeded')).toBe(String(json.jobs24h.succeeded));
    expect(await count('count-failed')).toBe(String(json.jobs24h.failed));
    expect(await count('count-inProgress')).toBe(String(json.jobs24h.inProgress));
    expect(await count('count-drift')).toBe(String(json.drift!.findings));
    expect(await page.getByTestId('job-row').count()).toBe(json.jobs24h.jobs.length);
    expect(await page.getByTestId('rp-row').count()).toBe(json.recoveryPoints.length);
    await page.screenshot({ path: 'test-artifacts/dashboard-emulator.png', fullPage: true });
    expect(watch.problems).toEqual([]);
    await page.close();
  });
});
