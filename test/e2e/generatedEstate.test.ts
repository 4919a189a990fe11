// A generated estate through the CLI binary, as a user would try one: `generate-fleet --estate --spec-out` writes a
// 4-subscription, 3-region, 16-vault fleet and the spec over it; the spec plans, applies and drifts clean. A spec
// missing a vault and an exemption reports each gap with its remedy, and a vault past 1,000 VMs is blocked by
// Azure's limit for exactly the VMs beyond it.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetSubscriptions, isGeneratedFault, startEmulator, type EstateFleet, type RunningEmulator } from '../../emulator/index.js';
import type { DriftReport, Plan } from '../../provider/core/index.js';
import type { WrittenSpec } from '../../provider/spec/writtenSpec.js';
import { requireBuild, runCli, type CliResult } from './harness.js';

describe('a generated estate and its spec through the CLI', () => {
  let dir: string;
  let fleet: EstateFleet;
  let spec: WrittenSpec;
  const emulators: RunningEmulator[] = [];
  /** A fresh emulator seeded with the generated estate, and the CLI pointed at it. */
  const world = async (name: string): Promise<(...args: string[]) => Promise<CliResult>> => {
    const emulator = await startEmulator({ stateDir: join(dir, name), fleetFile: join(dir, 'fleet.yaml'), retryAfterSeconds: 0, operationDelayMs: 20 });
    emulators.push(emulator);
    return (...args) => runCli([...args, '--endpoint', emulator.endpoint, '--state', name], dir, 240_000);
  };

  beforeAll(async () => {
    requireBuild();
    dir = await mkdtemp(join(tmpdir(), 'vmbackup-generated-estate-'));
    const made = await runCli(['emulator', 'generate-fleet', '--estate', '--vms', '240', '--seed', '5', '--out', 'fleet.yaml', '--spec-out', 'spec.yaml'], dir);
    expect(made.code, made.stderr).toBe(0);
    fleet = parse(await readFile(join(dir, 'fleet.yaml'), 'utf8')) as EstateFleet;
    spec = parse(await readFile(join(dir, 'spec.yaml'), 'utf8')) as WrittenSpec;
  }, 60_000);
  afterAll(async () => {
    for (const e of emulators) await e.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes 4 subscriptions, 3 regions and 16 vaults, and a spec that declares every one of them', () => {
    const subs = fleetSubscriptions(fleet);
    expect(subs).toHaveLength(4);
    expect(subs.flatMap((s) => s.vms)).toHaveLength(240);
    expect(new Set(subs.flatMap((s) => s.vms.map((vm) => vm.location)))).toEqual(new Set(['westeurope', 'northeurope', 'westus3']));
    expect(spec.scope?.subscriptions).toEqual(subs.map((s) => s.subscriptionId));
    expect(spec.vaults).toHaveLength(16);
    // Each subscription's region with two vaults gets one pinned rule per vault.
    expect(spec.protect?.filter((r) => r.vault).map((r) => r.vault!.split('/').slice(1).join('/')).sort()).toEqual(
      [...Array(4).fill('rg-backup-westeurope/vault-westeurope-1'), ...Array(4).fill('rg-backup-westeurope/vault-westeurope-2')],
    );
  });

  it('plans with nothing blocked, pins each tagged VM to its vault, applies, drifts clean and applies nothing more', async () => {
    const cli = await world('clean');
    const plan = await cli('plan', '-f', 'spec.yaml', '--format', 'json');
    expect(plan.code, plan.stderr).toBe(2);
    const doc = JSON.parse(plan.stdout) as Plan;
    expect(doc.vaults).toHaveLength(16);
    expect(doc.summary.blocked).toBe(0);
    const protects = doc.actions.filter((a) => a.kind === 'protect');
    const tagged = fleetSubscriptions(fleet).flatMap((s) => s.vms.filter((vm) => vm.tags?.backupVault && vm.tags.env !== 'dev' && !isGeneratedFault(vm)));
    expect(tagged.length).toBeGreaterThan(0);
    for (const vm of tagged) {
      expect(protects.find((a) => a.target.vmName === vm.name && a.target.resourceGroup === vm.resourceGroup)?.vault).toBe(vm.tags!.backupVault.toLowerCase());
    }

    const apply = await cli('apply', '-f', 'spec.yaml', '--yes');
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toContain('to 16 vaults');

    const drift = await cli('drift', '-f', 'spec.yaml', '--format', 'json');
    expect(drift.code, drift.stdout).toBe(0);
    const report = JSON.parse(drift.stdout) as DriftReport;
    const vms = fleetSubscriptions(fleet).flatMap((s) => s.vms);
    const exempt = vms.filter((vm) => vm.tags?.env === 'dev' || isGeneratedFault(vm)).length;
    expect(report.coverage).toMatchObject({ inScope: 240, protected: 240 - exempt, declaredUnprotected: 0, uncovered: 0, exempt });
    expect(new Set(report.coverage!.exemptions.map((e) => e.reason)).size).toBe(2);

    const again = await cli('apply', '-f', 'spec.yaml', '--yes');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('No changes');
  }, 600_000);

  it('a spec without one vault and without the dev exemption reports the VMs of that region, the uncovered and the exempt VMs, each with its remedy', async () => {
    const cli = await world('gaps');
    const [sub] = spec.scope!.subscriptions;
    const dropped = { ...spec, vaults: spec.vaults!.filter((v) => !(v.subscriptionId === sub && v.name === 'vault-northeurope-1')), exempt: spec.exempt!.slice(1) };
    await writeFile(join(dir, 'gaps.yaml'), JSON.stringify(dropped));
    const drift = await cli('drift', '-f', 'gaps.yaml', '--format', 'json');
    expect(drift.code, drift.stderr).toBe(2);
    const report = JSON.parse(drift.stdout) as DriftReport;
    const by = (c: string) => report.findings.filter((f) => f.category === c);
    const own = fleetSubscriptions(fleet)[0].vms;
    const homeless = own.filter((vm) => vm.location === 'northeurope' && vm.tags?.env !== 'dev' && !isGeneratedFault(vm));
    expect(by('noVault').map((f) => f.subject.name).sort()).toEqual(homeless.map((vm) => vm.name).sort());
    expect(by('noVault').every((f) => f.remedy?.includes('declare a vault of that subscription and region under vaults:'))).toBe(true);
    const dev = fleetSubscriptions(fleet).flatMap((s) => s.vms.filter((vm) => vm.tags?.env === 'dev'));
    expect(by('uncovered').map((f) => f.subject.name).sort()).toEqual(dev.map((vm) => vm.name).sort());
    expect(by('uncovered').every((f) => f.remedy?.includes('list it under exempt:'))).toBe(true);
    expect(report.coverage!.exemptions.length).toBeGreaterThan(0);

    const text = await cli('drift', '-f', 'gaps.yaml');
    expect(text.stdout).toContain('declare a vault of that subscription and region under vaults:');
    expect(text.stdout).toMatch(/exempt: VM [^:]+: Azure Backup cannot protect them as they are/);
    const plan = await cli('plan', '-f', 'gaps.yaml');
    expect(plan.stdout).toContain('blocked: NoVaultInRegion: no declared vault is in northeurope of subscription');
  }, 240_000);

  it('one vault asked to take more than 1,000 VMs is blocked with VaultItemLimit for exactly the VMs past the limit', async () => {
    const made = await runCli(
      ['emulator', 'generate-fleet', '--estate', '--subscriptions', '1', '--regions', 'westeurope', '--vaults', '1', '--vms', '1200', '--seed', '5', '--out', 'big.yaml'],
      dir,
    );
    expect(made.code, made.stderr).toBe(0);
    const big = parse(await readFile(join(dir, 'big.yaml'), 'utf8')) as EstateFleet;
    const [only] = big.subscriptions;
    const emulator = await startEmulator({ stateDir: join(dir, 'big'), fleetFile: join(dir, 'big.yaml'), retryAfterSeconds: 0 });
    emulators.push(emulator);
    await writeFile(
      join(dir, 'big-spec.yaml'),
      JSON.stringify({
        apiVersion: 'vmbackup/v1',
        scope: { subscriptions: [only.subscriptionId] },
        vaults: [{ subscriptionId: only.subscriptionId, resourceGroup: only.vaults[0].resourceGroup, name: only.vaults[0].name }],
        policies: spec.policies,
        protect: [{ name: 'everything', policy: spec.policies![0].name, select: { names: ['*'] } }],
      }),
    );
    // The plan as a file: a thousand VMs' JSON is more than a pipe's output buffer holds.
    const plan = await runCli(['plan', '-f', 'big-spec.yaml', '--out', 'big-plan.json', '--endpoint', emulator.endpoint, '--state', 'big'], dir);
    expect(plan.code, plan.stderr).toBe(2);
    expect(plan.stdout).toContain('VaultItemLimit');
    const doc = JSON.parse(await readFile(join(dir, 'big-plan.json'), 'utf8')) as Plan;
    const healthy = only.vms.filter((vm) => !isGeneratedFault(vm)).length;
    expect(healthy).toBeGreaterThan(1000);
    const limited = doc.actions.filter((a) => a.blockedBy.some((f) => f.code === 'VaultItemLimit'));
    expect(limited).toHaveLength(healthy - 1000);
    expect(limited.every((a) => a.kind === 'protect' && a.blockedBy.length === 1)).toBe(true);
    expect(limited[0].blockedBy[0].message).toContain('Azure allows 1000 per vault');
    expect(doc.actions.filter((a) => a.kind === 'protect' && a.blockedBy.length === 0)).toHaveLength(1000);
  }, 240_000);
});
