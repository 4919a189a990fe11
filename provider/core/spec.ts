// What a spec means once it is parsed, validated and normalized. Produced only by provider/spec.
import type { DiskSelection } from './disks.js';

/** A position in a source file, 1-based. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export type WeekDay = 'Sunday' | 'Monday' | 'Tuesday' | 'Wednesday' | 'Thursday' | 'Friday' | 'Saturday';
export type WeekOfMonth = 'First' | 'Second' | 'Third' | 'Fourth' | 'Last';
export type Month =
  | 'January' | 'February' | 'March' | 'April' | 'May' | 'June'
  | 'July' | 'August' | 'September' | 'October' | 'November' | 'December';

/** Backup schedule of a policy. Times are "HH:MM" in the policy's time zone. */
export type PolicySchedule =
  | { readonly frequency: 'Daily'; readonly time: string }
  | { readonly frequency: 'Weekly'; readonly time: string; readonly weekDays: readonly WeekDay[] }
  | {
      readonly frequency: 'Hourly';
      /** Hours between backups: 4, 6, 8, 12 or 24. */
      readonly intervalHours: number;
      /** Start of the backup window, "HH:MM". */
      readonly windowStart: string;
      readonly windowHours: number;
    };

export interface PolicyRetention {
  /** Daily recovery points kept, in days. */
  readonly dailyDays?: number;
  readonly weekly?: { readonly weeks: number; readonly days: readonly WeekDay[] };
  readonly monthly?: { readonly months: number; readonly weeksOfMonth: readonly WeekOfMonth[]; readonly days: readonly WeekDay[] };
  readonly yearly?: {
    readonly years: number;
    readonly months: readonly Month[];
    readonly weeksOfMonth: readonly WeekOfMonth[];
    readonly days: readonly WeekDay[];
  };
}

/** A backup policy as vmbackup models it; maps one to one onto AzureIaaSVMProtectionPolicy. */
export interface PolicySettings {
  readonly schedule: PolicySchedule;
  readonly retention: PolicyRetention;
  /** Days a snapshot is kept for instant restore (Azure: instantRpRetentionRangeInDays). */
  readonly instantRestoreDays: number;
  /** Windows time zone id, e.g. "UTC" or "W. Europe Standard Time". */
  readonly timeZone: string;
  /** V1 = standard, V2 = enhanced (hourly schedules need V2). */
  readonly policyType: 'V1' | 'V2';
}

export interface ResolvedPolicy extends PolicySettings {
  readonly name: string;
  readonly source?: SourceLocation;
}

/** Picks VMs by identity. `id` is an ARM id; otherwise resourceGroup + name. */
export interface VmPick {
  readonly id?: string;
  readonly resourceGroup?: string;
  readonly name?: string;
  readonly source?: SourceLocation;
}

export interface VmSelector {
  /** Resource groups to include (case-insensitive); empty = all. */
  readonly resourceGroups: readonly string[];
  /** Name globs (provider/core/nameGlob.ts, case-insensitive); empty = all names. */
  readonly names: readonly string[];
  /** Tags that must all match; a value of "*" matches any value. */
  readonly tags: Readonly<Record<string, string>>;
  readonly exclude: {
    readonly resourceGroups: readonly string[];
    readonly names: readonly string[];
    readonly tags: Readonly<Record<string, string>>;
    readonly vms: readonly VmPick[];
  };
}

export type SoftDeleteSetting = 'on' | 'alwaysOn' | 'off';
export type ImmutabilitySetting = 'disabled' | 'unlocked' | 'locked';
export type StorageRedundancy = 'LocallyRedundant' | 'ZoneRedundant' | 'GeoRedundant';

/** The values a vault's safety settings take, as vmbackup names them. */
export interface VaultSettingValues {
  readonly softDelete: SoftDeleteSetting;
  readonly immutability: ImmutabilitySetting;
  readonly storageRedundancy: StorageRedundancy;
  readonly crossRegionRestore: boolean;
}

export type VaultSettingName = keyof VaultSettingValues;

/** A vault's declared safety settings: a setting left out is not managed. `sources` gives each written setting's line. */
export type VaultSettings = Partial<VaultSettingValues> & {
  readonly sources?: Readonly<Partial<Record<VaultSettingName, SourceLocation>>>;
};

