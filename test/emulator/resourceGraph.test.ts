// Resource Graph, both sides: the emulator's query endpoint driven through vmbackup's Resource Graph client (every
// answer checked against the official 2024-04-01 specification), paging, the KQL subset's refusals, the user quota,
// and queryEstate read against the ARM lists of the same world.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openSqliteStore } from '../../emulator/store.js';
import {
  countWrites,
  installBackupExtension,
  listJobs,
  listPolicies,
  listProtectedItems,
  listVms,
  openTarget,
  protectVm,
  pageRows,
  queryEstate,
  RESOURCE_GRAPH_API_VERSION,
  refreshContainers,
  registerContainer,
  writePolicy,
  type ClassifiedAzureError,
  type Target,
  type VaultRef,
} from '../../provider/azure/index.js';
import { ResourceGraphClient, type QueryResponse } from '@azure/arm-resourcegraph';
import { vaultArmId } from '../../provider/core/index.js';
import { specValidator } from './specValidator.js';
import { containerOf, itemOf, NEU, operationsSeen, raw, specProblems, startTestEmulator, staticCredential, SUB, vmId, WEU, type TestEmulator } from './helpers.js';

const RESOURCES = '/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01';
const VMS_QUERY = "resources | where type =~ 'Microsoft.Compute/virtualMachines' | project id, name | order by id asc";

/** The rows of an answer in the default objectArray format (the SDK types `data` loosely). */
function rows(res: QueryResponse): Record<string, unknown>[] {
  return pageRows(res);
}

/** vmbackup's Resource Graph client for the emulator, with the spec check on every answer. */
function graphClient(em: TestEmulator): ResourceGraphClient {
  return new ResourceGraphClient(staticCredential(em.token), {
    endpoint: em.endpoint,
    apiVersion: RESOURCE_GRAPH_API_VERSION,
    tlsOptions: { ca: em.ca },
    retryOptions: { maxRetries: 0 },
    additionalPolicies: [{ policy: specValidator().policy(specProblems, operationsSeen), position: 'perCall' }],
  });
}

/** A target over the running emulator whose Resource Graph answers are spec-checked; retries wait milliseconds, not seconds. */
async function targetFor(em: TestEmulator): Promise<Target> {
  const target = await openTarget({ kind: 'emulator', endpoint: em.endpoint, stateDir: em.stateDir, timing: { retry: { minDelayMs: 10, maxDelayMs: 50 }, pollMinMs: 10 } });
  return { ...target, clients: { ...target.clients, graph: graphClient(em) } };
}

const byId = <T extends { id: string }>(a: T, b: T) => a.id.localeCompare(b.id);

let em: TestEmulator;
let graph: ResourceGraphClient;

beforeAll(async () => {
  // A roomy quota here; the documented 15 per 5 s is exercised by its own emulator below.
  em = await startTestEmulator({ resourceGraphQuota: { queries: 1000, windowMs: 5000 } });
  graph = graphClient(em);
});

afterAll(async () => {
  await em.dispose();
  expect(specProblems).toEqual([]);
  expect(operationsSeen.has('graph:Resources')).toBe(true);
});

