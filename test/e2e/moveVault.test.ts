// A VM moves from vault A to vault B of the same region, through the vmbackup executable only, following
// the remedy vmbackup gives: while vault A holds it, vault B's discover, plan and drift say so; vault A's
// spec then deletes its backup data, the soft-delete period passes, vault A's spec unregisters it (level-
// triggered: the stopProtection entry whose item is gone), and vault B's spec protects it.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import type { DriftReport, Observation, Plan, PreflightFinding } from '../../provider/core/index.js';
import { DAILY_1000, requireBuild, runCli, specText, TWO_VAULTS_FLEET, VAULT_A, VAULT_B, type CliResult } from './harness.js';

const PROTECT_WEB = `policies:
${DAILY_1000}protect:
  - name: web
    policy: daily-1000
    vms: [{ resourceGroup: rg-web, name: web-01 }]
`;
/** Vault A's spec once the VM is to leave: its backup data goes (asked twice: here and --allow-data-deletion). */
const RELEASE_WEB = `policies:
${DAILY_1000}stopProtection:
  - vm: { resourceGroup: rg-web, name: web-01 }
    retainData: false
`;

let dir: string;
let emulator: RunningEmulator;

function cli(...args: string[]): Promise<CliResult> {
  // The emulator's clock takes only its state directory.
  const target = args[0] === 'emulator' ? ['--state', 'state'] : ['--endpoint', emulator.endpoint, '--state', 'state'];
  return runCli([...args, ...target], dir);
}

async function planOf(spec: string): Promise<{ code: number; plan: Plan; text: string }> {
  const text = await cli('plan', '-f', spec, '--out', 'plan.json');
  expect(text.code, text.stderr).not.toBe(1);
  return { code: text.code, plan: JSON.parse(await readFile(join(dir, 'plan.json'), 'utf8')) as Plan, text: text.stdout };
}

const actions = (plan: Plan) => plan.actions.map((a) => `${a.kind} ${a.target.vmName ?? a.target.policyName}${a.blockedBy.length ? ` blocked[${a.blockedBy.map((f) => f.code)}]` : ''}`);
const findingOf = (plan: Plan, kind: string): PreflightFinding => plan.actions.find((a) => a.kind === kind)!.blockedBy[0];

beforeAll(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), 'vmbackup-move-'));
  await writeFile(join(dir, 'a.yaml'), specText(PROTECT_WEB, { vault: VAULT_A }));
  await writeFile(join(dir, 'b.yaml'), specText(PROTECT_WEB, { vault: VAULT_B }));
  await writeFile(join(dir, 'a-release.yaml'), specText(RELEASE_WEB, { vault: VAULT_A }));
  emulator = await startEmulator({ stateDir: join(dir, 'state'), fleetFile: TWO_VAULTS_FLEET, retryAfterSeconds: 0, operationDelayMs: 20 });
});

