// The estate form end to end through the CLI: one spec over the demo fleet's subscription and both its vaults.
// Each selected VM goes to the vault of its region, drift audits coverage (protected, declared, exempt,
// uncovered), a VM whose region has no declared vault is blocked with the remedy, and a saved plan applies.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import type { DashboardData, DriftReport, EstateDashboard, Plan } from '../../provider/core/index.js';
import { spawn } from 'node:child_process';
import { BIN, cliEnv, DEMO_FLEET, DEMO_SUBSCRIPTION, ROOT, requireBuild, runCli, type CliResult } from './harness.js';

const SUB = DEMO_SUBSCRIPTION;
const WEU = `{ subscriptionId: ${SUB}, resourceGroup: rg-backup, name: vault-weu }`;

/** An estate spec over the demo fleet: `vaults` declared, web VMs of both regions, an exemption for dev VMs. */
function estate(vaults: string[], extra = ''): string {
  return `apiVersion: vmbackup/v1
scope:
  subscriptions: [${SUB}]
vaults:
${vaults.map((v) => `  - ${v}`).join('\n')}
policies:
  - name: daily-1000
    schedule: { frequency: Daily, time: "10:00", timeZone: UTC }
    retention: { daily: 30 }
protect:
  - name: web
    policy: daily-1000
    select: { tags: { app: web }, exclude: { names: [lb-01] } }
exempt:
  - reason: "rebuilt from images"
    select: { tags: { env: dev } }
${extra}`;
}

