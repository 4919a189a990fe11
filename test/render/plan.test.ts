import { resolve } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { PlannedAction } from '../../provider/core/index.js';
import { actionSymbol, PREFLIGHT_CODES, renderPlan } from '../../provider/render/index.js';
import { emptyPlan, planFixture, SPEC_FILE } from './fixtures.js';
import { sarifMultitoolValidate, sarifSchemaErrors, writeArtifact } from './helpers.js';

// eslint-disable-next-line no-control-regex -- an ANSI escape starts with ESC
const ANSI = /\u001b\[/;

describe('renderPlan text', () => {
  const text = renderPlan(planFixture(), 'text');

  it.each([
    { reason: 'a policy to create is an addition', line: /^ {2}\+ createPolicy +policy daily-10$/m },
    { reason: 'a policy update is a change, with the setting that changes', line: /^ {2}~ updatePolicy +policy weekly-06\n.*\n {6}~ retention\.dailyDays: 7 -> 14$/m },
    { reason: 'register is an addition', line: /^ {2}\+ register +VM rg-web\/web-01$/m },
    { reason: 'protect names the policy', line: /^ {2}\+ protect +VM rg-web\/web-01 with policy daily-10$/m },
    { reason: 'changePolicy shows from and to', line: /^ {2}~ changePolicy +VM rg-app\/app-01: policy weekly-06 -> daily-10$/m },
    { reason: 'stop protection says the data is retained', line: /^ {2}- stopProtection +VM rg-dev\/dev-01 \(backup data retained\)$/m },
    { reason: 'a blocked action is marked !', line: /^ {2}! protect +VM rg-legacy\/legacy-01 with policy daily-10$/m },
    { reason: 'each action carries its reason', line: /^ {6}# declared by rule legacy$/m },
    { reason: 'a blocked action lists its finding with the Azure code', line: /blocked: AgentMissing \(UserErrorGuestAgentStatusUnavailable\): The VM agent is not installed on legacy-01\./ },
    { reason: "and the finding's remedy", line: /^ {8}Remedy: Install the Azure VM agent \(Windows: the MSI from the agent page\), then run vmbackup apply again\.$/m },
    { reason: 'every finding of an action is listed', line: /blocked: VmNotRunning: premium-01 is deallocated\.\n {8}Remedy: Start the VM\./ },
    { reason: 'the closing summary comes from the plan', line: /\nPlan: 6 to apply, 2 blocked\.\n$/ },
  ])('$reason', ({ line }) => {
    expect(text).toMatch(line);
  });

  it('prints no colour unless asked, and colour when asked', () => {
    expect(text).not.toMatch(ANSI);
    expect(renderPlan(planFixture(), 'text', { color: true })).toMatch(ANSI);
  });

  it('an unregister says it deletes no backup data', () => {
    const unregister: PlannedAction = {
      id: 'unregister:x', kind: 'unregister', target: { vmId: 'x', vmName: 'web-01', resourceGroup: 'rg-web', containerName: 'IaasVMContainer;iaasvmcontainerv2;rg-web;web-01' },
      reason: 'stopProtection entry for VM web-01', dependsOn: [], blockedBy: [],
    };
    const plan = { ...emptyPlan(), actions: [unregister], summary: { toApply: 1, blocked: 0, byKind: { unregister: 1 } } };
    expect(renderPlan(plan, 'text')).toMatch(/^ {2}- unregister VM rg-web\/web-01 from the vault \(no backup data deleted\)$/m);
  });

  it('says so when there is nothing to do', () => {
    const empty = renderPlan(emptyPlan(), 'text');
    expect(empty).toContain('No changes: the vault matches the spec.');
    expect(empty).toMatch(/Plan: 0 to apply, 0 blocked\.\n$/);
  });

  it.each([
    { reason: 'additions', kind: 'protect', blocked: false, symbol: '+' },
    { reason: 'changes', kind: 'updatePolicy', blocked: false, symbol: '~' },
    { reason: 'stops', kind: 'stopProtectionDeleteData', blocked: false, symbol: '-' },
    { reason: 'unregistering', kind: 'unregister', blocked: false, symbol: '-' },
    { reason: 'blocked wins over the kind', kind: 'register', blocked: true, symbol: '!' },
  ] as const)('symbol for $reason', ({ kind, blocked, symbol }) => {
    // The symbol reads only the kind and the findings.
    const a = {
      id: 'x',
      kind,
      target: {},
      reason: '',
      dependsOn: [],
      blockedBy: blocked ? [{ code: 'VmNotRunning', message: 'm', remedy: 'r' }] : [],
    } as unknown as PlannedAction;
    expect(actionSymbol(a)).toBe(symbol);
  });
});

describe('renderPlan json', () => {
  it('is the plan document itself', () => {
    expect(JSON.parse(renderPlan(planFixture(), 'json'))).toEqual(planFixture());
  });
});

describe('renderPlan markdown', () => {
  const md = renderPlan(planFixture(), 'markdown');
  const rows = (section: string) => md.split(section)[1].split('\n\n').find((block) => block.startsWith('|'))!.split('\n').filter(Boolean).slice(2);

  it('opens with a marker and a summary heading', () => {
    expect(md.split('\n').slice(0, 2)).toEqual(['<!-- vmbackup-plan -->', '## vmbackup plan: 6 to apply, 2 blocked']);
  });

  it('has a row per action with its symbol, and a row per blocking finding with its remedy', () => {
    expect(rows('### Actions')).toHaveLength(8);
    expect(rows('### Actions')[6]).toMatch(/^\| `!` \| protect \| VM rg-legacy\/legacy-01 with policy daily-10 \|/);
    const blocked = rows('### Blocked (2)');
    expect(blocked).toHaveLength(3);
    expect(blocked[0]).toContain('`AgentMissing` (`UserErrorGuestAgentStatusUnavailable`)');
    expect(blocked[0]).toMatch(/\| Install the Azure VM agent .* again\. \|$/);
  });

  it('escapes markup that GitHub would swallow', () => {
    expect(md).toContain('storage &lt;unsupported&gt; &amp; "ends"');
    expect(md).toContain('weekly-06 -&gt; daily-10');
  });

  it('says when there is nothing to do', () => {
    expect(renderPlan(emptyPlan(), 'markdown')).toContain('**No changes:** the vault matches the spec.');
  });
});

describe('renderPlan sarif', () => {
  const text = renderPlan(planFixture(), 'sarif', { baseDir: process.cwd() });
  const log = JSON.parse(text);
  const run = log.runs[0];

  it("passes Microsoft's validator, GitHub ingestion rules included", () => {
    const file = writeArtifact('plan.sarif', text);
    expect(sarifMultitoolValidate(file)).toEqual([]);
  });

  it('matches the SARIF 2.1.0 schema', () => {
    expect(sarifSchemaErrors(text)).toEqual([]);
  });

  it('declares one rule per pre-flight code, with help text and markdown', () => {
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(PREFLIGHT_CODES.map((c) => `preflight/${c}`));
    for (const rule of run.tool.driver.rules) {
      expect(rule.help.text.length).toBeGreaterThan(20);
      expect(rule.help.markdown).toContain('**Remedy:**');
    }
  });

  it('has a result per blocking finding, located at the action in the spec', () => {
    const results = run.results.map((r: any) => ({
      ruleId: r.ruleId,
      uri: r.locations[0].physicalLocation.artifactLocation.uri,
      line: r.locations[0].physicalLocation.region.startLine,
      col: r.locations[0].physicalLocation.region.startColumn,
    }));
    expect(results).toEqual([
      { ruleId: 'preflight/AgentMissing', uri: SPEC_FILE, line: 40, col: 9 },
      { ruleId: 'preflight/PremiumStorageUnsupported', uri: SPEC_FILE, line: 36, col: 9 },
      { ruleId: 'preflight/VmNotRunning', uri: SPEC_FILE, line: 36, col: 9 },
    ]);
    expect(run.results[0].message.text).toContain('Remedy: Install the Azure VM agent');
    const fingerprints = run.results.map((r: any) => r.partialFingerprints['vmbackupFinding/v1']);
    expect(new Set(fingerprints).size).toBe(3);
  });

  it.each([
    { reason: 'relative to a base directory above the spec', baseDir: resolve('examples'), uri: 'spec.yaml' },
    { reason: 'an absolute file URI when the spec lies outside the base', baseDir: resolve('provider'), uri: `file://${resolve(SPEC_FILE)}` },
  ])('artifact URI is $reason', ({ baseDir, uri }) => {
    const r = JSON.parse(renderPlan(planFixture(), 'sarif', { baseDir })).runs[0].results[0];
    expect(r.locations[0].physicalLocation.artifactLocation.uri).toBe(uri);
  });
});

describe('renderPlan junit', () => {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'testcase' || name === 'property' });

  it('has a case per action, failing where the action is blocked, with the remedy', () => {
    const xml = renderPlan(planFixture(), 'junit');
    writeArtifact('plan.junit.xml', xml);
    const suite = parser.parse(xml).testsuites.testsuite;
    expect(suite).toMatchObject({ tests: '8', failures: '2', errors: '0' });
    expect(suite.testcase).toHaveLength(8);
    const failing = suite.testcase.filter((c: any) => c.failure);
    expect(failing.map((c: any) => c.name)).toEqual(['protect VM rg-legacy/legacy-01 with policy daily-10', 'protect VM rg-app/premium-01 with policy daily-10']);
    expect(failing[0].failure.type).toBe('AgentMissing');
    expect(failing[0].failure['#text']).toContain('Remedy: Install the Azure VM agent');
    expect(failing[0]).toMatchObject({ file: SPEC_FILE, line: '40' });
  });

  it('keeps markup in messages as text', () => {
    const suite = parser.parse(renderPlan(planFixture(), 'junit')).testsuites.testsuite;
    const premium = suite.testcase.find((c: any) => c.name.includes('premium-01'));
    expect(premium.failure.message).toBe('2 problems: PremiumStorageUnsupported, VmNotRunning');
    expect(premium.failure['#text']).toContain('premium-01 uses Premium_LRS storage <unsupported> & "ends" in an internal error.');
  });

  it('passes a plan with nothing to do', () => {
    const suite = parser.parse(renderPlan(emptyPlan(), 'junit')).testsuites.testsuite;
    expect(suite).toMatchObject({ tests: '1', failures: '0' });
  });
});
