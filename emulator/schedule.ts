// When a policy's backups fall due and how long their recovery points are kept. A policy's times are wall
// times in its zone: a Windows id (mapped to its IANA zone, so daylight saving is honoured), UTC, or UTC+hh:mm.
import { WINDOWS_ZONES } from './windowsZones.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** A policy's time zone: the offset from UTC, in minutes, in force at an instant. */
export interface TimeZone {
  readonly id: string;
  offsetAt(atMs: number): number;
}

const BY_NAME = new Map(Object.entries(WINDOWS_ZONES).map(([windows, iana]) => [windows.toLowerCase(), iana]));
const ZONES = new Map<string, TimeZone>();

function ianaZone(id: string, iana: string): TimeZone {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: iana,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  return {
    id,
    offsetAt(atMs) {
      const part: Record<string, number> = {};
      for (const p of format.formatToParts(atMs)) part[p.type] = Number(p.value);
      const wall = Date.UTC(part.year, part.month - 1, part.day, part.hour, part.minute, part.second);
      return Math.round((wall - Math.floor(atMs / 1000) * 1000) / 60_000);
    },
  };
}

/** The zone a policy names, or undefined when unknown. Windows ids match case-insensitively, as Azure does. */
export function timeZoneOf(zone: unknown): TimeZone | undefined {
  if (zone !== undefined && typeof zone !== 'string') return undefined;
  const name = (zone ?? '').trim() || 'UTC';
  const cached = ZONES.get(name.toLowerCase());
  if (cached) return cached;
  let tz: TimeZone | undefined;
  const iana = BY_NAME.get(name.toLowerCase());
  if (iana) {
    tz = ianaZone(name, iana);
  } else {
    const m = /^UTC([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(name);
    if (!m) return undefined;
    const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
    if (minutes > 14 * 60) return undefined;
    const fixed = m[1] === '-' ? -minutes : minutes;
    tz = { id: name, offsetAt: () => fixed };
  }
  ZONES.set(name.toLowerCase(), tz);
  return tz;
}

/** Offset from UTC in minutes at `atMs` (daylight saving included), or undefined for an unknown zone. */
export function zoneOffsetMinutes(zone: unknown, atMs: number): number | undefined {
  return timeZoneOf(zone)?.offsetAt(atMs);
}

/**
 * The instant a local wall time (written as UTC milliseconds) names in the zone. A time the clocks skip
 * (spring forward) runs as many minutes later as were skipped; a time that occurs twice runs the first time.
 */
export function wallToInstant(tz: TimeZone, wallMs: number): number {
  const before = tz.offsetAt(wallMs - DAY);
  const after = tz.offsetAt(wallMs + DAY);
  const fits = [before, after].map((o) => wallMs - o * 60_000).filter((t) => tz.offsetAt(t) * 60_000 === wallMs - t);
  return fits.length ? Math.min(...fits) : wallMs - before * 60_000;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

type Props = Record<string, any>;

/** Time of day in minutes from an ISO date-time; Azure reads only its time part, in the policy's zone. */
function minutesOfDay(isoTime: string): number | undefined {
  const m = /T(\d{2}):(\d{2})/.exec(isoTime) ?? /^(\d{2}):(\d{2})/.exec(isoTime);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

export interface ScheduleShape {
  readonly frequency: 'Daily' | 'Weekly' | 'Hourly';
  /** Minutes of the day (local) for daily / weekly runs. */
  readonly times: readonly number[];
  readonly weekDays: readonly string[];
  readonly hourly?: { readonly intervalHours: number; readonly windowStart: number; readonly windowHours: number };
}

/** Reads SimpleSchedulePolicy or SimpleSchedulePolicyV2 into one shape; undefined when unreadable. */
export function readSchedule(props: Props): ScheduleShape | undefined {
  const sp = props.schedulePolicy as Props | undefined;
  if (!sp) return undefined;
  const frequency = sp.scheduleRunFrequency as ScheduleShape['frequency'];
  if (sp.schedulePolicyType === 'SimpleSchedulePolicyV2') {
    if (frequency === 'Hourly') {
      const h = sp.hourlySchedule as Props | undefined;
      const start = h?.scheduleWindowStartTime ? minutesOfDay(String(h.scheduleWindowStartTime)) : undefined;
      if (!h || start === undefined) return undefined;
      return {
        frequency,
        times: [],
        weekDays: [],
        hourly: { intervalHours: Number(h.interval), windowStart: start, windowHours: Number(h.scheduleWindowDuration) },
      };
    }
    const source = frequency === 'Weekly' ? (sp.weeklySchedule as Props | undefined) : (sp.dailySchedule as Props | undefined);
    const times = ((source?.scheduleRunTimes as string[] | undefined) ?? []).map(minutesOfDay);
    if (times.some((t) => t === undefined)) return undefined;
    return { frequency, times: times as number[], weekDays: (source?.scheduleRunDays as string[] | undefined) ?? [] };
  }
  const times = ((sp.scheduleRunTimes as string[] | undefined) ?? []).map(minutesOfDay);
  if (times.some((t) => t === undefined)) return undefined;
  return { frequency, times: times as number[], weekDays: (sp.scheduleRunDays as string[] | undefined) ?? [] };
}

/** The instants (UTC ms) in (fromMs, toMs] at which the policy backs up, in order. */
export function occurrences(props: Props, fromMs: number, toMs: number): number[] {
  const shape = readSchedule(props);
  const tz = timeZoneOf(props.timeZone);
  if (!shape || !tz || toMs <= fromMs) return [];
  const out: number[] = [];
  // Walk local calendar days (as UTC midnights). An hourly window may run into the next day and offsets
  // reach 14 hours either way, so start three days before the local date of `fromMs`.
  const firstDay = Math.floor((fromMs + tz.offsetAt(fromMs) * 60_000) / DAY) * DAY - 3 * DAY;
  for (let day = firstDay; day - 14 * HOUR <= toMs; day += DAY) {
    const weekday = WEEKDAYS[new Date(day).getUTCDay()];
    let minutes: number[];
    if (shape.frequency === 'Hourly' && shape.hourly) {
      const { intervalHours, windowStart, windowHours } = shape.hourly;
      minutes = [];
      if (intervalHours > 0) for (let h = 0; h < windowHours; h += intervalHours) minutes.push(windowStart + h * 60);
    } else if (shape.frequency === 'Weekly') {
      minutes = shape.weekDays.some((d) => d.toLowerCase() === weekday.toLowerCase()) ? [...shape.times] : [];
    } else {
      minutes = [...shape.times];
    }
    for (const m of minutes) {
      const at = wallToInstant(tz, day + m * 60_000);
      if (at > fromMs && at <= toMs) out.push(at);
    }
  }
  return out.sort((a, b) => a - b);
}

function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.getTime();
}

function durationMs(rd: Props | undefined, at: number): number | undefined {
  if (!rd) return undefined;
  const count = Number(rd.count);
  switch (rd.durationType) {
    case 'Days':
      return count * DAY;
    case 'Weeks':
      return count * 7 * DAY;
    case 'Months':
      return addMonths(at, count) - at;
    case 'Years':
      return addMonths(at, count * 12) - at;
    default:
      return undefined;
  }
}

const WEEK_NAMES = ['First', 'Second', 'Third', 'Fourth'];

/** Does a monthly/yearly tier keep the point taken on this local date? */
function tierMatches(tier: Props, local: Date): boolean {
  if (tier.retentionScheduleFormatType === 'Daily') {
    const days = ((tier.retentionScheduleDaily as Props | undefined)?.daysOfTheMonth as Props[] | undefined) ?? [];
    const lastDay = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 0)).getUTCDate();
    return days.some((d) => (d.isLast ? local.getUTCDate() === lastDay : Number(d.date) === local.getUTCDate()));
  }
  const weekly = (tier.retentionScheduleWeekly as Props | undefined) ?? {};
  const weekday = WEEKDAYS[local.getUTCDay()];
  if (!((weekly.daysOfTheWeek as string[] | undefined) ?? []).includes(weekday)) return false;
  const weekIndex = Math.floor((local.getUTCDate() - 1) / 7);
  const isLast = local.getUTCDate() + 7 > new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 0)).getUTCDate();
  return ((weekly.weeksOfTheMonth as string[] | undefined) ?? []).some((w) => w === WEEK_NAMES[weekIndex] || (w === 'Last' && isLast));
}

