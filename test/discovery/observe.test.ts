import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFleet } from '../../emulator/index.js';
import { policyArmId, sameArmId, vaultArmId, vmArmId, vmContainerName, vmProtectedItemName, type Observation } from '../../provider/core/index.js';
import { observe, observeJobs, observeProtectedItem } from '../../provider/discovery/index.js';
import { deleteProtectedItem, diffCalls, installBackupExtension, isWrite, putProtectedItem, readVault, registerContainer } from '../../provider/azure/index.js';
import { openSqliteStore } from '../../emulator/store.js';
import { TWO_VAULTS_FLEET } from '../e2e/harness.js';
import { openTestTarget, WEU, type TestTarget } from './harness.js';

describe('observe against the demo fleet', () => {
  let t: TestTarget;
  let obs: Observation;
  beforeAll(async () => {
    t = await openTestTarget({ pageSize: 3 });
    obs = await observe(t.target, WEU);
  });
  afterAll(() => t?.close());

  it('reads the vault and every VM of the subscription', () => {
    expect(obs.vault).toMatchObject({ name: 'vault-weu', resourceGroup: 'rg-backup', location: 'westeurope' });
    expect(obs.vms).toHaveLength(20);
  });

  it('offers exactly the VMs of the vault region as protectable', () => {
    const protectable = obs.vms.filter((v) => v.protectable).map((v) => `${v.resourceGroup}/${v.name}`).sort();
    const sameRegion = obs.vms.filter((v) => v.location === 'westeurope').map((v) => `${v.resourceGroup}/${v.name}`).sort();
    expect(protectable).toEqual(sameRegion);
    expect(protectable).toHaveLength(18);
    expect(obs.vms.find((v) => v.name === 'web-ne-01')?.protectable).toBe(false);
  });

  it('tells apart two VMs of one name by resource group and id', () => {
    const db = obs.vms.filter((v) => v.name === 'db-01');
    expect(db.map((v) => v.resourceGroup).sort()).toEqual(['rg-data', 'rg-data-dr']);
    expect(sameArmId(db[0].id, db[1].id)).toBe(false);
    expect(db.find((v) => v.resourceGroup === 'rg-data')?.osType).toBe('Windows');
    expect(db.find((v) => v.resourceGroup === 'rg-data-dr')?.osType).toBe('Linux');
  });

  it.each([
    { reason: 'deallocated VM', name: 'batch-01', expected: { powerState: 'deallocated' } },
    { reason: 'stopped VM', name: 'batch-02', expected: { powerState: 'stopped' } },
    { reason: 'no VM agent', name: 'legacy-01', expected: { agentVersion: undefined } },
    { reason: 'outdated agent', name: 'legacy-02', expected: { agentVersion: '2.6.1198.600' } },
    { reason: 'eight data disks', name: 'bigdata-01', expected: { dataDisks: 8 } },
    { reason: 'premium storage', name: 'premium-01', expected: { storageSku: 'Premium_LRS' } },
    { reason: 'two NICs', name: 'multinic-01', expected: { nicCount: 2, loadBalanced: false } },
    { reason: 'load balanced', name: 'lb-01', expected: { loadBalanced: true } },
    { reason: 'healthy running VM with a ready agent', name: 'web-01', expected: { powerState: 'running', agentStatus: 'Ready', backupExtension: false, registered: false } },
  ])('reads the VM facts pre-flight needs: $reason', ({ name, expected }) => {
    expect(obs.vms.find((v) => v.name === name)).toMatchObject(expected);
  });

  it('reads the image so pre-flight can tell unsupported operating systems', () => {
    expect(obs.vms.find((v) => v.name === 'bsd-01')?.osImage).toMatch(/freebsd/i);
  });

  it('follows nextLink: one call per page of VMs, and counts the discovery itself', () => {
    expect(obs.apiCalls['GET virtualMachines']).toBe(Math.ceil(20 / 3));
    expect(obs.apiCalls['POST refreshContainers']).toBe(1);
    expect(obs.apiCalls['GET backupProtectableItems']).toBe(Math.ceil(18 / 3));
  });

  it('reads only the vault and the job lists when asked for jobs alone', async () => {
    const before = t.target.calls.snapshot();
    const { observedAt, jobs } = await observeJobs(t.target, WEU, { windowMs: 3_600_000 });
    const calls = diffCalls(before, t.target.calls.snapshot());
    expect(Object.keys(calls).sort()).toEqual(['GET backupJobs', 'GET vaults/{id}']);
    expect(calls['GET vaults/{id}']).toBe(1);
    expect(Date.parse(observedAt)).toBeGreaterThanOrEqual(Date.parse(obs.observedAt));
    expect(jobs.every((j) => j.status === 'InProgress' || Date.parse(j.startTime) >= Date.parse(observedAt) - 3_600_000)).toBe(true);
  });

  it('makes no write but the discovery', () => {
    const writes = Object.keys(obs.apiCalls).filter((op) => !op.startsWith('GET '));
    expect(writes).toEqual(['POST refreshContainers']);
  });
});

