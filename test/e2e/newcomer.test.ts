// What a new user tripped on, README first, each as the executable prints it: warnings once and only where
// they apply, plurals, "nothing was applied" only from commands that apply, apply showing the plan once, a
// rule that selects no VM, rule conflicts once, a fleet ignored by an existing world, what the clock ran,
// protected items of deleted VMs, the dashboard's protected count, and a stale plan that says what moved.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { installBackupExtension, openTarget, putProtectedItem, registerContainer, type Target } from '../../provider/azure/index.js';
import { vaultArmId, vmArmId, vmContainerName, vmProtectedItemName } from '../../provider/core/index.js';
import { DAILY_1000, DEMO_FLEET, DEMO_SUBSCRIPTION as SUB, DEMO_VAULT as VAULT, requireBuild, runCli, specText, type CliResult } from './harness.js';

// Lines 5 on: one policy; a rule for web-01; a rule whose glob is misspelt (line 13); dev-02's data to delete (line 18).
const SPEC = specText(`policies:
${DAILY_1000}protect:
  - name: web
    policy: daily-1000
    vms: [{ resourceGroup: rg-web, name: web-01 }]
  - name: typo
    policy: daily-1000
    select: { names: ["wbe-*"] }
stopProtection:
  - vm: { resourceGroup: rg-dev, name: dev-02 }
    retainData: false
`);

// web-01 and web-02 are each picked by two rules with two policies (lines 13 and 16).
const CONFLICT = specText(`policies:
${DAILY_1000}  - name: weekly
    schedule: { frequency: Weekly, days: [Sunday], time: "06:00", timeZone: UTC }
    retention: { weekly: { count: 4, days: [Sunday] } }
protect:
  - name: all-web
    policy: daily-1000
    select: { resourceGroups: [rg-web], names: ["web-*"] }
  - name: web-weekly
    policy: weekly
    vms: [{ resourceGroup: rg-web, name: web-01 }, { resourceGroup: rg-web, name: web-02 }]
`);

const BAD = specText(`policies:
  - name: daily
    schedule: { frequency: Daily, time: "25:00" }
    retention: { daily: 30 }
`);

let dir: string;
let emulator: RunningEmulator;
let sdk: Target;

/** The executable against the test's emulator; `validate` and the clock take no endpoint. */
function cli(...args: string[]): Promise<CliResult> {
  const target = args[0] === 'validate' ? [] : args[0] === 'emulator' ? ['--state', 'state'] : ['--endpoint', emulator.endpoint, '--state', 'state'];
  return runCli([...args, ...target], dir);
}

const count = (text: string, pattern: RegExp) => text.match(new RegExp(pattern.source, 'g'))?.length ?? 0;

beforeAll(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), 'vmbackup-newcomer-'));
  emulator = await startEmulator({ stateDir: join(dir, 'state'), fleetFile: DEMO_FLEET, retryAfterSeconds: 0, operationDelayMs: 20 });
  sdk = await openTarget({ kind: 'emulator', endpoint: emulator.endpoint, stateDir: join(dir, 'state'), subscriptionId: SUB });
  await writeFile(join(dir, 'spec.yaml'), SPEC);
  await writeFile(join(dir, 'conflict.yaml'), CONFLICT);
  await writeFile(join(dir, 'bad.yaml'), BAD);
});

afterAll(async () => {
  await sdk?.close();
  await emulator?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('warnings', () => {
  it('validate counts in words and shows the spec\'s warning once', async () => {
    const r = await cli('validate', '-f', 'spec.yaml');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/is valid for the classic profile: 1 policy, 2 protection rules, 1 stop-protection entry\./);
    expect(count(r.stderr, /warning: retainData: false deletes/)).toBe(1);
  });

  it('plan shows the spec\'s warning once, and a rule that selects no VM once, at its line with a remedy', async () => {
    const r = await cli('plan', '-f', 'spec.yaml');
    expect(r.code, r.stderr).toBe(2);
    expect(count(r.stderr, /warning: retainData: false deletes/)).toBe(1);
    expect(count(r.stderr, /warning: rule "typo" selects no VM/)).toBe(1);
    expect(r.stderr).toMatch(/^spec\.yaml:13:5: warning: rule "typo" selects no VM in the vault's region westeurope \(compare its resource groups, names and tags with `vmbackup discover`/m);
  });

  it('drift warns about the rule that selects nothing, but not about what apply would delete', async () => {
    const r = await cli('drift', '-f', 'spec.yaml');
    expect(count(r.stderr, /warning: rule "typo" selects no VM/)).toBe(1);
    expect(r.stderr).not.toMatch(/retainData/);
  });

  it.each([['discover'], ['jobs'], ['dashboard']])('%s, which reads the spec only to name the vault, warns about nothing', async (command) => {
    const r = await cli(command, '-f', 'spec.yaml');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/warning/);
  });
});

describe('errors', () => {
  it('only a command that applies says that nothing was applied; the count is in words', async () => {
    const discover = await cli('discover', '-f', 'bad.yaml');
    expect(discover.code).toBe(1);
    expect(discover.stderr).toMatch(/^1 error\.$/m);
    expect(discover.stderr).not.toMatch(/applied/);
    const apply = await cli('apply', '-f', 'bad.yaml', '--yes');
    expect(apply.stderr).toMatch(/^1 error; nothing was applied\.$/m);
  });

  it('a rule conflict is reported once, with every VM caught in it', async () => {
    const r = await cli('plan', '-f', 'conflict.yaml');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^conflict\.yaml:13:5: error: VMs rg-web\/web-01, rg-web\/web-02 are picked by rule "all-web" with policy daily-1000 and by rule "web-weekly" \(policy weekly\) \(conflict\.yaml:16\)/),
      '1 error.',
    ]);
  });
});

