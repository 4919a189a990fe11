// Policy validation per profile. `classic` is the guide's preview world: at most one backup a day and
// 30 days of retention. `modern` allows today's Azure ranges (enhanced hourly policies, long-term retention).
import { ArmErrors, type ArmError } from './errors.js';
import type { Profile } from './model.js';
import { maxRetentionDays, readSchedule, timeZoneOf } from './schedule.js';

type Props = Record<string, any>;

const HOURLY_INTERVALS = [4, 6, 8, 12];

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
  const instant = Number(props.instantRpRetentionRangeInDays ?? 2);
  const maxInstant = policyType === 'V2' ? 30 : 5;
  if (!Number.isInteger(instant) || instant < 1 || instant > maxInstant) {
    return badRetention(`instantRpRetentionRangeInDays must be 1 to ${maxInstant} for a ${policyType} policy.`);
  }
  const retention = maxRetentionDays(props);
  if (retention < 1) return badRetention('The retention policy keeps no recovery point.');
  if (profile === 'classic') {
    if (shape.frequency === 'Hourly') {
      return badFrequency('The classic profile allows at most one backup a day (no hourly schedules).');
    }
    if (retention > 30) {
      return badRetention(`The classic profile keeps recovery points at most 30 days; this policy keeps them ${retention} days.`);
    }
    return undefined;
  }
  if (shape.frequency === 'Hourly') {
    if (policyType !== 'V2') return badFrequency('Hourly schedules need an enhanced (V2) policy.');
    const h = shape.hourly!;
    if (!HOURLY_INTERVALS.includes(h.intervalHours)) {
      return badFrequency(`Hourly interval must be one of ${HOURLY_INTERVALS.join(', ')} hours.`);
    }
    if (!Number.isInteger(h.windowHours) || h.windowHours < h.intervalHours || h.windowHours > 24) {
      return badFrequency('The hourly window lasts from the interval up to 24 hours.');
    }
  }
  const daily = (rp.dailySchedule as Props | undefined)?.retentionDuration as Props | undefined;
  if (daily && (daily.count < 7 || daily.count > 9999)) {
    return badRetention('Daily retention must be 7 to 9999 days.');
  }
  const limits: [string, number, number][] = [
    ['weeklySchedule', 1, 5163],
    ['monthlySchedule', 1, 1188],
    ['yearlySchedule', 1, 99],
  ];
  for (const [tier, min, max] of limits) {
    const d = (rp[tier] as Props | undefined)?.retentionDuration as Props | undefined;
    if (d && (d.count < min || d.count > max)) {
      return badRetention(`${tier} retention count must be ${min} to ${max}.`);
    }
  }
  return undefined;
}
