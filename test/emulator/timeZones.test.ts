// Policy time zones: every Windows id Azure accepts maps to an IANA zone, and scheduled runs fall at the
// UTC instants the zone's wall clock gives, daylight saving included. Expected instants are written by hand.
import { afterEach, describe, expect, test } from 'vitest';
import { validatePolicy } from '../../emulator/policyRules.js';
import { occurrences, timeZoneOf, zoneOffsetMinutes } from '../../emulator/schedule.js';
import { WINDOWS_ZONES } from '../../emulator/windowsZones.js';
import { TIME_ZONES } from '../../provider/spec/index.js';
import { discover, protect, raw, specProblems, startTestEmulator, WEU, type TestEmulator } from './helpers.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number[]) => ms.map((t) => new Date(t).toISOString());
const at = (text: string) => Date.parse(text);

function daily(timeZone: string, time: string) {
  return {
    timeZone,
    schedulePolicy: { schedulePolicyType: 'SimpleSchedulePolicy', scheduleRunFrequency: 'Daily', scheduleRunTimes: [`2020-01-01T${time}:00Z`] },
  };
}

function weekly(timeZone: string, days: string[], time: string) {
  return {
    timeZone,
    schedulePolicy: { schedulePolicyType: 'SimpleSchedulePolicy', scheduleRunFrequency: 'Weekly', scheduleRunDays: days, scheduleRunTimes: [`2020-01-01T${time}:00Z`] },
  };
}

function hourly(timeZone: string, start: string, interval: number, windowHours: number) {
  return {
    timeZone,
    schedulePolicy: {
      schedulePolicyType: 'SimpleSchedulePolicyV2',
      scheduleRunFrequency: 'Hourly',
      hourlySchedule: { interval, scheduleWindowStartTime: `2020-01-01T${start}:00Z`, scheduleWindowDuration: windowHours },
    },
  };
}