describe('observe call counts', () => {
  async function callsFor(vms: number): Promise<Record<string, number>> {
    const t = await openTestTarget({ fleet: generateFleet({ vms, seed: 11 }), pageSize: 100 }, undefined);
    try {
      const obs = await observe(t.target, await firstVault(t));
      expect(obs.vms).toHaveLength(vms);
      return obs.apiCalls;
    } finally {
      await t.close();
    }
  }

  async function firstVault(t: TestTarget): Promise<{ resourceGroup: string; name: string }> {
    for await (const v of t.target.clients.vaults.vaults.listBySubscriptionId()) return { resourceGroup: v.id!.split('/')[4], name: v.name! };
    throw new Error('no vault');
  }

  // Polls of the discovery's own operation depend on how long it runs, not on the world: left out.
  const withoutPolls = (calls: Record<string, number>) => Object.fromEntries(Object.entries(calls).filter(([op]) => !op.includes('operationResults')));

  it('grow with pages, not with VMs: 20 and 60 VMs on one page each make the same calls', async () => {
    const small = await callsFor(20);
    const large = await callsFor(60);
    expect(withoutPolls(large)).toEqual(withoutPolls(small));
    expect(small['GET virtualMachines']).toBe(1);
  });
});

describe('observe with a refresh predicate (what `vmbackup plan` does)', () => {
  let t: TestTarget;
  let vault: { resourceGroup: string; name: string };
  beforeAll(async () => {
    t = await openTestTarget({ fleet: generateFleet({ vms: 60, seed: 11 }), pageSize: 100 }, undefined);
    for await (const v of t.target.clients.vaults.vaults.listBySubscriptionId()) {
      vault = { resourceGroup: v.id!.split('/')[4], name: v.name! };
      break;
    }
  });
  afterAll(() => t?.close());

  const unexplained = (o: Observation) =>
    o.vms.filter((vm) => vm.location === o.vault.location && !vm.protectable && !vm.registered && !o.protectedItems.some((i) => sameArmId(i.vmId, vm.id)));

  it('a vault that has never discovered: decided before any backupStatus, one discovery, the protectable list read again, nothing else', async () => {
    let provisional: Observation | undefined;
    const obs = await observe(t.target, vault, {
      refresh: (p) => {
        provisional = p;
        return unexplained(p).length > 0;
      },
    });
    // Before discovery every VM of the region was unexplained: asking each would have cost a backupStatus apiece.
    expect(provisional!.vms.some((vm) => vm.otherVault)).toBe(false);
    expect(unexplained(provisional!).length).toBeGreaterThan(20);
    const calls = obs.apiCalls;
    expect(calls['POST refreshContainers']).toBe(1);
    expect(calls['GET backupProtectableItems']).toBe(2);
    expect(calls['GET virtualMachines']).toBe(1);
    expect(calls['GET backupProtectedItems']).toBe(1);
    // Only what discovery leaves unexplained is asked about.
    expect(calls['POST backupStatus'] ?? 0).toBe(unexplained(obs).length);
    expect(unexplained(obs).length).toBeLessThan(unexplained(provisional!).length);
  });

  it("a plan's observation reads only the jobs in progress: one job list, not the day's as well", async () => {
    // A backup that ended an hour ago: the day's jobs hold it, a plan has no use for it.
    const { vault: seen, serviceTime } = await readVault(t.target, vault);
    const store = openSqliteStore(t.stateDir);
    try {
      const vm = store.listVms()[0];
      const at = new Date(serviceTime.getTime() - 3_600_000).toISOString();
      store.putJob({
        id: '5e1d0b7a-0000-4000-8000-00000000000a', vaultId: seen.id, operation: 'Backup', status: 'Completed', vmId: vm.id, vmName: vm.name,
        resourceGroup: vm.resourceGroup, startTime: at, endTime: at, dueMs: Date.parse(at), isUserTriggered: false, errorDetails: [],
      });
    } finally {
      store.close();
    }
    const day = await observe(t.target, vault, { refresh: false });
    const plan = await observe(t.target, vault, { refresh: false, jobsSince: 'inProgress' });
    expect([day.apiCalls['GET backupJobs'], plan.apiCalls['GET backupJobs']]).toEqual([2, 1]);
    expect(day.jobs.map((j) => j.name)).toContain('5e1d0b7a-0000-4000-8000-00000000000a');
    expect(plan.jobs.every((j) => j.status === 'InProgress')).toBe(true);
  });

  it('a predicate that says no: no discovery, no write', async () => {
    const obs = await observe(t.target, vault, { refresh: () => false });
    expect(Object.keys(obs.apiCalls).filter((op) => isWrite(op))).toEqual([]);
    expect(obs.apiCalls['GET backupProtectableItems']).toBe(1);
  });
});

