// vmbackup:index:Policy: a backup policy in a Recovery Services vault.
import * as pulumi from '@pulumi/pulumi';
import type { PolicyRetention, PolicySchedule } from './types.js';

export interface PolicyArgs {
  vaultResourceGroup: pulumi.Input<string>;
  vaultName: pulumi.Input<string>;
  /** Policy name. Default: the resource's name. */
  name?: pulumi.Input<string>;
  schedule: pulumi.Input<PolicySchedule>;
  retention: pulumi.Input<PolicyRetention>;
  /** Days snapshots are kept for instant restore. Default 2. */
  instantRestoreDays?: pulumi.Input<number>;
  /** Force an enhanced (V2) policy; hourly schedules always are. Default false. */
  enhanced?: pulumi.Input<boolean>;
}

export class Policy extends pulumi.CustomResource {
  static readonly __pulumiType = 'vmbackup:index:Policy';

  /** An existing policy, by its ARM id. */
  static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): Policy {
    return new Policy(name, undefined, { ...opts, id });
  }

  static override isInstance(obj: unknown): obj is Policy {
    return pulumi.CustomResource.isInstance(obj) && (obj as { __pulumiType?: string }).__pulumiType === Policy.__pulumiType;
  }

  declare readonly vaultResourceGroup: pulumi.Output<string>;
  declare readonly vaultName: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly schedule: pulumi.Output<PolicySchedule>;
  declare readonly retention: pulumi.Output<PolicyRetention>;
  declare readonly instantRestoreDays: pulumi.Output<number | undefined>;
  declare readonly enhanced: pulumi.Output<boolean | undefined>;
  /** ARM id of the vault. */
  declare readonly vaultId: pulumi.Output<string>;
  /** V1 (standard) or V2 (enhanced). */
  declare readonly policyType: pulumi.Output<string>;

  constructor(name: string, args: PolicyArgs, opts?: pulumi.CustomResourceOptions);
  constructor(name: string, args: PolicyArgs | undefined, opts?: pulumi.CustomResourceOptions);
  constructor(name: string, args: PolicyArgs | undefined, opts: pulumi.CustomResourceOptions = {}) {
    if (!opts.id) {
      if (!args?.vaultResourceGroup) throw new Error('Missing required property "vaultResourceGroup"');
      if (!args.vaultName) throw new Error('Missing required property "vaultName"');
      if (!args.schedule) throw new Error('Missing required property "schedule"');
      if (!args.retention) throw new Error('Missing required property "retention"');
    }
    const props: pulumi.Inputs = {
      vaultResourceGroup: args?.vaultResourceGroup,
      vaultName: args?.vaultName,
      name: args?.name,
      schedule: args?.schedule,
      retention: args?.retention,
      instantRestoreDays: args?.instantRestoreDays,
      enhanced: args?.enhanced,
      vaultId: undefined,
      policyType: undefined,
    };
    super(Policy.__pulumiType, name, props, opts);
  }
}
