import { describe, expect, it } from 'vitest';
import type { AzureIaaSVMProtectionPolicy, LongTermRetentionPolicy, SimpleSchedulePolicy, SimpleSchedulePolicyV2 } from '@azure/arm-recoveryservicesbackup';
import type { PolicySettings } from '../../provider/core/spec.js';
import { policyFromAzure, policyToAzure } from '../../provider/azure/policyMapping.js';

const cases: { reason: string; settings: PolicySettings }[] = [
  {
    reason: 'daily V1 with daily retention',
    settings: { schedule: { frequency: 'Daily', time: '10:00' }, retention: { dailyDays: 30 }, instantRestoreDays: 2, timeZone: 'UTC', policyType: 'V1' },
  },
  {
    reason: 'weekly V1 with weekly, monthly and yearly retention',
    settings: {
      schedule: { frequency: 'Weekly', time: '06:30', weekDays: ['Monday', 'Friday'] },
      retention: {
        weekly: { weeks: 12, days: ['Monday', 'Friday'] },
        monthly: { months: 6, weeksOfMonth: ['First', 'Last'], days: ['Monday'] },
        yearly: { years: 2, months: ['January', 'July'], weeksOfMonth: ['First'], days: ['Monday'] },
      },
      instantRestoreDays: 5,
      timeZone: 'W. Europe Standard Time',
      policyType: 'V1',
    },
  },
  {
    reason: 'enhanced hourly V2',
    settings: {
      schedule: { frequency: 'Hourly', intervalHours: 4, windowStart: '08:00', windowHours: 16 },
      retention: { dailyDays: 7 },
      instantRestoreDays: 7,
      timeZone: 'UTC',
      policyType: 'V2',
    },
  },
  {
    reason: 'enhanced daily V2',
    settings: { schedule: { frequency: 'Daily', time: '23:15' }, retention: { dailyDays: 180, weekly: { weeks: 52, days: ['Sunday'] } }, instantRestoreDays: 3, timeZone: 'UTC', policyType: 'V2' },
  },
];

describe('policy mapping round trip', () => {
  it.each(cases)('$reason', ({ settings }) => {
    // Serialize to JSON and back like the wire does: dates become strings.
    const wire = JSON.parse(JSON.stringify(policyToAzure(settings)));
    expect(policyFromAzure(wire)).toEqual(settings);
  });
});

describe('policyToAzure', () => {
  it('writes V1 as SimpleSchedulePolicy + LongTermRetentionPolicy with matching retention times', () => {
    const p = policyToAzure(cases[0].settings).properties as AzureIaaSVMProtectionPolicy;
    const schedule = p.schedulePolicy as SimpleSchedulePolicy;
    const retention = p.retentionPolicy as LongTermRetentionPolicy;
    expect(schedule.schedulePolicyType).toBe('SimpleSchedulePolicy');
    expect(schedule.scheduleRunFrequency).toBe('Daily');
    expect(retention.retentionPolicyType).toBe('LongTermRetentionPolicy');
    expect(retention.dailySchedule?.retentionDuration).toEqual({ count: 30, durationType: 'Days' });
    expect(retention.dailySchedule?.retentionTimes?.[0].toISOString().slice(11, 16)).toBe('10:00');
    expect(p.backupManagementType).toBe('AzureIaasVM');
  });

  it('writes hourly schedules as SimpleSchedulePolicyV2', () => {
    const p = policyToAzure(cases[2].settings).properties as AzureIaaSVMProtectionPolicy;
    const schedule = p.schedulePolicy as SimpleSchedulePolicyV2;
    expect(schedule.schedulePolicyType).toBe('SimpleSchedulePolicyV2');
    expect(schedule.hourlySchedule).toMatchObject({ interval: 4, scheduleWindowDuration: 16 });
    expect(p.policyType).toBe('V2');
  });
});

describe('policyFromAzure', () => {
  it('canonicalizes days into week order and times to HH:MM', () => {
    const settings = policyFromAzure({
      properties: {
        backupManagementType: 'AzureIaasVM',
        schedulePolicy: { schedulePolicyType: 'SimpleSchedulePolicy', scheduleRunFrequency: 'Weekly', scheduleRunDays: ['Friday', 'Monday'], scheduleRunTimes: [new Date('2018-01-24T06:05:00Z')] },
        retentionPolicy: { retentionPolicyType: 'LongTermRetentionPolicy', weeklySchedule: { daysOfTheWeek: ['Friday', 'Monday'], retentionDuration: { count: 4, durationType: 'Weeks' } } },
        timeZone: 'UTC',
        instantRpRetentionRangeInDays: 2,
      } as AzureIaaSVMProtectionPolicy,
    });
    expect(settings?.schedule).toEqual({ frequency: 'Weekly', time: '06:05', weekDays: ['Monday', 'Friday'] });
    expect(settings?.retention.weekly?.days).toEqual(['Monday', 'Friday']);
    expect(settings?.policyType).toBe('V1');
  });

  it.each([
    { reason: 'not an IaaS VM policy', resource: { properties: { backupManagementType: 'AzureStorage' } } },
    { reason: 'no schedule', resource: { properties: { backupManagementType: 'AzureIaasVM', retentionPolicy: { retentionPolicyType: 'SimpleRetentionPolicy' } } } },
    { reason: 'no properties', resource: {} },
  ])('returns undefined when vmbackup cannot model it: $reason', ({ resource }) => {
    expect(policyFromAzure(resource as never)).toBeUndefined();
  });
});