describe('the query endpoint', () => {
  test('a query round-trips: Azure-shaped rows, the user quota headers, the spec-valid answer', async () => {
    let headers: { get(name: string): string | undefined } | undefined;
    const res = await graph.resources(
      { query: "resources | where type =~ 'Microsoft.Compute/virtualMachines' and name == 'web-01' | project id, name, type, resourceGroup, subscriptionId, tags, properties", subscriptions: [SUB] },
      { onResponse: (r: { headers: { get(name: string): string | undefined } }) => (headers = r.headers) },
    );
    expect([res.totalRecords, res.count, res.resultTruncated, res.skipToken]).toEqual([1, 1, 'false', undefined]);
    const row = rows(res)[0] as Record<string, any>;
    expect(row.id).toBe(vmId('rg-web', 'web-01'));
    expect([row.type, row.resourceGroup, row.subscriptionId]).toEqual(['microsoft.compute/virtualmachines', 'rg-web', SUB]);
    expect(row.tags).toEqual({ env: 'prod', app: 'web' });
    expect(row.properties.extended.instanceView.powerState.code).toBe('PowerState/running');
    expect(row.properties.storageProfile.osDisk.osType).toBe('Windows');
    expect(Number(headers?.get('x-ms-user-quota-remaining'))).toBeLessThan(1000);
    expect(headers?.get('x-ms-user-quota-resets-after')).toMatch(/^00:00:0[0-5]$/);
  });

  test('rows come only from the subscriptions asked for, and from all at tenant scope', async () => {
    const other = await graph.resources({ query: VMS_QUERY, subscriptions: ['00000000-0000-0000-0000-000000000000'] });
    const mine = await graph.resources({ query: VMS_QUERY, subscriptions: [SUB.toUpperCase()] });
    const tenant = await graph.resources({ query: VMS_QUERY });
    expect(other.totalRecords).toBe(0);
    expect(mine.totalRecords).toBe(20);
    expect(rows(tenant)).toEqual(rows(mine));
  });

  test('`order by` without asc sorts descending, as KQL does', async () => {
    const res = await graph.resources({ query: "resources | where type == 'microsoft.recoveryservices/vaults' | project id, location | order by location", subscriptions: [SUB] });
    expect(rows(res).map((r) => r.location)).toEqual(['westeurope', 'northeurope']);
  });

  test.each([
    ['resources | summarize count() by location', "summarize is in the emulator's subset only as NAME = make_list(pack_array(...))"],
    ['resourcecontainers | project id', "table 'resourcecontainers'"],
    ["resources | where name contains 'web'", "'contains'"],
    ["resources | where tolower(name) == 'web-01'", "function 'tolower'"],
    ["resources | where (type == 'x'", "')'"],
  ])('KQL outside the subset is a 400 saying what is not understood: %s', async (query, says) => {
    await expect(graph.resources({ query, subscriptions: [SUB] })).rejects.toMatchObject({ statusCode: 400, code: 'BadRequest', message: expect.stringContaining(says) });
  });

  test("ARM's throttling counts a query as a read, not a write", async () => {
    await raw(em, 'PUT', '/admin/faults', { throttling: true });
    try {
      const res = await raw(em, 'POST', RESOURCES, { query: VMS_QUERY, subscriptions: [SUB] });
      expect(res.status).toBe(200);
      expect(res.headers['x-ms-ratelimit-remaining-subscription-reads']).toBeDefined();
      expect(res.headers['x-ms-ratelimit-remaining-subscription-writes']).toBeUndefined();
    } finally {
      await raw(em, 'PUT', '/admin/faults', {});
    }
  });

  test("a refusal has Resource Graph's error shape: BadRequest with InvalidQuery and the reason in its details", async () => {
    const res = await raw(em, 'POST', RESOURCES, { query: 'resources | summarize count()', subscriptions: [SUB] });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BadRequest');
    expect(res.body.error.details.map((d: { code: string }) => d.code)).toEqual(['InvalidQuery', 'InvalidQueryLanguage']);
  });
});

