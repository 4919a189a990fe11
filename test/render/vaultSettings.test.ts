// A vault setting that differs is a finding of its own in every drift view, at the spec line of the setting; the
// plan's vaultSettings action shows each change, and both documents pass their JSON Schemas.
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { vaultArmId, type DriftFinding, type Plan } from '../../provider/core/index.js';
import { renderDashboard, renderDrift, renderEstateDashboard, renderPlan } from '../../provider/render/index.js';
import { schemaValidator } from '../plan/schemaValidation.js';
import { dashboardFixture, driftFixture, SPEC_FILE } from './fixtures.js';
import { sarifSchemaErrors } from './helpers.js';

const SUB = '00000000-0000-0000-0000-000000000001';
const VAULT_ID = vaultArmId(SUB, 'rg-backup', 'vault-weu');
const finding: DriftFinding = {
  category: 'vaultSettings',
  subject: { kind: 'vault', id: VAULT_ID, name: 'vault-weu', resourceGroup: 'rg-backup' },
  message: 'vault rg-backup/vault-weu has softDelete off, the spec declares on',
  remedy: 'Run `vmbackup apply` to write the declared setting back.',
  expected: 'softDelete: on',
  actual: 'softDelete: off',
  source: { file: SPEC_FILE, line: 6, col: 17 },
};
const report = driftFixture([finding]);

describe('a vault setting in the drift views', () => {
  it('text: a heading of its own, the vault and the setting', () => {
    const text = renderDrift(report, 'text');
    expect(text).toMatch(/^Vault setting differs \(1\)$/m);
    expect(text).toMatch(/✗ vault rg-backup\/vault-weu {2}examples\/spec\.yaml:6:17/);
    expect(text).toMatch(/expected: softDelete: on {4}actual: softDelete: off/);
  });

  it('markdown: a section of its own', () => {
    const md = renderDrift(report, 'markdown');
    expect(md).toMatch(/^### Vault setting differs \(1\)$/m);
    expect(md).toContain('vault rg-backup/vault-weu');
  });

  it('SARIF: an error under its own rule at the line of the setting; the log passes the schema', () => {
    const text = renderDrift(report, 'sarif', { baseDir: process.cwd() });
    const result = JSON.parse(text).runs[0].results[0];
    expect([result.ruleId, result.level, result.locations[0].physicalLocation.region.startLine]).toEqual(['drift/vaultSettings', 'error', 6]);
    expect(sarifSchemaErrors(text)).toEqual([]);
  });

  it('JUnit: a failure on a case of the vault', () => {
    const junit = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'testcase' });
    const suite = junit.parse(renderDrift(report, 'junit')).testsuites.testsuite;
    const c = suite.testcase.find((t: { classname: string }) => t.classname === 'vmbackup.vault');
    expect([c.name, c.failure.type, c.line]).toEqual(['vault rg-backup/vault-weu', 'vaultSettings', '6']);
    expect(c.failure['#text']).toContain('Expected: softDelete: on');
  });

  it('JSON: the report passes the drift report schema', () => {
    expect(schemaValidator('drift-report.schema.json')(JSON.parse(renderDrift(report, 'json')))).toEqual([]);
  });
});

describe('a vaultSettings action in the plan views', () => {
  const plan: Plan = {
    formatVersion: 1,
    createdAt: '2026-11-25T10:00:00.000Z',
    spec: { file: SPEC_FILE, digest: 'sha256:0f1e2d' },
    target: { subscriptionId: SUB, vaultResourceGroup: 'rg-backup', vaultName: 'vault-weu' },
    stateFingerprint: 'f'.repeat(64),
    actions: [
      {
        id: `vaultSettings:${VAULT_ID}`,
        kind: 'vaultSettings',
        target: {},
        changes: [
          { setting: 'crossRegionRestore', from: false, to: true, weakens: false },
          { setting: 'softDelete', from: 'on', to: 'off', weakens: true, source: { file: SPEC_FILE, line: 6, col: 17 } },
        ],
        reason: "vault rg-backup/vault-weu's settings differ from the spec",
        blockedBy: [],
        dependsOn: [],
        source: { file: SPEC_FILE, line: 6, col: 17 },
      },
    ],
    summary: { toApply: 1, blocked: 0, byKind: { vaultSettings: 1 } },
  };

  it('text: each change, the weaker one marked with the flag it needs', () => {
    const text = renderPlan(plan, 'text');
    expect(text).toMatch(/~ vaultSettings vault settings crossRegionRestore, softDelete/);
    expect(text).toMatch(/~ crossRegionRestore: false -> true$/m);
    expect(text).toMatch(/~ softDelete: on -> off \(weaker: needs --allow-weaker-vault-settings\)$/m);
  });

  it('JSON: the plan passes the plan schema, and a change of the wrong type does not', () => {
    const validate = schemaValidator('plan.schema.json');
    expect(validate(JSON.parse(renderPlan(plan, 'json')))).toEqual([]);
    const [action] = plan.actions;
    const wrong = { ...plan, actions: [{ ...action, changes: [{ setting: 'crossRegionRestore', from: 'no', to: 'yes', weakens: false }] }] };
    expect(validate(wrong)).not.toEqual([]);
  });
});

describe("the vault's settings on the dashboard", () => {
  const data = dashboardFixture();
  const withSettings = { ...data, vault: { ...data.vault, settings: { softDelete: 'alwaysOn', immutability: 'locked', storageRedundancy: 'ZoneRedundant', crossRegionRestore: false } as const } };
  const line = 'soft delete alwaysOn, immutability locked, storage ZoneRedundant, Cross Region Restore off';

  it('text and page show them under the vault; a vault that reports none shows no line', () => {
    expect(renderDashboard(withSettings, 'text')).toContain(`Vault settings: ${line}`);
    expect(renderDashboard(withSettings, 'html')).toContain(`<span data-testid="vault-settings">${line}</span>`);
    expect(renderDashboard(data, 'text')).not.toContain('Vault settings');
  });
});

describe("the vaults' settings on an estate dashboard", () => {
  it('one line per vault that reports them, under the table', () => {
    const jobs24h = { succeeded: 1, failed: 0, inProgress: 0 };
    const vault = { subscriptionId: SUB, location: 'westeurope', vaultResourceGroup: 'rg-backup', protectedVms: 1, jobs24h };
    const text = renderEstateDashboard(
      {
        generatedAt: '2026-11-25T10:00:00.000Z',
        vaults: [
          { ...vault, vaultName: 'vault-weu', settings: { softDelete: 'on', immutability: 'unlocked', storageRedundancy: 'GeoRedundant', crossRegionRestore: true } },
          { ...vault, vaultName: 'vault-old' },
        ],
        totals: { vaults: 2, protectedVms: 2, jobs24h },
      },
      'text',
    );
    expect(text).toMatch(/^Vault settings:\n {2}rg-backup\/vault-weu: soft delete on, immutability unlocked, storage GeoRedundant, Cross Region Restore on\n$/m);
    expect(text).not.toContain('vault-old:');
  });
});
