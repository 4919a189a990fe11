// validatePolicyInput: one policy as a resource input, checked with the spec's schema fragment and rules.
import { describe, expect, test } from 'vitest';
import { validatePolicyInput, type Profile } from '../../provider/spec/index.js';

interface Case {
  readonly reason: string;
  readonly value: unknown;
  readonly profile?: Profile;
  readonly path?: string;
  /** `code@path` of every diagnostic. */
  readonly expected: readonly string[];
}

const daily = { frequency: 'Daily', time: '10:00' };

const cases: readonly Case[] = [
  {
    reason: 'a complete daily policy without a name is valid',
    value: { schedule: daily, retention: { daily: 30 } },
    profile: 'classic',
    expected: [],
  },
  {
    reason: 'diagnostics name the property inside the policy',
    value: { schedule: daily, retention: { daily: 45 } },
    profile: 'classic',
    expected: ['RetentionOutOfRange@retention.daily'],
  },
  {
    reason: 'a path prefix places the property inside the caller’s input',
    value: { schedule: daily, retention: { daily: 45 } },
    profile: 'classic',
    path: 'settings',
    expected: ['RetentionOutOfRange@settings.retention.daily'],
  },
  {
    reason: 'the same retention fits the modern profile',
    value: { schedule: daily, retention: { daily: 45 } },
    profile: 'modern',
    expected: [],
  },
  {
    reason: 'schema errors: unknown key, missing retention, bad time zone, bad name',
    value: { name: 'x', schedule: { ...daily, timeZone: 'CET' }, retension: { daily: 30 } },
    expected: ['InvalidName@name', 'MissingKey@', 'UnknownKey@retension', 'UnknownTimeZone@schedule.timeZone'],
  },
  {
    reason: 'rules run once the schema passes: a weekly schedule needs days and weekly retention',
    value: { schedule: { frequency: 'Weekly', time: '06:00' }, retention: { daily: 7 } },
    expected: ['MissingRetention@retention', 'RetentionNotApplicable@retention.daily', 'WeeklyScheduleNeedsDays@schedule'],
  },
  {
    reason: 'not a mapping at all',
    value: 'daily-1000',
    path: 'policy',
    expected: ['WrongType@policy'],
  },
];

describe('validatePolicyInput', () => {
  test.each(cases)('$reason', ({ value, profile, path, expected }) => {
    const { policy, diagnostics } = validatePolicyInput(value, { ...(profile ? { profile } : {}), ...(path ? { path } : {}) });
    expect(diagnostics.map((d) => `${d.code}@${d.path}`).sort()).toEqual([...expected].sort());
    expect(diagnostics.every((d) => d.location === undefined)).toBe(true);
    expect(policy === undefined).toBe(expected.length > 0);
  });

  test('messages speak of the policy, not of a spec', () => {
    const { diagnostics } = validatePolicyInput({ schedule: { frequency: 'Daily', time: '10:00' } });
    expect(diagnostics.map((d) => d.message)).toEqual(['the policy is missing "retention"']);
  });

  test('returns the settings with defaults, days in calendar order, and V2 for hourly schedules', () => {
    expect(
      validatePolicyInput({
        schedule: { frequency: 'Weekly', days: ['Saturday', 'Monday'], time: '06:00', timeZone: 'Tokyo Standard Time' },
        retention: { weekly: { count: 12, days: ['Saturday', 'Monday'] } },
      }).policy,
    ).toEqual({
      schedule: { frequency: 'Weekly', time: '06:00', weekDays: ['Monday', 'Saturday'] },
      retention: { weekly: { weeks: 12, days: ['Monday', 'Saturday'] } },
      instantRestoreDays: 2,
      timeZone: 'Tokyo Standard Time',
      policyType: 'V1',
    });
    expect(
      validatePolicyInput(
        { schedule: { frequency: 'Hourly', intervalHours: 4, windowStart: '08:00', windowHours: 16 }, retention: { daily: 30 }, instantRestoreDays: 7 },
        { profile: 'modern' },
      ).policy,
    ).toEqual({
      schedule: { frequency: 'Hourly', intervalHours: 4, windowStart: '08:00', windowHours: 16 },
      retention: { dailyDays: 30 },
      instantRestoreDays: 7,
      timeZone: 'UTC',
      policyType: 'V2',
    });
  });
});
