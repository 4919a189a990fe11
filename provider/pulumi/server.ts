// The ResourceProvider gRPC service over the stubs @pulumi/pulumi ships: wire format in, the resource
// handlers' plain values out. Written by hand because the Node SDK's provider server drops Configure's
// configuration, never sends detailedDiff, and cannot serve an import's Read. Components are the exception:
// Construct runs them on the SDK's own runtime (componentRuntime.ts), which registers their children.
import * as grpc from '@grpc/grpc-js';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ComponentArgs, ComponentResult } from './componentRuntime.js';
import { checkConfig, configFromVariables, SECRET_CONFIG_KEYS } from './config.js';
import { TargetHolder, type ProviderContext } from './context.js';
import { deepEqual, type PropertyChange, type ResourceDiff } from './diff.js';
import type { EngineLogger } from './engineLog.js';
import { FUNCTIONS } from './functions.js';
import { policyResource } from './policyResource.js';
import {
  decode,
  emptyPb,
  encode,
  pluginPb,
  providerGrpc,
  providerPb,
  ProviderError,
  unary,
  type PropertyMap,
  type Struct,
} from './protocol.js';
import type { CheckFailure, ResourceHandler } from './resource.js';
import { vmProtectionResource } from './vmProtectionResource.js';

/** The package root, found from this module (sources and dist/ sit at different depths). */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'schemas', 'pulumi', 'schema.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the vmbackup package root (schemas/pulumi/schema.json)');
    dir = parent;
  }
  return dir;
}

const ROOT = packageRoot();
export const PROVIDER_VERSION: string = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const SCHEMA_TEXT = JSON.stringify({ ...(JSON.parse(readFileSync(path.join(ROOT, 'schemas', 'pulumi', 'schema.json'), 'utf8')) as object), version: PROVIDER_VERSION });

const RESOURCES: Readonly<Record<string, ResourceHandler>> = {
  'vmbackup:index:Policy': policyResource,
  'vmbackup:index:VmProtection': vmProtectionResource,
};

/** Components, served by Construct. Their modules load the Node SDK's runtime, so only a Construct loads them. */
const COMPONENTS: Readonly<Record<string, () => Promise<(ctx: ProviderContext, args: ComponentArgs) => Promise<ComponentResult>>>> = {
  'vmbackup:index:ProtectionSet': async () => (await import('./protectionSet.js')).constructProtectionSet,
};

/** Changing these points the provider at another world: every resource it manages is replaced. */
const REPLACING_CONFIG = new Set(['target', 'subscriptionId', 'endpoint']);

/** The type token of a URN, without its parent types ("a$b$vmbackup:index:Policy"). */
export function typeOfUrn(urn: string): string {
  const qualified = urn.split('::')[2] ?? '';
  return qualified.split('$').pop() ?? qualified;
}

function handlerFor(urn: string, type?: string): ResourceHandler {
  const token = type || typeOfUrn(urn);
  const handler = RESOURCES[token];
  if (!handler) throw new ProviderError(`unknown resource type ${token}; this provider serves ${Object.keys(RESOURCES).join(', ')}`, grpc.status.INVALID_ARGUMENT);
  return handler;
}

function checkFailures(failures: readonly CheckFailure[]): import('@pulumi/pulumi/proto/provider_pb.js').CheckFailure[] {
  return failures.map((f) => {
    const out = new providerPb.CheckFailure();
    out.setProperty(f.property);
    out.setReason(f.reason);
    return out;
  });
}

const KIND = {
  add: providerPb.PropertyDiff.Kind.ADD,
  delete: providerPb.PropertyDiff.Kind.DELETE,
  update: providerPb.PropertyDiff.Kind.UPDATE,
} as const;
const REPLACE_KIND = {
  add: providerPb.PropertyDiff.Kind.ADD_REPLACE,
  delete: providerPb.PropertyDiff.Kind.DELETE_REPLACE,
  update: providerPb.PropertyDiff.Kind.UPDATE_REPLACE,
} as const;

