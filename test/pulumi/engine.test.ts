// End to end under the real Pulumi engine (built by scripts/pulumi-engine.sh), with a local backend in a
// temporary directory: the root YAML program and examples/pulumi-ts, each over its own emulator state.
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../emulator/index.js';
import { openTarget, putProtectedItem } from '../../provider/azure/index.js';
import { makeStack, observeState, passEightDays } from './engineStack.js';
import { FLEET, ROOT, SUBSCRIPTION } from './harness.js';

/** Changes a VM's policy behind the engine's back, through the official SDK on the same emulator state. */
async function changePolicyOutOfBand(stateDir: string, vault: { resourceGroup: string; name: string }, vm: { resourceGroup: string; name: string }, policyName: string): Promise<void> {
  const emulator = await startEmulator({ stateDir, port: 0, retryAfterSeconds: 0 });
  const target = await openTarget({ kind: 'emulator', endpoint: emulator.endpoint, subscriptionId: SUBSCRIPTION, caFile: emulator.caFile, tokenFile: emulator.tokenFile, stateDir });
  try {
    const vaultId = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${vault.resourceGroup}/providers/Microsoft.RecoveryServices/vaults/${vault.name}`;
    await putProtectedItem(target, vault, `IaasVMContainer;iaasvmcontainerv2;${vm.resourceGroup};${vm.name}`, `VM;iaasvmcontainerv2;${vm.resourceGroup};${vm.name}`, {
      properties: {
        protectedItemType: 'Microsoft.Compute/virtualMachines',
        sourceResourceId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/${vm.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${vm.name}`,
        policyId: `${vaultId}/backupPolicies/${policyName}`,
      },
    });
  } finally {
    await target.close();
    await emulator.close();
  }
}

