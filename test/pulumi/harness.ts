// Runs the plugin the way the engine does: the engine's address as the argument, the port read from
// the first line of stdout, and a stand-in Engine service that receives the plugin's Log calls.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { emptyPb, engineGrpc, enginePb, providerGrpc, structPb } from '../../provider/pulumi/protocol.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const PLUGIN = path.join(ROOT, 'bin', 'pulumi-resource-vmbackup');
export const FLEET = path.join(ROOT, 'examples', 'fleet.yaml');
export const SUBSCRIPTION = '6f1c2a7e-3b1d-4c55-9d1e-0a9b8c7d6e5f';

export function vmId(resourceGroup: string, name: string): string {
  return `/subscriptions/${SUBSCRIPTION}/resourceGroups/${resourceGroup}/providers/Microsoft.Compute/virtualMachines/${name}`;
}

export interface LogEntry {
  readonly severity: number;
  readonly message: string;
  readonly urn: string;
}

export interface FakeEngine {
  readonly address: string;
  readonly logs: LogEntry[];
  close(): Promise<void>;
}

/** The Engine service's Log RPC, recording what the plugin sends. */
export async function startFakeEngine(): Promise<FakeEngine> {
  const logs: LogEntry[] = [];
  const server = new grpc.Server();
  server.addService(engineGrpc.EngineService, {
    log: (call: grpc.ServerUnaryCall<InstanceType<typeof enginePb.LogRequest>, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      logs.push({ severity: call.request.getSeverity(), message: call.request.getMessage(), urn: call.request.getUrn() });
      cb(null, new emptyPb.Empty());
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { address: `127.0.0.1:${port}`, logs, close: () => new Promise((r) => server.tryShutdown(() => r())) };
}

export interface Plugin {
  readonly client: InstanceType<typeof providerGrpc.ResourceProviderClient>;
  readonly process: ChildProcess;
  readonly port: number;
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts bin/pulumi-resource-vmbackup (the compiled provider in dist/) with the engine's address. */
export async function launchPlugin(engineAddress: string, cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Plugin> {
  if (!existsSync(path.join(ROOT, 'dist', 'provider', 'pulumi', 'main.js'))) {
    throw new Error('dist/provider/pulumi/main.js is missing: run `npm run build` before these tests (npm test does)');
  }
  const child = spawn(PLUGIN, [engineAddress], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const firstLine = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (line) => resolve(line));
    child.once('exit', (code) => reject(new Error(`plugin exited with ${code} before printing its port: ${stderr}`)));
  });
  const port = Number(firstLine.trim());
  if (!Number.isInteger(port) || port <= 0) throw new Error(`plugin's first line is not a port: ${JSON.stringify(firstLine)}`);
  const client = new providerGrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return {
    client,
    process: child,
    port,
    stderr: () => stderr,
    async stop() {
      client.close();
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
    },
  };
}

// The stubs overload each method; TypeScript infers from the last overload, the one with metadata and options.
type Unary<Req, Res> = (req: Req, metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown;

/** Calls one unary method, resolving with its response or rejecting with the gRPC error. */
export function rpc<Req, Res>(client: object, method: Unary<Req, Res>, req: Req): Promise<Res> {
  return new Promise((resolve, reject) => method.call(client, req, new grpc.Metadata(), {}, (err, res) => (err ? reject(err) : resolve(res))));
}

export function struct(value: Record<string, unknown>) {
  return structPb.Struct.fromJavaScript(value as Parameters<typeof structPb.Struct.fromJavaScript>[0]);
}