describe('queryEstate against the ARM lists', () => {
  let target: Target;
  const protections: { rg: string; name: string; os: 'Windows' | 'Linux'; location: string; vault: VaultRef; policy: string }[] = [
    { rg: 'rg-web', name: 'web-01', os: 'Windows', location: 'westeurope', vault: WEU, policy: 'DefaultPolicy' },
    { rg: 'rg-app', name: 'app-01', os: 'Linux', location: 'westeurope', vault: WEU, policy: 'nightly' },
    { rg: 'rg-web-ne', name: 'web-ne-01', os: 'Windows', location: 'northeurope', vault: NEU, policy: 'DefaultPolicy' },
  ];

  beforeAll(async () => {
    target = await targetFor(em);
    await refreshContainers(target, WEU);
    await refreshContainers(target, NEU);
    await writePolicy(target, WEU, 'nightly', {
      schedule: { frequency: 'Daily', time: '22:30' },
      retention: { dailyDays: 14 },
      instantRestoreDays: 2,
      timeZone: 'UTC',
      policyType: 'V1',
    });
    for (const p of protections) {
      await installBackupExtension(target, { resourceGroup: p.rg, name: p.name, location: p.location, osType: p.os });
      await registerContainer(target, p.vault, { id: vmId(p.rg, p.name), resourceGroup: p.rg, name: p.name }, containerOf(p.rg, p.name));
      await protectVm(target, p.vault, { vmId: vmId(p.rg, p.name), containerName: containerOf(p.rg, p.name), protectedItemName: itemOf(p.rg, p.name) }, { policyName: p.policy });
    }
  });

  afterAll(async () => {
    await target.close();
  });

  test('VMs, vaults, items, policies and jobs read as the ARM lists read them, each with its subscription and vault', async () => {
    const estate = await queryEstate(target, [SUB]);
    const withoutAgent = <T extends { agentVersion?: string; agentStatus?: string }>({ agentVersion: _v, agentStatus: _s, ...rest }: T) => rest;
    const armVms = await listVms(target);
    expect(estate.vms.map(({ subscriptionId: _s, ...vm }) => withoutAgent(vm)).sort(byId)).toEqual(armVms.map(withoutAgent).sort(byId));
    // Resource Graph does not carry the VM agent: the estate says so, and leaves it undefined.
    expect(estate.vmFactsNotCarried).toEqual(['agentVersion', 'agentStatus']);
    expect(estate.vms.every((vm) => vm.agentVersion === undefined && vm.subscriptionId === SUB)).toBe(true);
    expect(armVms.some((vm) => vm.agentVersion !== undefined)).toBe(true);
    expect(estate.vms.filter((vm) => vm.backupExtension).map((vm) => vm.name).sort()).toEqual(['app-01', 'web-01', 'web-ne-01']);

    expect(estate.vaults.map((v) => [v.name, v.resourceGroup, v.location, v.subscriptionId]).sort()).toEqual([
      ['vault-neu', 'rg-backup-ne', 'northeurope', SUB],
      ['vault-weu', 'rg-backup', 'westeurope', SUB],
    ]);

    for (const vault of [WEU, NEU]) {
      const vaultId = vaultArmId(SUB, vault.resourceGroup, vault.name).toLowerCase();
      const inVault = <T extends { vaultId: string; subscriptionId: string }>(rows: readonly T[]) =>
        rows.filter((r) => r.vaultId.toLowerCase() === vaultId).map(({ vaultId: _v, subscriptionId: _s, ...rest }) => rest);
      expect(inVault(estate.protectedItems).sort(byId)).toEqual((await listProtectedItems(target, vault)).sort(byId));
      expect(inVault(estate.policies).sort(byId)).toEqual((await listPolicies(target, vault)).sort(byId));
      const now = Date.now();
      const armJobs = [...(await listJobs(target, vault, { since: new Date(now - 86_400_000), until: new Date(now + 60_000) })), ...(await listJobs(target, vault, 'inProgress'))];
      expect(inVault(estate.jobs).map((j) => j.id).sort()).toEqual([...new Set(armJobs.map((j) => j.id))].sort());
    }
    expect(estate.protectedItems.map((i) => [i.friendlyName, i.policyName]).sort()).toEqual([
      ['app-01', 'nightly'],
      ['web-01', 'DefaultPolicy'],
      ['web-ne-01', 'DefaultPolicy'],
    ]);
    expect(estate.policies.find((p) => p.name === 'nightly')?.settings?.schedule).toEqual({ frequency: 'Daily', time: '22:30' });
    expect(estate.jobs.length).toBeGreaterThan(0);
  });

  test('an answer cut short without a page to follow fails, rather than reading as an estate with VMs missing', async () => {
    const truncated = { totalRecords: 5, count: 2, resultTruncated: 'true', data: [] } as unknown as QueryResponse;
    const cut = { ...target, clients: { ...target.clients, graph: { resources: async () => truncated } as unknown as ResourceGraphClient } };
    await expect(queryEstate(cut, [SUB])).rejects.toMatchObject({ code: 'ResultTruncated', message: expect.stringContaining('2 of 5 rows') });
  });

  test('no subscription in scope is an empty estate, not a tenant-wide query', async () => {
    const estate = await queryEstate(target, []);
    expect([estate.vms, estate.vaults, estate.protectedItems, estate.policies, estate.jobs]).toEqual([[], [], [], [], []]);
  });
});

