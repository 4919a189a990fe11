// PolicySettings <-> AzureIaaSVMProtectionPolicy, both ways. Output is canonical ("HH:MM" times, days,
// weeks and months in calendar order) so a round trip compares equal.
import type {
  AzureIaaSVMProtectionPolicy,
  DayOfWeek,
  LongTermRetentionPolicy,
  MonthOfYear,
  ProtectionPolicyResource,
  RetentionPolicyUnion,
  SchedulePolicyUnion,
  SimpleRetentionPolicy,
  SimpleSchedulePolicy,
  SimpleSchedulePolicyV2,
  WeekOfMonth as AzureWeekOfMonth,
} from '@azure/arm-recoveryservicesbackup';
import type { Month, PolicyRetention, PolicySchedule, PolicySettings, WeekDay, WeekOfMonth } from '../core/spec.js';

export const WEEK_DAYS: readonly WeekDay[] = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
export const WEEKS_OF_MONTH: readonly WeekOfMonth[] = ['First', 'Second', 'Third', 'Fourth', 'Last'];
export const MONTHS: readonly Month[] = [
  'January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December',
];

/** Azure's default when a policy does not say. */
const DEFAULT_INSTANT_RESTORE_DAYS = 2;

// Only the time of day of Azure's schedule date-times matters; the date part is arbitrary.
const ANCHOR_DATE = '2023-01-01';

function toAzureTime(hhmm: string): Date {
  return new Date(`${ANCHOR_DATE}T${hhmm}:00Z`);
}

