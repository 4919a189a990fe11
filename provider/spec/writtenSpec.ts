// What a spec file says, once it has passed the JSON Schema (schemas/spec.schema.json). Resolved into core's ResolvedSpec.
import type { ImmutabilitySetting, Month, SoftDeleteSetting, StorageRedundancy, WeekDay, WeekOfMonth } from '../core/index.js';

export type Frequency = 'Daily' | 'Weekly' | 'Hourly';

export interface WrittenSchedule {
  frequency: Frequency;
  time?: string;
  days?: WeekDay[];
  timeZone?: string;
  intervalHours?: number;
  windowStart?: string;
  windowHours?: number;
}

export interface WrittenRetention {
  daily?: number;
  weekly?: { count: number; days: WeekDay[] };
  monthly?: { count: number; weeks: WeekOfMonth[]; days: WeekDay[] };
  yearly?: { count: number; months: Month[]; weeks: WeekOfMonth[]; days: WeekDay[] };
}

/** A policy as written; `name` is optional only where a resource input carries the name elsewhere. */
export interface WrittenPolicy {
  name?: string;
  schedule: WrittenSchedule;
  retention: WrittenRetention;
  instantRestoreDays?: number;
  enhanced?: boolean;
}

export interface WrittenVmPick {
  id?: string;
  resourceGroup?: string;
  name?: string;
}

export interface WrittenSelector {
  resourceGroups?: string[];
  names?: string[];
  tags?: Record<string, string>;
  exclude?: {
    resourceGroups?: string[];
    names?: string[];
    tags?: Record<string, string>;
    vms?: WrittenVmPick[];
  };
}

export interface WrittenRule {
  name: string;
  policy: string;
  vms?: WrittenVmPick[];
  select?: WrittenSelector;
  /** Estate form: "RG/NAME" or "SUBSCRIPTION/RG/NAME" of a declared vault. */
  vault?: string;
  disks?: WrittenDisks;
}

/** Exactly one of the three (specRules.ts checks it). */
export interface WrittenDisks {
  include?: number[];
  exclude?: number[];
  osOnly?: true;
}

export interface WrittenVaultSettings {
  softDelete?: SoftDeleteSetting;
  immutability?: ImmutabilitySetting;
  storageRedundancy?: StorageRedundancy;
  crossRegionRestore?: boolean;
}

export interface WrittenVault {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  settings?: WrittenVaultSettings;
}

export interface WrittenExemption {
  reason: string;
  vms?: WrittenVmPick[];
  select?: WrittenSelector;
}

export interface WrittenStopEntry {
  vm: WrittenVmPick;
  retainData?: boolean;
}

export interface WrittenSpec {
  apiVersion: 'vmbackup/v1';
  /** The one-vault form; the estate form has `scope` and `vaults` instead (the schema allows exactly one of the two). */
  target?: { subscriptionId: string; vault: { resourceGroup: string; name: string }; settings?: WrittenVaultSettings };
  scope?: { subscriptions: string[]; resourceGroups?: string[] };
  vaults?: WrittenVault[];
  exempt?: WrittenExemption[];
  policies?: WrittenPolicy[];
  protect?: WrittenRule[];
  stopProtection?: WrittenStopEntry[];
  undeclared?: 'report' | 'stop';
}