describe('apply', () => {
  it('with --yes says in one line what it applies, then shows each action as it runs: the plan once', async () => {
    const r = await cli('apply', '-f', 'spec.yaml', '--yes');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Applying the plan to vault rg-backup\/vault-weu: 3 to apply, 0 blocked\.$/m);
    expect(r.stdout).not.toMatch(/Plan for vault|# /);
    expect(r.stdout).toMatch(/^Apply: 3 applied, 0 already converged, 0 blocked, 0 failed; /m);
    expect(count(r.stderr, /warning: retainData: false deletes/)).toBe(1);
    expect(count(r.stderr, /warning: rule "typo" selects no VM/)).toBe(1);
  });

  it('refuses a stale saved plan saying what moved, without listing the plan first', async () => {
    await writeFile(join(dir, 'two.yaml'), SPEC.replace('vms: [{ resourceGroup: rg-web, name: web-01 }]', 'vms: [{ resourceGroup: rg-web, name: web-01 }, { resourceGroup: rg-app, name: app-01 }]'));
    expect((await cli('plan', '-f', 'two.yaml', '--out', 'two.json')).code).toBe(2);
    // Someone protects app-01 meanwhile, as the plan would have: the classic world registers it first.
    const app = { id: vmArmId(SUB, 'rg-app', 'app-01'), resourceGroup: 'rg-app', name: 'app-01', location: 'westeurope', osType: 'Linux' as const };
    await installBackupExtension(sdk, app);
    await registerContainer(sdk, VAULT, app, vmContainerName('rg-app', 'app-01'));
    const vault = vaultArmId(SUB, VAULT.resourceGroup, VAULT.name);
    await putProtectedItem(sdk, VAULT, vmContainerName('rg-app', 'app-01'), vmProtectedItemName('rg-app', 'app-01'), {
      properties: { protectedItemType: 'Microsoft.Compute/virtualMachines', sourceResourceId: vmArmId(SUB, 'rg-app', 'app-01'), policyId: `${vault}/backupPolicies/daily-1000` },
    });
    const r = await cli('apply', '-f', 'two.yaml', '--plan', 'two.json', '--yes');
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(/Plan for vault|# /);
    expect(r.stderr).toMatch(/two\.json is stale, nothing was applied: the vault has changed since the plan was made; what moved:\n {2}\w+ VM rg-app\/app-01.*: no longer needed/);
    expect(r.stderr).toMatch(/Run `vmbackup plan -f two\.yaml --out two\.json` again/);
  });
});

describe('the emulator and its world', () => {
  it('an existing world says that the fleet it is given is ignored', async () => {
    const embedded = await runCli(['discover', '--vault', 'rg-backup/vault-weu', '--state', 'state', '--fleet', DEMO_FLEET], dir);
    expect(embedded.code, embedded.stderr).toBe(0);
    expect(count(embedded.stderr, /note: the fleet .* is ignored: \S*state already holds a world \(delete \S*state to seed a new one from the fleet\)/)).toBe(1);
    const served = await cli('discover', '--vault', 'rg-backup/vault-weu', '--fleet', DEMO_FLEET);
    expect(served.stderr).toMatch(/note: the fleet .* is ignored: the emulator at https:\/\/127\.0\.0\.1:\d+ was seeded when it started/);
  });

  it('clock advance says what ran: jobs started and finished, recovery points made', async () => {
    const r = await cli('emulator', 'clock', 'advance', '24h');
    expect(r.code, r.stderr).toBe(0);
    // web-01 and app-01 are protected with the daily policy: one backup each.
    expect(r.stdout).toMatch(/^In 24h: 2 jobs started, 2 finished \(2 Completed\), 2 recovery points made\.$/m);
    expect((await cli('emulator', 'clock', 'advance', '1m')).stdout).toMatch(/^In 1m: 0 jobs started, 0 finished, 0 recovery points made\.$/m);
  });

  it('discover lists the protected item of a deleted VM, with the remedy', async () => {
    await sdk.clients.compute.virtualMachines.beginDeleteAndWait('rg-app', 'app-01', { updateIntervalInMs: 50 });
    const r = await cli('discover', '--vault', 'rg-backup/vault-weu');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/, 1 protected item of deleted VMs\./);
    expect(r.stdout).toMatch(/│ rg-app\/app-01 +│ +│ VM deleted +│ +│ yes +│ Protected +│ daily-1000 +│ all +│ VmDeleted +│/);
    expect(r.stdout).toMatch(/^ {2}VmDeleted: The VM no longer exists: stop its protection retaining the data/m);
  });

  it('the dashboard counts as protected VMs only those backed up on schedule', async () => {
    await putProtectedItem(sdk, VAULT, vmContainerName('rg-web', 'web-01'), vmProtectedItemName('rg-web', 'web-01'), {
      properties: { protectedItemType: 'Microsoft.Compute/virtualMachines', sourceResourceId: vmArmId(SUB, 'rg-web', 'web-01'), protectionState: 'ProtectionStopped' },
    });
    // app-01's item still says Protected: its VM was deleted after its last backup, and no backup has failed yet.
    const text = await cli('dashboard', '--vault', 'rg-backup/vault-weu');
    expect(text.stdout).toMatch(/^Protected VMs: 1$/m);
    expect(text.stdout).toMatch(/^Not backed up on schedule: 1 item \(stopped or in error, by state below\)$/m);
    const json = JSON.parse((await cli('dashboard', '--vault', 'rg-backup/vault-weu', '--format', 'json')).stdout) as { protectedVms: unknown };
    expect(json.protectedVms).toEqual({ total: 1, byState: { Protected: 1, ProtectionStopped: 1 } });
  });
});