describe('scheduled run instants', () => {
  test.each([
    {
      reason: 'Europe springs forward on 31 March 2024: a 10:00 run moves from 09:00Z to 08:00Z',
      policy: daily('W. Europe Standard Time', '10:00'),
      from: '2024-03-30T00:00Z',
      to: '2024-04-02T00:00Z',
      runs: ['2024-03-30T09:00:00.000Z', '2024-03-31T08:00:00.000Z', '2024-04-01T08:00:00.000Z'],
    },
    {
      reason: 'Europe falls back on 27 October 2024: a 10:00 run moves from 08:00Z to 09:00Z',
      policy: daily('W. Europe Standard Time', '10:00'),
      from: '2024-10-26T00:00Z',
      to: '2024-10-29T00:00Z',
      runs: ['2024-10-26T08:00:00.000Z', '2024-10-27T09:00:00.000Z', '2024-10-28T09:00:00.000Z'],
    },
    {
      reason: 'London skips 01:00-02:00 on 31 March 2024: a 01:30 run that day runs an hour later by the clock (01:30Z)',
      policy: daily('GMT Standard Time', '01:30'),
      from: '2024-03-30T00:00Z',
      to: '2024-04-02T00:00Z',
      runs: ['2024-03-30T01:30:00.000Z', '2024-03-31T01:30:00.000Z', '2024-04-01T00:30:00.000Z'],
    },
    {
      reason: 'London sees 01:30 twice on 27 October 2024: the run happens once, the first time (BST)',
      policy: daily('GMT Standard Time', '01:30'),
      from: '2024-10-26T00:00Z',
      to: '2024-10-29T00:00Z',
      runs: ['2024-10-26T00:30:00.000Z', '2024-10-27T00:30:00.000Z', '2024-10-28T01:30:00.000Z'],
    },
    {
      reason: 'US springs forward on 10 March 2024 at 02:00: a 02:30 Pacific run that day runs at 03:30 PDT',
      policy: daily('Pacific Standard Time', '02:30'),
      from: '2024-03-09T00:00Z',
      to: '2024-03-12T00:00Z',
      runs: ['2024-03-09T10:30:00.000Z', '2024-03-10T10:30:00.000Z', '2024-03-11T09:30:00.000Z'],
    },
    {
      reason: 'US falls back on 3 November 2024: an Eastern 01:30 run happens once, at 01:30 EDT',
      policy: daily('Eastern Standard Time', '01:30'),
      from: '2024-11-02T00:00Z',
      to: '2024-11-05T00:00Z',
      runs: ['2024-11-02T05:30:00.000Z', '2024-11-03T05:30:00.000Z', '2024-11-04T06:30:00.000Z'],
    },
    {
      reason: 'a weekly Sunday 06:00 Central run goes from CST (12:00Z) to CDT (11:00Z)',
      policy: weekly('Central Standard Time', ['Sunday'], '06:00'),
      from: '2024-03-01T00:00Z',
      to: '2024-03-18T00:00Z',
      runs: ['2024-03-03T12:00:00.000Z', '2024-03-10T11:00:00.000Z', '2024-03-17T11:00:00.000Z'],
    },
    {
      reason: 'the run day is the local day: Monday 06:00 in Tokyo is Sunday 21:00Z',
      policy: weekly('Tokyo Standard Time', ['Monday'], '06:00'),
      from: '2024-07-01T00:00Z',
      to: '2024-07-15T00:00Z',
      runs: ['2024-07-07T21:00:00.000Z', '2024-07-14T21:00:00.000Z'],
    },
    {
      reason: 'half-hour offset: 22:30 in India (UTC+05:30) is 17:00Z, summer and winter alike',
      policy: daily('India Standard Time', '22:30'),
      from: '2024-01-15T12:00Z',
      to: '2024-01-16T12:00Z',
      runs: ['2024-01-15T17:00:00.000Z'],
    },
    {
      reason: 'quarter-hour offset: midnight in Nepal (UTC+05:45) is 18:15Z the day before',
      policy: daily('Nepal Standard Time', '00:00'),
      from: '2024-07-01T00:00Z',
      to: '2024-07-02T00:00Z',
      runs: ['2024-07-01T18:15:00.000Z'],
    },
    {
      reason: 'southern hemisphere: Sydney leaves daylight saving on 7 April 2024, a 10:00 run moves from 23:00Z to 00:00Z',
      policy: daily('AUS Eastern Standard Time', '10:00'),
      from: '2024-04-05T12:00Z',
      to: '2024-04-08T12:00Z',
      runs: ['2024-04-05T23:00:00.000Z', '2024-04-07T00:00:00.000Z', '2024-04-08T00:00:00.000Z'],
    },
    {
      reason: 'southern hemisphere: Sydney enters daylight saving on 6 October 2024, a 10:00 run moves from 00:00Z to 23:00Z',
      policy: daily('AUS Eastern Standard Time', '10:00'),
      from: '2024-10-04T12:00Z',
      to: '2024-10-07T12:00Z',
      runs: ['2024-10-05T00:00:00.000Z', '2024-10-05T23:00:00.000Z', '2024-10-06T23:00:00.000Z'],
    },
    {
      reason: 'an hourly window keeps its wall times through the European spring change',
      policy: hourly('W. Europe Standard Time', '08:00', 4, 12),
      from: '2024-03-30T00:00Z',
      to: '2024-04-01T00:00Z',
      runs: ['2024-03-30T07:00:00.000Z', '2024-03-30T11:00:00.000Z', '2024-03-30T15:00:00.000Z', '2024-03-31T06:00:00.000Z', '2024-03-31T10:00:00.000Z', '2024-03-31T14:00:00.000Z'],
    },
    {
      reason: 'an hourly window through the night of the US fall back: 20:00 PDT, 00:00 PDT, 04:00 PST, then 20:00 PST',
      policy: hourly('Pacific Standard Time', '20:00', 4, 12),
      from: '2024-11-03T00:00Z',
      to: '2024-11-04T05:00Z',
      runs: ['2024-11-03T03:00:00.000Z', '2024-11-03T07:00:00.000Z', '2024-11-03T12:00:00.000Z', '2024-11-04T04:00:00.000Z'],
    },
    {
      reason: 'a fixed offset keeps its offset all year',
      policy: daily('UTC+02:00', '10:00'),
      from: '2024-07-01T00:00Z',
      to: '2024-07-02T00:00Z',
      runs: ['2024-07-01T08:00:00.000Z'],
    },
    {
      reason: 'a Windows UTC-11 id is a fixed offset',
      policy: daily('UTC-11', '10:00'),
      from: '2024-07-01T00:00Z',
      to: '2024-07-02T00:00Z',
      runs: ['2024-07-01T21:00:00.000Z'],
    },
    {
      reason: 'an unknown zone never runs',
      policy: daily('Atlantis Standard Time', '10:00'),
      from: '2024-07-01T00:00Z',
      to: '2024-07-08T00:00Z',
      runs: [],
    },
  ])('$reason', ({ policy, from, to, runs }) => {
    expect(iso(occurrences(policy, at(from), at(to)))).toEqual(runs);
  });

  test.each([
    { reason: 'winter in Berlin', zone: 'W. Europe Standard Time', when: '2024-01-15T12:00Z', offset: 60 },
    { reason: 'summer in Berlin', zone: 'W. Europe Standard Time', when: '2024-07-15T12:00Z', offset: 120 },
    { reason: 'ids match case-insensitively', zone: 'w. europe standard time', when: '2024-07-15T12:00Z', offset: 120 },
    { reason: 'Pacific standard time in winter', zone: 'Pacific Standard Time', when: '2024-01-15T12:00Z', offset: -480 },
    { reason: 'Pacific daylight time in summer', zone: 'Pacific Standard Time', when: '2024-07-15T12:00Z', offset: -420 },
    { reason: 'Arizona keeps standard time', zone: 'US Mountain Standard Time', when: '2024-07-15T12:00Z', offset: -420 },
    { reason: 'Lord Howe saves half an hour in its summer', zone: 'Lord Howe Standard Time', when: '2024-01-15T12:00Z', offset: 660 },
    { reason: 'Lord Howe in its winter', zone: 'Lord Howe Standard Time', when: '2024-07-15T12:00Z', offset: 630 },
    { reason: 'Chatham Islands, UTC+12:45 in winter', zone: 'Chatham Islands Standard Time', when: '2024-07-15T12:00Z', offset: 765 },
    { reason: 'Newfoundland, UTC-03:30 in winter', zone: 'Newfoundland Standard Time', when: '2024-01-15T12:00Z', offset: -210 },
    { reason: 'UTC', zone: 'UTC', when: '2024-07-15T12:00Z', offset: 0 },
    { reason: 'no zone means UTC', zone: undefined, when: '2024-07-15T12:00Z', offset: 0 },
    { reason: 'fixed offset without minutes', zone: 'UTC-05', when: '2024-07-15T12:00Z', offset: -300 },
    { reason: 'fixed offset beyond 14 hours is refused', zone: 'UTC+15:00', when: '2024-07-15T12:00Z', offset: undefined },
    { reason: 'an IANA name is not a Windows id', zone: 'Europe/Berlin', when: '2024-07-15T12:00Z', offset: undefined },
    { reason: 'a display name is not an id', zone: '(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna', when: '2024-07-15T12:00Z', offset: undefined },
    { reason: 'not a string', zone: 60, when: '2024-07-15T12:00Z', offset: undefined },
  ])('offset: $reason', ({ zone, when, offset }) => {
    expect(zoneOffsetMinutes(zone, at(when))).toBe(offset);
  });
});

