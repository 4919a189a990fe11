// What a vault offers, read from the store one window at a time: the VMs of its subscription and region that existed
// at its last discovery, that no item holds (a soft-deleted one does not) and that no other vault has registered (a
// registration with this vault does not count). Each window is the same slice of the whole list.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFleetFile, seedWorld } from '../../emulator/fleet.js';
import { openSqliteStore, type Store } from '../../emulator/store.js';
import type { Vault, Vm } from '../../emulator/model.js';
import { DEMO_FLEET } from '../e2e/harness.js';

describe("the VMs a vault offers, in windows of the store", () => {
  let dir: string;
  let store: Store;
  let weu: Vault;
  let neu: Vault;
  const NOW = Date.parse('2026-06-01T12:00:00.000Z');
  const vmOf = (name: string, rg?: string): Vm => store.listVms().find((v) => v.name === name && (rg === undefined || v.resourceGroup === rg))!;
  const offered = (vault: Vault, window: { offset?: number; limit?: number } = {}) =>
    store
      .listOfferedVms({ vaultId: vault.id, subscriptionId: vault.id.split('/')[2], location: vault.location, createdBy: new Date(NOW).toISOString(), ...window })
      .map((v) => `${v.resourceGroup}/${v.name}`);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vmbackup-offered-'));
    store = openSqliteStore(dir);
    seedWorld(store, loadFleetFile(DEMO_FLEET), { nowMs: NOW - 60_000 });
    weu = store.listVaults().find((v) => v.name === 'vault-weu')!;
    neu = store.listVaults().find((v) => v.name === 'vault-neu')!;
    const item = (vault: Vault, vm: Vm, deferredDeleteAt?: string) => ({
      vaultId: vault.id, vmId: vm.id, vmName: vm.name, resourceGroup: vm.resourceGroup, vmLocation: vm.location, policyName: 'DefaultPolicy',
      state: 'Protected' as const, healthStatus: 'Passed' as const, configuredAt: NOW, protectedItemDataId: vm.name, ...(deferredDeleteAt ? { deferredDeleteAt } : {}),
    });
    const container = (vault: Vault, vm: Vm) => ({ vaultId: vault.id, vmId: vm.id, vmName: vm.name, resourceGroup: vm.resourceGroup, registrationStatus: 'Registered' as const, registeredAt: new Date(NOW).toISOString() });
    // Protected here: not offered. Soft-deleted here: offered again. Registered here: offered. Registered with the
    // other vault (ids upper-cased, as a client may send them): not offered. Created after the discovery: not offered.
    store.putItem(item(weu, vmOf('web-01')));
    store.putItem(item(weu, vmOf('web-02'), new Date(NOW + 86_400_000).toISOString()));
    store.putContainer(container(weu, vmOf('app-01')));
    const app02 = vmOf('app-02');
    store.putContainer({ ...container(neu, app02), vaultId: neu.id.toUpperCase(), vmId: app02.id.toUpperCase() });
    store.putVm({ ...vmOf('ops-01'), id: vmOf('ops-01').id.replace('ops-01', 'ops-99'), name: 'ops-99', createdAt: new Date(NOW + 1000).toISOString() });
  });
  afterAll(async () => {
    store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('leaves out what an item or another vault holds and what came after the discovery', () => {
    const all = offered(weu);
    expect(all).not.toContain('rg-web/web-01');
    expect(all).toContain('rg-web/web-02');
    expect(all).toContain('rg-app/app-01');
    expect(all).not.toContain('rg-app/app-02');
    expect(all).not.toContain('rg-ops/ops-99');
    // Only the vault's region.
    expect(all).not.toContain('rg-web-ne/web-ne-01');
    expect(offered(neu)).toContain('rg-web-ne/web-ne-01');
    // Every other VM of westeurope is offered.
    const westeurope = store.listVms({ location: 'westeurope' }).map((v) => `${v.resourceGroup}/${v.name}`);
    expect(all.length).toBe(westeurope.length - 3);
  });

  it('reads the same list in windows, in order', () => {
    const all = offered(weu);
    const windows: string[] = [];
    for (let offset = 0; offset < all.length + 3; offset += 3) windows.push(...offered(weu, { offset, limit: 3 }));
    expect(windows).toEqual(all);
    expect([...all].sort()).toEqual(all.slice().sort());
  });
});