describe('paging over more than 1,000 rows', () => {
  const SCALE = 1200;

  beforeAll(() => {
    // Seeded through the store: protecting 1,200 VMs through the API would only slow the test down.
    const store = openSqliteStore(em.stateDir);
    try {
      const template = store.getVm(vmId('rg-web', 'web-02'))!;
      store.transaction(() => {
        for (let i = 0; i < SCALE; i++) {
          const name = `scale-${String(i).padStart(4, '0')}`;
          store.putVm({ ...template, id: vmId('rg-scale', name), name, resourceGroup: 'rg-scale', vmId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, extensions: {} });
        }
      });
    } finally {
      store.close();
    }
  });

  test('pages of 1,000 rows follow $skipToken to the end, each row once, in order', async () => {
    const first = await graph.resources({ query: VMS_QUERY, subscriptions: [SUB], options: { top: 1000 } });
    expect([first.totalRecords, first.count, first.resultTruncated]).toEqual([SCALE + 20, 1000, 'false']);
    expect(first.skipToken).toBeTypeOf('string');
    const second = await graph.resources({ query: VMS_QUERY, subscriptions: [SUB], options: { skipToken: first.skipToken } });
    expect([second.totalRecords, second.count, second.skipToken]).toEqual([SCALE + 20, 220, undefined]);
    const ids = [...rows(first), ...rows(second)].map((r) => String(r.id));
    expect(new Set(ids).size).toBe(SCALE + 20);
    expect(ids).toEqual([...ids].sort());
  });

  test("next pages read the snapshot the first page was cut from, as Resource Graph's token holds the query context", async () => {
    const first = await graph.resources({ query: VMS_QUERY, subscriptions: [SUB] });
    const store = openSqliteStore(em.stateDir);
    const late = vmId('rg-scale', 'scale-late');
    try {
      store.putVm({ ...store.getVm(vmId('rg-scale', 'scale-0000'))!, id: late, name: 'scale-late' });
      const second = await graph.resources({ query: VMS_QUERY, subscriptions: [SUB], options: { skipToken: first.skipToken } });
      expect([second.totalRecords, second.count]).toEqual([SCALE + 20, 220]);
      const fresh = await graph.resources({ query: VMS_QUERY, subscriptions: [SUB] });
      expect(fresh.totalRecords).toBe(SCALE + 21);
    } finally {
      store.deleteVm(late);
      store.close();
    }
  });

  test('a token keeps the page size it was issued with, and belongs to its own query', async () => {
    const pages: QueryResponse[] = [await graph.resources({ query: VMS_QUERY, subscriptions: [SUB], options: { top: 500 } })];
    while (pages.at(-1)!.skipToken) pages.push(await graph.resources({ query: VMS_QUERY, subscriptions: [SUB], options: { skipToken: pages.at(-1)!.skipToken } }));
    expect(pages.map((p) => p.count)).toEqual([500, 500, 220]);
    await expect(
      graph.resources({ query: `${VMS_QUERY} | project id`, subscriptions: [SUB], options: { skipToken: pages[0].skipToken } }),
    ).rejects.toMatchObject({ statusCode: 400, message: expect.stringContaining('$skipToken') });
  });

  test('queryEstate reads every page, in as many calls as pages, none of them a write', async () => {
    // The target's own clients, so its call counter sees the queries.
    const target = await openTarget({ kind: 'emulator', endpoint: em.endpoint, stateDir: em.stateDir });
    try {
      const estate = await queryEstate(target, [SUB]);
      expect(estate.vms.length).toBe(SCALE + 20);
      expect(estate.vms.filter((vm) => vm.resourceGroup === 'rg-scale' && vm.powerState === 'running').length).toBe(SCALE);
      // One packed page of `resources` (1,220 VMs, their backup extensions, the vaults: a row per resource group), one
      // of `recoveryservicesresources`; one row per resource would take two pages of `resources`.
      expect(target.calls.snapshot()).toEqual({ 'POST resources': 2 });
      expect(countWrites(target.calls.snapshot())).toBe(0);
    } finally {
      await target.close();
    }
  });
});

