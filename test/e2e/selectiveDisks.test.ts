// Selective disk backup end to end, through the CLI on the emulator: OS disk only round-trips exactly (an
// inclusion list of no LUN is not read back as every disk: plan and drift find nothing to do), a new selection
// is planned as changeDisks and applied, and a selection changed out of band through the SDK is drift with the
// rule's `disks:` line in SARIF. The classic profile (the guide's preview) has no selective disk backup: validate
// and plan refuse `disks:` there at its line, before anything is sent.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AzureIaaSVMProtectedItem } from '@azure/arm-recoveryservicesbackup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import type { DriftReport, Plan } from '../../provider/core/index.js';
import { clientsFor, containerOf, itemOf, policyIdOf, sleep, vmId } from '../emulator/helpers.js';
import { DEMO_FLEET, DEMO_VAULT, requireBuild, runCli, specText, type CliResult } from './harness.js';

/** The rule's `disks:` is on line 12. */
const spec = (disks: string) =>
  specText(`policies:
  - name: daily
    schedule: { frequency: Daily, time: "10:00", timeZone: UTC }
    retention: { daily: 30 }
protect:
  - name: data
    policy: daily
    disks: ${disks}
    vms: [{ resourceGroup: rg-data, name: db-01 }]
`);
const DISKS_LINE = 12;

let dir: string;
let emulator: RunningEmulator;

function cli(...args: string[]): Promise<CliResult> {
  return runCli([...args, '--endpoint', emulator.endpoint, '--state', 'state'], dir);
}

async function planJson(): Promise<{ result: CliResult; plan: Plan }> {
  const result = await cli('plan', '-f', 'spec.yaml', '--out', 'plan.json');
  return { result, plan: JSON.parse(await readFile(join(dir, 'plan.json'), 'utf8')) as Plan };
}

beforeAll(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), 'vmbackup-disks-'));
  emulator = await startEmulator({ stateDir: join(dir, 'state'), fleetFile: DEMO_FLEET, profile: 'modern', retryAfterSeconds: 0, operationDelayMs: 20 });
});