/** When a recovery point taken at `at` by this policy expires: the longest tier that keeps it. */
export function retentionExpiry(props: Props, at: number): number | undefined {
  const rp = props.retentionPolicy as Props | undefined;
  if (!rp) return undefined;
  if (rp.retentionPolicyType === 'SimpleRetentionPolicy') {
    const d = durationMs(rp.retentionDuration as Props | undefined, at);
    return d === undefined ? undefined : at + d;
  }
  const local = new Date(at + (zoneOffsetMinutes(props.timeZone, at) ?? 0) * 60_000);
  const weekday = WEEKDAYS[local.getUTCDay()];
  const keeps: number[] = [];
  const daily = rp.dailySchedule as Props | undefined;
  if (daily) keeps.push(durationMs(daily.retentionDuration as Props, at) ?? 0);
  const weekly = rp.weeklySchedule as Props | undefined;
  if (weekly && ((weekly.daysOfTheWeek as string[] | undefined) ?? []).includes(weekday)) {
    keeps.push(durationMs(weekly.retentionDuration as Props, at) ?? 0);
  }
  const monthly = rp.monthlySchedule as Props | undefined;
  if (monthly && tierMatches(monthly, local)) keeps.push(durationMs(monthly.retentionDuration as Props, at) ?? 0);
  const yearly = rp.yearlySchedule as Props | undefined;
  const month = local.toLocaleString('en-US', { month: 'long', timeZone: 'UTC' });
  if (yearly && ((yearly.monthsOfYear as string[] | undefined) ?? []).includes(month) && tierMatches(yearly, local)) {
    keeps.push(durationMs(yearly.retentionDuration as Props, at) ?? 0);
  }
  // A point no tier keeps (e.g. a weekly schedule without weekly retention on that day) lasts a day.
  return at + (keeps.length ? Math.max(...keeps) : DAY);
}

