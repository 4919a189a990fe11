// The policy limits of each profile, from the support table: `classic` is the guide's world (at most one backup
// a day and 30 days of retention); `modern` is today's Azure. Without a profile, a value is accepted when some
// profile accepts it.

import { supportOf, type Profile, type Range } from '../core/index.js';

export type { Profile, Range };

export interface ProfileLimits {
  /** Who sets these limits, as messages say it: "the classic profile allows 1-30 days". */
  readonly label: string;
  readonly hourly: boolean;
  /** A rule may back up only some of a VM's disks (`disks:`). */
  readonly selectiveDisks: boolean;
  readonly dailyDays: Range;
  /** Undefined: this kind of retention is not allowed at all. */
  readonly weeklyWeeks?: Range;
  readonly monthlyMonths?: Range;
  readonly yearlyYears?: Range;
  readonly instantRestoreDays: { readonly V1: Range; readonly V2: Range };
  readonly intervalHours: readonly number[];
  readonly windowHours: Range;
}

/** A profile's policy limits, as the support table gives them. */
function limitsOf(profile: Profile, label: string): ProfileLimits {
  const s = supportOf(profile);
  return {
    label,
    hourly: s.hourlySchedules,
    selectiveDisks: s.selectiveDiskBackup,
    dailyDays: s.dailyRetentionDays,
    weeklyWeeks: s.weeklyRetentionWeeks,
    monthlyMonths: s.monthlyRetentionMonths,
    ...(s.yearlyRetentionYears ? { yearlyYears: s.yearlyRetentionYears } : {}),
    instantRestoreDays: { V1: s.instantRestoreDaysStandard, V2: s.instantRestoreDaysEnhanced },
    intervalHours: s.hourlyIntervals,
    windowHours: s.hourlyWindowHours,
  };
}

const CLASSIC = limitsOf('classic', 'the classic profile');
const MODERN = limitsOf('modern', 'Azure (the modern profile)');

function union(a: Range | undefined, b: Range | undefined): Range | undefined {
  if (!a || !b) return a ?? b;
  return { min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) };
}

const ANY: ProfileLimits = {
  label: 'Azure Backup',
  hourly: CLASSIC.hourly || MODERN.hourly,
  selectiveDisks: CLASSIC.selectiveDisks || MODERN.selectiveDisks,
  dailyDays: union(CLASSIC.dailyDays, MODERN.dailyDays)!,
  weeklyWeeks: union(CLASSIC.weeklyWeeks, MODERN.weeklyWeeks),
  monthlyMonths: union(CLASSIC.monthlyMonths, MODERN.monthlyMonths),
  yearlyYears: union(CLASSIC.yearlyYears, MODERN.yearlyYears),
  instantRestoreDays: {
    V1: union(CLASSIC.instantRestoreDays.V1, MODERN.instantRestoreDays.V1)!,
    V2: union(CLASSIC.instantRestoreDays.V2, MODERN.instantRestoreDays.V2)!,
  },
  intervalHours: [...new Set([...CLASSIC.intervalHours, ...MODERN.intervalHours])],
  windowHours: union(CLASSIC.windowHours, MODERN.windowHours)!,
};

/** The limits of a profile; without one, the loosest limits of all profiles. */
export function profileLimits(profile?: Profile): ProfileLimits {
  if (profile === 'classic') return CLASSIC;
  if (profile === 'modern') return MODERN;
  return ANY;
}
