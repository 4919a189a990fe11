import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { DriftFinding } from '../../provider/core/index.js';
import { DRIFT_CATEGORIES, renderDrift } from '../../provider/render/index.js';
import { driftFindings, driftFixture, SPEC_FILE } from './fixtures.js';
import { sarifMultitoolValidate, sarifSchemaErrors, writeArtifact } from './helpers.js';

const inSync = () => driftFixture([]);

describe('renderDrift text', () => {
  const text = renderDrift(driftFixture(), 'text');

  it.each([
    { reason: 'the header names the vault, the spec and what was checked', line: /^Drift report for vault rg-backup\/vault-weu \(spec examples\/spec\.yaml\): 4 declared VMs and 2 policies checked\.$/m },
    { reason: 'a heading per category with its count', line: /^Declared but unprotected \(1\)$/m },
    { reason: 'the subject with its spec location', line: /^ {2}✗ VM rg-web\/web-02 {2}examples\/spec\.yaml:30:9$/m },
    { reason: 'expected and actual', line: /^ {6}expected: daily-10 {4}actual: weekly-06$/m },
    { reason: 'the Azure error code behind a finding', line: /^ {6}Azure error code: UserErrorVmProvisioningStateFailed$/m },
    { reason: 'the remedy of each finding', line: /^ {6}Remedy: Add ops-01 to a rule, or list it under stopProtection\.$/m },
    { reason: 'policies are subjects too', line: /^ {2}✗ policy weekly-06 {2}examples\/spec\.yaml:16:5$/m },
    { reason: 'a closing count by category', line: /\nDrift: 6 findings \(1 declared but unprotected, 1 last backup failed, 1 recovery point overdue, 1 wrong policy, 1 policy changed out of band, 1 protected but undeclared\)\.\n$/ },
  ])('$reason', ({ line }) => {
    expect(text).toMatch(line);
  });

  it('lists every finding once', () => {
    expect(text.match(/^ {2}✗ /gm)).toHaveLength(driftFindings().length);
  });

  it('closes with "In sync." when nothing drifted', () => {
    expect(renderDrift(inSync(), 'text')).toMatch(/\nIn sync\.\n$/);
  });
});

describe('renderDrift json', () => {
  it('is the report itself', () => {
    expect(JSON.parse(renderDrift(driftFixture(), 'json'))).toEqual(driftFixture());
  });
});

describe('renderDrift markdown', () => {
  const md = renderDrift(driftFixture(), 'markdown');
  const sections = md.split('\n### ').slice(1);

  it('opens with a marker, a heading and a summary line', () => {
    const [marker, heading, , summary] = md.split('\n');
    expect(marker).toBe('<!-- vmbackup-drift-report -->');
    expect(heading).toBe('## vmbackup drift: 6 findings');
    expect(summary).toBe(':warning: **Drift found:** 6 findings in 6 categories. Vault `rg-backup/vault-weu`, spec `examples/spec.yaml`: 4 declared VMs and 2 policies checked.');
  });

  it('has a table per category, a row per finding, each with its remedy', () => {
    expect(sections.map((s) => s.split('\n')[0])).toEqual([
      'Declared but unprotected (1)',
      'Last backup failed (1)',
      'Recovery point overdue (1)',
      'Wrong policy (1)',
      'Policy changed out of band (1)',
      'Protected but undeclared (1)',
    ]);
    for (const s of sections) {
      const table = s.split('\n').filter((l) => l.startsWith('|'));
      expect(table[0]).toBe('| Subject | Finding | Expected | Actual | Remedy | Spec |');
      expect(table).toHaveLength(3);
    }
    for (const f of driftFindings()) expect(md).toContain(`| ${f.remedy} |`);
  });

  it('escapes pipes and markup inside cells', () => {
    expect(md).toContain('app-01 is protected with weekly-06 \\| not daily-10.');
    expect(md).toContain('failed &lt;snapshot timeout&gt; &amp; was not retried');
  });

  it('says "in sync" when nothing drifted', () => {
    const clean = renderDrift(inSync(), 'markdown');
    expect(clean).toContain('## vmbackup drift: in sync');
    expect(clean).not.toContain('### ');
  });
});

