// Chooses the target (embedded emulator, a running emulator, or Azure) and builds the official SDK
// clients for it: endpoint, credential, CA trust, SDK retries off (we retry ourselves, classified),
// and a policy that counts every call by operation.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { RecoveryServicesBackupClient } from '@azure/arm-recoveryservicesbackup';
import { RecoveryServicesClient } from '@azure/arm-recoveryservices';
import { ComputeManagementClient } from '@azure/arm-compute';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { ConfigurationError } from '../core/errors.js';
import { openEmbeddedEmulatorState, startEmbeddedEmulator } from './embedded.js';
import { CallCounter, type ApiCallCounter } from './callCounter.js';
import { ResourceGraphClient } from '@azure/arm-resourcegraph';
import { Pacer } from './pacing.js';
import type { RetryOptions } from './retry.js';
import type { EmulatorOptions } from '../../emulator/index.js';

export type Profile = 'classic' | 'modern';

export interface TargetTiming {
  /** Retry policy for transient failures. */
  readonly retry: RetryOptions;
  /** Shortest wait between two polls of a long-running operation, in ms (when Retry-After asks for less). Default 1000 (Azure), 100 (emulator). */
  readonly pollMinMs: number;
  /** Longest wait between two polls, in ms, whatever Retry-After says. Default 30000. */
  readonly pollMaxMs: number;
  /** Give up waiting for one operation or job after this long, in ms. Default 1 hour. */
  readonly operationTimeoutMs: number;
}

/**
 * A target as written: command-line flags, a provider's configuration, a test's options. Anything left out is
 * resolved by resolveTarget, the one place that reads vmbackup's environment variables.
 */
export interface TargetOptions {
  /** 'emulator' or 'azure'. Default VMBACKUP_TARGET, else 'emulator'. */
  kind?: string;
  /** Azure's endpoint, or a running emulator's; without it the emulator is started in-process. Default VMBACKUP_ENDPOINT. */
  endpoint?: string;
  /** Default AZURE_SUBSCRIPTION_ID for Azure and a running emulator, else the emulator's own. */
  subscriptionId?: string;
  /** Emulator state directory. Default VMBACKUP_STATE or `.vmbackup` in the working directory. */
  stateDir?: string;
  /** Fleet that seeds a new emulator state. Default VMBACKUP_FLEET. */
  fleetFile?: string;
  /** CA certificate of a running emulator. Default: the one in the state directory. */
  caFile?: string;
  /** Bearer token file of a running emulator. Default `<stateDir>/token`. */
  tokenFile?: string;
  /** Profile of a running emulator (an embedded one reports its own). Default 'classic'. */
  profile?: Profile;
  /** Extra options for the embedded emulator (page size, faults, delays). */
  emulator?: Partial<Omit<EmulatorOptions, 'stateDir' | 'fleetFile'>>;
  /** Retry and polling timing; tests shorten it. */
  timing?: Partial<TargetTiming>;
  /** Azure only: a service principal's secret, handed over rather than put in the environment. Default: DefaultAzureCredential. */
  clientSecret?: ClientSecret;
}

