// The emulator's public API: start the ARM server over a state directory, or open the state in-process.
import { existsSync } from 'node:fs';
import { ensureCredentials } from './credentials.js';
import { checkFleetObject, loadFleetFile, seedWorld, type Fleet } from './fleet.js';
import type { Faults, Profile } from './model.js';
import { parseFaults } from './faults.js';
import { listen, type RequestTally } from './server.js';
import { openSqliteStore, worldFile } from './store.js';
import { DEFAULT_WORLD_OPTIONS, World, type ClockAdvance } from './world.js';

export { generateEstate, generateFleet, isGeneratedFault, type GenerateEstateOptions, type GenerateFleetOptions } from './fleetGenerator.js';
export {
  FleetError,
  fleetSubscriptions,
  loadFleetFile,
  parseFleetText,
  type EstateFleet,
  type Fleet,
  type FleetProblem,
  type FleetSubscription,
  type FleetVm,
  type FleetVault,
  type SubscriptionFleet,
} from './fleet.js';
export { parseDuration } from './duration.js';
export type { Faults, JobStatus, Profile } from './model.js';
export type { ClockAdvance } from './world.js';
export type { RequestTally } from './server.js';

/** A state directory without a world, opened without a fleet to seed it. */
export class UnseededStateError extends Error {
  override readonly name = 'UnseededStateError';
  constructor(readonly stateDir: string) {
    super(`state directory ${stateDir} holds no world yet: give a fleet (fleetFile or fleet) to seed it`);
  }
}

export interface EmulatorOptions {
  /** Directory holding world.sqlite, the token and the TLS files; created when missing. */
  stateDir: string;
  /** Fleet YAML that seeds a new state directory (ignored when the directory already holds a world). */
  fleetFile?: string;
  /** Fleet object, same use as fleetFile (wins over it). */
  fleet?: object;
  /** 0 (default) = an ephemeral port. */
  port?: number;
  /** Overrides the profile of the fleet (default: the fleet's, else classic). */
  profile?: Profile;
  /** Items per page of every pageable list. Default 100. */
  pageSize?: number;
  /** Fault settings stored in the world (shared by every process over it); default: the fleet's, else none. */
  faults?: Faults;
  /** Retry-After seconds on every 202. Default 1. */
  retryAfterSeconds?: number;
  /** Clock ms an operation stays InProgress. Default 300. */
  operationDelayMs?: number;
  /** Resource Graph's query quota per window; a small one makes it answer 429 RateLimiting. Default 15 per 5 s. */
  resourceGraphQuota?: { queries: number; windowMs: number };
  /** The largest Resource Graph answer in bytes; a small one makes it answer 400 ResponsePayloadTooLarge. Default 16 MiB. */
  resourceGraphPayloadLimit?: number;
}

export interface RunningEmulator {
  /** https://127.0.0.1:PORT */
  endpoint: string;
  port: number;
  token: string;
  tokenFile: string;
  caFile: string;
  /** The CA certificate (PEM) clients trust. */
  ca: string;
  subscriptionId: string;
  profile: Profile;
  /** The ARM requests this server has answered since it started: reads, writes and 429s. */
  requests(): Readonly<RequestTally>;
  close(): Promise<void>;
}

export interface EmulatorState {
  readonly subscriptionId: string;
  readonly profile: Profile;
  /** The emulator clock (real time plus the stored offset). */
  now(): Date;
  /** Moves the clock forward by ms, performs the scheduled work that fell due, and says what it was. */
  advance(ms: number): ClockAdvance;
  close(): void;
}

/** The fleet the options give, read and checked; undefined when they give none. */
function givenFleet(opts: Pick<EmulatorOptions, 'fleet' | 'fleetFile'>): Fleet | undefined {
  if (opts.fleet) return checkFleetObject(opts.fleet);
  return opts.fleetFile ? loadFleetFile(opts.fleetFile) : undefined;
}

/** A new state directory's fleet is checked before anything is written: a bad fleet leaves no directory behind. */
function fleetForNewState(opts: Pick<EmulatorOptions, 'stateDir' | 'fleet' | 'fleetFile'>): Fleet | undefined {
  return existsSync(worldFile(opts.stateDir)) ? undefined : givenFleet(opts);
}

function openWorld(
  opts: Pick<EmulatorOptions, 'stateDir' | 'fleet' | 'fleetFile' | 'profile' | 'pageSize' | 'retryAfterSeconds' | 'operationDelayMs' | 'resourceGraphQuota' | 'resourceGraphPayloadLimit'>,
  checkedFleet: Fleet | undefined,
): World {
  const store = openSqliteStore(opts.stateDir);
  try {
    if (!store.isSeeded()) {
      // Another process may have created the world file without seeding it yet; then the fleet is read here.
      const fleet = checkedFleet ?? givenFleet(opts);
      if (!fleet) throw new UnseededStateError(opts.stateDir);
      // Another process may have seeded it meanwhile; the transaction re-checks.
      store.transaction(() => {
        if (!store.isSeeded()) seedWorld(store, fleet, { profile: opts.profile, nowMs: Date.now() });
      });
    }
    return new World(store, {
      pageSize: opts.pageSize ?? DEFAULT_WORLD_OPTIONS.pageSize,
      retryAfterSeconds: opts.retryAfterSeconds ?? DEFAULT_WORLD_OPTIONS.retryAfterSeconds,
      operationDelayMs: opts.operationDelayMs ?? DEFAULT_WORLD_OPTIONS.operationDelayMs,
      profile: opts.profile,
      resourceGraphQuota: opts.resourceGraphQuota,
      resourceGraphPayloadLimit: opts.resourceGraphPayloadLimit,
    });
  } catch (e) {
    store.close();
    throw e;
  }
}

/** Starts the HTTPS ARM emulator over opts.stateDir (seeding it from the fleet when new). */
export async function startEmulator(opts: EmulatorOptions): Promise<RunningEmulator> {
  const fleet = fleetForNewState(opts);
  const creds = await ensureCredentials(opts.stateDir);
  const world = openWorld(opts, fleet);
  try {
    if (opts.faults) world.store.setFaults(parseFaults(opts.faults));
    const handle = await listen(world, creds, opts.port ?? 0);
    return {
      endpoint: `https://127.0.0.1:${handle.port}`,
      port: handle.port,
      token: creds.token,
      tokenFile: creds.tokenFile,
      caFile: creds.caFile,
      ca: creds.cert,
      subscriptionId: world.subscriptionId,
      profile: world.profile,
      requests: () => ({ ...handle.requests }),
      close: async () => {
        await handle.close();
        world.store.close();
      },
    };
  } catch (e) {
    world.store.close();
    throw e;
  }
}

/** Whether a state directory already holds a world (so it needs no fleet to open). */
export function emulatorWorldExists(stateDir: string): boolean {
  return existsSync(worldFile(stateDir));
}

/** Opens an existing state directory in-process (no server): the clock, as `vmbackup emulator clock` uses it. */
export function openEmulatorState(stateDir: string, opts: { fleetFile?: string; fleet?: object } = {}): EmulatorState {
  if (!opts.fleet && !opts.fleetFile && !existsSync(stateDir)) throw new UnseededStateError(stateDir);
  const world = openWorld({ stateDir, ...opts }, fleetForNewState({ stateDir, ...opts }));
  return {
    subscriptionId: world.subscriptionId,
    profile: world.profile,
    now: () => new Date(world.nowMs()),
    advance: (ms) => world.advance(ms),
    close: () => world.store.close(),
  };
}