function fromAzureTime(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return undefined;
  return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

/** Canonical "HH:MM" for a user-written time such as "9:00" or "09:00:00". */
export function canonicalTime(value: string): string {
  const [h = '0', m = '0'] = value.split(':');
  return `${h.padStart(2, '0')}:${m.padStart(2, '0')}`;
}

function inOrder<T extends string>(order: readonly T[], values: readonly string[] | undefined): T[] {
  const set = new Set((values ?? []).map((v) => v.toLowerCase()));
  return order.filter((v) => set.has(v.toLowerCase()));
}

function durationCount(d: { count?: number } | undefined): number | undefined {
  return d?.count;
}

/** The Azure resource body for a policy; `policyType` V2 writes SimpleSchedulePolicyV2. */
export function policyToAzure(settings: PolicySettings): ProtectionPolicyResource {
  const runTime = toAzureTime(scheduleTime(settings.schedule));
  const properties: AzureIaaSVMProtectionPolicy = {
    backupManagementType: 'AzureIaasVM',
    policyType: settings.policyType,
    timeZone: settings.timeZone,
    instantRpRetentionRangeInDays: settings.instantRestoreDays,
    schedulePolicy: scheduleToAzure(settings),
    retentionPolicy: retentionToAzure(settings.retention, runTime),
  };
  return { properties };
}

function scheduleTime(s: PolicySchedule): string {
  return canonicalTime(s.frequency === 'Hourly' ? s.windowStart : s.time);
}

function scheduleToAzure(settings: PolicySettings): SchedulePolicyUnion {
  const s = settings.schedule;
  // Hourly schedules exist only in SimpleSchedulePolicyV2, whatever policyType says.
  if (settings.policyType === 'V1' && s.frequency !== 'Hourly') {
    return {
      schedulePolicyType: 'SimpleSchedulePolicy',
      scheduleRunFrequency: s.frequency,
      scheduleRunTimes: [toAzureTime(canonicalTime(s.time))],
      ...(s.frequency === 'Weekly' ? { scheduleRunDays: inOrder(WEEK_DAYS, s.weekDays) as DayOfWeek[] } : {}),
    };
  }
  switch (s.frequency) {
    case 'Hourly':
      return {
        schedulePolicyType: 'SimpleSchedulePolicyV2',
        scheduleRunFrequency: 'Hourly',
        hourlySchedule: { interval: s.intervalHours, scheduleWindowStartTime: toAzureTime(canonicalTime(s.windowStart)), scheduleWindowDuration: s.windowHours },
      };
    case 'Daily':
      return { schedulePolicyType: 'SimpleSchedulePolicyV2', scheduleRunFrequency: 'Daily', dailySchedule: { scheduleRunTimes: [toAzureTime(canonicalTime(s.time))] } };
    case 'Weekly':
      return {
        schedulePolicyType: 'SimpleSchedulePolicyV2',
        scheduleRunFrequency: 'Weekly',
        weeklySchedule: { scheduleRunDays: inOrder(WEEK_DAYS, s.weekDays) as DayOfWeek[], scheduleRunTimes: [toAzureTime(canonicalTime(s.time))] },
      };
  }
}

function retentionToAzure(r: PolicyRetention, runTime: Date): LongTermRetentionPolicy {
  const retentionTimes = [runTime];
  return {
    retentionPolicyType: 'LongTermRetentionPolicy',
    ...(r.dailyDays !== undefined ? { dailySchedule: { retentionTimes, retentionDuration: { count: r.dailyDays, durationType: 'Days' } } } : {}),
    ...(r.weekly
      ? { weeklySchedule: { daysOfTheWeek: inOrder(WEEK_DAYS, r.weekly.days) as DayOfWeek[], retentionTimes, retentionDuration: { count: r.weekly.weeks, durationType: 'Weeks' } } }
      : {}),
    ...(r.monthly
      ? {
          monthlySchedule: {
            retentionScheduleFormatType: 'Weekly',
            retentionScheduleWeekly: {
              daysOfTheWeek: inOrder(WEEK_DAYS, r.monthly.days) as DayOfWeek[],
              weeksOfTheMonth: inOrder(WEEKS_OF_MONTH, r.monthly.weeksOfMonth) as AzureWeekOfMonth[],
            },
            retentionTimes,
            retentionDuration: { count: r.monthly.months, durationType: 'Months' },
          },
        }
      : {}),
    ...(r.yearly
      ? {
          yearlySchedule: {
            retentionScheduleFormatType: 'Weekly',
            monthsOfYear: inOrder(MONTHS, r.yearly.months) as MonthOfYear[],
            retentionScheduleWeekly: {
              daysOfTheWeek: inOrder(WEEK_DAYS, r.yearly.days) as DayOfWeek[],
              weeksOfTheMonth: inOrder(WEEKS_OF_MONTH, r.yearly.weeksOfMonth) as AzureWeekOfMonth[],
            },
            retentionTimes,
            retentionDuration: { count: r.yearly.years, durationType: 'Years' },
          },
        }
      : {}),
  };
}

/** The settings of an Azure IaaS VM policy, or undefined when vmbackup cannot model it. */
export function policyFromAzure(resource: ProtectionPolicyResource): PolicySettings | undefined {
  const p = resource.properties;
  if (!p || p.backupManagementType !== 'AzureIaasVM') return undefined;
  const vm = p as AzureIaaSVMProtectionPolicy;
  const schedule = scheduleFromAzure(vm.schedulePolicy);
  const retention = retentionFromAzure(vm.retentionPolicy);
  if (!schedule || !retention) return undefined;
  const isV2 = vm.policyType === 'V2' || vm.schedulePolicy?.schedulePolicyType === 'SimpleSchedulePolicyV2';
  return {
    schedule,
    retention,
    instantRestoreDays: vm.instantRpRetentionRangeInDays ?? DEFAULT_INSTANT_RESTORE_DAYS,
    timeZone: vm.timeZone ?? 'UTC',
    policyType: isV2 ? 'V2' : 'V1',
  };
}

function scheduleFromAzure(s: SchedulePolicyUnion | undefined): PolicySchedule | undefined {
  if (s?.schedulePolicyType === 'SimpleSchedulePolicy') return simpleFromAzure(s as SimpleSchedulePolicy);
  if (s?.schedulePolicyType === 'SimpleSchedulePolicyV2') return simpleV2FromAzure(s as SimpleSchedulePolicyV2);
  return undefined;
}

function simpleFromAzure(s: SimpleSchedulePolicy): PolicySchedule | undefined {
  if (s.scheduleRunFrequency === 'Hourly') return hourlyFromAzure(s.hourlySchedule);
  const time = fromAzureTime(s.scheduleRunTimes?.[0]);
  if (!time) return undefined;
  if (s.scheduleRunFrequency === 'Daily') return { frequency: 'Daily', time };
  if (s.scheduleRunFrequency === 'Weekly') return { frequency: 'Weekly', time, weekDays: inOrder(WEEK_DAYS, s.scheduleRunDays) };
  return undefined;
}

function simpleV2FromAzure(s: SimpleSchedulePolicyV2): PolicySchedule | undefined {
  switch (s.scheduleRunFrequency) {
    case 'Hourly':
      return hourlyFromAzure(s.hourlySchedule);
    case 'Daily': {
      const time = fromAzureTime(s.dailySchedule?.scheduleRunTimes?.[0]);
      return time ? { frequency: 'Daily', time } : undefined;
    }
    case 'Weekly': {
      const time = fromAzureTime(s.weeklySchedule?.scheduleRunTimes?.[0]);
      return time ? { frequency: 'Weekly', time, weekDays: inOrder(WEEK_DAYS, s.weeklySchedule?.scheduleRunDays) } : undefined;
    }
    default:
      return undefined;
  }
}

function hourlyFromAzure(h: { interval?: number; scheduleWindowStartTime?: Date; scheduleWindowDuration?: number } | undefined): PolicySchedule | undefined {
  const windowStart = fromAzureTime(h?.scheduleWindowStartTime);
  if (!h || h.interval === undefined || h.scheduleWindowDuration === undefined || !windowStart) return undefined;
  return { frequency: 'Hourly', intervalHours: h.interval, windowStart, windowHours: h.scheduleWindowDuration };
}

function retentionFromAzure(r: RetentionPolicyUnion | undefined): PolicyRetention | undefined {
  if (r?.retentionPolicyType === 'SimpleRetentionPolicy') {
    const d = (r as SimpleRetentionPolicy).retentionDuration;
    return d?.durationType === 'Days' && d.count !== undefined ? { dailyDays: d.count } : undefined;
  }
  if (r?.retentionPolicyType !== 'LongTermRetentionPolicy') return undefined;
  return longTermFromAzure(r as LongTermRetentionPolicy);
}

function longTermFromAzure(r: LongTermRetentionPolicy): PolicyRetention {
  const out: { -readonly [K in keyof PolicyRetention]: PolicyRetention[K] } = {};
  const daily = durationCount(r.dailySchedule?.retentionDuration);
  if (daily !== undefined) out.dailyDays = daily;
  const weeks = durationCount(r.weeklySchedule?.retentionDuration);
  if (weeks !== undefined) out.weekly = { weeks, days: inOrder(WEEK_DAYS, r.weeklySchedule?.daysOfTheWeek) };
  const months = durationCount(r.monthlySchedule?.retentionDuration);
  if (months !== undefined) {
    const w = r.monthlySchedule?.retentionScheduleWeekly;
    out.monthly = { months, weeksOfMonth: inOrder(WEEKS_OF_MONTH, w?.weeksOfTheMonth), days: inOrder(WEEK_DAYS, w?.daysOfTheWeek) };
  }
  const years = durationCount(r.yearlySchedule?.retentionDuration);
  if (years !== undefined) {
    const w = r.yearlySchedule?.retentionScheduleWeekly;
    out.yearly = {
      years,
      months: inOrder(MONTHS, r.yearlySchedule?.monthsOfYear),
      weeksOfMonth: inOrder(WEEKS_OF_MONTH, w?.weeksOfTheMonth),
      days: inOrder(WEEK_DAYS, w?.daysOfTheWeek),
    };
  }
  return out;
}