describe('renderDrift sarif', () => {
  const text = renderDrift(driftFixture(), 'sarif', { baseDir: process.cwd() });
  const run = JSON.parse(text).runs[0];

  it("passes Microsoft's validator, GitHub ingestion rules included", () => {
    const file = writeArtifact('drift.sarif', text);
    expect(sarifMultitoolValidate(file)).toEqual([]);
  });

  it('matches the SARIF 2.1.0 schema', () => {
    expect(sarifSchemaErrors(text)).toEqual([]);
  });

  it('the validators catch a broken log (so the two checks above can fail)', () => {
    const broken = JSON.parse(text);
    delete broken.runs[0].tool.driver.rules;
    delete broken.runs[0].results[0].locations;
    const file = writeArtifact('broken.sarif', JSON.stringify(broken));
    const issues = sarifMultitoolValidate(file);
    expect(issues.filter((i) => i.level === 'error').map((i) => i.ruleId)).toContain('GH1018');
    expect(sarifSchemaErrors(JSON.stringify({ ...broken, version: '2.0.0' }))).not.toEqual([]);
  });

  it('declares one rule per drift category with the remedy as help', () => {
    expect(run.tool.driver).toMatchObject({ name: 'vmbackup', version: expect.any(String), informationUri: expect.stringMatching(/^https:\/\//) });
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(DRIFT_CATEGORIES.map((c) => `drift/${c}`));
    const rule = run.tool.driver.rules.find((r: { id: string }) => r.id === 'drift/undeclaredProtected');
    expect(rule.help.text).toContain('Remedy: Add the VM to a rule of the spec');
    expect(rule.defaultConfiguration.level).toBe('warning');
  });

  it.each(
    driftFindings().map((f, i) => ({ reason: `${f.category} on ${f.subject.name}`, i, f })),
  )('result for $reason sits at its spec line with its level', ({ i, f }) => {
    const r = run.results[i];
    expect(r.ruleId).toBe(`drift/${f.category}`);
    expect(run.tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
    expect(r.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: SPEC_FILE },
      region: { startLine: f.source!.line, startColumn: f.source!.col },
    });
    expect(r.level).toBe(run.tool.driver.rules[r.ruleIndex].defaultConfiguration.level);
    expect(r.message.text).toContain(`Remedy: ${f.remedy}`);
  });

  it("falls back to the declared VM's line when a finding has no source", () => {
    const [first] = driftFindings();
    const { source: _dropped, ...noSource } = first;
    const r = JSON.parse(renderDrift(driftFixture([noSource as DriftFinding]), 'sarif')).runs[0].results[0];
    expect(r.locations[0].physicalLocation.region).toEqual({ startLine: 30, startColumn: 9 });
  });

  it('fingerprints are stable across runs and distinct per finding', () => {
    const again = JSON.parse(renderDrift({ ...driftFixture(), generatedAt: '2026-11-26T00:00:00.000Z' }, 'sarif')).runs[0];
    const prints = (results: any[]) => results.map((r) => r.partialFingerprints['vmbackupFinding/v1']);
    expect(prints(again.results)).toEqual(prints(run.results));
    expect(new Set(prints(run.results)).size).toBe(run.results.length);
    const twice = driftFixture([driftFindings()[0], { ...driftFindings()[0], message: 'again' }]);
    expect(new Set(prints(JSON.parse(renderDrift(twice, 'sarif')).runs[0].results)).size).toBe(2);
  });
});

describe('renderDrift junit', () => {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'testcase' || name === 'property' });
  const xml = renderDrift(driftFixture(), 'junit');
  const suite = parser.parse(xml).testsuites.testsuite;
  const byName = (name: string) => suite.testcase.find((c: any) => c.name === name);

  it('has a case per declared VM and policy, and one per undeclared subject', () => {
    writeArtifact('drift.junit.xml', xml);
    expect(suite).toMatchObject({ tests: '7', failures: '5', errors: '0', skipped: '0' });
    expect(suite.testcase.map((c: any) => `${c.classname} ${c.name}`)).toEqual([
      'vmbackup.vm rg-web/web-01',
      'vmbackup.vm rg-web/web-02',
      'vmbackup.vm rg-app/app-01',
      'vmbackup.vm rg-data/db-01',
      'vmbackup.policy daily-10',
      'vmbackup.policy weekly-06',
      'vmbackup.undeclared rg-ops/ops-01',
    ]);
  });

  it.each([
    { reason: 'an unprotected VM fails with the category and remedy', name: 'rg-web/web-02', type: 'declaredUnprotected', body: 'Remedy: Run vmbackup apply to protect it with daily-10.' },
    { reason: 'two findings on one VM fold into one failure', name: 'rg-web/web-01', type: 'multiple', body: 'Remedy: Fix the failed backups of web-01.' },
    { reason: 'markup in a message survives as text', name: 'rg-web/web-01', type: 'multiple', body: 'failed <snapshot timeout> & was not retried' },
    { reason: 'a changed policy fails', name: 'weekly-06', type: 'policyChanged', body: 'Expected: retention.dailyDays: 14\nActual: retention.dailyDays: 7' },
    { reason: 'an undeclared protection fails', name: 'rg-ops/ops-01', type: 'undeclaredProtected', body: 'Remedy: Add ops-01 to a rule' },
  ])('$reason', ({ name, type, body }) => {
    const c = byName(name);
    expect(c.failure.type).toBe(type);
    expect(c.failure['#text']).toContain(body);
  });

  it.each([
    { reason: 'a VM without drift passes', name: 'rg-data/db-01' },
    { reason: 'a policy without drift passes', name: 'daily-10' },
  ])('$reason', ({ name }) => {
    expect(byName(name)).toBeDefined();
    expect(byName(name).failure).toBeUndefined();
  });

  it('an in-sync report has only passing cases', () => {
    const clean = parser.parse(renderDrift(inSync(), 'junit')).testsuites.testsuite;
    expect(clean).toMatchObject({ tests: '6', failures: '0' });
  });
});