describe('an estate over more than one subscription', () => {
  const OTHER = '0b7c3f52-9a1e-4d6b-8e2f-5c4a3b2d1e0f';
  const otherVm = `/subscriptions/${OTHER}/resourceGroups/rg-east/providers/Microsoft.Compute/virtualMachines/east-01`;
  const otherVault = `/subscriptions/${OTHER}/resourceGroups/rg-backup-east/providers/Microsoft.RecoveryServices/vaults/vault-east`;

  beforeAll(() => {
    // Written straight to the store, keyed by ids in another subscription: rows are scoped by the id's subscription segment.
    const store = openSqliteStore(em.stateDir);
    try {
      const vm = store.getVm(vmId('rg-web', 'web-02'))!;
      const vault = store.listVaults()[0];
      store.transaction(() => {
        store.putVm({ ...vm, id: otherVm, name: 'east-01', resourceGroup: 'rg-east', location: 'eastus', vmId: '00000000-0000-4000-8000-ea5700000001', extensions: {} });
        store.putVault({ ...vault, id: otherVault, name: 'vault-east', resourceGroup: 'rg-backup-east', location: 'eastus' });
      });
    } finally {
      store.close();
    }
  });

  test('each query reads only the subscriptions it names', async () => {
    const other = await graph.resources({ query: 'resources | project id, subscriptionId | order by id asc', subscriptions: [OTHER] });
    expect(rows(other)).toEqual([
      { id: otherVault, subscriptionId: OTHER },
      { id: otherVm, subscriptionId: OTHER },
    ]);
  });

  test('queryEstate carries each VM and vault with its own subscription', async () => {
    const target = await targetFor(em);
    try {
      const both = await queryEstate(target, [SUB, OTHER]);
      expect(both.vms.find((vm) => vm.id === otherVm)).toMatchObject({ subscriptionId: OTHER, location: 'eastus', resourceGroup: 'rg-east' });
      expect(both.vaults.find((v) => v.id === otherVault)).toMatchObject({ subscriptionId: OTHER, resourceGroup: 'rg-backup-east', location: 'eastus' });
      const mine = await queryEstate(target, [SUB]);
      expect(mine.vms.some((vm) => vm.subscriptionId === OTHER) || mine.vaults.some((v) => v.subscriptionId === OTHER)).toBe(false);
      expect(both.vms.length).toBe(mine.vms.length + 1);
    } finally {
      await target.close();
    }
  });
});

