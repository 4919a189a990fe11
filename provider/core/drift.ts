// Drift is what differs between the spec and the observed world, per VM and per policy.
import type { SourceLocation, VaultSettingValues } from './spec.js';

export const DRIFT_FORMAT_VERSION = 1;

export type DriftCategory =
  | 'declaredUnprotected'
  | 'protectedByOtherVault'
  | 'wrongPolicy'
  | 'disksChanged'
  | 'policyMissing'
  | 'policyChanged'
  | 'protectionStopped'
  | 'undeclaredProtected'
  | 'protectionError'
  | 'lastBackupFailed'
  | 'recoveryPointOverdue'
  | 'consistencyDegraded'
  | 'noVault'
  | 'uncovered'
  | 'exemptionUnused'
  | 'vaultSettings';

export interface DriftSubject {
  /** `exemption`: an `exempt:` entry of an estate spec, named by its reason; `vault`: a vault's own settings. */
  readonly kind: 'vm' | 'policy' | 'exemption' | 'vault';
  /** ARM id of the VM or policy (the policy id may be absent when the policy does not exist). */
  readonly id?: string;
  readonly name: string;
  readonly resourceGroup?: string;
}

export interface DriftFinding {
  readonly category: DriftCategory;
  readonly subject: DriftSubject;
  readonly message: string;
  readonly remedy: string;
  readonly expected?: string;
  readonly actual?: string;
  /** Azure Backup error code behind the finding, when there is one. */
  readonly azureErrorCode?: string;
  /** The spec line responsible: the rule or policy, or the target for undeclared protections. */
  readonly source?: SourceLocation;
  /** Estate reports: the vault the finding is about, "resourceGroup/name". */
  readonly vault?: string;
}

/** An estate audit's numbers over every VM in scope. */
export interface DriftCoverage {
  readonly inScope: number;
  /** VMs with an active protection in any vault. */
  readonly protected: number;
  /** VMs a rule declares that no vault protects yet. */
  readonly declaredUnprotected: number;
  readonly exempt: number;
  /** VMs neither protected, declared nor exempt. */
  readonly uncovered: number;
  readonly exemptions: readonly { readonly id: string; readonly name: string; readonly resourceGroup: string; readonly reason: string; readonly source?: SourceLocation }[];
}

/** Every declared VM and policy that drift checked, so reports can list what is in sync too. */
export interface DriftChecked {
  readonly vms: readonly { readonly id: string; readonly name: string; readonly resourceGroup: string; readonly policy: string; readonly source?: SourceLocation }[];
  readonly policies: readonly { readonly name: string; readonly source?: SourceLocation }[];
}

export interface DriftReport {
  readonly formatVersion: typeof DRIFT_FORMAT_VERSION;
  readonly generatedAt: string;
  readonly spec: { readonly file: string; readonly digest: string };
  readonly target: { readonly subscriptionId: string; readonly vaultResourceGroup: string; readonly vaultName: string };
  readonly checked: DriftChecked;
  /** Estate reports: every declared vault; `target` is the first. */
  readonly vaults?: readonly { readonly subscriptionId: string; readonly vaultResourceGroup: string; readonly vaultName: string; readonly location: string }[];
  readonly coverage?: DriftCoverage;
  readonly findings: readonly DriftFinding[];
  readonly summary: { readonly inSync: boolean; readonly byCategory: Readonly<Partial<Record<DriftCategory, number>>> };
}

export interface DashboardData {
  readonly generatedAt: string;
  readonly vault: { readonly id: string; readonly name: string; readonly location: string; readonly settings?: VaultSettingValues };
  readonly protectedVms: { readonly total: number; readonly byState: Readonly<Record<string, number>> };
  readonly jobs24h: {
    readonly succeeded: number;
    readonly failed: number;
    readonly inProgress: number;
    readonly jobs: readonly {
      readonly id: string;
      readonly operation: string;
      readonly status: string;
      readonly vmName: string;
      /** ARM id of the job's VM, when the job names it; it tells apart two VMs of one name. */
      readonly vmId?: string;
      readonly startTime: string;
      readonly endTime?: string;
      readonly durationSeconds?: number;
      readonly errors: readonly { readonly code: string; readonly message: string; readonly recommendations: readonly string[] }[];
    }[];
  };
  readonly recoveryPoints: readonly {
    readonly vmName: string;
    readonly vmId: string;
    /** The disks the item backs up, e.g. "all", "OS only", "LUN 0,2", "all except LUN 1". */
    readonly disks: string;
    readonly points: readonly { readonly time: string; readonly consistency: string }[];
  }[];
  readonly drift?: DriftReport['summary'] & { readonly findings: number };
}

/** One vault's line of an estate dashboard. */
export interface EstateDashboardVault {
  readonly subscriptionId: string;
  readonly location: string;
  readonly vaultResourceGroup: string;
  readonly vaultName: string;
  readonly protectedVms: number;
  readonly jobs24h: { readonly succeeded: number; readonly failed: number; readonly inProgress: number };
  /** The vault's safety settings, when it reports them. */
  readonly settings?: VaultSettingValues;
}

/** The dashboard of an estate: each vault by subscription and region, and the estate's totals. */
export interface EstateDashboard {
  readonly generatedAt: string;
  readonly vaults: readonly EstateDashboardVault[];
  readonly totals: { readonly vaults: number; readonly protectedVms: number; readonly jobs24h: EstateDashboardVault['jobs24h'] };
  /** The scope's coverage, when the spec declares a scope: what an auditor asks first. */
  readonly coverage?: DriftCoverage;
}