function ignored(path: string, ignoreChanges: readonly string[]): boolean {
  return ignoreChanges.some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`));
}

function diffResponse(d: ResourceDiff, ignoreChanges: readonly string[] = []): import('@pulumi/pulumi/proto/provider_pb.js').DiffResponse {
  const changes: PropertyChange[] = d.changes.filter((c) => !ignored(c.path, ignoreChanges));
  const res = new providerPb.DiffResponse();
  res.setChanges(changes.length > 0 ? providerPb.DiffResponse.DiffChanges.DIFF_SOME : providerPb.DiffResponse.DiffChanges.DIFF_NONE);
  const replaces = d.replaces.filter((k) => changes.some((c) => c.replace && (c.path === k || c.path.startsWith(`${k}.`) || c.path.startsWith(`${k}[`))));
  res.setReplacesList(replaces);
  res.setDeletebeforereplace(replaces.length > 0 && d.deleteBeforeReplace);
  res.setDiffsList([...new Set(changes.map((c) => c.path.split(/[.[]/)[0]))]);
  const detailed = res.getDetaileddiffMap();
  for (const c of changes) {
    const pd = new providerPb.PropertyDiff();
    pd.setKind((c.replace ? REPLACE_KIND : KIND)[c.kind]);
    pd.setInputdiff(true);
    detailed.set(c.path, pd);
  }
  res.setHasdetaileddiff(true);
  return res;
}

function optionalStruct(s: Struct | undefined): PropertyMap | undefined {
  if (!s) return undefined;
  const { props } = decode(s);
  return Object.keys(props).length > 0 ? props : undefined;
}

export interface ServerOptions {
  readonly logger: EngineLogger;
  /** The engine's address, for the logs of the SDK runtime that components run on. */
  readonly engineAddress?: string;
  /** Directory of the Pulumi program. Default: the working directory, where the engine starts plugins. */
  readonly programDir?: string;
}

export function createProviderService(opts: ServerOptions): { service: grpc.UntypedServiceImplementation; holder: TargetHolder } {
  const programDir = opts.programDir ?? process.cwd();
  const log = (level: Parameters<EngineLogger['log']>[0], message: string, urn?: string) => opts.logger.log(level, message, urn);
  const holder = new TargetHolder(() => programDir, log);
  const ctx = holder;

  const service: Partial<import('@pulumi/pulumi/proto/provider_grpc_pb.js').IResourceProviderServer> = {
    // The handshake's directories are the plugin's own; the engine starts plugins in the program's directory.
    handshake: unary(async () => {
      const res = new providerPb.ProviderHandshakeResponse();
      res.setAcceptSecrets(true);
      res.setAcceptResources(false);
      res.setAcceptOutputs(false);
      return res;
    }),

    getPluginInfo: unary(async () => {
      const info = new pluginPb.PluginInfo();
      info.setVersion(PROVIDER_VERSION);
      return info;
    }),

    getSchema: unary(async (req: import('@pulumi/pulumi/proto/provider_pb.js').GetSchemaRequest) => {
      if (req.getSubpackageName()) throw new ProviderError(`vmbackup has no sub-package ${req.getSubpackageName()}`, grpc.status.INVALID_ARGUMENT);
      const res = new providerPb.GetSchemaResponse();
      res.setSchema(SCHEMA_TEXT);
      return res;
    }),

    checkConfig: unary(async (req: import('@pulumi/pulumi/proto/provider_pb.js').CheckRequest) => {
      const { props, secretKeys } = decode(req.getNews());
      const { failures } = checkConfig(props);
      const res = new providerPb.CheckResponse();
      res.setInputs(encode(props, new Set([...secretKeys, ...SECRET_CONFIG_KEYS])));
      res.setFailuresList(checkFailures(failures));
      return res;
    }),

    diffConfig: unary(async (req: import('@pulumi/pulumi/proto/provider_pb.js').DiffRequest) => {
      const olds = decode(req.getOldInputs() ?? req.getOlds()).props;
      const news = decode(req.getNews()).props;
      const changes: PropertyChange[] = [];
      const replaces: string[] = [];
      for (const key of new Set([...Object.keys(olds), ...Object.keys(news)])) {
        if (key === 'version' || deepEqual(olds[key], news[key])) continue;
        const replace = REPLACING_CONFIG.has(key) && !(key === 'target' && (olds[key] ?? 'emulator') === (news[key] ?? 'emulator'));
        if (!replace && key === 'target') continue;
        changes.push({ path: key, kind: olds[key] === undefined ? 'add' : news[key] === undefined ? 'delete' : 'update', replace });
        if (replace) replaces.push(key);
      }
      return diffResponse({ changes, replaces, deleteBeforeReplace: false }, req.getIgnorechangesList());
    }),

    configure: unary(async (req: import('@pulumi/pulumi/proto/provider_pb.js').ConfigureRequest) => {
      const args = req.getArgs();
      const props = args ? decode(args).props : configFromVariables(req.getVariablesMap().getEntryList() as [string, string][]);
      const { config, failures } = checkConfig(props);
      if (!config) throw new ProviderError(`invalid vmbackup configuration: ${failures.map((f) => `${f.property}: ${f.reason}`).join('; ')}`, grpc.status.INVALID_ARGUMENT);
      holder.configure(config);
      log('debug', `configured for target ${config.target}${config.stateDir ? ` (state ${path.resolve(programDir, config.stateDir)})` : ''}`);
      const res = new providerPb.ConfigureResponse();
      res.setAcceptsecrets(true);
      res.setSupportspreview(true);
      res.setAcceptresources(false);
      res.setAcceptoutputs(false);
      return res;
    }),

    invoke: unary(async (req: import('@pulumi/pulumi/proto/provider_pb.js').InvokeRequest) => {
      const fn = FUNCTIONS[req.getTok()];
      if (!fn) throw new ProviderError(`unknown function ${req.getTok()}; this provider serves ${Object.keys(FUNCTIONS).join(', ')}`, grpc.status.INVALID_ARGUMENT);
      const { outputs, failures } = await fn(ctx, decode(req.getArgs()).props);
      const res = new providerPb.InvokeResponse();
      res.setReturn(encode(outputs));
      res.setFailuresList(checkFailures(failures));
      return res;
    }),

    check: unary(async (req: import('@pulumi/pulumi/proto/provider_pb.js').CheckRequest) => {
      const handler = handlerFor(req.getUrn(), req.getType());
      const news = decode(req.getNews());
      const { inputs, failures } = await handler.check(ctx, req.getUrn(), news.props, decode(req.getOlds()).props);
      const res = new providerPb.CheckResponse();
      res.setInputs(encode(inputs, news.secretKeys));
      res.setFailuresList(checkFailures(failures));
      return res;
    }),

    diff: unary(async (req: import('@pulumi/pulumi/proto/provider_pb.js').DiffRequest) => {
      const handler = handlerFor(req.getUrn(), req.getType());
      const d = handler.diff(decode(req.getOlds()).props, decode(req.getNews()).props, optionalStruct(req.getOldInputs()));
      return diffResponse(d, req.getIgnorechangesList());
    }),

    create: unary(async (req: import('@pulumi/pulumi/proto/provider_pb.js').CreateRequest) => {
      const handler = handlerFor(req.getUrn(), req.getType());
      const inputs = decode(req.getProperties());
      const { id, outputs } = await handler.create(ctx, req.getUrn(), inputs.props, req.getPreview());
      const res = new providerPb.CreateResponse();
      res.setId(id);
      res.setProperties(encode(outputs, inputs.secretKeys));
      return res;
    }),

    read: unary(async (req: import('@pulumi/pulumi/proto/provider_pb.js').ReadRequest) => {
      const handler = handlerFor(req.getUrn(), req.getType());
      const state = req.getProperties() ? decode(req.getProperties()) : undefined;
      const oldInputs = req.getInputs() ? decode(req.getInputs()) : undefined;
      const secretKeys = new Set([...(state?.secretKeys ?? []), ...(oldInputs?.secretKeys ?? [])]);
      const found = await handler.read(
        ctx,
        req.getId(),
        state && Object.keys(state.props).length > 0 ? state.props : undefined,
        oldInputs && Object.keys(oldInputs.props).length > 0 ? oldInputs.props : undefined,
        req.getUrn(),
      );
      const res = new providerPb.ReadResponse();
      // An empty id tells the engine the resource no longer exists.
      if (!found) return res;
      res.setId(found.id);
      res.setProperties(encode(found.outputs, secretKeys));
      res.setInputs(encode(found.inputs, secretKeys));
      return res;
    }),

    update: unary(async (req: import('@pulumi/pulumi/proto/provider_pb.js').UpdateRequest) => {
      const handler = handlerFor(req.getUrn(), req.getType());
      const news = decode(req.getNews());
      const outputs = await handler.update(ctx, req.getUrn(), req.getId(), decode(req.getOlds()).props, news.props, req.getPreview());
      const res = new providerPb.UpdateResponse();
      res.setProperties(encode(outputs, news.secretKeys));
      return res;
    }),

    delete: unary(async (req: import('@pulumi/pulumi/proto/provider_pb.js').DeleteRequest) => {
      const handler = handlerFor(req.getUrn(), req.getType());
      await handler.delete(ctx, req.getUrn(), req.getId(), decode(req.getProperties()).props, optionalStruct(req.getOldInputs()));
      return new emptyPb.Empty();
    }),

    // The children a component registers come back to this provider as Check, Create, … calls while
    // the Construct waits for them: the server keeps serving.
    construct: unary(async (req: import('@pulumi/pulumi/proto/provider_pb.js').ConstructRequest) => {
      const load = COMPONENTS[req.getType()];
      if (!load) throw new ProviderError(`unknown component type ${req.getType()}; this provider serves ${Object.keys(COMPONENTS).join(', ')}`, grpc.status.INVALID_ARGUMENT);
      const [construct, { runConstruct }] = await Promise.all([load(), import('./componentRuntime.js')]);
      return runConstruct(req, opts.engineAddress, (args) => construct(ctx, args));
    }),

    cancel: unary(async () => {
      log('debug', 'cancelled by the engine; closing the target');
      await holder.close();
      return new emptyPb.Empty();
    }),

    // No conversion mappings: vmbackup resources are native to this provider.
    getMapping: unary(async () => new providerPb.GetMappingResponse()),
    getMappings: unary(async () => new providerPb.GetMappingsResponse()),
  };
  return { service: service as grpc.UntypedServiceImplementation, holder };
}

export interface RunningProvider {
  readonly port: number;
  readonly server: grpc.Server;
  close(): Promise<void>;
}

/** Serves the provider on a loopback port (0 = any free one). */
export async function serveProvider(opts: ServerOptions & { port?: number }): Promise<RunningProvider> {
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 400 * 1024 * 1024 });
  const { service, holder } = createProviderService(opts);
  server.addService(providerGrpc.ResourceProviderService, service);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${opts.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    port,
    server,
    async close() {
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      await holder.close();
      opts.logger.close();
    },
  };
}