describe('a VM protected by another vault, in every format', () => {
  const finding: DriftFinding = {
    ...driftFindings()[0],
    category: 'protectedByOtherVault',
    message: 'VM rg-web/web-02 is declared with policy daily-10 in vault vault-weu but is protected by vault rg-backup-b/vault-b',
    remedy: 'Move it: delete its data there, wait for soft delete, unregister it there, then apply here.',
    actual: 'protected by vault rg-backup-b/vault-b',
    azureErrorCode: 'VirtualMachineAlreadyProtected',
  };
  const report = driftFixture([finding]);

  it('text: a heading of its own, the vault and the code', () => {
    const text = renderDrift(report, 'text');
    expect(text).toMatch(/^Protected by another vault \(1\)$/m);
    expect(text).toContain('actual: protected by vault rg-backup-b/vault-b');
    expect(text).toContain('Azure error code: VirtualMachineAlreadyProtected');
  });

  it('markdown: a section of its own', () => {
    expect(renderDrift(report, 'markdown')).toMatch(/^### Protected by another vault \(1\)$/m);
  });

  it('SARIF: an error under its own rule, and the log passes the schema', () => {
    const text = renderDrift(report, 'sarif', { baseDir: process.cwd() });
    const run = JSON.parse(text).runs[0];
    expect([run.results[0].ruleId, run.results[0].level]).toEqual(['drift/protectedByOtherVault', 'error']);
    expect(run.tool.driver.rules[run.results[0].ruleIndex].shortDescription.text).toBe('Protected by another vault');
    expect(sarifSchemaErrors(text)).toEqual([]);
  });

  it('JUnit: a failure of its type on the VM', () => {
    const junit = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'testcase' });
    const suite = junit.parse(renderDrift(report, 'junit')).testsuites.testsuite;
    const c = suite.testcase.find((t: { name: string }) => t.name === 'rg-web/web-02');
    expect(c.failure.type).toBe('protectedByOtherVault');
    expect(c.failure['#text']).toContain('Protected by another vault');
  });
});