afterAll(async () => {
  await emulator?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a VM protected by vault A, seen from vault B', () => {
  it('vault A protects web-01', async () => {
    const apply = await cli('apply', '-f', 'a.yaml', '--yes');
    expect(apply.code, apply.stderr).toBe(0);
    expect((await cli('plan', '-f', 'a.yaml')).code).toBe(0);
  });

  it('discover for vault B says "Protected by vault rg-backup-a/vault-a", with the pre-flight finding and its remedy', async () => {
    const text = await cli('discover', '-f', 'b.yaml');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/web-01 .*Protected by vault rg-backup-a\/vault-a .*ProtectedByOtherVault/);
    expect(text.stdout).toMatch(/ProtectedByOtherVault: .*To move it here: list it under stopProtection with retainData: false/);
    const json = JSON.parse((await cli('discover', '-f', 'b.yaml', '--format', 'json')).stdout) as Observation;
    expect(json.vms.find((v) => v.name === 'web-01')?.otherVault).toMatchObject({ name: 'vault-a', resourceGroup: 'rg-backup-a', protectionStatus: 'Protected' });
    expect(json.vms.find((v) => v.name === 'app-01')?.otherVault).toBeUndefined();
  });

  it('plan for vault B shows the VM blocked: protected by vault A, with the way to move it', async () => {
    const { plan, text } = await planOf('b.yaml');
    expect(actions(plan)).toEqual(['createPolicy daily-1000', 'register web-01 blocked[ProtectedByOtherVault]', 'protect web-01 blocked[ProtectedByOtherVault]']);
    expect(findingOf(plan, 'protect')).toMatchObject({ message: 'VM rg-web/web-01 is protected by vault rg-backup-a/vault-a', azureErrorCode: 'VirtualMachineAlreadyProtected' });
    expect(text).toMatch(/^ {2}! protect +VM rg-web\/web-01 with policy daily-1000$/m);
    expect(text).toContain('blocked: ProtectedByOtherVault (VirtualMachineAlreadyProtected): VM rg-web/web-01 is protected by vault rg-backup-a/vault-a');
    expect(text).toMatch(/Remedy: .*wait until the soft-delete period ends \(14 days.*then run `vmbackup apply` here\./);
  });

  it('drift for vault B reports it in a category of its own, in JSON and as text', async () => {
    const json = await cli('drift', '-f', 'b.yaml', '--format', 'json');
    expect(json.code).toBe(2);
    const report = JSON.parse(json.stdout) as DriftReport;
    expect(report.findings.filter((f) => f.subject.kind === 'vm')).toEqual([
      expect.objectContaining({ category: 'protectedByOtherVault', actual: 'protected by vault rg-backup-a/vault-a', azureErrorCode: 'VirtualMachineAlreadyProtected' }),
    ]);
    expect((await cli('drift', '-f', 'b.yaml')).stdout).toMatch(/^Protected by another vault \(1\)$/m);
  });

  it('apply for vault B attempts nothing on the VM and says why', async () => {
    const apply = await cli('apply', '-f', 'b.yaml', '--yes');
    // Not converged: the declared VM stays in vault A until its move is done, and apply says so.
    expect(apply.code).toBe(1);
    expect(apply.stderr).toMatch(/rg-web\/web-01: ProtectedByOtherVault: VM rg-web\/web-01 is protected by vault rg-backup-a\/vault-a/);
    expect(apply.stdout).toMatch(/blocked +protect rg-web\/web-01 .*: VM rg-web\/web-01 is protected by vault rg-backup-a\/vault-a/);
    expect(apply.stdout).toContain('Apply: 1 applied, 0 already converged, 2 blocked, 0 failed; 1 operation issued.');
    // What apply spent of ARM's quota: the one write, the reads around it, no 429 without throttling.
    expect(apply.stdout).toMatch(/^ARM requests: 1 write, \d+ reads?, 0 throttled \(429\); the quota allows them in 0 s at best\.$/m);
  });
});

describe('moving it, as the remedy says', () => {
  it("vault A's spec deletes its backup data only with --allow-data-deletion", async () => {
    const refused = await cli('apply', '-f', 'a-release.yaml', '--yes');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--allow-data-deletion/);
    const apply = await cli('apply', '-f', 'a-release.yaml', '--yes', '--allow-data-deletion');
    expect(apply.code, apply.stderr).toBe(0);
  });

  it('while its item is soft-deleted, vault A has nothing to do and vault B is still blocked: registered with vault A', async () => {
    expect((await cli('plan', '-f', 'a-release.yaml')).code).toBe(0);
    const { plan } = await planOf('b.yaml');
    expect(findingOf(plan, 'protect')).toMatchObject({ message: 'VM rg-web/web-01 is registered with vault rg-backup-a/vault-a', azureErrorCode: 'UserErrorVmAlreadyRegistered' });
  });

  it("once the soft-delete period ends, vault A's spec plans an unregister, which needs no --allow-data-deletion", async () => {
    expect((await cli('emulator', 'clock', 'advance', '15d')).code).toBe(0);
    const { code, plan, text } = await planOf('a-release.yaml');
    expect(code).toBe(2);
    expect(actions(plan)).toEqual(['unregister web-01']);
    expect(text).toMatch(/^ {2}- unregister +VM rg-web\/web-01 from the vault \(no backup data deleted\)$/m);
    const apply = await cli('apply', '-f', 'a-release.yaml', '--yes');
    expect(apply.code, apply.stderr).toBe(0);
    // Converged: a second run has nothing to do.
    expect((await cli('plan', '-f', 'a-release.yaml')).code).toBe(0);
  });

  it("vault B's spec now protects it; plan and drift are clean", async () => {
    const { plan } = await planOf('b.yaml');
    expect(actions(plan)).toEqual(['register web-01', 'protect web-01']);
    const apply = await cli('apply', '-f', 'b.yaml', '--yes');
    expect(apply.code, apply.stderr).toBe(0);
    expect((await cli('plan', '-f', 'b.yaml')).code).toBe(0);
    const drift = await cli('drift', '-f', 'b.yaml');
    expect(drift.code, drift.stdout).toBe(0);
  });

  it('and vault A now sees it protected by vault B', async () => {
    const text = await cli('discover', '-f', 'a-release.yaml');
    expect(text.stdout).toMatch(/web-01 .*Protected by vault rg-backup-b\/vault-b/);
    expect((await cli('drift', '-f', 'a-release.yaml')).code).toBe(0);
  });
});
