// Rules for one policy, run once its fields have passed the schema. Each pushes its own diagnostics.
import type { WeekDay } from '../core/index.js';
import { profileLimits, type Profile, type ProfileLimits, type Range } from './limits.js';
import type { Reporter } from './reporter.js';
import type { WrittenPolicy, WrittenSchedule } from './writtenSpec.js';
import type { Path } from './yamlSource.js';

export interface PolicyRuleContext {
  readonly reporter: Reporter;
  readonly profile?: Profile;
}

type PolicyRule = (policy: WrittenPolicy, path: Path, ctx: PolicyRuleContext & { limits: ProfileLimits }) => void;

/** Fields each frequency takes; the others do not apply to it. */
const SCHEDULE_FIELDS: Record<WrittenSchedule['frequency'], readonly (keyof WrittenSchedule)[]> = {
  Daily: ['time'],
  Weekly: ['time', 'days'],
  Hourly: ['intervalHours', 'windowStart', 'windowHours'],
};
const OPTIONAL_FIELDS: readonly (keyof WrittenSchedule)[] = ['frequency', 'timeZone'];
const KNOWN_FIELDS = new Set<string>([...Object.values(SCHEDULE_FIELDS).flat(), ...OPTIONAL_FIELDS]);

/** V2 (enhanced) when the schedule is hourly or the spec asks for it. */
export function policyTypeOf(policy: WrittenPolicy): 'V1' | 'V2' {
  return policy.schedule.frequency === 'Hourly' || policy.enhanced === true ? 'V2' : 'V1';
}

export const DEFAULT_INSTANT_RESTORE_DAYS = 2;

const scheduleFieldsMatchFrequency: PolicyRule = ({ schedule }, path, { reporter }) => {
  const wanted = SCHEDULE_FIELDS[schedule.frequency];
  for (const field of wanted) {
    if (schedule[field] !== undefined) continue;
    const weeklyDays = schedule.frequency === 'Weekly' && field === 'days';
    reporter.report({
      code: weeklyDays ? 'WeeklyScheduleNeedsDays' : 'MissingScheduleField',
      message: `${article(schedule.frequency)} schedule needs "${field}"`,
      path: [...path, 'schedule'],
      remedy: weeklyDays ? 'add days: [Sunday] (the days backups run)' : `add ${field}:`,
    });
  }
  for (const field of Object.keys(schedule) as (keyof WrittenSchedule)[]) {
    // An unknown key was reported by the schema, with its likely spelling.
    if (wanted.includes(field) || OPTIONAL_FIELDS.includes(field) || !KNOWN_FIELDS.has(field)) continue;
    reporter.report({
      code: 'ScheduleFieldNotApplicable',
      message: `"${field}" does not apply to ${article(schedule.frequency)} schedule`,
      path: [...path, 'schedule', field],
      at: 'key',
      remedy: `remove it; ${article(schedule.frequency)} schedule takes ${wanted.join(', ')}`,
    });
  }
};

const hourlyIsEnhanced: PolicyRule = (policy, path, { reporter }) => {
  if (policy.schedule.frequency !== 'Hourly' || policy.enhanced !== false) return;
  reporter.report({
    code: 'HourlyNeedsEnhanced',
    message: 'an Hourly schedule needs an enhanced (V2) policy',
    path: [...path, 'enhanced'],
    remedy: 'remove "enhanced: false"',
  });
};

const retentionMatchesFrequency: PolicyRule = ({ schedule, retention }, path, { reporter }) => {
  const at = [...path, 'retention'];
  if (schedule.frequency === 'Weekly') {
    if (retention.weekly === undefined) {
      reporter.report({
        code: 'MissingRetention',
        message: 'a Weekly schedule needs weekly retention',
        path: at,
        remedy: 'add weekly: { count: 4, days: [the schedule days] }',
      });
    }
    if (retention.daily !== undefined) {
      reporter.report({
        code: 'RetentionNotApplicable',
        message: 'daily retention does not apply to a Weekly schedule',
        path: [...at, 'daily'],
        at: 'key',
        remedy: 'remove "daily"; a weekly schedule keeps weekly, monthly and yearly points',
      });
    }
  } else if (retention.daily === undefined) {
    reporter.report({
      code: 'MissingRetention',
      message: `${article(schedule.frequency)} schedule needs daily retention`,
      path: at,
      remedy: 'add daily: N (days each daily recovery point is kept)',
    });
  }
};