/** A client that asked for "a day from now" reaches the service a little later: that much is not held against it. */
const REQUEST_LEEWAY_MS = 60_000;

/**
 * The expiry an on-demand backup may ask for, from `at`: at least a day, at most 99 years (the longest Azure keeps
 * a recovery point); without one, 30 days. Sources and what is inferred: README, "On-demand backup".
 */
export function onDemandExpiryRange(at: number): { min: number; max: number; fallback: number } {
  const max = new Date(at);
  max.setUTCFullYear(max.getUTCFullYear() + 99);
  return { min: at + DAY - REQUEST_LEEWAY_MS, max: max.getTime(), fallback: at + 30 * DAY };
}

/** Longest retention any tier of the policy gives, in days (for the profile limits). */
export function maxRetentionDays(props: Props): number {
  const rp = props.retentionPolicy as Props | undefined;
  if (!rp) return 0;
  const toDays = (rd: Props | undefined): number => {
    if (!rd) return 0;
    const factor = { Days: 1, Weeks: 7, Months: 30, Years: 365 }[rd.durationType as string] ?? 0;
    return Number(rd.count) * factor;
  };
  if (rp.retentionPolicyType === 'SimpleRetentionPolicy') return toDays(rp.retentionDuration as Props);
  return Math.max(
    0,
    ...['dailySchedule', 'weeklySchedule', 'monthlySchedule', 'yearlySchedule'].map((k) => toDays((rp[k] as Props | undefined)?.retentionDuration as Props)),
  );
}

export const HOUR_MS = HOUR;
export const DAY_MS = DAY;
