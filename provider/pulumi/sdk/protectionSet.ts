// vmbackup:index:ProtectionSet: every VM a selector picks, protected by one policy. The provider constructs it
// (a remote component) and registers one VmProtection child per selected VM.
import * as pulumi from '@pulumi/pulumi';
import type { DiskSelection, VmSelector } from './types.js';

export interface ProtectionSetArgs {
  /** Which VMs of the vault's region to protect, as a spec rule's selector. */
  selector: pulumi.Input<VmSelector>;
  /** ARM id of the backup policy every selected VM gets (a Policy's id). */
  policyId: pulumi.Input<string>;
  /** Resource group of the vault. Default: the policy's vault. */
  vaultResourceGroup?: pulumi.Input<string>;
  /** Name of the vault. Default: the policy's vault; naming it lets a preview list the VMs before the policy exists. */
  vaultName?: pulumi.Input<string>;
  /** The disks backed up on every selected VM, passed to each child; default every disk. */
  disks?: pulumi.Input<DiskSelection>;
  /** Keep a VM's recovery points when its protection is removed. Default true. */
  retainDataOnDelete?: pulumi.Input<boolean>;
}

export class ProtectionSet extends pulumi.ComponentResource {
  static readonly __pulumiType = 'vmbackup:index:ProtectionSet';

  static override isInstance(obj: unknown): obj is ProtectionSet {
    return pulumi.ComponentResource.isInstance(obj) && (obj as { __pulumiType?: string }).__pulumiType === ProtectionSet.__pulumiType;
  }

  /** ARM ids of the VMs the set protects, in resource group/name order. */
  declare readonly vmIds: pulumi.Output<string[]>;
  /** How many VMs the set protects. */
  declare readonly count: pulumi.Output<number>;

  constructor(name: string, args: ProtectionSetArgs, opts: pulumi.ComponentResourceOptions = {}) {
    if (!args?.selector) throw new Error('Missing required property "selector"');
    if (!args.policyId) throw new Error('Missing required property "policyId"');
    const props: pulumi.Inputs = {
      selector: args.selector,
      policyId: args.policyId,
      vaultResourceGroup: args.vaultResourceGroup,
      vaultName: args.vaultName,
      disks: args.disks,
      retainDataOnDelete: args.retainDataOnDelete ?? true,
      vmIds: undefined,
      count: undefined,
    };
    super(ProtectionSet.__pulumiType, name, props, opts, true);
  }
}
