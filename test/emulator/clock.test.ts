// The clock and the scheduler: scheduled backups fall due as the clock passes them, deterministically,
// with the consistency the VM's state gives; deleted VMs fail; retention expires old points.
import { afterEach, describe, expect, test } from 'vitest';
import { openEmulatorState, parseDuration } from '../../emulator/index.js';
import { occurrences, retentionExpiry, zoneOffsetMinutes } from '../../emulator/schedule.js';
import { containerOf, discover, itemOf, protect, raw, register, specProblems, startTestEmulator, WEU, type TestEmulator } from './helpers.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let em: TestEmulator | undefined;

afterEach(async () => {
  await em?.dispose();
  em = undefined;
  expect(specProblems).toEqual([]);
});

async function item(rg: string, name: string): Promise<any> {
  return (await em!.clients.backup.protectedItems.get(WEU.name, WEU.resourceGroup, 'Azure', containerOf(rg, name), itemOf(rg, name))).properties;
}

async function points(rg: string, name: string): Promise<any[]> {
  const out: any[] = [];
  for await (const rp of em!.clients.backup.recoveryPoints.list(WEU.name, WEU.resourceGroup, 'Azure', containerOf(rg, name), itemOf(rg, name))) out.push(rp.properties);
  return out;
}

async function backupJobs(): Promise<any[]> {
  const out: any[] = [];
  for await (const j of em!.clients.backup.backupJobs.list(WEU.name, WEU.resourceGroup, { filter: "operation eq 'Backup'" })) out.push(j.properties);
  return out;
}

describe('scheduled backups', () => {
  test('each protected VM gets a Backup job and a recovery point of the right consistency; IRPending becomes Protected', async () => {
    em = await startTestEmulator();
    await discover(em);
    const vms = [
      { rg: 'rg-web', name: 'web-01', os: 'Windows' as const, expect: 'AppConsistent', reason: 'running Windows: VSS' },
      { rg: 'rg-app', name: 'app-01', os: 'Linux' as const, expect: 'FileSystemConsistent', reason: 'Linux' },
      { rg: 'rg-dev', name: 'dev-02', os: 'Windows' as const, expect: 'CrashConsistent', reason: 'shut down at backup time' },
      { rg: 'rg-dev', name: 'dev-01', os: 'Linux' as const, expect: undefined, reason: 'deleted: the backup fails' },
    ];
    for (const vm of vms) {
      await register(em, vm.rg, vm.name, vm.os);
      expect((await protect(em, vm.rg, vm.name)).status).toBe('Succeeded');
      expect((await item(vm.rg, vm.name)).protectionState).toBe('IRPending');
    }
    await em.clients.compute.virtualMachines.beginDeallocateAndWait('rg-dev', 'dev-02', { updateIntervalInMs: 10 });
    await em.clients.compute.virtualMachines.beginDeleteAndWait('rg-dev', 'dev-01', { updateIntervalInMs: 10 });
    // DefaultPolicy runs daily at 22:30 UTC: move to half an hour after the next run (backups take 10 to 20 minutes).
    const now = Date.parse((await raw(em, 'GET', '/admin/clock')).body.now);
    let next = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate(), 22, 30);
    if (next <= now) next += DAY;
    const res = await raw(em, 'POST', '/admin/clock/advance', { duration: `${Math.ceil((next - now) / 60_000) + 30}m` });
    expect(res.status).toBe(200);
    for (const vm of vms) {
      const p = await item(vm.rg, vm.name);
      const rps = await points(vm.rg, vm.name);
      if (vm.expect) {
        expect({ vm: vm.name, consistency: rps.map((r) => r.recoveryPointType), state: p.protectionState, last: p.lastBackupStatus }).toEqual({
          vm: vm.name,
          consistency: [vm.expect],
          state: 'Protected',
          last: 'Completed',
        });
        expect(p.lastRecoveryPoint).toEqual(rps[0].recoveryPointTime);
      } else {
        expect({ rps: rps.length, last: p.lastBackupStatus, health: p.healthStatus, state: p.protectionState }).toEqual({
          rps: 0,
          last: 'Failed',
          health: 'ActionRequired',
          state: 'ProtectionError',
        });
      }
    }
    const jobs = await backupJobs();
    expect(jobs).toHaveLength(4);
    const failed = jobs.find((j) => j.entityFriendlyName === 'dev-01');
    expect(failed.status).toBe('Failed');
    expect(failed.errorDetails[0]).toMatchObject({ errorCode: 320001, errorString: 'UserErrorVmNotFoundV2', recommendations: [expect.stringMatching(/stop protection/)] });
    expect(jobs.filter((j) => j.status === 'Completed').every((j) => j.endTime && j.duration && !j.isUserTriggered)).toBe(true);
  });

  test('the clock is shared through the state directory; runs are performed once; retention expires old points', async () => {
    em = await startTestEmulator();
    await discover(em);
    await register(em, 'rg-app', 'app-02', 'Linux');
    await em.clients.backup.protectionPolicies.createOrUpdate(WEU.name, WEU.resourceGroup, 'keep-7', {
      properties: {
        backupManagementType: 'AzureIaasVM',
        policyType: 'V1',
        timeZone: 'W. Europe Standard Time',
        instantRpRetentionRangeInDays: 2,
        schedulePolicy: { schedulePolicyType: 'SimpleSchedulePolicy', scheduleRunFrequency: 'Daily', scheduleRunTimes: ['2024-01-01T03:00:00Z'] },
        retentionPolicy: {
          retentionPolicyType: 'LongTermRetentionPolicy',
          dailySchedule: { retentionTimes: ['2024-01-01T03:00:00Z'], retentionDuration: { count: 7, durationType: 'Days' } },
        },
      } as any,
    });
    await protect(em, 'rg-app', 'app-02', 'keep-7');
    // A second process over the same state directory advances the clock (as `vmbackup emulator clock advance` does).
    const state = openEmulatorState(em.stateDir);
    const before = state.now().getTime();
    // It says what ran: ten daily backups, each making a point, though retention keeps only seven of them.
    expect(state.advance(10 * DAY)).toMatchObject({ jobsStarted: 10, jobsFinished: { Completed: 10 }, recoveryPoints: 10 });
    expect(state.now().getTime() - before).toBeGreaterThanOrEqual(10 * DAY);
    state.close();
    const clock = await raw(em, 'GET', '/admin/clock');
    expect(Date.parse(clock.body.now) - Date.now()).toBeGreaterThan(10 * DAY - HOUR);
    const rps = await points('rg-app', 'app-02');
    // Ten daily runs at 03:00 W. Europe time (02:00Z in winter, 01:00Z in summer), seven days kept.
    expect(rps.length).toBeGreaterThanOrEqual(7);
    expect(rps.length).toBeLessThanOrEqual(8);
    const berlinHour = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: 'numeric', hourCycle: 'h23' });
    expect(new Set(rps.map((r) => berlinHour.format(new Date(r.recoveryPointTime))))).toEqual(new Set(['03']));
    expect((await backupJobs()).length).toBe(10);
    // Asking again performs nothing twice.
    expect((await backupJobs()).length).toBe(10);
  });
});

