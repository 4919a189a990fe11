// vmbackup:index:VmProtection: one VM protected by one policy.
import * as pulumi from '@pulumi/pulumi';
import type { DiskSelection } from './types.js';

export interface VmProtectionArgs {
  vaultResourceGroup: pulumi.Input<string>;
  vaultName: pulumi.Input<string>;
  /** ARM id of the virtual machine. */
  vmId: pulumi.Input<string>;
  /** ARM id of the backup policy (a Policy's id). */
  policyId: pulumi.Input<string>;
  /** The disks backed up (Azure's selective disk backup); default every disk. */
  disks?: pulumi.Input<DiskSelection>;
  /** Keep the recovery points when this resource is deleted. Default true. */
  retainDataOnDelete?: pulumi.Input<boolean>;
}

export class VmProtection extends pulumi.CustomResource {
  static readonly __pulumiType = 'vmbackup:index:VmProtection';

  /** An existing protection, by its protected item's ARM id. */
  static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): VmProtection {
    return new VmProtection(name, undefined, { ...opts, id });
  }

  static override isInstance(obj: unknown): obj is VmProtection {
    return pulumi.CustomResource.isInstance(obj) && (obj as { __pulumiType?: string }).__pulumiType === VmProtection.__pulumiType;
  }

  declare readonly vaultResourceGroup: pulumi.Output<string>;
  declare readonly vaultName: pulumi.Output<string>;
  declare readonly vmId: pulumi.Output<string>;
  declare readonly policyId: pulumi.Output<string>;
  /** Undefined: every disk. */
  declare readonly disks: pulumi.Output<{ include?: number[]; exclude?: number[]; osOnly?: boolean } | undefined>;
  declare readonly retainDataOnDelete: pulumi.Output<boolean>;
  declare readonly vmName: pulumi.Output<string>;
  declare readonly vmResourceGroup: pulumi.Output<string>;
  declare readonly policyName: pulumi.Output<string>;
  declare readonly protectedItemName: pulumi.Output<string>;
  declare readonly containerName: pulumi.Output<string>;
  /** IRPending, Protected, ProtectionError, ProtectionStopped, … */
  declare readonly protectionState: pulumi.Output<string>;

  constructor(name: string, args: VmProtectionArgs, opts?: pulumi.CustomResourceOptions);
  constructor(name: string, args: VmProtectionArgs | undefined, opts?: pulumi.CustomResourceOptions);
  constructor(name: string, args: VmProtectionArgs | undefined, opts: pulumi.CustomResourceOptions = {}) {
    if (!opts.id) {
      if (!args?.vaultResourceGroup) throw new Error('Missing required property "vaultResourceGroup"');
      if (!args.vaultName) throw new Error('Missing required property "vaultName"');
      if (!args.vmId) throw new Error('Missing required property "vmId"');
      if (!args.policyId) throw new Error('Missing required property "policyId"');
    }
    const props: pulumi.Inputs = {
      vaultResourceGroup: args?.vaultResourceGroup,
      vaultName: args?.vaultName,
      vmId: args?.vmId,
      policyId: args?.policyId,
      disks: args?.disks,
      retainDataOnDelete: args?.retainDataOnDelete ?? (opts.id ? undefined : true),
      vmName: undefined,
      vmResourceGroup: undefined,
      policyName: undefined,
      protectedItemName: undefined,
      containerName: undefined,
      protectionState: undefined,
    };
    super(VmProtection.__pulumiType, name, props, opts);
  }
}
