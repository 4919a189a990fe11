// Comparing and describing policy settings. Azure returns day lists in its own order and times as
// full timestamps, so settings are compared in a normalized form, never field by field as written.
import type { Month, PolicyRetention, PolicySchedule, PolicySettings, WeekDay, WeekOfMonth } from '../core/index.js';
import { canonicalJson } from './canonicalJson.js';

const WEEK_DAYS: readonly WeekDay[] = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const WEEKS_OF_MONTH: readonly WeekOfMonth[] = ['First', 'Second', 'Third', 'Fourth', 'Last'];
const MONTHS: readonly Month[] = [
  'January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December',
];

/** Sorts a set of enum values into their natural order and drops duplicates. */
function ordered<T extends string>(values: readonly T[], order: readonly T[]): T[] {
  const wanted = new Set(values.map((v) => v.toLowerCase()));
  return order.filter((v) => wanted.has(v.toLowerCase()));
}

/** "9:00", "09:00" and "09:00:00" are the same time of day. */
function normalizeTime(time: string): string {
  const m = /^(\d{1,2}):(\d{2})/.exec(time.trim());
  return m ? `${m[1].padStart(2, '0')}:${m[2]}` : time.trim();
}

function normalizeSchedule(s: PolicySchedule): PolicySchedule {
  switch (s.frequency) {
    case 'Daily':
      return { frequency: 'Daily', time: normalizeTime(s.time) };
    case 'Weekly':
      return { frequency: 'Weekly', time: normalizeTime(s.time), weekDays: ordered(s.weekDays, WEEK_DAYS) };
    case 'Hourly':
      return { frequency: 'Hourly', intervalHours: s.intervalHours, windowStart: normalizeTime(s.windowStart), windowHours: s.windowHours };
  }
}

function normalizeRetention(r: PolicyRetention): PolicyRetention {
  return {
    ...(r.dailyDays !== undefined ? { dailyDays: r.dailyDays } : {}),
    ...(r.weekly ? { weekly: { weeks: r.weekly.weeks, days: ordered(r.weekly.days, WEEK_DAYS) } } : {}),
    ...(r.monthly
      ? { monthly: { months: r.monthly.months, weeksOfMonth: ordered(r.monthly.weeksOfMonth, WEEKS_OF_MONTH), days: ordered(r.monthly.days, WEEK_DAYS) } }
      : {}),
    ...(r.yearly
      ? {
          yearly: {
            years: r.yearly.years,
            months: ordered(r.yearly.months, MONTHS),
            weeksOfMonth: ordered(r.yearly.weeksOfMonth, WEEKS_OF_MONTH),
            days: ordered(r.yearly.days, WEEK_DAYS),
          },
        }
      : {}),
  };
}

/** Settings in a canonical form: ordered day lists, "HH:MM" times, lower-case time zone. */
export function normalizePolicySettings(p: PolicySettings): PolicySettings {
  return {
    schedule: normalizeSchedule(p.schedule),
    retention: normalizeRetention(p.retention),
    instantRestoreDays: p.instantRestoreDays,
    timeZone: p.timeZone.trim().toLowerCase(),
    policyType: p.policyType,
  };
}

/** True when two policies would back up on the same schedule and keep the same recovery points. */
export function samePolicySettings(a: PolicySettings, b: PolicySettings): boolean {
  return canonicalJson(normalizePolicySettings(a)) === canonicalJson(normalizePolicySettings(b));
}

function describeSchedule(s: PolicySchedule, timeZone: string): string {
  switch (s.frequency) {
    case 'Daily':
      return `daily at ${s.time} ${timeZone}`;
    case 'Weekly':
      return `weekly on ${s.weekDays.join(', ')} at ${s.time} ${timeZone}`;
    case 'Hourly':
      return `every ${s.intervalHours}h from ${s.windowStart} for ${s.windowHours}h ${timeZone}`;
  }
}

/** "1 day", "30 days". */
const count = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** One labelled line per aspect, so a difference can be shown aspect by aspect. */
function describeParts(p: PolicySettings): string[] {
  const r = p.retention;
  return [
    `schedule: ${describeSchedule(p.schedule, p.timeZone)}`,
    `daily retention: ${r.dailyDays !== undefined ? count(r.dailyDays, 'day') : 'none'}`,
    `weekly retention: ${r.weekly ? `${count(r.weekly.weeks, 'week')} (${r.weekly.days.join(', ')})` : 'none'}`,
    `monthly retention: ${r.monthly ? `${count(r.monthly.months, 'month')} (${r.monthly.weeksOfMonth.join(', ')} ${r.monthly.days.join(', ')})` : 'none'}`,
    `yearly retention: ${
      r.yearly ? `${count(r.yearly.years, 'year')} (${r.yearly.months.join(', ')}, ${r.yearly.weeksOfMonth.join(', ')} ${r.yearly.days.join(', ')})` : 'none'
    }`,
    `instant restore: ${count(p.instantRestoreDays, 'day')}`,
    `policy type: ${p.policyType}`,
  ];
}

/** A readable one-line summary, e.g. "schedule: daily at 10:00 UTC; daily retention: 30 days; ...". */
export function describePolicySettings(p: PolicySettings): string {
  return describeParts(normalizePolicyForDisplay(p)).join('; ');
}

/** The aspects that differ, as "aspect: before -> after" lines, in the direction of the change. */
export function diffPolicySettings(before: PolicySettings, after: PolicySettings): string[] {
  const e = describeParts(normalizePolicyForDisplay(before));
  const a = describeParts(normalizePolicyForDisplay(after));
  const ne = describeParts(normalizePolicySettings(before));
  const na = describeParts(normalizePolicySettings(after));
  const out: string[] = [];
  for (let i = 0; i < e.length; i++) {
    if (ne[i] === na[i]) continue;
    const label = e[i].slice(0, e[i].indexOf(':'));
    out.push(`${label}: ${e[i].slice(label.length + 2)} -> ${a[i].slice(label.length + 2)}`);
  }
  return out;
}

/** Normalized, but keeping the time zone as written, because people read it. */
function normalizePolicyForDisplay(p: PolicySettings): PolicySettings {
  return { ...normalizePolicySettings(p), timeZone: p.timeZone };
}