afterAll(async () => {
  await emulator?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('selective disk backup through the CLI', () => {
  it('protects with OS disk only in one PUT', async () => {
    await writeFile(join(dir, 'spec.yaml'), spec('{ osOnly: true }'));
    const { result, plan } = await planJson();
    expect(result.code, result.stderr).toBe(2);
    expect(plan.actions.map((a) => [a.kind, a.kind === 'protect' ? a.disks : undefined])).toEqual([
      ['createPolicy', undefined],
      ['protect', { kind: 'osOnly' }],
    ]);
    expect(result.stdout).toContain('disks: OS only');
    const apply = await cli('apply', '-f', 'spec.yaml', '--plan', 'plan.json', '--yes');
    expect(apply.code, apply.stderr).toBe(0);
  });

  it('reads OS disk only back exactly: plan and drift have nothing to do, discover says "OS only"', async () => {
    const again = await cli('plan', '-f', 'spec.yaml');
    expect(again.code, again.stdout).toBe(0);
    const drift = await cli('drift', '-f', 'spec.yaml', '--format', 'json');
    expect(drift.code, drift.stdout).toBe(0);
    expect((JSON.parse(drift.stdout) as DriftReport).findings).toEqual([]);

    const discover = await cli('discover', '-f', 'spec.yaml');
    expect(discover.code, discover.stderr).toBe(0);
    expect(discover.stdout).toMatch(/rg-data\/db-01 .*daily +│ OS only +│/);
  });

  it('plans a new selection as changeDisks, and applies it', async () => {
    await writeFile(join(dir, 'spec.yaml'), spec('{ include: [0] }'));
    const { result, plan } = await planJson();
    expect(result.code, result.stderr).toBe(2);
    expect(plan.actions).toMatchObject([
      { kind: 'changeDisks', target: { vmName: 'db-01', resourceGroup: 'rg-data', policyName: 'daily' }, disks: { kind: 'include', luns: [0] }, fromDisks: { kind: 'osOnly' }, source: { line: DISKS_LINE } },
    ]);
    expect(result.stdout).toContain('disks OS only -> LUN 0');
    const apply = await cli('apply', '-f', 'spec.yaml', '--plan', 'plan.json', '--yes');
    expect(apply.code, apply.stderr).toBe(0);
  });

  it('after the change, plan and drift find nothing to do and the dashboard shows the new selection', async () => {
    expect((await cli('plan', '-f', 'spec.yaml')).code).toBe(0);
    expect((await cli('drift', '-f', 'spec.yaml')).code).toBe(0);
    const board = await cli('dashboard', '-f', 'spec.yaml');
    expect(board.stdout).toMatch(/rg-data\/db-01 .*│ LUN 0 +│/);
  });

  it('reports a selection changed out of band as drift with the disks: line, in SARIF too', async () => {
    const backup = clientsFor(emulator).backup;
    const [rg, name] = ['rg-data', 'db-01'];
    const properties = {
      protectedItemType: 'Microsoft.Compute/virtualMachines',
      sourceResourceId: vmId(rg, name),
      policyId: policyIdOf(DEMO_VAULT, 'daily'),
      extendedProperties: { diskExclusionProperties: { diskLunList: [1], isInclusionList: false } },
    } as AzureIaaSVMProtectedItem;
    await backup.protectedItems.createOrUpdate(DEMO_VAULT.name, DEMO_VAULT.resourceGroup, 'Azure', containerOf(rg, name), itemOf(rg, name), { properties });
    const readBack = async () =>
      ((await backup.protectedItems.get(DEMO_VAULT.name, DEMO_VAULT.resourceGroup, 'Azure', containerOf(rg, name), itemOf(rg, name))).properties as AzureIaaSVMProtectedItem)
        .extendedProperties?.diskExclusionProperties;
    for (let i = 0; i < 200 && (await readBack())?.isInclusionList !== false; i++) await sleep(20);
    expect(await readBack()).toEqual({ diskLunList: [1], isInclusionList: false });

    const drift = await cli('drift', '-f', 'spec.yaml', '--format', 'json');
    expect(drift.code, drift.stdout).toBe(2);
    expect((JSON.parse(drift.stdout) as DriftReport).findings).toMatchObject([
      { category: 'disksChanged', subject: { name: 'db-01', resourceGroup: 'rg-data' }, expected: 'LUN 0', actual: 'all except LUN 1', source: { line: DISKS_LINE } },
    ]);
    const sarif = await cli('drift', '-f', 'spec.yaml', '--format', 'sarif');
    expect(sarif.code).toBe(2);
    const results = JSON.parse(sarif.stdout).runs[0].results as { ruleId: string; locations: { physicalLocation: { region: { startLine: number } } }[] }[];
    expect(results.map((r) => [r.ruleId, r.locations[0].physicalLocation.region.startLine])).toEqual([['drift/disksChanged', DISKS_LINE]]);
  });
});

describe('selective disk backup on the classic profile', () => {
  it('is refused by validate and by plan at the rule\'s disks: line, naming the modern profile; nothing is sent', async () => {
    const classicDir = await mkdtemp(join(tmpdir(), 'vmbackup-disks-classic-'));
    const classic = await startEmulator({ stateDir: join(classicDir, 'state'), fleetFile: DEMO_FLEET, profile: 'classic', retryAfterSeconds: 0, operationDelayMs: 20 });
    try {
      await writeFile(join(classicDir, 'spec.yaml'), spec('{ osOnly: true }'));
      const refusal = new RegExp(`spec\\.yaml:${DISKS_LINE}:\\d+: error: rule "data" selects disks, but the classic profile has no selective disk backup.*--profile modern`);
      const validate = await runCli(['validate', '-f', 'spec.yaml'], classicDir);
      expect(validate.code).toBe(1);
      expect(validate.stderr + validate.stdout).toMatch(refusal);
      const plan = await runCli(['plan', '-f', 'spec.yaml', '--endpoint', classic.endpoint, '--state', 'state'], classicDir);
      expect(plan.code).toBe(1);
      expect(plan.stderr + plan.stdout).toMatch(refusal);
      expect(plan.stderr).not.toMatch(/\n\s+at /);
      const items: unknown[] = [];
      for await (const i of clientsFor(classic).backup.backupProtectedItems.list(DEMO_VAULT.name, DEMO_VAULT.resourceGroup)) items.push(i);
      expect(items).toEqual([]);
      expect((await runCli(['validate', '-f', 'spec.yaml', '--profile', 'modern'], classicDir)).code).toBe(0);
    } finally {
      await classic.close();
      await rm(classicDir, { recursive: true, force: true });
    }
  });
});
