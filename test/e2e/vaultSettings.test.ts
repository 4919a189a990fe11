// The vault's own safety settings through the CLI on the emulator: declared, applied and clean; weakened out of
// band and reported as drift at the line of the setting; weakened by the spec only with the flag; and a redundancy
// change on a vault that protects items blocked at plan with Azure's code and the remedy.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import type { DriftReport, Plan, VaultSettingsAction } from '../../provider/core/index.js';
import { clientsFor, specProblems } from '../emulator/helpers.js';
import { DAILY_1000, DEMO_FLEET, DEMO_VAULT, requireBuild, runCli, specText, type CliResult } from './harness.js';

/** `settings:` continues the target (from line 5: softDelete is line 6), then a policy and a rule. */
function spec(settings: { softDelete: string; storageRedundancy: string; crossRegionRestore?: boolean }): string {
  return specText(
    `  settings:
    softDelete: ${settings.softDelete}
    immutability: unlocked
    storageRedundancy: ${settings.storageRedundancy}
${settings.crossRegionRestore === undefined ? '' : `    crossRegionRestore: ${settings.crossRegionRestore}\n`}policies:
${DAILY_1000}protect:
  - name: web
    policy: daily-1000
    vms: [{ resourceGroup: rg-web, name: web-01 }]
`,
  );
}

const SOFT_DELETE_LINE = 6;

