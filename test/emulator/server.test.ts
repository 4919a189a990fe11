// The server around the handlers: auth, TLS, paging, throttling, injected faults, restart over the same
// state directory, and the modern profile.
import { statSync } from 'node:fs';
import { afterEach, describe, expect, test } from 'vitest';
import {
  captureResponse,
  clientsFor,
  containerOf,
  FLEET_FILE,
  discover,
  itemOf,
  protect,
  raw,
  register,
  specProblems,
  startTestEmulator,
  SUB,
  tempStateDir,
  WEU,
  type TestEmulator,
} from './helpers.js';
import Database from 'better-sqlite3';
import { startEmulator } from '../../emulator/index.js';
import { worldFile } from '../../emulator/store.js';

const V = `/subscriptions/${SUB}/resourceGroups/${WEU.resourceGroup}/providers/Microsoft.RecoveryServices/vaults/${WEU.name}`;
let em: TestEmulator | undefined;

afterEach(async () => {
  await em?.dispose();
  em = undefined;
  expect(specProblems).toEqual([]);
});

describe('auth and TLS', () => {
  test.each([
    { reason: 'no token', token: null },
    { reason: 'wrong token', token: 'not-the-token' },
    { reason: 'empty bearer', token: '' },
  ])('$reason -> 401 with an ARM error body and nothing else', async ({ token }) => {
    em = await startTestEmulator();
    const res = await raw(em, 'GET', `${V}?api-version=2023-04-01`, undefined, token);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: { code: 'AuthenticationFailed', message: 'Authentication failed.' } });
    const admin = await raw(em, 'GET', '/admin/clock', undefined, token);
    expect(admin.status).toBe(401);
  });
  test('the SDK with a wrong token is refused', async () => {
    em = await startTestEmulator();
    const wrong = clientsFor(em, 'wrong');
    await expect(wrong.vaults.vaults.get(WEU.resourceGroup, WEU.name)).rejects.toMatchObject({ statusCode: 401, code: 'AuthenticationFailed' });
  });
  test('the token file is private (0600) and the CA file is the PEM clients trust', async () => {
    em = await startTestEmulator();
    expect(statSync(em.tokenFile).mode & 0o777).toBe(0o600);
    expect(em.ca).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(em.endpoint).toBe(`https://127.0.0.1:${em.port}`);
  });
});

describe('paging', () => {
  test('every pageable list follows nextLink over several pages with the same result', async () => {
    em = await startTestEmulator({ pageSize: 3 });
    const pages: number[] = [];
    const vms: string[] = [];
    for await (const page of em.clients.compute.virtualMachines.listAll().byPage()) {
      pages.push(page.length);
      vms.push(...page.map((v) => v.id!));
    }
    expect(pages).toEqual([3, 3, 3, 3, 3, 3, 2]);
    expect(new Set(vms).size).toBe(20);
    await discover(em);
    const items: string[] = [];
    let itemPages = 0;
    for await (const page of em.clients.backup.backupProtectableItems.list(WEU.name, WEU.resourceGroup, { filter: "backupManagementType eq 'AzureIaasVM'" }).byPage()) {
      itemPages++;
      items.push(...page.map((i) => i.name!));
    }
    expect([itemPages, new Set(items).size]).toEqual([6, 18]);
    const first = await raw(em, 'GET', `${V}/backupProtectableItems?api-version=2023-06-01&$filter=${encodeURIComponent("backupManagementType eq 'AzureIaasVM'")}`);
    expect(first.body.nextLink).toMatch(/\$skipToken=/);
    expect(new URL(first.body.nextLink).searchParams.get('$filter')).toBe("backupManagementType eq 'AzureIaasVM'");
    const bad = await raw(em, 'GET', `${V}/backupProtectableItems?api-version=2023-06-01&$skipToken=zzz`);
    expect(bad.status).toBe(400);
  });
});

