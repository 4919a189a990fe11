// The vmbackup executable end to end against a standalone emulator seeded with examples/fleet.yaml:
// exit codes, convergence, a saved plan going stale, and every restorable drift made out of band through the SDK.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { observe } from '../../provider/discovery/index.js';
import { installBackupExtension, openTarget, policyToAzure, putPolicy, putProtectedItem, registerContainer, type Target } from '../../provider/azure/index.js';
import { vaultArmId, vmArmId, vmContainerName, vmProtectedItemName, type DriftReport, type PolicySettings } from '../../provider/core/index.js';
import { DAILY_1000, DEMO_FLEET, DEMO_SUBSCRIPTION as SUB, DEMO_VAULT as VAULT, requireBuild, runCli, specText, type CliResult as Result } from './harness.js';

const VAULT_ID = vaultArmId(SUB, VAULT.resourceGroup, VAULT.name);

// Only VMs that pass the pre-flight checks, so apply can converge completely.
const SPEC = specText(`policies:
${DAILY_1000}protect:
  - name: web
    policy: daily-1000
    vms:
      - { resourceGroup: rg-web, name: web-01 }
      - { resourceGroup: rg-web, name: web-02 }
  - name: api
    policy: daily-1000
    select: { resourceGroups: [rg-app], names: ["app-*"], tags: { env: prod } }
`);

const BAD_SPEC = specText(`policies:
  - name: daily
    schedule: { frequency: Daily, time: "25:00" }
    retention: { daily: 30 }
    retension: 3
protect:
  - name: web
    policy: nightly
    vms: [{ resourceGroup: rg-web, name: web-01 }]
`);

let dir: string;
let emulator: RunningEmulator;
let sdk: Target;

/** Runs the executable against the test's emulator; `validate` takes no target flags. */
function cli(...args: string[]): Promise<Result> {
  const targetFlags = args[0] === 'validate' ? [] : ['--endpoint', emulator.endpoint, '--state', join(dir, 'state'), '--subscription', SUB];
  return exec([...args, ...targetFlags]);
}

/** Everything the executable printed, so the last test can check no secret ever reached the output. */
const printed: string[] = [];

async function exec(args: string[]): Promise<Result> {
  const result = await runCli(args, dir);
  printed.push(result.stdout, result.stderr);
  return result;
}


async function protectedItems(): Promise<{ name: string; policyId?: string; protectionState?: string }[]> {
  const out = [];
  for await (const item of sdk.clients.backup.backupProtectedItems.list(VAULT.name, VAULT.resourceGroup)) {
    const p = item.properties as { policyId?: string; protectionState?: string };
    out.push({ name: item.name!, policyId: p.policyId, protectionState: p.protectionState });
  }
  return out;
}

/** One VM's protected item as discovery sees it, with its recovery points. */
async function item(vmName: string) {
  const obs = await observe(sdk, VAULT, { refresh: false, recoveryPoints: true });
  return obs.protectedItems.find((i) => i.friendlyName === vmName);
}

async function configureJobs(): Promise<number> {
  let n = 0;
  for await (const job of sdk.clients.backup.backupJobs.list(VAULT.name, VAULT.resourceGroup)) {
    if (job.properties?.operation === 'ConfigureBackup') n += 1;
  }
  return n;
}

async function drift(): Promise<{ code: number; report: DriftReport }> {
  const r = await cli('drift', '-f', 'spec.yaml', '--format', 'json');
  expect(r.stderr).not.toMatch(/unexpected error/);
  return { code: r.code, report: JSON.parse(r.stdout) as DriftReport };
}

function protectBody(rg: string, vm: string, policy: string) {
  return {
    properties: {
      protectedItemType: 'Microsoft.Compute/virtualMachines' as const,
      sourceResourceId: vmArmId(SUB, rg, vm),
      policyId: `${VAULT_ID}/backupPolicies/${policy}`,
    },
  };
}

beforeAll(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), 'vmbackup-cli-'));
  emulator = await startEmulator({
    stateDir: join(dir, 'state'),
    fleetFile: DEMO_FLEET,
    retryAfterSeconds: 0,
    operationDelayMs: 20,
  });
  sdk = await openTarget({ kind: 'emulator', endpoint: emulator.endpoint, stateDir: join(dir, 'state'), subscriptionId: SUB });
  await writeFile(join(dir, 'spec.yaml'), SPEC);
  await writeFile(join(dir, 'bad.yaml'), BAD_SPEC);
});