describe('estate specs through the CLI', () => {
  let dir: string;
  let emulator: RunningEmulator;
  const cli = (...args: string[]): Promise<CliResult> => runCli([...args, '--endpoint', emulator.endpoint, '--state', 'state'], dir);

  beforeAll(async () => {
    requireBuild();
    dir = await mkdtemp(join(tmpdir(), 'vmbackup-estate-'));
    emulator = await startEmulator({ stateDir: join(dir, 'state'), fleetFile: DEMO_FLEET, retryAfterSeconds: 0, operationDelayMs: 20 });
  }, 60_000);
  afterAll(async () => {
    await emulator?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the example estate applies into both vaults, each VM in its region, and drifts in sync with every VM covered', async () => {
    const spec = join(ROOT, 'examples/spec-estate.yaml');
    const plan = await cli('plan', '-f', spec, '--format', 'json');
    expect(plan.code, plan.stderr).toBe(2);
    const doc = JSON.parse(plan.stdout) as Plan;
    // Resource Graph and Resource Manager's lists see the same estate, so they plan the same actions.
    const armPlan = await cli('plan', '-f', spec, '--format', 'json', '--consistent');
    expect(armPlan.code, armPlan.stderr).toBe(2);
    const shape = (p: Plan) => p.actions.map((a) => `${a.id} ${a.vault} ${a.blockedBy.map((f) => f.code).join(',')}`);
    expect(shape(JSON.parse(armPlan.stdout) as Plan)).toEqual(shape(doc));
    expect(doc.vaults?.map((v) => `${v.vaultName}:${v.location}`)).toEqual(['vault-weu:westeurope', 'vault-neu:northeurope']);
    const protects = doc.actions.filter((a) => a.kind === 'protect');
    const vaultOf = (vm: string) => protects.find((a) => a.target.vmName === vm)?.vault;
    expect(vaultOf('web-ne-01')).toBe(doc.vaults![1].key);
    expect(vaultOf('web-01')).toBe(doc.vaults![0].key);
    // Two VMs named db-01, in two resource groups: two protections.
    expect(protects.filter((a) => a.target.vmName === 'db-01').map((a) => a.target.resourceGroup).sort()).toEqual(['rg-data', 'rg-data-dr']);
    // Each vault gets its own copy of the policy.
    expect(doc.actions.filter((a) => a.kind === 'createPolicy').map((a) => a.vault)).toEqual(doc.vaults!.map((v) => v.key));

    const apply = await cli('apply', '-f', spec, '--yes');
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toContain('to 2 vaults');
    // Progress names the vault of each action: the policy is written once per vault.
    expect(apply.stdout).toMatch(/done\s+protect rg-web-ne\/web-ne-01 in vault rg-backup-ne\/vault-neu/);
    expect(apply.stdout).toMatch(/done\s+createPolicy policy daily-1000 in vault rg-backup\/vault-weu/);
    expect(apply.stdout).toMatch(/done\s+createPolicy policy daily-1000 in vault rg-backup-ne\/vault-neu/);

    const drift = await cli('drift', '-f', spec, '--format', 'json');
    expect(drift.code, drift.stdout).toBe(0);
    const report = JSON.parse(drift.stdout) as DriftReport;
    expect(report.coverage).toMatchObject({ inScope: 20, protected: 8, declaredUnprotected: 0, uncovered: 0, exempt: 12 });
    expect(report.coverage!.exemptions.find((e) => e.name === 'dev-01')?.reason).toBe('dev VMs are rebuilt from images in minutes');

    // The dashboard by vault, region and subscription, with the estate's totals; jobs per vault under its name.
    const board = await cli('dashboard', '-f', spec, '--format', 'json');
    expect(board.code, board.stderr).toBe(0);
    const estateBoard = JSON.parse(board.stdout) as EstateDashboard;
    expect(estateBoard.vaults.map((v) => [v.vaultName, v.location, v.protectedVms])).toEqual([
      ['vault-weu', 'westeurope', 6],
      ['vault-neu', 'northeurope', 2],
    ]);
    expect(estateBoard.totals).toMatchObject({ vaults: 2, protectedVms: 8 });
    // The auditor's number on the dashboard too, the same as drift's.
    expect(estateBoard.coverage).toEqual(report.coverage);
    const boardText = await cli('dashboard', '-f', spec);
    expect(boardText.stdout).toMatch(/Estate\s+│\s+│ 2 vaults\s+│ 8 /);
    expect(boardText.stdout).toContain('Coverage: 20 VMs in scope: 8 protected, 0 declared but not yet protected, 12 exempt, 0 uncovered.');
    const html = await cli('dashboard', '-f', spec, '--format', 'html');
    expect(html.code, html.stderr).toBe(0);
    expect(html.stdout).toContain('data-testid="estate-dashboard"');
    expect(html.stdout).toContain(`vmbackup dashboard -f ${spec} --vault rg-backup-ne/vault-neu --format html`);
    const live = await cli('dashboard', '-f', spec, '--serve');
    expect(live.code).toBe(1);
    expect(live.stderr).toContain('--vault RESOURCE_GROUP/VAULT_NAME');
    const one = await cli('dashboard', '-f', spec, '--vault', 'rg-backup-ne/vault-neu', '--format', 'json');
    expect(one.code, one.stderr).toBe(0);
    expect((JSON.parse(one.stdout) as DashboardData).protectedVms.total).toBe(2);
    const jobs = await cli('jobs', '-f', spec);
    expect(jobs.stdout).toContain('== vault rg-backup/vault-weu');
    expect(jobs.stdout).toContain('== vault rg-backup-ne/vault-neu');
    expect(jobs.stdout).toContain('rg-web-ne/web-ne-01');

    const again = await cli('apply', '-f', spec, '--yes');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('No changes');
  }, 240_000);

  it('reports uncovered VMs, an exemption that matches nothing, and a VM whose region has no declared vault, each with its remedy', async () => {
    const file = join(dir, 'weu-only.yaml');
    await writeFile(file, estate([WEU], `  - reason: "decommissioned"\n    vms: [{ resourceGroup: rg-old, name: gone-01 }]\n`));
    const plan = await cli('plan', '-f', file);
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('Declared VMs no declared vault can take:');
    expect(plan.stdout).toMatch(/blocked: NoVaultInRegion: no declared vault is in northeurope of subscription [0-9a-f-]+: declare a vault in northeurope/);

    const drift = await cli('drift', '-f', file, '--format', 'json');
    expect(drift.code).toBe(2);
    const report = JSON.parse(drift.stdout) as DriftReport;
    const by = (c: string) => report.findings.filter((f) => f.category === c);
    expect(by('noVault').map((f) => f.subject.name)).toEqual(['web-ne-01']);
    expect(by('noVault')[0].remedy).toContain('declare a vault');
    expect(by('exemptionUnused').map((f) => f.subject.name)).toEqual(['exemption "decommissioned"']);
    // ops-01 is in scope, unprotected, undeclared and not exempt.
    expect(by('uncovered').map((f) => `${f.subject.resourceGroup}/${f.subject.name}`)).toContain('rg-ops/ops-01');
    expect(by('uncovered').map((f) => f.subject.name)).not.toContain('dev-01');
    expect(report.coverage!.uncovered).toBe(by('uncovered').length);

    const text = await cli('drift', '-f', file);
    expect(text.stdout).toMatch(/Coverage: 20 VMs in scope: \d+ protected, \d+ declared but not yet protected, 2 exempt, \d+ uncovered\./);
    expect(text.stdout).toContain('exempt: VM rg-dev/dev-01: rebuilt from images');
  }, 240_000);

  it('bad estate input is refused at its line with a remedy, and --subscription must name a subscription of the scope', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(
      file,
      estate([WEU, WEU]).replace('policy: daily-1000\n    select', 'policy: daily-1000\n    vault: rg-backup/vault-nope\n    select'),
    );
    const bad = await cli('plan', '-f', file);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/bad\.yaml:6:\d+: error: vault rg-backup\/vault-weu is already declared at/);
    expect(bad.stderr).toMatch(/bad\.yaml:\d+:\d+: error: rule "web" pins vault "rg-backup\/vault-nope", which vaults: does not declare/);

    const good = join(dir, 'good.yaml');
    await writeFile(good, estate([WEU]));
    const other = await cli('plan', '-f', good, '--subscription', '00000000-0000-0000-0000-000000000000');
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('is not in the scope of');
    const limited = await cli('plan', '-f', good, '--subscription', SUB, '--format', 'json');
    expect(limited.code, limited.stderr).toBe(2);
    expect((JSON.parse(limited.stdout) as Plan).vaults).toHaveLength(1);
  }, 120_000);

  it('a reader that closes the pipe early ends the command quietly, without a stack trace', async () => {
    const child = spawn(process.execPath, [BIN, 'jobs', '-f', join(ROOT, 'examples/spec-estate.yaml'), '--endpoint', emulator.endpoint, '--state', 'state'], { cwd: dir, env: cliEnv() });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(0);
  }, 60_000);

  it('a saved estate plan applies exactly, and is refused when a vault moved since', async () => {
    const file = join(dir, 'saved.yaml');
    // The dev VMs: the only westeurope VMs the first test leaves unprotected (they are exempt from its audit).
    await writeFile(file, estate([WEU]).replace('tags: { app: web }', 'tags: { env: dev }'));
    const made = await cli('plan', '-f', file, '--out', 'estate-plan.json');
    expect(made.code, made.stderr).toBe(2);
    const saved = JSON.parse(await readFile(join(dir, 'estate-plan.json'), 'utf8')) as Plan;
    expect(saved.vaults).toHaveLength(1);
    const apply = await cli('apply', '-f', file, '--plan', 'estate-plan.json', '--yes');
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toMatch(/rg-dev\/dev-01|dev-01/);
    const stale = await cli('apply', '-f', file, '--plan', 'estate-plan.json', '--yes');
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('is stale');
  }, 240_000);
});