describe("Resource Graph's user quota (15 queries per 5-second window)", () => {
  test('the 16th query in a window is a 429 RateLimiting, and queryEstate retries it after the window resets', async () => {
    const quotaEm = await startTestEmulator();
    const target = await targetFor(quotaEm);
    try {
      const client = graphClient(quotaEm);
      const remaining: number[] = [];
      let refused: unknown;
      // Quick queries, so all 16 land in one window; should the machine be slow, the loop runs on into the next one.
      for (let i = 0; i < 40 && refused === undefined; i++) {
        try {
          await client.resources({ query: VMS_QUERY, subscriptions: [SUB] }, { onResponse: (r) => remaining.push(Number(r.headers.get('x-ms-user-quota-remaining'))) });
        } catch (e) {
          refused = e;
        }
      }
      expect(remaining[0]).toBe(14);
      expect(remaining.slice(-2)).toEqual([0, 0]);
      expect(refused).toMatchObject({ statusCode: 429, code: 'RateLimiting' });

      const retried: ClassifiedAzureError[] = [];
      const estate = await queryEstate(target, [SUB], { onRetry: (e) => retried.push(e) });
      expect(estate.vms.length).toBe(20);
      expect(retried.length).toBeGreaterThan(0);
      expect(retried[0]).toMatchObject({ statusCode: 429, code: 'RateLimiting', transient: true });
      expect(retried[0].retryAfterMs).toBeGreaterThan(0);
      expect(retried[0].retryAfterMs).toBeLessThanOrEqual(5000);
    } finally {
      await target.close();
      await quotaEm.dispose();
    }
  });
});

describe("Resource Graph's payload limit", () => {
  test('an answer over the limit is refused with ResponsePayloadTooLarge, naming its size and the limit', async () => {
    const small = await startTestEmulator({ resourceGraphPayloadLimit: 2000 });
    try {
      const res = await raw(small, 'POST', RESOURCES, { query: "resources | where type =~ 'microsoft.compute/virtualmachines' | project id, properties | order by id asc" });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('BadRequest');
      expect(res.body.error.details[0]).toMatchObject({ code: 'ResponsePayloadTooLarge', message: expect.stringMatching(/^Response payload size is \d+, and has exceeded the limit of 2000\./) });
    } finally {
      await small.dispose();
    }
  });

  test('queryEstate asks again in smaller pages, and reads a resource group too large for any answer one row per resource', async () => {
    // A VM's body is about 1.5 KB: a packed row of a resource group with several VMs is over 4,000 bytes, a page of
    // single rows fits only a few VMs, so both ways out are taken; the estate read is the one the ARM lists give.
    const small = await startTestEmulator({ resourceGraphPayloadLimit: 4000 });
    // The target's own clients, so its call counter sees the queries.
    const target = await openTarget({ kind: 'emulator', endpoint: small.endpoint, stateDir: small.stateDir });
    try {
      const estate = await queryEstate(target, [SUB]);
      const armVms = await listVms(target);
      expect(estate.vms.map((vm) => [vm.id, vm.powerState, vm.osType]).sort()).toEqual(armVms.map((vm) => [vm.id, vm.powerState, vm.osType]).sort());
      expect(estate.vaults.length).toBe(2);
      expect(target.calls.snapshot()['POST resources']).toBeGreaterThan(10);
    } finally {
      await target.close();
      await small.dispose();
    }
  });
});

describe('pacing by the quota headers', () => {
  test('queryEstate waits out an exhausted window before its next query instead of spending a 429 on it', async () => {
    const pacedEm = await startTestEmulator({ resourceGraphQuota: { queries: 1, windowMs: 1000 } });
    const target = await targetFor(pacedEm);
    try {
      const retried: ClassifiedAzureError[] = [];
      const started = Date.now();
      const estate = await queryEstate(target, [SUB], { onRetry: (e) => retried.push(e) });
      expect([estate.vms.length, estate.vaults.length]).toEqual([20, 2]);
      expect(retried).toEqual([]);
      // The first query left 0 with "00:00:01" to go: the second was sent after it.
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    } finally {
      await target.close();
      await pacedEm.dispose();
    }
  });
});