afterAll(async () => {
  await sdk?.close();
  await emulator?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('vmbackup CLI', () => {
  it('an invalid spec exits 1 with every problem located, and nothing reaches the emulator', async () => {
    const validate = await cli('validate', '-f', 'bad.yaml');
    expect(validate.code).toBe(1);
    expect(validate.stderr).toMatch(/bad\.yaml:7:\d+: error: .*25:00/);
    expect(validate.stderr).toMatch(/bad\.yaml:9:5: error: .*retension.*retention/);
    expect(validate.stderr).toMatch(/bad\.yaml:12:\d+: error: .*nightly/);
    const callsBefore = sdk.calls.snapshot();
    // Only a command that applies says that nothing was applied.
    for (const [command, said] of [[['plan'], /^3 errors\.$/m], [['apply', '--yes'], /^3 errors; nothing was applied\.$/m]] as const) {
      const r = await cli(...command, '-f', 'bad.yaml');
      expect(r.code, `${command} on a bad spec`).toBe(1);
      expect(r.stderr).toMatch(said);
    }
    expect(sdk.calls.snapshot()).toEqual(callsBefore);
    expect(await protectedItems()).toEqual([]);
  });

  it('plan exits 2 with changes, apply of the saved plan converges, then plan exits 0', async () => {
    const plan = await cli('plan', '-f', 'spec.yaml', '--out', 'plan.json');
    expect(plan.code).toBe(2);
    expect(plan.stdout).toMatch(/\+ createPolicy +policy daily-1000/);
    expect(plan.stdout).toMatch(/\+ protect +VM rg-app\/app-02 with policy daily-1000/);
    const saved = JSON.parse(await readFile(join(dir, 'plan.json'), 'utf8')) as { actions: unknown[] };
    expect(saved.actions.length).toBeGreaterThan(0);

    const apply = await cli('apply', '-f', 'spec.yaml', '--plan', 'plan.json', '--yes');
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toMatch(/0 failed/);
    const items = await protectedItems();
    expect(items.map((i) => i.name.toLowerCase()).sort()).toEqual(
      ['vm;iaasvmcontainerv2;rg-app;app-01', 'vm;iaasvmcontainerv2;rg-app;app-02', 'vm;iaasvmcontainerv2;rg-web;web-01', 'vm;iaasvmcontainerv2;rg-web;web-02'],
    );

    const again = await cli('plan', '-f', 'spec.yaml');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/Plan: 0 to apply, 0 blocked\./);
  });

  it('a second apply issues no operation and starts no job', async () => {
    const jobsBefore = await configureJobs();
    const r = await cli('apply', '-f', 'spec.yaml', '--yes', '--format', 'json');
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; applied?: number });
    expect(events).toEqual([expect.objectContaining({ event: 'summary', applied: 0 })]);
    expect(await configureJobs()).toBe(jobsBefore);
  });

  it('drift is 0 in sync, 2 after a policy is reassigned out of band, and 0 again after apply', async () => {
    expect((await drift()).code).toBe(0);
    // A plan saved now goes stale when the world moves under it.
    expect((await cli('plan', '-f', 'spec.yaml', '--out', 'before.json')).code).toBe(0);
    await putProtectedItem(sdk, VAULT, vmContainerName('rg-web', 'web-01'), vmProtectedItemName('rg-web', 'web-01'), protectBody('rg-web', 'web-01', 'DefaultPolicy'));

    const after = await drift();
    expect(after.code).toBe(2);
    expect(after.report.findings).toEqual([expect.objectContaining({ category: 'wrongPolicy', subject: expect.objectContaining({ name: 'web-01' }) })]);

    const stale = await cli('apply', '-f', 'spec.yaml', '--plan', 'before.json', '--yes');
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/moved|changed|stale/i);
    expect((await protectedItems()).find((i) => i.name.toLowerCase().endsWith('web-01'))?.policyId).toMatch(/DefaultPolicy$/);

    expect((await cli('apply', '-f', 'spec.yaml', '--yes')).code).toBe(0);
    expect((await drift()).code).toBe(0);
  });

  it('drift is 2 after the policy settings change out of band, and 0 after apply puts them back', async () => {
    const changed: PolicySettings = {
      schedule: { frequency: 'Daily', time: '22:00' },
      retention: { dailyDays: 7 },
      instantRestoreDays: 2,
      timeZone: 'UTC',
      policyType: 'V1',
    };
    await putPolicy(sdk, VAULT, 'daily-1000', policyToAzure(changed));
    const after = await drift();
    expect(after.code).toBe(2);
    expect(after.report.findings.map((f) => f.category)).toEqual(['policyChanged']);
    const plan = await cli('plan', '-f', 'spec.yaml');
    expect(plan.stdout).toMatch(/~ updatePolicy +policy daily-1000/);
    expect((await cli('apply', '-f', 'spec.yaml', '--yes')).code).toBe(0);
    expect((await drift()).code).toBe(0);
  });

  it('drift is 2 after protection is stopped out of band, and 0 after apply protects again', async () => {
    await putProtectedItem(sdk, VAULT, vmContainerName('rg-app', 'app-01'), vmProtectedItemName('rg-app', 'app-01'), {
      properties: { protectedItemType: 'Microsoft.Compute/virtualMachines', sourceResourceId: vmArmId(SUB, 'rg-app', 'app-01'), protectionState: 'ProtectionStopped' },
    });
    const after = await drift();
    expect(after.code).toBe(2);
    expect(after.report.findings.map((f) => f.category)).toEqual(['protectionStopped']);
    expect((await cli('apply', '-f', 'spec.yaml', '--yes')).code).toBe(0);
    expect((await drift()).code).toBe(0);
  });

  it('an undeclared protection is reported with exit 2 and never removed', async () => {
    // Someone protects dev-01 by hand: the classic world needs the extension and the registration first.
    const dev = { id: vmArmId(SUB, 'rg-dev', 'dev-01'), resourceGroup: 'rg-dev', name: 'dev-01', location: 'westeurope', osType: 'Linux' as const };
    await installBackupExtension(sdk, dev);
    await registerContainer(sdk, VAULT, dev, vmContainerName('rg-dev', 'dev-01'));
    await putProtectedItem(sdk, VAULT, vmContainerName('rg-dev', 'dev-01'), vmProtectedItemName('rg-dev', 'dev-01'), protectBody('rg-dev', 'dev-01', 'DefaultPolicy'));
    const after = await drift();
    expect(after.code).toBe(2);
    expect(after.report.findings).toEqual([expect.objectContaining({ category: 'undeclaredProtected', subject: expect.objectContaining({ name: 'dev-01' }) })]);
    expect((await cli('apply', '-f', 'spec.yaml', '--yes')).code).toBe(0);
    expect((await protectedItems()).find((i) => i.name.toLowerCase().endsWith('dev-01'))?.protectionState).not.toBe('ProtectionStopped');
  });

  it('deleting backup data needs both retainData: false in the spec and --allow-data-deletion', async () => {
    await writeFile(
      join(dir, 'delete.yaml'),
      `${SPEC.replace('names: ["app-*"]', 'names: ["app-01"]')}stopProtection:\n  - vm: { resourceGroup: rg-app, name: app-02 }\n    retainData: false\n`,
    );
    const refused = await cli('apply', '-f', 'delete.yaml', '--yes');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--allow-data-deletion/);
    expect((await protectedItems()).find((i) => i.name.toLowerCase().endsWith('app-02'))?.protectionState).not.toBe('ProtectionStopped');
  });

  it('jobs, discover and dashboard read the vault', async () => {
    const jobs = await cli('jobs', '-f', 'spec.yaml', '--format', 'json');
    expect(jobs.code).toBe(0);
    const list = JSON.parse(jobs.stdout) as { operation: string; status: string }[];
    expect(list.filter((j) => j.operation === 'ConfigureBackup').length).toBeGreaterThanOrEqual(4);
    const failedOnly = JSON.parse((await cli('jobs', '-f', 'spec.yaml', '--status', 'Failed', '--format', 'json')).stdout) as { status: string }[];
    expect(failedOnly.every((j) => j.status === 'Failed')).toBe(true);

    // No --subscription: a standalone emulator's subscription comes from the state directory it shares.
    const discover = await exec(['discover', '--vault', 'rg-backup/vault-weu', '--endpoint', emulator.endpoint, '--state', join(dir, 'state')]);
    expect(discover.code).toBe(0);
    expect(discover.stdout).toMatch(/web-01/);
    expect(discover.stdout).not.toMatch(/web-ne-01 .*Protected/);
    // Each VM with the guide's pre-flight findings, and each finding's remedy once.
    expect(discover.stdout).toMatch(/legacy-01 .*│ AgentMissing +│/);
    expect(discover.stdout).toMatch(/batch-01 .*│ VmNotRunning +│/);
    expect(discover.stdout).toMatch(/web-ne-01 .*│ OtherRegion +│/);
    expect(discover.stdout).toMatch(/^ {2}AgentMissing: Install the Azure VM agent/m);
    const json = JSON.parse((await cli('discover', '--vault', 'rg-backup/vault-weu', '--format', 'json')).stdout) as { preflight: Record<string, { code: string }[]> };
    expect(Object.entries(json.preflight).filter(([, f]) => f.some((x) => x.code === 'TooManyDataDisks')).map(([id]) => id)).toEqual([
      vmArmId(SUB, 'rg-data', 'bigdata-01').toLowerCase(),
    ]);

    const dash = await cli('dashboard', '-f', 'spec.yaml', '--format', 'json');
    expect(dash.code).toBe(0);
    const data = JSON.parse(dash.stdout) as { protectedVms: { total: number } };
    expect(data.protectedVms.total).toBe((await protectedItems()).filter((i) => i.protectionState !== 'ProtectionStopped').length);
  });

  it('undeclared: stop stops the protections no rule declares, retaining their data', async () => {
    await writeFile(join(dir, 'stop-undeclared.yaml'), `${SPEC}undeclared: stop\n`);
    const plan = await cli('plan', '-f', 'stop-undeclared.yaml');
    expect(plan.code).toBe(2);
    expect(plan.stdout).toMatch(/- stopProtection +VM rg-dev\/dev-01/);
    expect((await cli('apply', '-f', 'stop-undeclared.yaml', '--yes')).code).toBe(0);
    expect(await item('dev-01')).toMatchObject({ protectionState: 'ProtectionStopped', softDeleted: false });
    expect((await cli('drift', '-f', 'stop-undeclared.yaml')).code).toBe(0);
  });

  it('a stopProtection entry stops protection and keeps the recovery points', async () => {
    expect((await exec(['emulator', 'clock', 'advance', '24h', '--state', join(dir, 'state')])).code).toBe(0);
    const pointsBefore = (await item('app-02'))?.recoveryPoints?.length ?? 0;
    expect(pointsBefore).toBeGreaterThan(0);
    await writeFile(join(dir, 'stop.yaml'), `${SPEC.replace('names: ["app-*"]', 'names: ["app-01"]')}stopProtection:\n  - vm: { resourceGroup: rg-app, name: app-02 }\n`);
    expect((await cli('apply', '-f', 'stop.yaml', '--yes')).code).toBe(0);
    const stopped = await item('app-02');
    expect(stopped).toMatchObject({ protectionState: 'ProtectionStopped', softDeleted: false });
    expect(stopped?.recoveryPoints?.length).toBe(pointsBefore);
  });

  it('with both asks the backup data is deleted (soft delete keeps it for 14 days)', async () => {
    const r = await cli('apply', '-f', 'delete.yaml', '--yes', '--allow-data-deletion');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {2}done +stopProtectionDeleteData rg-app\/app-02 protection stopped, data deleted$/m);
    expect((await item('app-02'))?.softDeleted).toBe(true);
  });

  it('never prints the emulator\'s bearer token, nor writes it into a plan', async () => {
    expect(printed.length).toBeGreaterThan(20);
    for (const text of printed) expect(text).not.toContain(emulator.token);
    for (const file of ['plan.json', 'before.json']) expect(await readFile(join(dir, file), 'utf8')).not.toContain(emulator.token);
  });

  it('usage errors exit 1 and say how to fix them', async () => {
    const r = await cli('plan', '-f', 'spec.yaml', '--format', 'yaml');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--format.*text, json, markdown, sarif, junit/);
  });
});
