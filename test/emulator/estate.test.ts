// A world of several subscriptions, driven through the official SDK clients of each subscription (every answer
// checked against the REST specifications): lists per subscription, protection in the vault of the VM's own
// subscription and region, cross-subscription protection refused, an unknown subscription, and Azure's vault
// limits, reached by seeding the store directly rather than through a thousand requests.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { checkFleetObject, MAX_FLEET_BYTES, type FleetVm } from '../../emulator/fleet.js';
import { FleetError, fleetSubscriptions, generateEstate, openEmulatorState, parseFleetText } from '../../emulator/index.js';
import { openSqliteStore, type Store } from '../../emulator/store.js';
import { MAX_POLICIES_PER_VAULT, MAX_POLICY_WRITES_PER_WINDOW, MAX_VMS_PER_VAULT } from '../../emulator/vaultLimits.js';
import { captureResponse, clientsFor, containerOf, dailyPolicy, itemOf, pollStatus, raw, specProblems, startTestEmulator, SUB, type TestEmulator } from './helpers.js';

const SUB_B = '0b7e3c2d-5a4f-4e6d-8c9b-1a2b3c4d5e6f';
const UNKNOWN = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';

const vm = (name: string, resourceGroup: string, location: string): FleetVm => ({ name, resourceGroup, location, os: 'Linux' });
/** Subscription A and B each hold a VM rg-web/web-01 in westeurope: two VMs, one name. */
const FLEET = {
  profile: 'modern',
  subscriptions: [
    {
      subscriptionId: SUB,
      vaults: [{ name: 'vault-a-weu', resourceGroup: 'rg-backup', location: 'westeurope' }],
      vms: [vm('web-01', 'rg-web', 'westeurope'), vm('app-01', 'rg-app', 'westeurope')],
    },
    {
      subscriptionId: SUB_B,
      vaults: [
        { name: 'vault-b-weu', resourceGroup: 'rg-backup', location: 'westeurope' },
        { name: 'vault-b-neu', resourceGroup: 'rg-backup', location: 'northeurope' },
      ],
      vms: [vm('web-01', 'rg-web', 'westeurope'), vm('db-01', 'rg-data', 'northeurope')],
    },
  ],
};

const A_WEU = { subscriptionId: SUB, resourceGroup: 'rg-backup', name: 'vault-a-weu' };
const B_WEU = { subscriptionId: SUB_B, resourceGroup: 'rg-backup', name: 'vault-b-weu' };
const B_NEU = { subscriptionId: SUB_B, resourceGroup: 'rg-backup', name: 'vault-b-neu' };
type VaultRef = typeof A_WEU;

const vaultIdOf = (v: VaultRef) => `/subscriptions/${v.subscriptionId}/resourceGroups/${v.resourceGroup}/providers/Microsoft.RecoveryServices/vaults/${v.name}`;
const vmIdOf = (subscriptionId: string, rg: string, name: string) => `/subscriptions/${subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/${name}`;

let em: TestEmulator;
let b: ReturnType<typeof clientsFor>;

/** The official clients of a subscription. */
function clients(v: VaultRef) {
  return v.subscriptionId === SUB ? em.clients : b;
}

/** Protects a VM (of any subscription, named by its ARM id) in a vault; resolves to the operation's final status. */
async function protect(vault: VaultRef, vmId: string, policy = 'DefaultPolicy'): Promise<any> {
  const [rg, name] = [vmId.split('/')[4], vmId.split('/')[8]];
  const cap = captureResponse();
  await clients(vault).backup.protectedItems.createOrUpdate(
    vault.name,
    vault.resourceGroup,
    'Azure',
    containerOf(rg, name),
    itemOf(rg, name),
    { properties: { protectedItemType: 'Microsoft.Compute/virtualMachines', sourceResourceId: vmId, policyId: `${vaultIdOf(vault)}/backupPolicies/${policy}` } as any },
    { onResponse: cap.onResponse },
  );
  return pollStatus(em, cap.header('azure-asyncoperation'));
}

function putPolicy(vault: VaultRef, name: string) {
  return clients(vault).backup.protectionPolicies.createOrUpdate(vault.name, vault.resourceGroup, name, dailyPolicy('21:00', 14));
}