/** A Recovery Services vault named by subscription, resource group and name (its region is read from the vault). */
export interface VaultSpec {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  /** The vault's own safety settings (`settings:`); absent when the spec manages none. */
  readonly settings?: VaultSettings;
  readonly source?: SourceLocation;
}

export interface ProtectionRule {
  readonly name: string;
  readonly policy: string;
  /** The declared vault this rule's VMs go to, instead of the one of their subscription and region (estate form). */
  readonly vault?: VaultSpec;
  readonly vms: readonly VmPick[];
  readonly selector?: VmSelector;
  /** The disks its VMs back up; absent means every disk, as Azure does by default. */
  readonly disks?: DiskSelection;
  /** Where `disks:` is written, for findings about it. */
  readonly disksSource?: SourceLocation;
  readonly source?: SourceLocation;
}

export interface StopProtectionEntry {
  readonly vm: VmPick;
  /** True unless the spec writes `retainData: false`. */
  readonly retainData: boolean;
  readonly source?: SourceLocation;
}

/** VMs an audit leaves out of coverage, with the reason every report prints. */
export interface ExemptEntry {
  readonly reason: string;
  readonly vms: readonly VmPick[];
  readonly selector?: VmSelector;
  readonly source?: SourceLocation;
}

/** The subscriptions (and optionally resource groups) a declaration speaks for. */
export interface ScopeSpec {
  readonly subscriptions: readonly string[];
  /** Empty = every resource group of those subscriptions. */
  readonly resourceGroups: readonly string[];
  readonly source?: SourceLocation;
}

export interface TargetSpec {
  readonly subscriptionId: string;
  readonly vault: { readonly resourceGroup: string; readonly name: string };
  /** The vault's own safety settings (`target.settings:`). */
  readonly settings?: VaultSettings;
  readonly source?: SourceLocation;
}

export interface ResolvedSpec {
  readonly apiVersion: 'vmbackup/v1';
  /** Path of the spec file as given by the user. */
  readonly file: string;
  /** sha256 of the spec file's bytes. */
  readonly digest: string;
  /**
   * The vault of the one-vault form. In the estate form (`scope:` + `vaults:`), the first declared vault: commands
   * work per vault through the estate's slices (provider/plan/estate.ts), each a one-vault spec with its own target.
   */
  readonly target: TargetSpec;
  /** `vault` for the one-vault `target:` form, `estate` for `scope:` + `vaults:`. */
  readonly form: 'vault' | 'estate';
  /** The declared vaults: the target alone in the one-vault form. */
  readonly vaults: readonly VaultSpec[];
  /** What the declaration speaks for: in the one-vault form, the target's subscription, and no coverage audit. */
  readonly scope: ScopeSpec;
  readonly exempt: readonly ExemptEntry[];
  readonly policies: readonly ResolvedPolicy[];
  readonly rules: readonly ProtectionRule[];
  readonly stopProtection: readonly StopProtectionEntry[];
  /** What happens to protected VMs that no rule declares: `report` (default) or `stop` (retaining data). */
  readonly undeclared: 'report' | 'stop';
  readonly undeclaredSource?: SourceLocation;
}

/** The estate fields of a one-vault spec: its vault, its subscription as scope, no exemptions. */
export function oneVaultEstate(target: TargetSpec): Pick<ResolvedSpec, 'form' | 'vaults' | 'scope' | 'exempt'> {
  return {
    form: 'vault',
    vaults: [{
      subscriptionId: target.subscriptionId, ...target.vault,
      ...(target.settings ? { settings: target.settings } : {}), ...(target.source ? { source: target.source } : {}),
    }],
    scope: { subscriptions: [target.subscriptionId], resourceGroups: [] },
    exempt: [],
  };
}

/** The declared settings of the vault an observation is about; undefined when the spec manages none there. */
export function declaredVaultSettings(spec: Pick<ResolvedSpec, 'vaults'>, vault: { readonly resourceGroup: string; readonly name: string }): VaultSettings | undefined {
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  return spec.vaults.find((v) => same(v.resourceGroup, vault.resourceGroup) && same(v.name, vault.name))?.settings;
}
