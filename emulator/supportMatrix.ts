// What the service accepts per profile, read from the support table both the emulator and vmbackup follow
// (facts/vm-backup-support.json, each row citing its source). The emulator keeps its own reading of it:
// it shares the facts with the client, never code.
import table from '../facts/vm-backup-support.json' with { type: 'json' };
import type { Profile } from './model.js';

export interface Range {
  readonly min: number;
  readonly max: number;
}

export interface Support {
  readonly notRunningVms: boolean;
  /** Oldest VM agent accepted, per OS; null: any agent. */
  readonly minAgentVersionWindows: string | null;
  readonly minAgentVersionLinux: string | null;
  readonly maxDataDisks: number;
  readonly unsupportedDiskSkus: readonly string[];
  readonly multipleNics: boolean;
  readonly loadBalancedVms: boolean;
  readonly enhancedPolicyDiskSkus: readonly string[];
  readonly enhancedPolicySecurityTypes: readonly string[];
  readonly enhancedToStandardPolicy: boolean;
  readonly explicitRegistration: boolean;
  readonly selectiveDiskBackup: boolean;
  readonly hourlySchedules: boolean;
  readonly hourlyIntervals: readonly number[];
  readonly hourlyWindowHours: Range;
  readonly dailyRetentionDays: Range;
  readonly weeklyRetentionWeeks: Range;
  readonly monthlyRetentionMonths: Range;
  readonly yearlyRetentionYears: Range | null;
  readonly instantRestoreDaysStandard: Range;
  readonly instantRestoreDaysEnhanced: Range;
}

function read(profile: Profile): Support {
  return Object.fromEntries(table.rows.map((row) => [row.fact, row[profile]])) as unknown as Support;
}

const SUPPORT: Readonly<Record<Profile, Support>> = { classic: read('classic'), modern: read('modern') };

export function supportOf(profile: Profile): Support {
  return SUPPORT[profile];
}

/** Disk SKUs compare case-insensitively: Compute answers "Premium_LRS", fleets may say "premium_lrs". */
export function skuIn(sku: string, list: readonly string[]): boolean {
  return list.some((s) => s.toLowerCase() === sku.toLowerCase());
}