describe('the Windows ids Azure accepts', () => {
  const policy = (timeZone: unknown) => ({
    backupManagementType: 'AzureIaasVM',
    policyType: 'V1',
    timeZone,
    instantRpRetentionRangeInDays: 2,
    schedulePolicy: { schedulePolicyType: 'SimpleSchedulePolicy', scheduleRunFrequency: 'Daily', scheduleRunTimes: ['2024-01-01T10:00:00Z'] },
    retentionPolicy: { retentionPolicyType: 'LongTermRetentionPolicy', dailySchedule: { retentionTimes: ['2024-01-01T10:00:00Z'], retentionDuration: { count: 7, durationType: 'Days' } } },
  });

  test("the emulator's table holds exactly the ids the spec accepts", () => {
    expect(Object.keys(WINDOWS_ZONES).sort()).toEqual([...TIME_ZONES].sort());
  });

  test('every id the spec accepts makes a valid policy with a daily run and a sane offset', () => {
    const refused = TIME_ZONES.filter((id) => validatePolicy(policy(id), 'classic') !== undefined);
    expect(refused).toEqual([]);
    const odd = TIME_ZONES.filter((id) => {
      const offsets = [at('2024-01-15T12:00Z'), at('2024-07-15T12:00Z')].map((t) => zoneOffsetMinutes(id, t));
      const runs = occurrences(policy(id), at('2024-07-01T00:00Z'), at('2024-07-08T00:00Z'));
      return offsets.some((o) => o === undefined || Math.abs(o) > 14 * 60) || runs.length !== 7;
    });
    expect(odd).toEqual([]);
  });

  test('the fixed-offset Windows ids (UTC-11 ... UTC+13) have the offset their name says', () => {
    const fixed = TIME_ZONES.filter((id) => /^UTC[+-]\d\d$/.test(id));
    expect(fixed.length).toBeGreaterThanOrEqual(6);
    for (const id of fixed) expect({ id, offset: zoneOffsetMinutes(id, at('2024-07-15T12:00Z')) }).toEqual({ id, offset: Number(id.slice(3)) * 60 });
  });

  test.each([
    { reason: 'a made-up id', zone: 'Atlantis Standard Time' },
    { reason: 'an IANA name', zone: 'America/New_York' },
    { reason: 'a number is not a zone', zone: 5 },
  ])('refused with UserErrorInvalidTimeZone: $reason', ({ zone }) => {
    expect(validatePolicy(policy(zone), 'classic')?.code).toBe('UserErrorInvalidTimeZone');
    expect(timeZoneOf(zone)).toBeUndefined();
  });
});

