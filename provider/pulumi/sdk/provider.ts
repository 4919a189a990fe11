// The explicit provider resource: another target, subscription or emulator state than the defaults.
import * as pulumi from '@pulumi/pulumi';

export interface ProviderArgs {
  /** "emulator" (default) or "azure". */
  target?: pulumi.Input<'emulator' | 'azure'>;
  subscriptionId?: pulumi.Input<string>;
  endpoint?: pulumi.Input<string>;
  /** Emulator state directory, relative to the program's directory. Default ".vmbackup". */
  stateDir?: pulumi.Input<string>;
  /** Fleet file that seeds a new emulator state. */
  fleet?: pulumi.Input<string>;
  caFile?: pulumi.Input<string>;
  tokenFile?: pulumi.Input<string>;
  tenantId?: pulumi.Input<string>;
  clientId?: pulumi.Input<string>;
  /** Kept secret in state. */
  clientSecret?: pulumi.Input<string>;
  /** Allow `retainDataOnDelete: false` to delete recovery points; default false. */
  allowDataDeletion?: pulumi.Input<boolean>;
}

export class Provider extends pulumi.ProviderResource {
  static readonly __pulumiType = 'vmbackup';

  static override isInstance(obj: unknown): obj is Provider {
    return pulumi.ProviderResource.isInstance(obj) && (obj as { __pulumiType?: string }).__pulumiType === Provider.__pulumiType;
  }

  constructor(name: string, args: ProviderArgs = {}, opts: pulumi.ResourceOptions = {}) {
    const props: pulumi.Inputs = { ...args, clientSecret: args.clientSecret === undefined ? undefined : pulumi.secret(args.clientSecret) };
    super(Provider.__pulumiType, name, props, opts);
  }
}
