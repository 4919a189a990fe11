// What a vault accepts, per emulator/Azure profile. `classic` is the guide's world (at most one backup a day and
// 30 days of retention); `modern` is today's Azure. Without a profile, a value is accepted when some profile accepts it.

export type Profile = 'classic' | 'modern';

export interface Range {
  readonly min: number;
  readonly max: number;
}

export interface ProfileLimits {
  /** Who sets these limits, as messages say it: "the classic profile allows 1-30 days". */
  readonly label: string;
  readonly hourly: boolean;
  readonly dailyDays: Range;
  /** Undefined: this kind of retention is not allowed at all. */
  readonly weeklyWeeks?: Range;
  readonly monthlyMonths?: Range;
  readonly yearlyYears?: Range;
  readonly instantRestoreDays: { readonly V1: Range; readonly V2: Range };
  readonly intervalHours: readonly number[];
  readonly windowHours: Range;
}

const CLASSIC: ProfileLimits = {
  label: 'the classic profile',
  hourly: false,
  dailyDays: { min: 1, max: 30 },
  // Four weeks is the most that stays within 30 days; one month counts as 30 days, as Azure Backup counts it; a year never fits.
  weeklyWeeks: { min: 1, max: 4 },
  monthlyMonths: { min: 1, max: 1 },
  instantRestoreDays: { V1: { min: 1, max: 5 }, V2: { min: 1, max: 5 } },
  intervalHours: [4, 6, 8, 12],
  windowHours: { min: 4, max: 24 },
};

const MODERN: ProfileLimits = {
  label: 'Azure (the modern profile)',
  hourly: true,
  dailyDays: { min: 7, max: 9999 },
  weeklyWeeks: { min: 1, max: 5163 },
  monthlyMonths: { min: 1, max: 1188 },
  yearlyYears: { min: 1, max: 99 },
  instantRestoreDays: { V1: { min: 1, max: 5 }, V2: { min: 1, max: 30 } },
  intervalHours: [4, 6, 8, 12],
  windowHours: { min: 4, max: 24 },
};

function union(a: Range | undefined, b: Range | undefined): Range | undefined {
  if (!a || !b) return a ?? b;
  return { min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) };
}

const ANY: ProfileLimits = {
  label: 'Azure Backup',
  hourly: CLASSIC.hourly || MODERN.hourly,
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