export interface ClientSecret {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

/** A target with every default applied and checked: what openTarget opens. */
export interface ResolvedTarget extends Omit<TargetOptions, 'kind' | 'stateDir'> {
  readonly kind: 'emulator' | 'azure';
  /** Absolute. */
  readonly stateDir: string;
}

/** Applies the defaults of a written target, reading VMBACKUP_TARGET, VMBACKUP_ENDPOINT, VMBACKUP_STATE, VMBACKUP_FLEET and AZURE_SUBSCRIPTION_ID. */
export function resolveTarget(written: TargetOptions, env: NodeJS.ProcessEnv = process.env): ResolvedTarget {
  const kind = written.kind ?? env.VMBACKUP_TARGET ?? 'emulator';
  if (kind !== 'emulator' && kind !== 'azure') throw new ConfigurationError(`unknown target "${kind}": use --target emulator or --target azure`);
  const endpoint = written.endpoint ?? env.VMBACKUP_ENDPOINT;
  // An embedded emulator has its own subscription; Azure and a running emulator take the environment's.
  const subscriptionId = written.subscriptionId ?? (kind === 'azure' || endpoint ? env.AZURE_SUBSCRIPTION_ID : undefined);
  const fleetFile = written.fleetFile ?? env.VMBACKUP_FLEET;
  return {
    ...written,
    kind,
    ...(endpoint ? { endpoint } : {}),
    ...(subscriptionId ? { subscriptionId } : {}),
    stateDir: path.resolve(written.stateDir ?? env.VMBACKUP_STATE ?? DEFAULT_STATE_DIR),
    ...(fleetFile ? { fleetFile } : {}),
  };
}

export interface TargetClients {
  readonly backup: RecoveryServicesBackupClient;
  readonly vaults: RecoveryServicesClient;
  readonly compute: ComputeManagementClient;
  /** Tenant-level: a query names the subscriptions it reads. */
  /** Tenant-level: Resource Graph queries name their subscriptions in the request. */
  readonly graph: ResourceGraphClient;
}

export interface Target {
  readonly kind: 'emulator' | 'azure';
  readonly subscriptionId: string;
  readonly endpoint: string;
  /**
   * The world this target reaches, the same for every process that reaches it: the endpoint of Azure or of a
   * standalone emulator, or the state directory of an embedded one (whose endpoint changes with each process).
   */
  readonly world: string;
  readonly profile: Profile;
  readonly clients: TargetClients;
  readonly calls: ApiCallCounter;
  /** ARM's token buckets per subscription as this process sees them: paces every request, counts reads, writes and 429s. */
  readonly pace: Pacer;
  readonly timing: TargetTiming;
  /** The same target for another subscription of the estate: same endpoint, credential, call counter and timing. */
  forSubscription(subscriptionId: string): Target;
  close(): Promise<void>;
}

/** A target whose clients speak for `subscriptionId`, able to make its siblings for the other subscriptions. */
function targetFor(
  base: Omit<Target, 'subscriptionId' | 'clients' | 'forSubscription'>,
  subscriptionId: string,
  makeClients: (subscriptionId: string) => TargetClients,
): Target {
  const siblings = new Map<string, Target>();
  const make = (sub: string): Target => {
    const key = sub.toLowerCase();
    let t = siblings.get(key);
    if (!t) {
      t = { ...base, subscriptionId: sub, clients: makeClients(sub), forSubscription: make };
      siblings.set(key, t);
    }
    return t;
  };
  return make(subscriptionId);
}

const AZURE_ENDPOINT = 'https://management.azure.com';
/** Resource Graph's stable REST api-version (its specification is in test/azure-rest-api/resourcegraph). */
export const RESOURCE_GRAPH_API_VERSION = '2024-04-01';
/** What @azure/arm-compute 22.2 sends; lists read as raw JSON name it themselves. */
export const COMPUTE_API_VERSION = '2024-07-01';
/** Files a running emulator keeps in its state directory. */
const EMULATOR_TOKEN_FILE = 'token';
const EMULATOR_CA_FILE = path.join('tls', 'ca.pem');
const DEFAULT_STATE_DIR = '.vmbackup';
const HOUR_MS = 3_600_000;

/** Never expires: the emulator's token lives as long as its state directory. */
class StaticTokenCredential implements TokenCredential {
  constructor(private readonly token: string) {}
  async getToken(): Promise<AccessToken> {
    return { token: this.token, expiresOnTimestamp: Date.now() + HOUR_MS };
  }
}

function defaultTiming(kind: 'emulator' | 'azure', overrides: Partial<TargetTiming> | undefined): TargetTiming {
  return {
    retry: overrides?.retry ?? {},
    pollMinMs: overrides?.pollMinMs ?? (kind === 'azure' ? 1000 : 100),
    pollMaxMs: overrides?.pollMaxMs ?? 30_000,
    operationTimeoutMs: overrides?.operationTimeoutMs ?? HOUR_MS,
  };
}

async function readSecretFile(file: string, what: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (e) {
    throw new ConfigurationError(`cannot read the emulator ${what} file ${file}: ${(e as Error).message}`);
  }
}

function buildClients(credential: TokenCredential, subscriptionId: string, endpoint: string, ca: string | undefined, counter: CallCounter, pace: Pacer): TargetClients {
  const options = {
    endpoint,
    $host: endpoint,
    credentialScopes: [`${AZURE_ENDPOINT}/.default`],
    retryOptions: { maxRetries: 0 },
    ...(ca ? { tlsOptions: { ca } } : {}),
    additionalPolicies: [
      { policy: counter.policy(), position: 'perRetry' as const },
      { policy: pace.policy(), position: 'perRetry' as const },
    ],
  };
  return {
    backup: new RecoveryServicesBackupClient(credential, subscriptionId, options),
    vaults: new RecoveryServicesClient(credential, subscriptionId, options),
    compute: new ComputeManagementClient(credential, subscriptionId, options),
    // The package's default api-version is a preview; Resource Graph's stable one is what the emulator serves.
    graph: new ResourceGraphClient(credential, { ...options, apiVersion: RESOURCE_GRAPH_API_VERSION }),
  };
}

/**
 * A standalone emulator's subscription and profile, read from the state directory it shares with us;
 * undefined when the directory holds no world (the endpoint may be another machine's).
 */
async function describeEmulatorWorld(stateDir: string): Promise<{ subscriptionId: string; profile: Profile } | undefined> {
  const { emulatorWorldExists } = await import('../../emulator/index.js');
  if (!emulatorWorldExists(stateDir)) return undefined;
  const state = await openEmbeddedEmulatorState(stateDir).catch((e: unknown) => {
    if (e instanceof ConfigurationError) return undefined;
    throw e;
  });
  if (!state) return undefined;
  try {
    return { subscriptionId: state.subscriptionId, profile: state.profile };
  } finally {
    state.close();
  }
}

/** Opens the target the options describe, resolved once (resolveTarget); `close()` stops an embedded emulator. */
export async function openTarget(written: TargetOptions = {}): Promise<Target> {
  const opts = resolveTarget(written);
  const kind = opts.kind;
  const counter = new CallCounter();
  const pace = new Pacer();
  const timing = defaultTiming(kind, opts.timing);

  if (kind === 'azure') {
    const subscriptionId = opts.subscriptionId;
    if (!subscriptionId) throw new ConfigurationError('no Azure subscription: set target.subscriptionId in the spec or AZURE_SUBSCRIPTION_ID');
    const identity = await import('@azure/identity');
    const secret = opts.clientSecret;
    const credential = secret ? new identity.ClientSecretCredential(secret.tenantId, secret.clientId, secret.clientSecret) : new identity.DefaultAzureCredential();
    const endpoint = opts.endpoint ?? AZURE_ENDPOINT;
    return targetFor({ kind, endpoint, world: endpoint, profile: 'modern', calls: counter, pace, timing, close: async () => {} }, subscriptionId, (sub) =>
      buildClients(credential, sub, endpoint, undefined, counter, pace),
    );
  }

  const stateDir = opts.stateDir;
  if (opts.endpoint) {
    const token = await readSecretFile(opts.tokenFile ?? path.join(stateDir, EMULATOR_TOKEN_FILE), 'token');
    const ca = await readSecretFile(opts.caFile ?? path.join(stateDir, EMULATOR_CA_FILE), 'CA');
    const world = await describeEmulatorWorld(stateDir);
    const subscriptionId = opts.subscriptionId ?? world?.subscriptionId;
    if (!subscriptionId) {
      throw new ConfigurationError('no subscription for the emulator endpoint: pass --subscription, set target.subscriptionId in the spec or AZURE_SUBSCRIPTION_ID, or --state the emulator\'s state directory');
    }
    const profile = opts.profile ?? world?.profile ?? 'classic';
    const endpoint = opts.endpoint;
    return targetFor({ kind, endpoint, world: endpoint, profile, calls: counter, pace, timing, close: async () => {} }, subscriptionId, (sub) =>
      buildClients(new StaticTokenCredential(token), sub, endpoint, ca, counter, pace),
    );
  }

  const fleetFile = opts.fleetFile;
  const running = await startEmbeddedEmulator({ ...opts.emulator, stateDir, ...(fleetFile ? { fleetFile } : {}) });
  const subscriptionId = opts.subscriptionId ?? running.subscriptionId;
  return targetFor(
    { kind, endpoint: running.endpoint, world: stateDir, profile: running.profile, calls: counter, pace, timing, close: () => running.close() },
    subscriptionId,
    (sub) => buildClients(new StaticTokenCredential(running.token), sub, running.endpoint, running.ca, counter, pace),
  );
}