describe('faults', () => {
  test('throttling: 429 TooManyRequests with Retry-After and the remaining-requests header', async () => {
    em = await startTestEmulator({ faults: { throttling: true, readBucket: 3, readRefillPerSecond: 0.5 } });
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 5; i++) {
      last = await raw(em, 'GET', `${V}?api-version=2023-04-01`);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(last!.body.error.code).toBe('TooManyRequests');
    expect(Number(last!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(last!.headers['x-ms-ratelimit-remaining-subscription-reads']).toBe('0');
    await expect(em.clients.vaults.vaults.get(WEU.resourceGroup, WEU.name)).rejects.toMatchObject({ statusCode: 429 });
    // Writes have their own bucket.
    const write = await raw(em, 'PUT', '/admin/faults', { throttling: false });
    expect(write.status).toBe(200);
    expect((await raw(em, 'GET', `${V}?api-version=2023-04-01`)).status).toBe(200);
  });
  test('throttling: each subscription has its own buckets, shared by every process serving the state directory', async () => {
    em = await startTestEmulator({ faults: { throttling: true, readBucket: 3, readRefillPerSecond: 0.5 } });
    const second = await startEmulator({ stateDir: em.stateDir, port: 0, operationDelayMs: 40, retryAfterSeconds: 0 });
    try {
      const remaining = (r: { headers: Record<string, string | string[] | undefined> }) => r.headers['x-ms-ratelimit-remaining-subscription-reads'];
      expect(remaining(await raw(em, 'GET', `${V}?api-version=2023-04-01`))).toBe('2');
      expect(remaining(await raw(second, 'GET', `${V}?api-version=2023-04-01`))).toBe('1');
      expect(remaining(await raw(em, 'GET', `${V}?api-version=2023-04-01`))).toBe('0');
      expect((await raw(second, 'GET', `${V}?api-version=2023-04-01`)).status).toBe(429);
      // Another subscription's bucket is full.
      const other = await raw(second, 'GET', `/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v?api-version=2023-04-01`);
      expect(other.status).not.toBe(429);
      expect(remaining(other)).toBe('2');
    } finally {
      await second.close();
    }
  });
  test('a GET of a world with nothing due takes no write lock: it answers while another process holds one', async () => {
    em = await startTestEmulator();
    // Brings the world up to date first, so nothing is due when the lock is taken.
    expect((await raw(em, 'GET', `${V}?api-version=2023-04-01`)).status).toBe(200);
    const other = new Database(worldFile(em.stateDir));
    try {
      other.exec('BEGIN IMMEDIATE');
      const read = await raw(em, 'GET', `${V}?api-version=2023-04-01`);
      expect(read.status).toBe(200);
      expect(read.body.name).toBe(WEU.name);
      other.exec('ROLLBACK');
    } finally {
      other.close();
    }
  });
  test('internal errors: a seeded rate gives the same sequence every time and changes nothing', async () => {
    const run = async () => {
      const e = await startTestEmulator({ faults: { internalErrorRate: 0.5, seed: 7 } });
      const seq: number[] = [];
      for (let i = 0; i < 12; i++) seq.push((await raw(e, 'GET', `${V}?api-version=2023-04-01`)).status);
      const body = (await raw(e, 'GET', `${V}?api-version=2023-04-01`)).body;
      await e.dispose();
      return { seq, body };
    };
    const a = await run();
    const b = await run();
    expect(a.seq).toEqual(b.seq);
    expect(a.seq).toContain(500);
    expect(a.seq).toContain(200);
  });
  test('internal errors on writes only leave reads alone; latency is added', async () => {
    em = await startTestEmulator({ faults: { internalErrorRate: 1, internalErrorOn: 'writes', latencyMs: 60 } });
    const start = Date.now();
    expect((await raw(em, 'GET', `${V}?api-version=2023-04-01`)).status).toBe(200);
    expect(Date.now() - start).toBeGreaterThanOrEqual(55);
    const write = await raw(em, 'POST', `${V}/backupFabrics/Azure/refreshContainers?api-version=2023-06-01`);
    expect([write.status, write.body.error.code]).toEqual([500, 'InternalServerError']);
    expect((await raw(em, 'GET', '/admin/faults')).body).toMatchObject({ internalErrorRate: 1 });
    expect((await raw(em, 'PUT', '/admin/faults', { internalErrorRate: 2 })).status).toBe(400);
  });
});

describe('state', () => {
  test('a restart over the same state directory loses nothing acknowledged', async () => {
    const stateDir = tempStateDir();
    const first = await startEmulator({ stateDir, fleetFile: FLEET_FILE, operationDelayMs: 20, retryAfterSeconds: 0 });
    const e1 = { ...first, stateDir, clients: clientsFor(first), dispose: () => first.close() };
    await discover(e1);
    await register(e1, 'rg-web', 'web-01', 'Windows');
    await protect(e1, 'rg-web', 'web-01');
    await raw(e1, 'POST', '/admin/clock/advance', { duration: '2h' });
    const clockBefore = Date.parse((await raw(e1, 'GET', '/admin/clock')).body.now);
    await first.close();
    em = await startTestEmulator({ stateDir });
    expect(em.token).toBe(first.token);
    expect(em.ca).toBe(first.ca);
    const item = await em.clients.backup.protectedItems.get(WEU.name, WEU.resourceGroup, 'Azure', containerOf('rg-web', 'web-01'), itemOf('rg-web', 'web-01'));
    expect((item.properties as any).policyName).toBe('DefaultPolicy');
    const clockAfter = Date.parse((await raw(em, 'GET', '/admin/clock')).body.now);
    expect(clockAfter - clockBefore).toBeGreaterThanOrEqual(0);
    expect(clockAfter - clockBefore).toBeLessThan(60_000);
  });
  test('a new state directory without a fleet is refused', async () => {
    await expect(startEmulator({ stateDir: tempStateDir() })).rejects.toThrow(/give a fleet/);
  });
});

describe('LROs polled by the SDK', () => {
  test('Compute powerOff / start / delete run to their end', async () => {
    em = await startTestEmulator();
    await em.clients.compute.virtualMachines.beginPowerOffAndWait('rg-ops', 'ops-01', { updateIntervalInMs: 10 });
    expect((await em.clients.compute.virtualMachines.instanceView('rg-ops', 'ops-01')).statuses?.map((s) => s.code)).toContain('PowerState/stopped');
    await em.clients.compute.virtualMachines.beginStartAndWait('rg-ops', 'ops-01', { updateIntervalInMs: 10 });
    expect((await em.clients.compute.virtualMachines.instanceView('rg-ops', 'ops-01')).statuses?.map((s) => s.code)).toContain('PowerState/running');
    await em.clients.compute.virtualMachines.beginDeleteAndWait('rg-ops', 'ops-01', { updateIntervalInMs: 10 });
    await expect(em.clients.compute.virtualMachines.get('rg-ops', 'ops-01')).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('modern profile', () => {
  test('protect registers implicitly; hourly enhanced policies and long retention are allowed', async () => {
    em = await startTestEmulator({ profile: 'modern' });
    expect(em.profile).toBe('modern');
    await discover(em);
    expect((await protect(em, 'rg-web', 'web-02')).status).toBe('Succeeded');
    const containers: string[] = [];
    for await (const c of em.clients.backup.backupProtectionContainers.list(WEU.name, WEU.resourceGroup)) containers.push(c.name!);
    expect(containers).toEqual([containerOf('rg-web', 'web-02')]);
    const hourly = await em.clients.backup.protectionPolicies.createOrUpdate(WEU.name, WEU.resourceGroup, 'hourly', {
      properties: {
        backupManagementType: 'AzureIaasVM',
        policyType: 'V2',
        timeZone: 'UTC',
        instantRpRetentionRangeInDays: 7,
        schedulePolicy: {
          schedulePolicyType: 'SimpleSchedulePolicyV2',
          scheduleRunFrequency: 'Hourly',
          hourlySchedule: { interval: 4, scheduleWindowStartTime: '2024-01-01T08:00:00Z', scheduleWindowDuration: 16 },
        },
        retentionPolicy: {
          retentionPolicyType: 'LongTermRetentionPolicy',
          dailySchedule: { retentionTimes: ['2024-01-01T08:00:00Z'], retentionDuration: { count: 180, durationType: 'Days' } },
          yearlySchedule: {
            retentionScheduleFormatType: 'Weekly',
            monthsOfYear: ['January'],
            retentionScheduleWeekly: { daysOfTheWeek: ['Sunday'], weeksOfTheMonth: ['First'] },
            retentionTimes: ['2024-01-01T08:00:00Z'],
            retentionDuration: { count: 10, durationType: 'Years' },
          },
        },
      } as any,
    });
    expect(hourly.name).toBe('hourly');
  });
  test('an extension that cannot install: the protect operation fails and its ConfigureBackup job carries the error details', async () => {
    em = await startTestEmulator({ profile: 'modern' });
    const final = await protect(em, 'rg-legacy', 'bsd-01');
    expect(final.status).toBe('Failed');
    expect(final.error.code).toBe('VMExtensionProvisioningTimeout');
    const job = await em.clients.backup.jobDetails.get(WEU.name, WEU.resourceGroup, final.properties.jobId);
    expect([job.properties?.operation, job.properties?.status]).toEqual(['ConfigureBackup', 'Failed']);
    expect((job.properties as any).errorDetails[0]).toMatchObject({ errorString: 'VMExtensionProvisioningTimeout' });
    await expect(em.clients.backup.protectedItems.get(WEU.name, WEU.resourceGroup, 'Azure', containerOf('rg-legacy', 'bsd-01'), itemOf('rg-legacy', 'bsd-01'))).rejects.toMatchObject({
      statusCode: 404,
    });
    // The guide's internal error for Premium storage is the classic profile's; today's Azure protects it.
    expect((await protect(em, 'rg-app', 'premium-01')).status).toBe('Succeeded');
  });
});

describe('request ids', () => {
  test('each response has its own x-ms-request-id, also on 202s', async () => {
    em = await startTestEmulator();
    const cap = captureResponse();
    await em.clients.backup.protectionContainers.refresh(WEU.name, WEU.resourceGroup, 'Azure', { onResponse: cap.onResponse });
    const a = cap.header('x-ms-request-id');
    await em.clients.backup.protectionContainers.refresh('vault-neu', 'rg-backup-ne', 'Azure', { onResponse: cap.onResponse });
    expect(cap.header('x-ms-request-id')).not.toBe(a);
  });
});
