// vmbackup:index:ProtectionSet under the real engine: the provider's Construct resolves the selector
// read-only and registers one VmProtection child per matching VM, so preview writes nothing, up protects
// exactly those VMs, each child imports on its own, a VM that starts to match is one child to create,
// destroy stops protection retaining the recovery points, and the set's disk selection reaches every child.
import Database from 'better-sqlite3';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isActive } from '../../provider/plan/index.js';
import { observeState, passEightDays, stackWithWorld, vaultWrites, yamlProgram } from './engineStack.js';
import { FLEET, ROOT, vmId } from './harness.js';

const SET_FLEET = path.join(ROOT, 'test', 'pulumi', 'fixtures', 'protection-set-fleet.yaml');
const WEU = { resourceGroup: 'rg-backup', name: 'vault-weu' };

/** The program; without `vault` the set takes the vault of its policy, with `disks` it backs up those disks of each VM. */
function program(selector: string, opts: { vault?: boolean; disks?: string; fleet?: string } = {}): string {
  const vault = opts.vault === false ? '' : 'vaultResourceGroup: rg-backup, vaultName: vault-weu, ';
  const disks = opts.disks ? `disks: ${opts.disks}, ` : '';
  return yamlProgram('vmbackup-protection-set', opts.fleet ?? SET_FLEET, [
    'resources:',
    '  daily:',
    '    type: vmbackup:index:Policy',
    '    properties: { vaultResourceGroup: rg-backup, vaultName: vault-weu, name: set-daily, schedule: { frequency: Daily, time: "21:00" }, retention: { daily: 7 } }',
    '  prod:',
    '    type: vmbackup:index:ProtectionSet',
    `    properties: { ${vault}${disks}policyId: "\${daily.id}", selector: ${selector} }`,
    'outputs:',
    '  count: ${prod.count}',
    '  vmIds: ${prod.vmIds}',
  ]);
}

/** The VmProtection children a preview or up shows with this operation ("create", "delete", …). */
function children(stdout: string, op: string): string[] {
  return [...stdout.matchAll(new RegExp(`^\\s*[-+~]*\\s+vmbackup:index:VmProtection (\\S+) ${op}`, 'gm'))].map((m) => m[1]).sort();
}

/** Tags a VM behind the engine's back, as an edit in the portal would: Compute reports the tag from now on. */
function tagOutOfBand(stateDir: string, id: string, key: string, value: string): void {
  const db = new Database(path.join(stateDir, 'world.sqlite'));
  try {
    const changed = db.prepare(`UPDATE vms SET doc = json_set(doc, '$.tags.' || ?, ?) WHERE key = ?`).run(key, value, id.toLowerCase()).changes;
    expect(changed).toBe(1);
  } finally {
    db.close();
  }
}

