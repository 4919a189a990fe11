// When a policy's backups fall due and how long their recovery points are kept. Windows time zone ids
// map to their standard (fixed) UTC offset: daylight saving time is not modelled.

const WINDOWS_ZONES: Readonly<Record<string, number>> = {
  'utc': 0,
  'coordinated universal time': 0,
  'gmt standard time': 0,
  'greenwich standard time': 0,
  'w. europe standard time': 60,
  'central europe standard time': 60,
  'central european standard time': 60,
  'romance standard time': 60,
  'w. central africa standard time': 60,
  'e. europe standard time': 120,
  'fle standard time': 120,
  'gtb standard time': 120,
  'south africa standard time': 120,
  'russian standard time': 180,
  'arabian standard time': 240,
  'india standard time': 330,
  'singapore standard time': 480,
  'china standard time': 480,
  'tokyo standard time': 540,
  'korea standard time': 540,
  'aus eastern standard time': 600,
  'new zealand standard time': 720,
  'e. south america standard time': -180,
  'atlantic standard time': -240,
  'eastern standard time': -300,
  'central standard time': -360,
  'mountain standard time': -420,
  'pacific standard time': -480,
  'alaskan standard time': -540,
  'hawaiian standard time': -600,
};

/** Offset from UTC in minutes, or undefined for an unknown zone. Accepts "UTC+02:00" / "UTC-05" too. */
export function zoneOffsetMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined || zone === '') return 0;
  const known = WINDOWS_ZONES[zone.trim().toLowerCase()];
  if (known !== undefined) return known;
  const m = /^UTC([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(zone.trim());
  if (!m) return undefined;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
  return minutes > 14 * 60 ? undefined : m[1] === '-' ? -minutes : minutes;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
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
  const offset = zoneOffsetMinutes(props.timeZone as string | undefined);
  if (!shape || offset === undefined || toMs <= fromMs) return [];
  const offsetMs = offset * 60_000;
  const out: number[] = [];
  // Walk local calendar days; a local day starts at UTC (dayStart - offset).
  const firstDay = Math.floor((fromMs + offsetMs) / DAY) * DAY - DAY;
  for (let day = firstDay; day - offsetMs <= toMs; day += DAY) {
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
    for (const m of minutes.sort((a, b) => a - b)) {
      const at = day + m * 60_000 - offsetMs;
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
  const local = new Date(at + (zoneOffsetMinutes(props.timeZone as string | undefined) ?? 0) * 60_000);
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
