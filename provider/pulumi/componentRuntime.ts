// Components run in this process on the Node SDK's own runtime, pointed at the resource monitor each
// Construct names: the SDK registers the component and its children, carries their dependencies, and
// says when its RPCs are done. Those entry points are internal to @pulumi/pulumi (its own provider server
// uses them the same way), so they are required by path.
import { createRequire } from 'node:module';
import * as pulumi from '@pulumi/pulumi';
import { decode, encode, providerPb, type PropertyMap, type Struct } from './protocol.js';

const require = createRequire(import.meta.url);

const settings = require('@pulumi/pulumi/runtime/settings.js') as {
  resetOptions(project: string, stack: string, parallel: number, engineAddr: string, monitorAddr: string, preview: boolean, organization: string): void;
  awaitFeatureSupport(): Promise<void>;
  waitForRPCs(): Promise<void>;
};
const localState = require('@pulumi/pulumi/runtime/state.js') as { withLocalStorage<T>(fn: () => Promise<T>): Promise<T> };
const sdkServer = require('@pulumi/pulumi/provider/server.js') as {
  deserializeInputs(inputs: Struct | undefined, dependencies: unknown): Promise<pulumi.Inputs>;
};

type ConstructRequest = import('@pulumi/pulumi/proto/provider_pb.js').ConstructRequest;
type ConstructResponse = import('@pulumi/pulumi/proto/provider_pb.js').ConstructResponse;

/** A component's inputs twice: plain values to check and decide with, and the SDK's, which keep secrets and dependencies. */
export interface ComponentArgs {
  readonly name: string;
  readonly props: PropertyMap;
  readonly inputs: pulumi.Inputs;
  readonly opts: pulumi.ComponentResourceOptions;
}

export interface ComponentResult {
  readonly urn: pulumi.Output<string>;
  /** The component's outputs, as the engine stores them. */
  readonly state: PropertyMap;
}

/** The value of an output once its RPC has finished, or the RPC's error (the SDK's internal `promise()`). */
export function settled<T>(o: pulumi.Output<T>): Promise<T> {
  return (o as unknown as { promise(): Promise<T> }).promise();
}

/** Runs one Construct: the SDK's runtime set up for the request's engine, each request in its own async state. */
export function runConstruct(req: ConstructRequest, engineAddress: string | undefined, component: (args: ComponentArgs) => Promise<ComponentResult>): Promise<ConstructResponse> {
  return localState.withLocalStorage(async () => {
    settings.resetOptions(req.getProject(), req.getStack(), req.getParallel(), engineAddress ?? '', req.getMonitorendpoint(), req.getDryrun(), req.getOrganization());
    await settings.awaitFeatureSupport();
    const inputs = await sdkServer.deserializeInputs(req.getInputs(), req.getInputdependenciesMap());
    const providers = Object.fromEntries(req.getProvidersMap().toArray().map(([pkg, ref]) => [pkg, new pulumi.DependencyProviderResource(ref)]));
    const opts: pulumi.ComponentResourceOptions = {
      ...(req.getParent() ? { parent: new pulumi.DependencyResource(req.getParent()) } : {}),
      dependsOn: req.getDependenciesList().map((urn) => new pulumi.DependencyResource(urn)),
      providers,
      protect: req.getProtect(),
      aliases: req.getAliasesList().filter((a) => a.hasUrn()).map((a) => a.getUrn()),
    };
    const result = await component({ name: req.getName(), props: decode(req.getInputs()).props, inputs, opts });
    const res = new providerPb.ConstructResponse();
    res.setUrn(await settled(result.urn));
    res.setState(encode(result.state));
    await settings.waitForRPCs();
    return res;
  });
}
