// Policy validation per profile, with the ranges of the support table: `classic` is the guide's preview
// world (at most one backup a day, 30 days of retention), `modern` today's Azure ranges.
import { ArmErrors, type ArmError } from './errors.js';
import type { Profile } from './model.js';
import { maxRetentionDays, readSchedule, timeZoneOf } from './schedule.js';
import { supportOf, type Range } from './supportMatrix.js';

type Props = Record<string, any>;

/** Azure's DefaultPolicy, present in every vault from its creation: daily, 30 days. */
export function defaultPolicyProperties(createdAt: Date): Props {
  const day = createdAt.toISOString().slice(0, 10);
  return {
    backupManagementType: 'AzureIaasVM',
    policyType: 'V1',
    instantRpRetentionRangeInDays: 2,
    timeZone: 'UTC',
    schedulePolicy: { schedulePolicyType: 'SimpleSchedulePolicy', scheduleRunFrequency: 'Daily', scheduleRunTimes: [`${day}T22:30:00Z`], scheduleWeeklyFrequency: 0 },
    retentionPolicy: {
      retentionPolicyType: 'LongTermRetentionPolicy',
      dailySchedule: { retentionTimes: [`${day}T22:30:00Z`], retentionDuration: { count: 30, durationType: 'Days' } },
    },
  };
}

/** The first rule the policy breaks, or undefined. */
export function validatePolicy(props: Props, profile: Profile): ArmError | undefined {
  // Azure refuses every malformed or out-of-range policy with one code; the message names the rule.
  const invalid = ArmErrors.invalidPolicy;
  const badRetention = ArmErrors.invalidPolicy;
  const badFrequency = ArmErrors.invalidPolicy;
  if (props.backupManagementType !== 'AzureIaasVM') {
    return invalid(`properties.backupManagementType must be 'AzureIaasVM', not '${String(props.backupManagementType)}'.`);
  }
  if (timeZoneOf(props.timeZone) === undefined) return ArmErrors.invalidTimeZone(String(props.timeZone));
  const sp = props.schedulePolicy as Props | undefined;
  if (!sp || !['SimpleSchedulePolicy', 'SimpleSchedulePolicyV2'].includes(sp.schedulePolicyType)) {
    return invalid("properties.schedulePolicy.schedulePolicyType must be 'SimpleSchedulePolicy' or 'SimpleSchedulePolicyV2'.");
  }
  const rp = props.retentionPolicy as Props | undefined;
  if (!rp || !['LongTermRetentionPolicy', 'SimpleRetentionPolicy'].includes(rp.retentionPolicyType)) {
    return invalid("properties.retentionPolicy.retentionPolicyType must be 'LongTermRetentionPolicy' or 'SimpleRetentionPolicy'.");
  }
  const shape = readSchedule(props);
  if (!shape || !['Daily', 'Weekly', 'Hourly'].includes(shape.frequency)) {
    return invalid('properties.schedulePolicy needs scheduleRunFrequency Daily, Weekly or Hourly with its run times.');
  }
  const policyType = props.policyType ?? (sp.schedulePolicyType === 'SimpleSchedulePolicyV2' ? 'V2' : 'V1');
  if ((sp.schedulePolicyType === 'SimpleSchedulePolicyV2') !== (policyType === 'V2')) {
    return invalid("policyType 'V2' (enhanced) goes with SimpleSchedulePolicyV2, 'V1' with SimpleSchedulePolicy.");
  }
  if (shape.frequency !== 'Hourly' && shape.times.length !== 1) return invalid('A daily or weekly schedule has exactly one run time.');
  if (shape.frequency === 'Weekly' && shape.weekDays.length === 0) return invalid('A weekly schedule names its run days.');
  const support = supportOf(profile);
  const instant = Number(props.instantRpRetentionRangeInDays ?? 2);
  const instantRange = policyType === 'V2' ? support.instantRestoreDaysEnhanced : support.instantRestoreDaysStandard;
  if (!Number.isInteger(instant) || !within(instant, instantRange)) {
    return badRetention(`instantRpRetentionRangeInDays must be ${instantRange.min} to ${instantRange.max} for a ${policyType} policy.`);
  }
  if (maxRetentionDays(props) < 1) return badRetention('The retention policy keeps no recovery point.');
  if (shape.frequency === 'Hourly') {
    if (!support.hourlySchedules) return badFrequency(`The ${profile} profile allows at most one backup a day (no hourly schedules).`);
    if (policyType !== 'V2') return badFrequency('Hourly schedules need an enhanced (V2) policy.');
    const h = shape.hourly!;
    if (!support.hourlyIntervals.includes(h.intervalHours)) {
      return badFrequency(`Hourly interval must be one of ${support.hourlyIntervals.join(', ')} hours.`);
    }
    const window = support.hourlyWindowHours;
    if (!Number.isInteger(h.windowHours) || h.windowHours < Math.max(h.intervalHours, window.min) || h.windowHours > window.max) {
      return badFrequency(`The hourly window lasts from the interval up to ${window.max} hours.`);
    }
  }
  const tiers: [string, string, Range | null][] = [
    ['dailySchedule', 'days', support.dailyRetentionDays],
    ['weeklySchedule', 'weeks', support.weeklyRetentionWeeks],
    ['monthlySchedule', 'months', support.monthlyRetentionMonths],
    ['yearlySchedule', 'years', support.yearlyRetentionYears],
  ];
  for (const [tier, unit, range] of tiers) {
    const d = (rp[tier] as Props | undefined)?.retentionDuration as Props | undefined;
    if (!d) continue;
    if (!range) return badRetention(`The ${profile} profile has no ${tier} retention.`);
    if (!within(Number(d.count), range)) {
      return badRetention(`${tier} retention of ${String(d.count)} ${unit} is outside ${range.min} to ${range.max} ${unit}, the ${profile} profile's range.`);
    }
  }
  return undefined;
}

function within(n: number, r: Range): boolean {
  return n >= r.min && n <= r.max;
}
