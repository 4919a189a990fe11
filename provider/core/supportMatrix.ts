// What Azure Backup supports for VMs, per profile, as the support table says (facts/vm-backup-support.json,
// each row citing its source). Pre-flight and the spec's policy limits read it; the emulator reads the same
// table with its own code, so the client and the server share facts, never code.
import table from '../../facts/vm-backup-support.json' with { type: 'json' };

export type Profile = 'classic' | 'modern';

export interface Range {
  readonly min: number;
  readonly max: number;
}

export interface Support {
  /** Stopped and deallocated VMs can be protected (their recovery points are crash-consistent). */
  readonly notRunningVms: boolean;
  /** Oldest VM agent accepted, per OS; null: any agent. */
  readonly minAgentVersionWindows: string | null;
  readonly minAgentVersionLinux: string | null;
  readonly maxDataDisks: number;
  readonly unsupportedDiskSkus: readonly string[];
  readonly multipleNics: boolean;
  readonly loadBalancedVms: boolean;
  /** Disk storage types a VM may have only under an Enhanced (V2) policy. */
  readonly enhancedPolicyDiskSkus: readonly string[];
  /** Compute security types (securityProfile.securityType) that need an Enhanced (V2) policy. */
  readonly enhancedPolicySecurityTypes: readonly string[];
  readonly enhancedToStandardPolicy: boolean;
  /** A VM is registered with the vault (extension, then container) before it is protected. */
  readonly explicitRegistration: boolean;
  /** A protected item may back up only some of the VM's data disks (include, exclude, OS disk only). */
  readonly selectiveDiskBackup: boolean;
  readonly hourlySchedules: boolean;
  readonly hourlyIntervals: readonly number[];
  readonly hourlyWindowHours: Range;
  readonly dailyRetentionDays: Range;
  readonly weeklyRetentionWeeks: Range;
  readonly monthlyRetentionMonths: Range;
  /** null: no yearly retention. */
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

/** Disk SKUs compare case-insensitively. */
export function skuIn(sku: string, list: readonly string[]): boolean {
  return list.some((s) => s.toLowerCase() === sku.toLowerCase());
}