describe("a vault's safety settings", () => {
  let dir: string;
  let emulator: RunningEmulator;
  const cli = (...args: string[]): Promise<CliResult> => runCli([...args, '--endpoint', emulator.endpoint, '--state', 'state'], dir);
  const both = (r: CliResult) => `${r.stdout}\n${r.stderr}`;

  beforeAll(async () => {
    requireBuild();
    dir = await mkdtemp(join(tmpdir(), 'vmbackup-vault-settings-'));
    emulator = await startEmulator({ stateDir: join(dir, 'state'), fleetFile: DEMO_FLEET, retryAfterSeconds: 0, operationDelayMs: 20 });
    await writeFile(join(dir, 'safe.yaml'), spec({ softDelete: 'on', storageRedundancy: 'GeoRedundant', crossRegionRestore: true }));
    await writeFile(join(dir, 'weaker.yaml'), spec({ softDelete: 'off', storageRedundancy: 'GeoRedundant', crossRegionRestore: true }));
    await writeFile(join(dir, 'local.yaml'), spec({ softDelete: 'on', storageRedundancy: 'LocallyRedundant' }));
  }, 60_000);
  afterAll(async () => {
    await emulator?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('are applied with the protection, then plan, drift and the dashboard agree', async () => {
    const plan = await cli('plan', '-f', 'safe.yaml', '--format', 'json');
    expect(plan.code, plan.stderr).toBe(2);
    const settings = (JSON.parse(plan.stdout) as Plan).actions[0] as VaultSettingsAction;
    expect(settings.kind).toBe('vaultSettings');
    expect(settings.changes.map((c) => [c.setting, c.from, c.to, c.weakens])).toEqual([
      ['crossRegionRestore', false, true, false],
      ['immutability', 'disabled', 'unlocked', false],
    ]);

    const apply = await cli('apply', '-f', 'safe.yaml', '--yes');
    expect(apply.code, both(apply)).toBe(0);
    expect(apply.stdout).toMatch(/done\s+vaultSettings/);

    expect((await cli('plan', '-f', 'safe.yaml')).code).toBe(0);
    const drift = await cli('drift', '-f', 'safe.yaml');
    expect(drift.code, drift.stdout).toBe(0);
    const dashboard = await cli('dashboard', '-f', 'safe.yaml', '--format', 'text');
    expect(dashboard.stdout).toContain('Vault settings: soft delete on, immutability unlocked, storage GeoRedundant, Cross Region Restore on');
  }, 180_000);

  it('weakened out of band, are drift at the line of the setting, in SARIF and JSON', async () => {
    const clients = clientsFor({ ...emulator, subscriptionId: emulator.subscriptionId });
    await clients.backup.backupResourceVaultConfigs.update(DEMO_VAULT.name, DEMO_VAULT.resourceGroup, { properties: { softDeleteFeatureState: 'Disabled' } });
    expect(specProblems).toEqual([]);

    const sarif = await cli('drift', '-f', 'safe.yaml', '--format', 'sarif');
    expect(sarif.code, sarif.stderr).toBe(2);
    const results = JSON.parse(sarif.stdout).runs[0].results as { ruleId: string; locations: { physicalLocation: { region: { startLine: number } } }[] }[];
    expect(results.map((r) => [r.ruleId, r.locations[0].physicalLocation.region.startLine])).toEqual([['drift/vaultSettings', SOFT_DELETE_LINE]]);

    const json = JSON.parse((await cli('drift', '-f', 'safe.yaml', '--format', 'json')).stdout) as DriftReport;
    expect(json.findings.map((f) => [f.category, f.subject.kind, f.expected, f.actual])).toEqual([['vaultSettings', 'vault', 'softDelete: on', 'softDelete: off']]);

    // Turning soft delete back on is no weakening: apply restores it without the flag.
    const restore = await cli('apply', '-f', 'safe.yaml', '--yes');
    expect(restore.code, both(restore)).toBe(0);
    expect((await cli('drift', '-f', 'safe.yaml')).code).toBe(0);
  }, 180_000);

  it('weakened by the spec, are refused without --allow-weaker-vault-settings and applied with it', async () => {
    const plan = await cli('plan', '-f', 'weaker.yaml');
    expect(plan.code, both(plan)).toBe(1);
    expect(plan.stdout).toMatch(/softDelete: on -> off \(weaker: needs --allow-weaker-vault-settings\)/);
    expect(plan.stderr).toMatch(/softDelete on -> off.*--allow-weaker-vault-settings/s);
    expect(plan.stderr).not.toMatch(/\n\s+at /);

    const refused = await cli('apply', '-f', 'weaker.yaml', '--yes');
    expect(refused.code, both(refused)).toBe(1);
    expect(refused.stderr).toContain('nothing was applied');

    const allowedPlan = await cli('plan', '-f', 'weaker.yaml', '--allow-weaker-vault-settings');
    expect(allowedPlan.code, both(allowedPlan)).toBe(2);
    const applied = await cli('apply', '-f', 'weaker.yaml', '--yes', '--allow-weaker-vault-settings');
    expect(applied.code, both(applied)).toBe(0);
    const clients = clientsFor({ ...emulator, subscriptionId: emulator.subscriptionId });
    expect((await clients.backup.backupResourceVaultConfigs.get(DEMO_VAULT.name, DEMO_VAULT.resourceGroup)).properties?.softDeleteFeatureState).toBe('Disabled');
    expect((await cli('drift', '-f', 'weaker.yaml')).code).toBe(0);
  }, 180_000);

  it('a redundancy change on a vault that protects items is blocked at plan with the remedy', async () => {
    const plan = await cli('plan', '-f', 'local.yaml', '--format', 'json');
    expect(plan.code, plan.stderr).toBe(2);
    const [action] = (JSON.parse(plan.stdout) as Plan).actions;
    expect(action.kind).toBe('vaultSettings');
    // Cross Region Restore, on since the first apply, would also lose the geo-redundancy it needs.
    expect(action.blockedBy.map((f) => [f.code, f.azureErrorCode])).toEqual([
      ['StorageRedundancyLocked', 'StorageModelModifyError'],
      ['CrossRegionRestoreNeedsGeoRedundant', 'UserErrorCrossRegionRestoreNotSupported'],
    ]);

    const text = await cli('plan', '-f', 'local.yaml');
    expect(text.stdout).toMatch(/blocked: StorageRedundancyLocked \(StorageModelModifyError\)/);
    expect(text.stdout).toMatch(/Remedy: .*new vault/);

    const apply = await cli('apply', '-f', 'local.yaml', '--yes');
    expect(apply.code, both(apply)).toBe(1);
    expect(apply.stderr).toMatch(/vault rg-backup\/vault-weu/);
  }, 180_000);

  it('a saved plan edited to write a setting the spec does not declare is refused, and nothing is written', async () => {
    const saved = await cli('plan', '-f', 'safe.yaml', '--out', 'plan.json');
    expect(saved.code, both(saved)).toBe(2);
    const plan = JSON.parse(await readFile(join(dir, 'plan.json'), 'utf8')) as Plan;
    const settings = plan.actions.find((a): a is VaultSettingsAction => a.kind === 'vaultSettings')!;
    const forged = { ...settings, changes: [...settings.changes, { setting: 'immutability', from: 'unlocked', to: 'locked', weakens: false }] };
    await writeFile(join(dir, 'plan.json'), JSON.stringify({ ...plan, actions: plan.actions.map((a) => (a === settings ? forged : a)) }));

    const apply = await cli('apply', '-f', 'safe.yaml', '--plan', 'plan.json', '--yes');
    expect(apply.code, both(apply)).toBe(1);
    expect(apply.stderr).toContain('does not declare (immutability unlocked -> locked)');
    const vault = await clientsFor({ ...emulator, subscriptionId: emulator.subscriptionId }).vaults.vaults.get(DEMO_VAULT.resourceGroup, DEMO_VAULT.name);
    expect(vault.properties?.securitySettings?.immutabilitySettings?.state).toBe('Unlocked');
  }, 180_000);
});