let work: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'vmbackup-pulumi-e2e-'));
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('under the real Pulumi engine', () => {
  it('the root Pulumi.yaml: up, no changes, import, out-of-band drift on refresh, destroy retaining recovery points', async () => {
    const dir = path.join(work, 'yaml');
    await mkdir(dir, { recursive: true });
    const program = (await readFile(path.join(ROOT, 'Pulumi.yaml'), 'utf8'))
      .replace('path: ./bin', `path: ${path.join(ROOT, 'bin')}`)
      .replace('vmbackup:fleet: examples/fleet.yaml', `vmbackup:fleet: ${FLEET}`);
    await writeFile(path.join(dir, 'Pulumi.yaml'), program);
    const stack = await makeStack(path.join(work, 'yaml-home'), dir);
    const weu = { resourceGroup: 'rg-backup', name: 'vault-weu' };

    await stack.pulumi(['up', '--yes']);
    const outputs = JSON.parse((await stack.pulumi(['stack', 'output', '--json'])).stdout) as Record<string, unknown>;
    expect(outputs.web01State).toMatch(/IRPending|Protected/);
    expect(outputs.protectableWebVms).toHaveLength(2);
    const stateDir = path.join(dir, '.vmbackup');
    const afterUp = await observeState(stateDir, weu);
    expect(afterUp.protectedItems.map((i) => `${i.friendlyName}:${i.policyName}`).sort()).toEqual(['app-01:daily-2200', 'db-01:weekly-sun', 'web-01:daily-2200']);

    await stack.pulumi(['preview', '--expect-no-changes']);

    // Import: the engine forgets db-01, then takes it back from its id alone, and the program matches it.
    const db01 = afterUp.protectedItems.find((i) => i.friendlyName === 'db-01')!;
    await stack.pulumi(['state', 'delete', 'urn:pulumi:e2e::vmbackup-demo::vmbackup:index:VmProtection::db-01', '--yes']);
    const imported = await stack.pulumi(['import', 'vmbackup:index:VmProtection', 'db-01', db01.id, '--yes', '--protect=false']);
    expect(imported.stdout).toMatch(/policyId: \S+\/backupPolicies\/weekly-sun/);
    await stack.pulumi(['preview', '--expect-no-changes']);

    await changePolicyOutOfBand(stateDir, weu, { resourceGroup: 'rg-web', name: 'web-01' }, 'weekly-sun');
    const refresh = await stack.pulumi(['refresh', '--yes', '--diff']);
    expect(refresh.stdout).toMatch(/web-01[\s\S]*policyId[\s\S]*weekly-sun/);
    const drifted = await stack.pulumi(['preview', '--expect-no-changes'], { allowFailure: true });
    expect(drifted.code).not.toBe(0);
    await stack.pulumi(['up', '--yes']);
    expect((await observeState(stateDir, weu)).protectedItems.find((i) => i.friendlyName === 'web-01')?.policyName).toBe('daily-2200');

    passEightDays(stateDir);
    await stack.pulumi(['destroy', '--yes']);
    const afterDestroy = await observeState(stateDir, weu);
    for (const name of ['web-01', 'app-01', 'db-01']) {
      const item = afterDestroy.protectedItems.find((i) => i.friendlyName === name);
      expect(item?.protectionState, name).toBe('ProtectionStopped');
      expect(item?.recoveryPoints?.length ?? 0, name).toBeGreaterThan(0);
    }
  }, 240_000);

  it('examples/pulumi-ts: up protects what getVirtualMachines offers, refresh shows drift, destroy retains', async () => {
    const dir = path.join(work, 'ts');
    await cp(path.join(ROOT, 'examples', 'pulumi-ts'), dir, { recursive: true, filter: (src) => !src.includes('node_modules') && !src.includes('.vmbackup') });
    const project = (await readFile(path.join(dir, 'Pulumi.yaml'), 'utf8'))
      .replace('path: ../../bin', `path: ${path.join(ROOT, 'bin')}`)
      .replace('vmbackup:fleet: ../fleet.yaml', `vmbackup:fleet: ${FLEET}`);
    await writeFile(path.join(dir, 'Pulumi.yaml'), project);
    // What `npm install` gives a copy outside the repository, without the network: the package, and its
    // dependencies hoisted beside it (one @pulumi/pulumi for the program and the SDK).
    await mkdir(path.join(dir, 'node_modules', '@pulumi'), { recursive: true });
    await symlink(path.join(ROOT, 'node_modules', '@pulumi', 'pulumi'), path.join(dir, 'node_modules', '@pulumi', 'pulumi'));
    await symlink(ROOT, path.join(dir, 'node_modules', 'vmbackup'));
    await symlink(path.join(ROOT, 'node_modules', '@types'), path.join(dir, 'node_modules', '@types'));
    const stack = await makeStack(path.join(work, 'ts-home'), dir);
    const neu = { resourceGroup: 'rg-backup-ne', name: 'vault-neu' };

    await stack.pulumi(['up', '--yes']);
    const outputs = JSON.parse((await stack.pulumi(['stack', 'output', '--json'])).stdout) as { protectedVms: string[] };
    expect(outputs.protectedVms.sort()).toEqual(['app-ne-01', 'web-ne-01']);
    await stack.pulumi(['preview', '--expect-no-changes']);

    const stateDir = path.join(dir, '.vmbackup');
    await changePolicyOutOfBand(stateDir, neu, { resourceGroup: 'rg-app-ne', name: 'app-ne-01' }, 'DefaultPolicy');
    const refresh = await stack.pulumi(['refresh', '--yes', '--diff']);
    expect(refresh.stdout).toMatch(/app-ne-01[\s\S]*policyId[\s\S]*DefaultPolicy/);

    passEightDays(stateDir);
    await stack.pulumi(['destroy', '--yes']);
    const after = await observeState(stateDir, neu);
    const web = after.protectedItems.find((i) => i.friendlyName === 'web-ne-01');
    expect(web?.protectionState).toBe('ProtectionStopped');
    expect(web?.recoveryPoints?.length ?? 0).toBeGreaterThan(0);
  }, 240_000);
});
