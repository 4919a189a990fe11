// Input and output shapes of the vmbackup package, as in schemas/pulumi/schema.json.
import type * as pulumi from '@pulumi/pulumi';

export type WeekDay = 'Sunday' | 'Monday' | 'Tuesday' | 'Wednesday' | 'Thursday' | 'Friday' | 'Saturday';

/** When backups run, as in a vmbackup spec. */
export interface PolicySchedule {
  frequency: pulumi.Input<'Daily' | 'Weekly' | 'Hourly'>;
  /** HH:MM (Daily, Weekly). */
  time?: pulumi.Input<string>;
  /** Days of a weekly backup. */
  days?: pulumi.Input<pulumi.Input<WeekDay>[]>;
  /** Windows time zone id. Default UTC. */
  timeZone?: pulumi.Input<string>;
  /** Hours between backups: 4, 6, 8, 12 or 24 (Hourly). */
  intervalHours?: pulumi.Input<number>;
  windowStart?: pulumi.Input<string>;
  windowHours?: pulumi.Input<number>;
}

/** Which disks of a VM are backed up: exactly one of the three. The OS disk always is; leave it out for every disk. */
export interface DiskSelection {
  /** Back up the OS disk and the data disks at these LUNs only. */
  include?: pulumi.Input<pulumi.Input<number>[]>;
  /** Back up every disk except the data disks at these LUNs. */
  exclude?: pulumi.Input<pulumi.Input<number>[]>;
  /** true: back up the OS disk alone. */
  osOnly?: pulumi.Input<boolean>;
}

/** How long recovery points are kept, as in a vmbackup spec. */
export interface PolicyRetention {
  /** Days a daily recovery point is kept. */
  daily?: pulumi.Input<number>;
  weekly?: pulumi.Input<{ count: pulumi.Input<number>; days: pulumi.Input<pulumi.Input<WeekDay>[]> }>;
  monthly?: pulumi.Input<{ count: pulumi.Input<number>; weeks: pulumi.Input<pulumi.Input<string>[]>; days: pulumi.Input<pulumi.Input<WeekDay>[]> }>;
  yearly?: pulumi.Input<{
    count: pulumi.Input<number>;
    months: pulumi.Input<pulumi.Input<string>[]>;
    weeks: pulumi.Input<pulumi.Input<string>[]>;
    days: pulumi.Input<pulumi.Input<WeekDay>[]>;
  }>;
}

/** Picks VMs like a spec rule's selector. */
export interface VmSelector {
  resourceGroups?: string[];
  /** Name globs, case-insensitive. */
  names?: string[];
  /** Tags that must all match; "*" matches any value. */
  tags?: Record<string, string>;
  exclude?: { resourceGroups?: string[]; names?: string[]; tags?: Record<string, string> };
}

export interface VirtualMachine {
  readonly id: string;
  readonly name: string;
  readonly resourceGroup: string;
  readonly location: string;
  readonly osType: string;
  readonly powerState: string;
  readonly tags: Record<string, string>;
  readonly registered: boolean;
  readonly protectable: boolean;
  readonly protected: boolean;
  readonly policyName?: string;
  /** Pre-flight findings that block protecting the VM, as "Code: message (remedy)". */
  readonly preflight: string[];
  /** Estate listings: the VM's subscription. */
  readonly subscriptionId?: string;
  /** Estate listings: the vault that protects the VM, or the one of its subscription and region that would take it ("resourceGroup/name"). */
  readonly vault?: string;
}

export interface DriftFinding {
  readonly category: string;
  readonly subjectKind: string;
  readonly subjectName: string;
  readonly subjectId?: string;
  readonly subjectResourceGroup?: string;
  /** Estate reports: the vault the finding is about ("resourceGroup/name"). */
  readonly vault?: string;
  readonly message: string;
  readonly remedy: string;
  readonly expected?: string;
  readonly actual?: string;
  readonly azureErrorCode?: string;
}

/** A Recovery Services vault of an estate; its region is read from the vault. */
export interface EstateVault {
  /** Default: the provider's subscription. */
  subscriptionId?: string;
  resourceGroup: string;
  name: string;
}

/** The subscriptions (and optionally resource groups) an estate audit speaks for, as a spec's `scope:`. */
export interface EstateScope {
  subscriptions: string[];
  /** Default: every resource group of the subscriptions. */
  resourceGroups?: string[];
}

/** A VM an `exempt:` entry leaves out of the coverage audit, with the entry's reason. */
export interface DriftExemption {
  readonly id: string;
  readonly name: string;
  readonly resourceGroup: string;
  readonly reason: string;
}

/** An estate audit's numbers over every VM in scope (schemas/pulumi/schema.json, `DriftCoverage`). */
export interface DriftCoverage {
  readonly inScope: number;
  /** VMs with an active protection in any vault. */
  readonly protected: number;
  /** VMs a rule declares that no vault protects yet. */
  readonly declaredUnprotected: number;
  readonly exempt: number;
  /** VMs neither protected, declared nor exempt. */
  readonly uncovered: number;
  readonly exemptions: DriftExemption[];
}
