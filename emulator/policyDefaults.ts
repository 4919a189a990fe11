// What Azure Backup fills in on a VM policy the client did not send, as its answers show: the REST
// specification's examples (scheduleWeeklyFrequency, protectedItemsCount), the REST guide's enhanced policy
// (instantRPDetails, tieringPolicy, timeZone) and `az backup policy show` (instantRpRetentionRangeInDays).
// Policies are stored and answered with them, so a client comparing its own body with Azure's sees them too.

type Props = Record<string, any>;

/** No archive tiering: Azure's answer for a policy that never configured it. */
const NO_TIERING = { ArchivedRP: { tieringMode: 'DoNotTier', duration: 0, durationType: 'Invalid' } };

/** Azure writes date-times in UTC without fractional seconds, e.g. "2018-01-24T02:00:00Z". */
function azureDateTime(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function azureDateTimes(values: unknown): unknown {
  return Array.isArray(values) ? values.map(azureDateTime) : values;
}

function withRunTimes(schedule: Props | undefined): Props | undefined {
  return schedule && { ...schedule, scheduleRunTimes: azureDateTimes(schedule.scheduleRunTimes) };
}

function scheduleDefaults(sp: Props): Props {
  if (sp.schedulePolicyType === 'SimpleSchedulePolicy') {
    return { ...sp, scheduleRunTimes: azureDateTimes(sp.scheduleRunTimes), scheduleWeeklyFrequency: sp.scheduleWeeklyFrequency ?? 0 };
  }
  const hourly = sp.hourlySchedule as Props | undefined;
  return {
    ...sp,
    ...(hourly ? { hourlySchedule: { ...hourly, scheduleWindowStartTime: azureDateTime(hourly.scheduleWindowStartTime) } } : {}),
    ...(sp.dailySchedule ? { dailySchedule: withRunTimes(sp.dailySchedule) } : {}),
    ...(sp.weeklySchedule ? { weeklySchedule: withRunTimes(sp.weeklySchedule) } : {}),
  };
}

function retentionDefaults(rp: Props): Props {
  if (rp.retentionPolicyType !== 'LongTermRetentionPolicy') return rp;
  const out: Props = { ...rp };
  for (const tier of ['dailySchedule', 'weeklySchedule', 'monthlySchedule', 'yearlySchedule']) {
    const t = rp[tier] as Props | undefined;
    if (!t) continue;
    // Monthly and yearly tiers name their format: by day of the month, or by week and weekday.
    const format = tier === 'monthlySchedule' || tier === 'yearlySchedule' ? { retentionScheduleFormatType: t.retentionScheduleFormatType ?? (t.retentionScheduleDaily ? 'Daily' : 'Weekly') } : {};
    out[tier] = { ...t, ...format, retentionTimes: azureDateTimes(t.retentionTimes) };
  }
  return out;
}

/**
 * A VM policy's properties with Azure's server-side defaults. `previous` is the stored policy an update
 * replaces: a tiering policy the update leaves out is kept, as the specification's TieringPolicy says.
 */
export function withServerDefaults(props: Props, previous?: Props): Props {
  const isV2 = (props.schedulePolicy as Props | undefined)?.schedulePolicyType === 'SimpleSchedulePolicyV2';
  return {
    ...props,
    policyType: props.policyType ?? (isV2 ? 'V2' : 'V1'),
    instantRpRetentionRangeInDays: props.instantRpRetentionRangeInDays ?? (isV2 ? 7 : 2),
    instantRPDetails: props.instantRPDetails ?? {},
    timeZone: props.timeZone ?? 'UTC',
    tieringPolicy: props.tieringPolicy ?? previous?.tieringPolicy ?? NO_TIERING,
    ...(props.schedulePolicy ? { schedulePolicy: scheduleDefaults(props.schedulePolicy as Props) } : {}),
    ...(props.retentionPolicy ? { retentionPolicy: retentionDefaults(props.retentionPolicy as Props) } : {}),
  };
}