/** Writes to the world directly, beside the running server (SQLite serializes the two). */
function seed(fn: (store: Store) => void): void {
  const store = openSqliteStore(em.stateDir);
  try {
    store.transaction(() => fn(store));
  } finally {
    store.close();
  }
}

async function emulatorNowMs(): Promise<number> {
  return Date.parse((await raw(em, 'GET', '/admin/clock')).body.now);
}

async function listAll<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

beforeAll(async () => {
  em = await startTestEmulator({ fleet: FLEET, fleetFile: undefined });
  b = clientsFor({ ...em, subscriptionId: SUB_B });
});

afterAll(async () => {
  await em.dispose();
  expect(specProblems).toEqual([]);
});

describe('a world of two subscriptions', () => {
  test('the first subscription is the default the world reports', () => {
    expect(em.subscriptionId).toBe(SUB);
    const state = openEmulatorState(em.stateDir);
    try {
      expect(state.subscriptionId).toBe(SUB);
    } finally {
      state.close();
    }
  });

  test('each subscription lists its own vaults, by subscription and by resource group', async () => {
    const names = async (c: ReturnType<typeof clientsFor>) => (await listAll(c.vaults.vaults.listBySubscriptionId())).map((v) => v.id);
    expect(await names(em.clients)).toEqual([vaultIdOf(A_WEU)]);
    expect(await names(b)).toEqual([vaultIdOf(B_NEU), vaultIdOf(B_WEU)]);
    expect((await listAll(b.vaults.vaults.listByResourceGroup('rg-backup'))).map((v) => `${v.name} ${v.location}`)).toEqual(['vault-b-neu northeurope', 'vault-b-weu westeurope']);
    expect((await b.vaults.vaults.get('rg-backup', 'vault-b-neu')).id).toBe(vaultIdOf(B_NEU));
    await expect(em.clients.vaults.vaults.get('rg-backup', 'vault-b-neu')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
  });

  test('each subscription lists its own VMs; one name in two subscriptions is two VMs', async () => {
    const ids = async (c: ReturnType<typeof clientsFor>) => (await listAll(c.compute.virtualMachines.listAll())).map((v) => v.id);
    expect(await ids(em.clients)).toEqual([vmIdOf(SUB, 'rg-app', 'app-01'), vmIdOf(SUB, 'rg-web', 'web-01')]);
    expect(await ids(b)).toEqual([vmIdOf(SUB_B, 'rg-data', 'db-01'), vmIdOf(SUB_B, 'rg-web', 'web-01')]);
    expect((await listAll(b.compute.virtualMachines.list('rg-web'))).map((v) => v.id)).toEqual([vmIdOf(SUB_B, 'rg-web', 'web-01')]);
    const [a, bb] = await Promise.all([em.clients.compute.virtualMachines.get('rg-web', 'web-01'), b.compute.virtualMachines.get('rg-web', 'web-01')]);
    expect(a.vmId).not.toBe(bb.vmId);
    await expect(em.clients.compute.virtualMachines.get('rg-data', 'db-01')).rejects.toMatchObject({ statusCode: 404 });
  });

  test("a vault's discovery offers only the VMs of its own subscription and region", async () => {
    await b.backup.protectionContainers.refresh(B_WEU.name, B_WEU.resourceGroup, 'Azure');
    let offered: string[] = [];
    for (let i = 0; i < 200 && offered.length === 0; i++) {
      offered = (await listAll(b.backup.backupProtectableItems.list(B_WEU.name, B_WEU.resourceGroup))).map((p) => (p.properties as any).virtualMachineId);
      if (offered.length === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(offered).toEqual([vmIdOf(SUB_B, 'rg-web', 'web-01')]);
  });

  test('the same resource group and name is protected in each subscription by that subscription\'s vault', async () => {
    expect((await protect(B_WEU, vmIdOf(SUB_B, 'rg-web', 'web-01'))).status).toBe('Succeeded');
    expect((await protect(A_WEU, vmIdOf(SUB, 'rg-web', 'web-01'))).status).toBe('Succeeded');
    const items = async (v: VaultRef) => (await listAll(clients(v).backup.backupProtectedItems.list(v.name, v.resourceGroup))).map((i) => i.properties?.sourceResourceId);
    expect(await items(A_WEU)).toEqual([vmIdOf(SUB, 'rg-web', 'web-01')]);
    expect(await items(B_WEU)).toEqual([vmIdOf(SUB_B, 'rg-web', 'web-01')]);
    expect(await items(B_NEU)).toEqual([]);
    const status = await b.backup.backupStatus.get('westeurope', { resourceType: 'VM', resourceId: vmIdOf(SUB_B, 'rg-web', 'web-01') });
    expect([status.protectionStatus, status.vaultId]).toEqual(['Protected', vaultIdOf(B_WEU)]);
  });

  test("a vault refuses a VM of another subscription, even one of its own region, and pre-validation says so", async () => {
    const appOfA = vmIdOf(SUB, 'rg-app', 'app-01');
    await expect(protect(B_WEU, appOfA)).rejects.toMatchObject({ statusCode: 400, code: 'UserErrorCrossSubscriptionBackupNotSupported', message: expect.stringContaining(SUB) });
    const check = await b.backup.protectionIntentOperations.validate('westeurope', { resourceType: 'VM', resourceId: appOfA, vaultId: vaultIdOf(B_WEU) });
    expect([check.status, check.errorCode]).toEqual(['Failed', 'UserErrorCrossSubscriptionBackupNotSupported']);
    // The vault of the VM's own subscription and region takes it.
    expect((await protect(A_WEU, appOfA)).status).toBe('Succeeded');
  });

  test("a vault refuses a VM of its subscription in another region", async () => {
    await expect(protect(B_WEU, vmIdOf(SUB_B, 'rg-data', 'db-01'))).rejects.toMatchObject({ statusCode: 400, code: 'UserErrorVmInDifferentRegion' });
    expect((await protect(B_NEU, vmIdOf(SUB_B, 'rg-data', 'db-01'))).status).toBe('Succeeded');
  });

  test("a subscription the world does not hold answers ARM's 404 SubscriptionNotFound", async () => {
    const unknown = clientsFor({ ...em, subscriptionId: UNKNOWN });
    await expect(listAll(unknown.vaults.vaults.listBySubscriptionId())).rejects.toMatchObject({ statusCode: 404, code: 'SubscriptionNotFound' });
    await expect(listAll(unknown.compute.virtualMachines.listAll())).rejects.toMatchObject({ statusCode: 404, code: 'SubscriptionNotFound' });
    await expect(unknown.backup.protectionPolicies.get('vault-a-weu', 'rg-backup', 'DefaultPolicy')).rejects.toMatchObject({ statusCode: 404, code: 'SubscriptionNotFound' });
    const res = await raw(em, 'GET', `/subscriptions/${UNKNOWN}/providers/Microsoft.Compute/virtualMachines?api-version=2024-07-01`);
    expect(res).toMatchObject({ status: 404, body: { error: { code: 'SubscriptionNotFound', message: `The subscription '${UNKNOWN}' could not be found.` } } });
    expect(Object.keys(res.body)).toEqual(['error']);
  });
});

describe("Azure's vault limits", () => {
  test(`a vault holding ${MAX_VMS_PER_VAULT} VMs refuses another; a VM it holds is still served`, async () => {
    const vault = vaultIdOf(B_NEU);
    // db-01 was protected in vault-b-neu above; 999 more registered VMs fill the vault.
    seed((store) => {
      for (let i = 1; i < MAX_VMS_PER_VAULT; i++) {
        const name = `filler-${String(i).padStart(4, '0')}`;
        store.putContainer({ vaultId: vault, vmId: vmIdOf(SUB_B, 'rg-fill', name), vmName: name, resourceGroup: 'rg-fill', registrationStatus: 'Registered', registeredAt: new Date().toISOString() });
      }
      store.putVm({ ...store.getVm(vmIdOf(SUB_B, 'rg-data', 'db-01'))!, id: vmIdOf(SUB_B, 'rg-data', 'db-02'), name: 'db-02', vmId: 'f2d4a6b8-0c1e-4a3b-9c5d-7e9f1a3b5c7d', extensions: {} });
    });
    await expect(protect(B_NEU, vmIdOf(SUB_B, 'rg-data', 'db-02'))).rejects.toMatchObject({
      statusCode: 400,
      code: 'UserErrorVaultVmLimitReached',
      message: expect.stringContaining(`${MAX_VMS_PER_VAULT} Azure VMs`),
    });
    // Changing the policy of a VM the vault holds is no new VM.
    await putPolicy(B_NEU, 'Daily21');
    expect((await protect(B_NEU, vmIdOf(SUB_B, 'rg-data', 'db-01'), 'Daily21')).status).toBe('Succeeded');
  });

  test(`a vault holding ${MAX_POLICIES_PER_VAULT} policies refuses a new one and still takes edits`, async () => {
    const vault = vaultIdOf(A_WEU);
    seed((store) => {
      const properties = store.getPolicy(vault, 'DefaultPolicy')!.properties;
      // DefaultPolicy and these make the limit.
      for (let i = 1; i < MAX_POLICIES_PER_VAULT; i++) store.putPolicy({ vaultId: vault, name: `seeded-${i}`, properties, createdAt: new Date().toISOString() });
    });
    expect(await listAll(em.clients.backup.backupPolicies.list(A_WEU.name, A_WEU.resourceGroup))).toHaveLength(MAX_POLICIES_PER_VAULT);
    await expect(putPolicy(A_WEU, 'one-too-many')).rejects.toMatchObject({ statusCode: 400, code: 'UserErrorVaultPolicyLimitReached', message: expect.stringContaining(`${MAX_POLICIES_PER_VAULT} backup policies`) });
    expect((await putPolicy(A_WEU, 'seeded-7')).name).toBe('seeded-7');
    await em.clients.backup.protectionPolicies.beginDeleteAndWait(A_WEU.name, A_WEU.resourceGroup, 'seeded-8', { updateIntervalInMs: 10 });
    expect((await putPolicy(A_WEU, 'one-too-many')).name).toBe('one-too-many');
  });

  test(`a vault takes ${MAX_POLICY_WRITES_PER_WINDOW} policy creations or edits in 24 hours, then refuses until the oldest is a day old`, async () => {
    const vault = vaultIdOf(B_WEU);
    const now = await emulatorNowMs();
    // 49 writes an hour ago; the test's own PUT is the 50th.
    seed((store) => store.putVault({ ...store.getVault(vault)!, policyWrites: Array.from({ length: MAX_POLICY_WRITES_PER_WINDOW - 1 }, () => now - 3_600_000) }));
    expect((await putPolicy(B_WEU, 'fiftieth')).name).toBe('fiftieth');
    const refused = putPolicy(B_WEU, 'fiftieth');
    await expect(refused).rejects.toMatchObject({ statusCode: 400, code: 'UserErrorPolicyWriteLimitReached', message: expect.stringContaining(new Date(now - 3_600_000 + 86_400_000).toISOString().slice(0, 16)) });
    // Another vault of the subscription has its own budget.
    expect((await putPolicy(B_NEU, 'elsewhere')).name).toBe('elsewhere');
    await raw(em, 'POST', '/admin/clock/advance', { duration: '23h' });
    expect((await putPolicy(B_WEU, 'next-day')).name).toBe('next-day');
  });
});

describe('the fleet file with subscriptions', () => {
  const HEAD = `profile: modern\nsubscriptions:\n`;
  const sub = (id: string, vmName = 'web-01') =>
    `  - subscriptionId: ${id}\n    vaults:\n      - { name: vault, resourceGroup: rg-backup, location: westeurope }\n    vms:\n      - { name: ${vmName}, resourceGroup: rg-web, location: westeurope, os: Linux }\n`;
  const problems = (text: string) => {
    try {
      parseFleetText(text, 'estate.yaml');
    } catch (e) {
      if (e instanceof FleetError) return e.problems.map((p) => `${p.line}:${p.col}: ${p.message}`);
      throw e;
    }
    return [];
  };

  test('lists each subscription with its vaults and VMs, the first being the default', () => {
    const subs = fleetSubscriptions(parseFleetText(`${HEAD}${sub(SUB)}${sub(SUB_B, 'web-02')}`, 'estate.yaml'));
    expect(subs.map((s) => [s.subscriptionId, s.vaults.length, s.vms[0].name])).toEqual([
      [SUB, 1, 'web-01'],
      [SUB_B, 1, 'web-02'],
    ]);
  });

  test('a top-level subscriptionId beside subscriptions, a subscription listed twice, and a bad VM in a subscription are refused where they are', () => {
    expect(problems(`subscriptionId: ${SUB}\n${HEAD}${sub(SUB_B)}`)).toEqual([
      '1:1: fleet: with subscriptions, each subscription lists its own subscriptionId, vaults and vms: move them from the top into a subscription',
    ]);
    expect(problems(`${HEAD}${sub(SUB)}${sub(SUB.toUpperCase())}`)).toEqual([`8:5: subscriptions.1: subscription '${SUB.toUpperCase()}' is already listed (subscriptions.0)`]);
    expect(problems(`${HEAD}${sub(SUB)}${sub(SUB_B).replace('os: Linux', 'os: Plan9')}`)).toEqual([
      '12:74: subscriptions.1.vms.0.os: must be one of "Windows", "Linux"',
    ]);
    expect(problems(`profile: modern\nsubscriptions: []\n`)).toEqual(['2:16: subscriptions: must NOT have fewer than 1 items']);
  });
});

describe('the generated estate', () => {
  test('4 subscriptions, 3 regions, 16 vaults and 12,000 VMs by default, the same every time, a vault for every subscription and region', () => {
    const estate = generateEstate();
    expect(generateEstate()).toEqual(estate);
    expect(generateEstate({ seed: 2 })).not.toEqual(estate);
    checkFleetObject(estate);
    const subs = fleetSubscriptions(estate);
    expect(subs).toHaveLength(4);
    expect(subs[0].subscriptionId).toBe(SUB);
    expect(new Set(subs.map((s) => s.subscriptionId)).size).toBe(4);
    expect(subs.flatMap((s) => s.vaults)).toHaveLength(16);
    expect(subs.flatMap((s) => s.vms)).toHaveLength(12_000);
    for (const s of subs) {
      expect(s.vaults).toHaveLength(4);
      expect(new Set(s.vaults.map((v) => v.location))).toEqual(new Set(['westeurope', 'northeurope', 'westus3']));
      expect(s.vms).toHaveLength(3000);
      // VMs go to the regions in turn; every 50th reuses an earlier VM's name, resource group and region.
      for (const region of ['westeurope', 'northeurope', 'westus3']) expect(Math.abs(s.vms.filter((v) => v.location === region).length - 1000)).toBeLessThan(50);
    }
  });

  test('the default estate written as YAML is a fleet file within the caps', () => {
    const text = stringify(generateEstate());
    expect(text.length).toBeLessThan(MAX_FLEET_BYTES);
    expect(fleetSubscriptions(parseFleetText(text, 'estate.yaml')).flatMap((s) => s.vms)).toHaveLength(12_000);
  });

  test('a small estate seeds a world whose subscriptions each serve their own VMs', async () => {
    const estate = generateEstate({ subscriptions: 2, regions: ['westeurope', 'northeurope'], vaults: 5, vms: 300, seed: 3 });
    const world = await startTestEmulator({ fleet: estate, fleetFile: undefined });
    try {
      for (const s of fleetSubscriptions(estate)) {
        const c = clientsFor({ ...world, subscriptionId: s.subscriptionId });
        const vms = await listAll(c.compute.virtualMachines.listAll());
        expect(vms).toHaveLength(150);
        expect(vms.every((v) => v.id!.startsWith(`/subscriptions/${s.subscriptionId}/`))).toBe(true);
        expect((await listAll(c.vaults.vaults.listBySubscriptionId())).map((v) => v.name).sort()).toEqual(s.vaults.map((v) => v.name).sort());
      }
    } finally {
      await world.dispose();
    }
  });
});