/** With a weekly schedule, a point can only be kept on a day a backup ran. */
const retentionDaysAreScheduled: PolicyRule = ({ schedule, retention }, path, { reporter }) => {
  if (schedule.frequency !== 'Weekly' || !schedule.days) return;
  const scheduled = new Set<WeekDay>(schedule.days);
  for (const kind of ['weekly', 'monthly', 'yearly'] as const) {
    const days = retention[kind]?.days ?? [];
    days.forEach((day, i) => {
      if (scheduled.has(day)) return;
      reporter.report({
        code: 'RetentionDayNotScheduled',
        message: `${kind} retention keeps ${day}, but backups run only on ${schedule.days!.join(', ')}`,
        path: [...path, 'retention', kind, 'days', i],
        remedy: `keep a scheduled day, or add ${day} to schedule.days`,
      });
    });
  }
};

const withinProfileLimits: PolicyRule = (policy, path, { reporter, limits }) => {
  const { schedule, retention } = policy;
  if (schedule.frequency === 'Hourly') {
    if (!limits.hourly) {
      reporter.report({
        code: 'HourlyNotAllowed',
        message: `${limits.label} allows at most one backup a day`,
        path: [...path, 'schedule', 'frequency'],
        remedy: 'use a Daily or Weekly schedule',
      });
    }
    const hours = schedule.windowHours;
    if (hours !== undefined && !inRange(hours, limits.windowHours)) {
      reporter.report({
        code: 'ScheduleOutOfRange',
        message: `a backup window of ${hours} hours is out of range: ${limits.label} allows ${span(limits.windowHours, 'hours')}`,
        path: [...path, 'schedule', 'windowHours'],
        remedy: `use ${span(limits.windowHours, 'hours')}`,
      });
    } else if (hours !== undefined && schedule.intervalHours !== undefined && hours < schedule.intervalHours) {
      reporter.report({
        code: 'ScheduleOutOfRange',
        message: `a backup window of ${hours} hours is shorter than the ${schedule.intervalHours}-hour interval`,
        path: [...path, 'schedule', 'windowHours'],
        remedy: `make the window at least ${schedule.intervalHours} hours`,
      });
    }
  }
  const counts = [
    ['daily', retention.daily, limits.dailyDays, 'days'],
    ['weekly', retention.weekly?.count, limits.weeklyWeeks, 'weeks'],
    ['monthly', retention.monthly?.count, limits.monthlyMonths, 'months'],
    ['yearly', retention.yearly?.count, limits.yearlyYears, 'years'],
  ] as const;
  for (const [kind, count, range, unit] of counts) {
    if (count === undefined) continue;
    if (!range) {
      reporter.report({
        code: 'RetentionNotAllowed',
        message: `${limits.label} keeps recovery points at most 30 days, so it allows no ${kind} retention`,
        path: [...path, 'retention', kind],
        at: 'key',
        remedy: `remove "${kind}"`,
      });
    } else if (!inRange(count, range)) {
      reporter.report({
        code: 'RetentionOutOfRange',
        message: `${kind} retention of ${count} ${unit} is out of range: ${limits.label} allows ${span(range, unit)}`,
        path: kind === 'daily' ? [...path, 'retention', 'daily'] : [...path, 'retention', kind, 'count'],
        remedy: `keep ${span(range, unit)}`,
      });
    }
  }
  const type = policyTypeOf(policy);
  const days = policy.instantRestoreDays;
  const range = limits.instantRestoreDays[type];
  if (days !== undefined && !inRange(days, range)) {
    reporter.report({
      code: 'InstantRestoreOutOfRange',
      message: `instant restore of ${days} days is out of range: ${limits.label} allows ${span(range, 'days')} for ${type === 'V2' ? 'enhanced' : 'standard'} policies`,
      path: [...path, 'instantRestoreDays'],
      remedy: `keep ${span(range, 'days')}`,
    });
  }
};

function article(frequency: WrittenSchedule['frequency']): string {
  return `${frequency === 'Hourly' ? 'an' : 'a'} ${frequency}`;
}

function inRange(value: number, range: Range): boolean {
  return value >= range.min && value <= range.max;
}

/** "1-30 days", or "1 month" when the range is a single value. */
function span(range: Range, unit: string): string {
  if (range.min !== range.max) return `${range.min}-${range.max} ${unit}`;
  return `${range.min} ${range.min === 1 ? unit.replace(/s$/, '') : unit}`;
}

const POLICY_RULES: readonly PolicyRule[] = [
  scheduleFieldsMatchFrequency,
  hourlyIsEnhanced,
  retentionMatchesFrequency,
  retentionDaysAreScheduled,
  withinProfileLimits,
];

/** Runs every policy rule on a schema-valid policy written at `path`. */
export function checkPolicy(policy: WrittenPolicy, path: Path, ctx: PolicyRuleContext): void {
  const limits = profileLimits(ctx.profile);
  for (const rule of POLICY_RULES) rule(policy, path, { ...ctx, limits });
}
