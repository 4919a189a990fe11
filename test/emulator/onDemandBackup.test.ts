// The on-demand backup's retention (Backups_Trigger's recoveryPointExpiryTimeInUTC): from a day to 99 years after
// the request (with a minute's leeway for the request's way), else 400 BMSUserErrorInvalidInput and no job; without
// one, the point is kept 30 days.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureResponse, containerOf, itemOf, pollStatus, protect, raw, specProblems, startTestEmulator, WEU, type TestEmulator } from './helpers.js';

const DAY = 86_400_000;
const VM = { rg: 'rg-web', name: 'web-01' };

let em: TestEmulator;

async function clockMs(): Promise<number> {
  return Date.parse((await raw(em, 'GET', '/admin/clock')).body.now);
}

async function trigger(expiry?: Date): Promise<{ status: number; code?: string; statusUrl?: string }> {
  const cap = captureResponse();
  try {
    await em.clients.backup.backups.trigger(
      WEU.name,
      WEU.resourceGroup,
      'Azure',
      containerOf(VM.rg, VM.name),
      itemOf(VM.rg, VM.name),
      { properties: { objectType: 'IaasVMBackupRequest', ...(expiry ? { recoveryPointExpiryTimeInUTC: expiry } : {}) } },
      { onResponse: cap.onResponse },
    );
    return { status: cap.status!, statusUrl: cap.header('azure-asyncoperation') };
  } catch (e) {
    const err = e as { statusCode?: number; code?: string };
    return { status: err.statusCode ?? 0, code: err.code };
  }
}

async function countJobs(): Promise<number> {
  let n = 0;
  for await (const _ of em.clients.backup.backupJobs.list(WEU.name, WEU.resourceGroup)) n++;
  return n;
}

async function newestPointExpiry(): Promise<number> {
  const points = [];
  for await (const p of em.clients.backup.recoveryPoints.list(WEU.name, WEU.resourceGroup, 'Azure', containerOf(VM.rg, VM.name), itemOf(VM.rg, VM.name))) points.push(p);
  const newest = points.sort((a, b) => String(b.name).localeCompare(String(a.name)))[0];
  return Date.parse((newest.properties as { recoveryPointProperties: { expiryTime: string } }).recoveryPointProperties.expiryTime);
}

beforeAll(async () => {
  em = await startTestEmulator({ profile: 'modern' });
  expect((await protect(em, VM.rg, VM.name)).status).toBe('Succeeded');
});

afterAll(async () => {
  await em.dispose();
  expect(specProblems).toEqual([]);
});

describe('an on-demand backup\'s retention', () => {
  it.each([
    { reason: 'less than a day', offsetMs: DAY - 5 * 60_000 },
    { reason: 'in the past', offsetMs: -DAY },
    { reason: 'more than 99 years', offsetMs: 99 * 366 * DAY },
  ])('refuses $reason with 400 BMSUserErrorInvalidInput', async ({ offsetMs }) => {
    const jobsBefore = await countJobs();
    expect(await trigger(new Date((await clockMs()) + offsetMs))).toMatchObject({ status: 400, code: 'BMSUserErrorInvalidInput' });
    expect(await countJobs()).toBe(jobsBefore);
  });

  it('accepts a day from now, reckoned a moment before the request', async () => {
    const started = await trigger(new Date((await clockMs()) + DAY));
    expect(started.status).toBe(202);
    expect((await pollStatus(em, started.statusUrl!)).status).toBe('Succeeded');
  });

  it('keeps the point until the time asked for', async () => {
    const expiry = new Date((await clockMs()) + 45 * DAY);
    const started = await trigger(expiry);
    expect(started.status).toBe(202);
    expect((await pollStatus(em, started.statusUrl!)).status).toBe('Succeeded');
    expect(await newestPointExpiry()).toBe(expiry.getTime());
  });

  it('keeps the point 30 days when no time is asked for', async () => {
    const before = await clockMs();
    const started = await trigger();
    expect((await pollStatus(em, started.statusUrl!)).status).toBe('Succeeded');
    const kept = (await newestPointExpiry()) - before;
    expect(kept).toBeGreaterThanOrEqual(30 * DAY);
    expect(kept).toBeLessThan(30 * DAY + 60_000);
  });
});
