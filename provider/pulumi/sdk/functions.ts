// vmbackup's functions: VMs by selector, and a spec's drift report.
import * as pulumi from '@pulumi/pulumi';
import type { DriftCoverage, DriftFinding, EstateScope, EstateVault, VirtualMachine, VmSelector } from './types.js';

/** One vault (`vaultResourceGroup` + `vaultName`), or an estate (`vaults`, and `subscriptions` whose VMs are listed). */
export interface GetVirtualMachinesArgs {
  vaultResourceGroup?: string;
  vaultName?: string;
  /** The estate's vaults; each VM is checked against the one of its subscription and region. */
  vaults?: EstateVault[];
  /** The subscriptions whose VMs are listed. Default: the provider's subscription. */
  subscriptions?: string[];
  selector?: VmSelector;
  /** Only VMs with no pre-flight finding. Default false. */
  protectableOnly?: boolean;
}

export interface GetVirtualMachinesResult {
  readonly vms: VirtualMachine[];
  readonly ids: string[];
}

export function getVirtualMachines(args: GetVirtualMachinesArgs, opts?: pulumi.InvokeOptions): Promise<GetVirtualMachinesResult> {
  return pulumi.runtime.invoke('vmbackup:index:getVirtualMachines', { ...args }, opts);
}

export function getVirtualMachinesOutput(args: pulumi.Input<GetVirtualMachinesArgs>, opts?: pulumi.InvokeOutputOptions): pulumi.Output<GetVirtualMachinesResult> {
  return pulumi.output(args).apply((a) => pulumi.runtime.invokeOutput<GetVirtualMachinesResult>('vmbackup:index:getVirtualMachines', { ...a }, opts));
}

export interface GetDriftArgs {
  /** Path of a vmbackup spec, relative to the program's directory. */
  specFile?: string;
  /** A vmbackup spec as YAML text. */
  spec?: string;
  /** With `vaults`, instead of a spec: the estate whose coverage is audited. */
  scope?: EstateScope;
  vaults?: EstateVault[];
  graceHours?: number;
  /**
   * Read the newest recovery points of every running protected VM (one call each), which also finds a crash-consistent
   * point taken while the VM was stopped. Default false: only where the day's backup jobs do not vouch for the point.
   */
  allRecoveryPoints?: boolean;
  /**
   * Read Resource Manager's lists only, not Azure Resource Graph, which may lag them by minutes (a VM created or
   * deleted just before): for one vault its VMs, for an estate everything. Default false.
   */
  consistent?: boolean;
}

export interface GetDriftResult {
  readonly inSync: boolean;
  readonly findings: DriftFinding[];
  readonly byCategory: Record<string, number>;
  /** Estate reports: VMs in scope, protected, declared but unprotected, exempt and uncovered. */
  readonly coverage?: DriftCoverage;
}

export function getDrift(args: GetDriftArgs, opts?: pulumi.InvokeOptions): Promise<GetDriftResult> {
  return pulumi.runtime.invoke('vmbackup:index:getDrift', { ...args }, opts);
}