describe('scheduled backups through the SDK across a European clock change', () => {
  let em: TestEmulator | undefined;
  afterEach(async () => {
    await em?.dispose();
    em = undefined;
    expect(specProblems).toEqual([]);
  });

  const retention = { retentionPolicyType: 'LongTermRetentionPolicy', dailySchedule: { retentionTimes: ['2024-01-01T10:00:00Z'], retentionDuration: { count: 30, durationType: 'Days' } } };

  /** Sunday 00:00Z of the last Sunday of a month (Europe changes its clocks that day at 01:00Z). */
  function lastSunday(year: number, month: number): number {
    const last = Date.UTC(year, month + 1, 0);
    return last - new Date(last).getUTCDay() * DAY;
  }

  test('policies in Berlin, Tokyo and Los Angeles time run at the right UTC instants after advance', async () => {
    em = await startTestEmulator({ profile: 'modern' });
    await discover(em);
    const now = Date.parse((await raw(em, 'GET', '/admin/clock')).body.now);
    const year = new Date(now).getUTCFullYear();
    const sunday = [lastSunday(year, 2), lastSunday(year, 9), lastSunday(year + 1, 2)].find((s) => s - DAY > now + 60_000)!;
    const spring = new Date(sunday).getUTCMonth() === 2;
    const saturday = sunday - DAY;
    // Move to the Saturday before the change with nothing protected, so no backup runs on the way.
    expect((await raw(em, 'POST', '/admin/clock/advance', { duration: `${Math.ceil((saturday - now) / 1000)}s` })).status).toBe(200);

    const policies = em.clients.backup.protectionPolicies;
    await policies.createOrUpdate(WEU.name, WEU.resourceGroup, 'berlin-daily', {
      properties: {
        backupManagementType: 'AzureIaasVM',
        policyType: 'V1',
        timeZone: 'W. Europe Standard Time',
        instantRpRetentionRangeInDays: 2,
        schedulePolicy: daily('W. Europe Standard Time', '10:00').schedulePolicy,
        retentionPolicy: retention,
      } as any,
    });
    await policies.createOrUpdate(WEU.name, WEU.resourceGroup, 'tokyo-weekly', {
      properties: {
        backupManagementType: 'AzureIaasVM',
        policyType: 'V1',
        timeZone: 'Tokyo Standard Time',
        instantRpRetentionRangeInDays: 2,
        schedulePolicy: weekly('Tokyo Standard Time', ['Monday', 'Thursday'], '06:00').schedulePolicy,
        retentionPolicy: {
          retentionPolicyType: 'LongTermRetentionPolicy',
          weeklySchedule: { daysOfTheWeek: ['Monday', 'Thursday'], retentionTimes: ['2024-01-01T06:00:00Z'], retentionDuration: { count: 4, durationType: 'Weeks' } },
        },
      } as any,
    });
    const pacific = await policies.createOrUpdate(WEU.name, WEU.resourceGroup, 'pacific-hourly', {
      properties: {
        backupManagementType: 'AzureIaasVM',
        policyType: 'V2',
        timeZone: 'Pacific Standard Time',
        instantRpRetentionRangeInDays: 7,
        schedulePolicy: hourly('Pacific Standard Time', '08:00', 4, 12).schedulePolicy,
        retentionPolicy: retention,
      } as any,
    });
    expect((pacific.properties as any).timeZone).toBe('Pacific Standard Time');
    for (const [rg, name, policy] of [
      ['rg-web', 'web-01', 'berlin-daily'],
      ['rg-app', 'app-01', 'tokyo-weekly'],
      ['rg-app', 'app-02', 'pacific-hourly'],
    ]) {
      expect((await protect(em, rg, name, policy)).status).toBe('Succeeded');
    }
    expect((await raw(em, 'POST', '/admin/clock/advance', { duration: '72h' })).status).toBe(200);

    const starts: Record<string, string[]> = {};
    for await (const job of em.clients.backup.backupJobs.list(WEU.name, WEU.resourceGroup, { filter: "operation eq 'Backup'" })) {
      const p = job.properties!;
      (starts[p.entityFriendlyName!] ??= []).push(p.startTime!.toISOString());
    }
    for (const list of Object.values(starts)) list.sort();
    const utc = (day: number, hour: number) => new Date(saturday + day * DAY + hour * HOUR).toISOString();
    // Berlin 10:00: CET is 09:00Z, CEST 08:00Z; the change happens at 01:00Z on the Sunday (day 1).
    const berlin = spring ? [utc(0, 9), utc(1, 8), utc(2, 8)] : [utc(0, 8), utc(1, 9), utc(2, 9)];
    // Los Angeles is on PDT (UTC-7) in both windows: the US changes earlier in March and later in autumn.
    const losAngeles = [0, 1, 2].flatMap((d) => [utc(d, 15), utc(d, 19), utc(d, 23)]);
    expect(starts).toEqual({
      'web-01': berlin,
      // Monday 06:00 in Tokyo is Sunday 21:00Z; Thursday is outside the three days.
      'app-01': [utc(1, 21)],
      'app-02': losAngeles,
    });
  });

  test('an unknown zone is refused with 400 UserErrorInvalidTimeZone', async () => {
    em = await startTestEmulator();
    await expect(
      em.clients.backup.protectionPolicies.createOrUpdate(WEU.name, WEU.resourceGroup, 'atlantis', {
        properties: {
          backupManagementType: 'AzureIaasVM',
          policyType: 'V1',
          timeZone: 'Atlantis Standard Time',
          instantRpRetentionRangeInDays: 2,
          schedulePolicy: daily('Atlantis Standard Time', '10:00').schedulePolicy,
          retentionPolicy: retention,
        } as any,
      }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'UserErrorInvalidTimeZone' });
  });
});