/** An example program of examples/ over the demo fleet, with the repository's plugin, in a stack of its own. */
async function exampleStack(name: string) {
  const example = (await readFile(path.join(ROOT, 'examples', name, 'Pulumi.yaml'), 'utf8'))
    .replace('path: ../../bin', `path: ${path.join(ROOT, 'bin')}`)
    .replace('vmbackup:fleet: ../fleet.yaml', `vmbackup:fleet: ${FLEET}`);
  return stackWithWorld(work, name, example, FLEET);
}

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'vmbackup-protection-set-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('ProtectionSet under the real engine', () => {
  it('preview writes nothing, up protects exactly the matching VMs, children import, a newly tagged VM is one create, destroy retains', async () => {
    const { stack, stateDir } = await stackWithWorld(work, 'lifecycle', program('{ tags: { env: prod } }'), SET_FLEET);
    const matching = ['prod/rg-app/app-01', 'prod/rg-web/web-01', 'prod/rg-web/web-02'];

    const before = vaultWrites(stateDir);
    const preview = await stack.pulumi(['preview']);
    expect(vaultWrites(stateDir)).toBe(before);
    // dev-01 is another environment, ops-01 has no tag, web-ne-01 is of another region than the vault.
    expect(children(preview.stdout, 'create')).toEqual(matching);
    expect(preview.stdout).toMatch(/\+\s+vmbackup:index:ProtectionSet prod create/);

    await stack.pulumi(['up', '--yes']);
    const protectedVms = (await observeState(stateDir, WEU)).protectedItems.filter(isActive).map((i) => `${i.vmId.split('/')[4]}/${i.friendlyName}:${i.policyName}`);
    expect(protectedVms.sort()).toEqual(['rg-app/app-01:set-daily', 'rg-web/web-01:set-daily', 'rg-web/web-02:set-daily']);
    const outputs = JSON.parse((await stack.pulumi(['stack', 'output', '--json'])).stdout) as { count: number; vmIds: string[] };
    expect(outputs).toEqual({ count: 3, vmIds: [vmId('rg-app', 'app-01'), vmId('rg-web', 'web-01'), vmId('rg-web', 'web-02')] });
    await stack.pulumi(['preview', '--expect-no-changes']);
    // Once the policy exists, its id names the vault: the same children without vaultResourceGroup and vaultName.
    await writeFile(path.join(stack.dir, 'Pulumi.yaml'), program('{ tags: { env: prod } }', { vault: false }));
    await stack.pulumi(['preview', '--expect-no-changes']);

    // Import per child: the engine forgets web-02's protection, then takes it back under the set by its id alone.
    const setUrn = 'urn:pulumi:e2e::vmbackup-protection-set::vmbackup:index:ProtectionSet::prod';
    const web02 = (await observeState(stateDir, WEU)).protectedItems.find((i) => i.friendlyName === 'web-02')!;
    await stack.pulumi(['state', 'delete', 'urn:pulumi:e2e::vmbackup-protection-set::vmbackup:index:ProtectionSet$vmbackup:index:VmProtection::prod/rg-web/web-02', '--yes']);
    await stack.pulumi(['import', 'vmbackup:index:VmProtection', 'prod/rg-web/web-02', web02.id, '--parent', `prod=${setUrn}`, '--yes', '--protect=false']);
    await stack.pulumi(['preview', '--expect-no-changes']);

    tagOutOfBand(stateDir, vmId('rg-ops', 'ops-01'), 'env', 'prod');
    const tagged = vaultWrites(stateDir);
    const grown = await stack.pulumi(['preview']);
    expect(vaultWrites(stateDir)).toBe(tagged);
    expect(children(grown.stdout, 'create')).toEqual(['prod/rg-ops/ops-01']);
    expect(grown.stdout).toMatch(/\+ 1 to create/);
    expect(grown.stdout).not.toMatch(/to (delete|update|replace)/);

    passEightDays(stateDir);
    const destroyed = await stack.pulumi(['destroy', '--yes']);
    expect(children(destroyed.stdout, 'deleted')).toEqual(matching);
    const after = await observeState(stateDir, WEU);
    for (const name of ['web-01', 'web-02', 'app-01']) {
      const item = after.protectedItems.find((i) => i.friendlyName === name);
      expect(item?.protectionState, name).toBe('ProtectionStopped');
      expect(item?.recoveryPoints?.length ?? 0, name).toBeGreaterThan(0);
    }
    expect(after.protectedItems.find((i) => i.friendlyName === 'ops-01')).toBeUndefined();
  }, 400_000);

  it('disks: checked as VmProtection checks them; { osOnly: true } reaches every child: after up each item backs up its OS disk only, and preview finds nothing to change', async () => {
    // Selective disk backup is today's Azure: the set's world has the modern profile, and VMs with data disks.
    const fleet = path.join(work, 'disks-fleet.yaml');
    await writeFile(fleet, [
      'subscriptionId: 6f1c2a7e-3b1d-4c55-9d1e-0a9b8c7d6e5f',
      'profile: modern',
      'vaults:',
      '  - { name: vault-weu, resourceGroup: rg-backup, location: westeurope }',
      'vms:',
      '  - { name: db-01, resourceGroup: rg-data, location: westeurope, os: Linux, dataDisks: 2, tags: { env: prod } }',
      '  - { name: db-02, resourceGroup: rg-data, location: westeurope, os: Linux, dataDisks: 3, tags: { env: prod } }',
      '  - { name: dev-01, resourceGroup: rg-dev, location: westeurope, os: Linux, dataDisks: 1, tags: { env: dev } }',
    ].join('\n'));
    const { stack, stateDir } = await stackWithWorld(work, 'disks', program('{ tags: { env: prod } }', { disks: '{ include: [] }', fleet }), fleet);
    const before = vaultWrites(stateDir);
    const refused = await stack.pulumi(['preview'], { allowFailure: true });
    expect(refused.code).not.toBe(0);
    expect(`${refused.stdout}\n${refused.stderr}`).toMatch(/ProtectionSet prod has invalid inputs.*\n.*disks: disks\.include lists no LUN: write osOnly: true/);
    expect(vaultWrites(stateDir)).toBe(before);

    await writeFile(path.join(stack.dir, 'Pulumi.yaml'), program('{ tags: { env: prod } }', { disks: '{ osOnly: true }', fleet }));
    await stack.pulumi(['up', '--yes']);
    const items = (await observeState(stateDir, WEU)).protectedItems.filter(isActive);
    expect(items.map((i) => [i.friendlyName, i.disks]).sort()).toEqual([
      ['db-01', { kind: 'osOnly' }],
      ['db-02', { kind: 'osOnly' }],
    ]);
    await stack.pulumi(['preview', '--expect-no-changes']);
  }, 400_000);

  it('examples/pulumi-protection-set: preview lists the healthy production web and API VMs of the demo fleet, writing nothing', async () => {
    const { stack, stateDir } = await exampleStack('pulumi-protection-set');
    const before = vaultWrites(stateDir);
    const preview = await stack.pulumi(['preview']);
    expect(vaultWrites(stateDir)).toBe(before);
    expect(children(preview.stdout, 'create')).toEqual(['prod/rg-app/app-01', 'prod/rg-app/app-02', 'prod/rg-web/web-01', 'prod/rg-web/web-02']);
  }, 120_000);

  it('examples/pulumi-estate: each region\'s web tier in its own vault, one provider configuration, and the estate\'s coverage', async () => {
    const { stack, stateDir } = await exampleStack('pulumi-estate');
    const before = vaultWrites(stateDir);
    const preview = await stack.pulumi(['preview']);
    expect(vaultWrites(stateDir)).toBe(before);
    expect(children(preview.stdout, 'create')).toEqual(['webNeu/rg-web-ne/web-ne-01', 'webWeu/rg-web/web-01', 'webWeu/rg-web/web-02']);

    await stack.pulumi(['up', '--yes']);
    const first = JSON.parse((await stack.pulumi(['stack', 'output', '--json'])).stdout) as Record<string, number>;
    expect(first).toMatchObject({ protectedInWestEurope: 2, protectedInNorthEurope: 1 });
    // The audit is read when the program runs: before this up protected anything, every VM in scope was uncovered.
    expect(first.uncoveredVms).toBe(first.vmsInScope);
    await stack.pulumi(['up', '--yes']);
    const outputs = JSON.parse((await stack.pulumi(['stack', 'output', '--json'])).stdout) as Record<string, number>;
    // Every VM of the demo fleet's subscription is in scope; without rules or exemptions, those no vault protects are uncovered.
    expect(outputs.vmsInScope).toBe(first.vmsInScope);
    expect(outputs.uncoveredVms).toBe(outputs.vmsInScope - 3);
    const neu = await observeState(stateDir, { resourceGroup: 'rg-backup-ne', name: 'vault-neu' });
    expect(neu.protectedItems.filter(isActive).map((i) => i.friendlyName)).toEqual(['web-ne-01']);
    await stack.pulumi(['preview', '--expect-no-changes']);
    await stack.pulumi(['destroy', '--yes']);
  }, 400_000);

  it('refuses a selector it cannot read, saying which input and why, without a stack trace', async () => {
    const { stack, stateDir } = await stackWithWorld(work, 'invalid', program('{ names: ["web-*", "!web-02"] }'), SET_FLEET);
    const before = vaultWrites(stateDir);
    const res = await stack.pulumi(['preview'], { allowFailure: true });
    expect(res.code).not.toBe(0);
    const out = `${res.stdout}\n${res.stderr}`;
    expect(out).toMatch(/selector\.names\[1\]: name pattern "!web-02": a leading '!' does not negate.*list the names under exclude/);
    expect(out).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(vaultWrites(stateDir)).toBe(before);
  }, 120_000);
});
