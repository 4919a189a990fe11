// The wire format the engine speaks: properties travel as google.protobuf.Struct, with secrets and
// unknown values encoded as special objects and strings (the same encoding the Node SDK uses).
import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';

const require = createRequire(import.meta.url);

// The generated stubs are CommonJS with exports Node's ESM loader cannot see, so they are required.
export const providerPb = require('@pulumi/pulumi/proto/provider_pb.js') as typeof import('@pulumi/pulumi/proto/provider_pb.js');
export const providerGrpc = require('@pulumi/pulumi/proto/provider_grpc_pb.js') as typeof import('@pulumi/pulumi/proto/provider_grpc_pb.js');
export const pluginPb = require('@pulumi/pulumi/proto/plugin_pb.js') as typeof import('@pulumi/pulumi/proto/plugin_pb.js');
export const enginePb = require('@pulumi/pulumi/proto/engine_pb.js') as typeof import('@pulumi/pulumi/proto/engine_pb.js');
export const engineGrpc = require('@pulumi/pulumi/proto/engine_grpc_pb.js') as typeof import('@pulumi/pulumi/proto/engine_grpc_pb.js');
export const statusPb = require('@pulumi/pulumi/proto/status_pb.js') as typeof import('@pulumi/pulumi/proto/status_pb.js');
export const structPb = require('google-protobuf/google/protobuf/struct_pb.js') as typeof import('google-protobuf/google/protobuf/struct_pb.js');
export const emptyPb = require('google-protobuf/google/protobuf/empty_pb.js') as typeof import('google-protobuf/google/protobuf/empty_pb.js');
export const anyPb = require('google-protobuf/google/protobuf/any_pb.js') as typeof import('google-protobuf/google/protobuf/any_pb.js');

export type Struct = import('google-protobuf/google/protobuf/struct_pb.js').Struct;

/** The engine's placeholder for a value not known during preview. */
export const UNKNOWN = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';
const SIG_KEY = '4dabf18193072939515e22adb298388d';
const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';

export type PropertyMap = Record<string, unknown>;

/** Properties without their secret wrappers, and the top-level keys that were secret. */
export interface Decoded {
  readonly props: PropertyMap;
  readonly secretKeys: ReadonlySet<string>;
}

function isSecretValue(v: unknown): v is { value: unknown } {
  return typeof v === 'object' && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

function unwrap(v: unknown): { value: unknown; secret: boolean } {
  if (isSecretValue(v)) return { value: unwrap(v.value).value, secret: true };
  if (Array.isArray(v)) {
    let secret = false;
    const value = v.map((x) => {
      const u = unwrap(x);
      secret ||= u.secret;
      return u.value;
    });
    return { value, secret };
  }
  if (typeof v === 'object' && v !== null) {
    let secret = false;
    const value: PropertyMap = {};
    for (const [k, x] of Object.entries(v)) {
      const u = unwrap(x);
      secret ||= u.secret;
      value[k] = u.value;
    }
    return { value, secret };
  }
  return { value: v, secret: false };
}

/** Struct to plain values; a top-level property holding a secret anywhere inside is reported secret as a whole. */
export function decode(struct: Struct | undefined): Decoded {
  const raw = (struct?.toJavaScript() ?? {}) as PropertyMap;
  const props: PropertyMap = {};
  const secretKeys = new Set<string>();
  for (const [k, v] of Object.entries(raw)) {
    const u = unwrap(v);
    props[k] = u.value;
    if (u.secret) secretKeys.add(k);
  }
  return { props, secretKeys };
}

export function secret(value: unknown): unknown {
  return { [SIG_KEY]: SECRET_SIG, value };
}

/** Plain values to Struct, wrapping the given top-level keys as secrets; undefined values are dropped. */
export function encode(props: PropertyMap, secretKeys: Iterable<string> = []): Struct {
  const secrets = new Set(secretKeys);
  const out: PropertyMap = {};
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined) continue;
    out[k] = secrets.has(k) ? secret(v) : v;
  }
  return structPb.Struct.fromJavaScript(out as Parameters<typeof structPb.Struct.fromJavaScript>[0]);
}

/** True when the value or anything inside it is not known yet (preview). */
export function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (typeof v === 'object' && v !== null) return Object.values(v).some(containsUnknown);
  return false;
}

/** An error the engine shows as the operation's failure. */
export class ProviderError extends Error {
  constructor(message: string, readonly code: grpc.status = grpc.status.UNKNOWN) {
    super(message);
  }
}

/**
 * The resource was created but did not become ready: the engine keeps tracking it by `id` with these
 * outputs (ErrorResourceInitFailed), so a later `up` can fix it and `destroy` can remove it.
 */
export class PartialFailure extends Error {
  constructor(
    message: string,
    readonly id: string,
    readonly outputs: PropertyMap,
    readonly inputs: PropertyMap,
    readonly reasons: readonly string[],
    readonly secretKeys: ReadonlySet<string> = new Set(),
  ) {
    super(message);
  }
}

/** Turns any thrown value into the status the engine understands, with structured details when it has them. */
export function toServiceError(e: unknown): Partial<grpc.StatusObject> {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof PartialFailure) {
    const detail = new providerPb.ErrorResourceInitFailed();
    detail.setId(e.id);
    detail.setProperties(encode(e.outputs, e.secretKeys));
    detail.setInputs(encode(e.inputs, e.secretKeys));
    detail.setReasonsList([...e.reasons]);
    const any = new anyPb.Any();
    any.pack(detail.serializeBinary(), 'pulumirpc.ErrorResourceInitFailed');
    const status = new statusPb.Status();
    status.setCode(grpc.status.UNKNOWN);
    status.setMessage(message);
    status.addDetails(any);
    const metadata = new grpc.Metadata();
    // grpc-js has no API for status details; this trailer is where gRPC carries them.
    metadata.add('grpc-status-details-bin', Buffer.from(status.serializeBinary()));
    return { code: grpc.status.UNKNOWN, details: message, metadata };
  }
  const code = e instanceof ProviderError ? e.code : grpc.status.UNKNOWN;
  return { code, details: message };
}

/** Adapts an async handler to grpc-js's callback style, mapping thrown errors to statuses. */
export function unary<Req, Res>(fn: (req: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    fn(call.request).then(
      (res) => callback(null, res),
      (e: unknown) => callback(toServiceError(e) as grpc.ServiceError, null),
    );
  };
}