describe('observe a VM another vault holds', () => {
  const A = { resourceGroup: 'rg-backup-a', name: 'vault-a' };
  const B = { resourceGroup: 'rg-backup-b', name: 'vault-b' };
  let t: TestTarget;
  beforeAll(async () => {
    t = await openTestTarget({}, TWO_VAULTS_FLEET);
    const web = { id: vmArmId(t.target.subscriptionId, 'rg-web', 'web-01'), resourceGroup: 'rg-web', name: 'web-01', location: 'westeurope', osType: 'Windows' as const };
    await installBackupExtension(t.target, web);
    await registerContainer(t.target, A, web, vmContainerName('rg-web', 'web-01'));
    await putProtectedItem(t.target, A, vmContainerName('rg-web', 'web-01'), vmProtectedItemName('rg-web', 'web-01'), {
      properties: { protectedItemType: 'Microsoft.Compute/virtualMachines', sourceResourceId: web.id, policyId: policyArmId(vaultArmId(t.target.subscriptionId, A.resourceGroup, A.name), 'DefaultPolicy') },
    });
  });
  afterAll(() => t?.close());

  it('vault B reads which vault protects the VM, asking Azure about that VM alone', async () => {
    const obs = await observe(t.target, B);
    const web = obs.vms.find((v) => v.name === 'web-01')!;
    expect([web.protectable, web.registered]).toEqual([false, false]);
    expect(web.otherVault).toEqual({ id: vaultArmId(t.target.subscriptionId, A.resourceGroup, A.name), name: 'vault-a', resourceGroup: 'rg-backup-a', protectionStatus: 'Protected' });
    expect(obs.vms.find((v) => v.name === 'app-01')?.otherVault).toBeUndefined();
    expect(obs.apiCalls['POST backupStatus']).toBe(1);
    expect(Object.keys(obs.apiCalls).filter((op) => isWrite(op))).toEqual(['POST refreshContainers']);
  });

  it('reads one protected item by its ARM id with one GET, and nothing for an id that names no item', async () => {
    const obs = await observe(t.target, A, { refresh: false });
    const item = obs.protectedItems.find((i) => i.friendlyName === 'web-01')!;
    const before = t.target.calls.snapshot();
    expect(await observeProtectedItem(t.target, item.id)).toEqual(item);
    expect(diffCalls(before, t.target.calls.snapshot())).toEqual({ 'GET protectedItems/{id}': 1 });
    expect(await observeProtectedItem(t.target, item.id.replaceAll('web-01', 'web-02'))).toBeUndefined();
    expect(await observeProtectedItem(t.target, vmArmId(t.target.subscriptionId, 'rg-web', 'web-01'))).toBeUndefined();
  });

  it('vault A, which holds the VM, asks nothing', async () => {
    const obs = await observe(t.target, A);
    expect(obs.vms.every((v) => v.otherVault === undefined)).toBe(true);
    expect(obs.apiCalls['POST backupStatus']).toBeUndefined();
  });

  it('after its data is deleted there, the VM is still registered with vault A', async () => {
    await deleteProtectedItem(t.target, A, vmContainerName('rg-web', 'web-01'), vmProtectedItemName('rg-web', 'web-01'));
    const obs = await observe(t.target, B, { refresh: false });
    expect(obs.vms.find((v) => v.name === 'web-01')?.otherVault).toMatchObject({ name: 'vault-a', protectionStatus: 'NotProtected' });
  });
});