describe('schedule arithmetic', () => {
  test.each([
    { reason: 'UTC', zone: 'UTC', when: Date.UTC(2024, 0, 15), offset: 0 },
    { reason: 'Windows id, winter', zone: 'W. Europe Standard Time', when: Date.UTC(2024, 0, 15), offset: 60 },
    { reason: 'Windows id, summer (daylight saving)', zone: 'W. Europe Standard Time', when: Date.UTC(2024, 6, 15), offset: 120 },
    { reason: 'west of UTC, winter', zone: 'Pacific Standard Time', when: Date.UTC(2024, 0, 15), offset: -480 },
    { reason: 'half-hour zone', zone: 'India Standard Time', when: Date.UTC(2024, 6, 15), offset: 330 },
    { reason: 'fixed offset form', zone: 'UTC+02:00', when: Date.UTC(2024, 6, 15), offset: 120 },
    { reason: 'unknown', zone: 'Atlantis Time', when: Date.UTC(2024, 6, 15), offset: undefined },
  ])('$reason: $zone -> $offset', ({ zone, when, offset }) => {
    expect(zoneOffsetMinutes(zone, when)).toBe(offset);
  });

  test('weekly runs only on their days; hourly runs through the window', () => {
    const from = Date.UTC(2024, 0, 1); // a Monday
    const weekly = {
      timeZone: 'UTC',
      schedulePolicy: { schedulePolicyType: 'SimpleSchedulePolicy', scheduleRunFrequency: 'Weekly', scheduleRunDays: ['Wednesday', 'Saturday'], scheduleRunTimes: ['2020-01-01T06:00:00Z'] },
    };
    expect(occurrences(weekly, from, from + 7 * DAY).map((t) => new Date(t).toISOString())).toEqual(['2024-01-03T06:00:00.000Z', '2024-01-06T06:00:00.000Z']);
    const hourly = {
      timeZone: 'UTC',
      schedulePolicy: {
        schedulePolicyType: 'SimpleSchedulePolicyV2',
        scheduleRunFrequency: 'Hourly',
        hourlySchedule: { interval: 4, scheduleWindowStartTime: '2020-01-01T08:00:00Z', scheduleWindowDuration: 12 },
      },
    };
    expect(occurrences(hourly, from, from + DAY).map((t) => new Date(t).getUTCHours())).toEqual([8, 12, 16]);
  });

  test('retention keeps a point for its longest tier', () => {
    const at = Date.UTC(2024, 0, 7, 6); // a Sunday
    const props = {
      timeZone: 'UTC',
      retentionPolicy: {
        retentionPolicyType: 'LongTermRetentionPolicy',
        dailySchedule: { retentionDuration: { count: 7, durationType: 'Days' } },
        weeklySchedule: { daysOfTheWeek: ['Sunday'], retentionDuration: { count: 4, durationType: 'Weeks' } },
      },
    };
    expect(retentionExpiry(props, at)).toBe(at + 28 * DAY);
    expect(retentionExpiry(props, at + DAY)).toBe(at + 8 * DAY);
  });

  test.each([
    { reason: 'hours', text: '24h', ms: DAY },
    { reason: 'days and hours', text: '1d12h', ms: 36 * HOUR },
    { reason: 'minutes', text: '90m', ms: 90 * 60_000 },
    { reason: 'seconds', text: '30s', ms: 30_000 },
  ])('duration $text ($reason)', ({ text, ms }) => {
    expect(parseDuration(text)).toBe(ms);
  });
  test('a bad duration is refused', () => {
    expect(() => parseDuration('soon')).toThrow(RangeError);
  });
});
