// Seeded, repeatable faults: internal errors at a rate, ARM's token-bucket throttling, added latency.
import { ArmErrors, type ArmError } from './errors.js';
import type { Faults } from './model.js';
import type { BucketState, Store } from './store.js';

/** mulberry32: small, fast, and the same sequence for the same seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const ARM_BUCKETS = { readBucket: 250, readRefillPerSecond: 25, writeBucket: 200, writeRefillPerSecond: 10 } as const;

interface BucketShape {
  readonly size: number;
  readonly perSecond: number;
}

type Taken = { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number };

/** ARM's token bucket: refilled at its rate since it was last seen, one token per request, full when new. */
function takeToken(state: BucketState | undefined, shape: BucketShape, now: number): { state: BucketState; result: Taken } {
  const tokens = state ? Math.min(shape.size, state.tokens + ((now - state.atMs) / 1000) * shape.perSecond) : shape.size;
  if (tokens >= 1) return { state: { tokens: tokens - 1, atMs: now }, result: { ok: true, remaining: Math.floor(tokens - 1) } };
  const retryAfterSeconds = Math.max(1, Math.ceil((1 - tokens) / Math.max(shape.perSecond, 1e-9)));
  return { state: { tokens, atMs: now }, result: { ok: false, retryAfterSeconds } };
}

/** Per-process fault state (the PRNG); the settings and the ARM buckets live in the store so every process agrees. */
export class FaultInjector {
  private random: () => number;
  private seed: number | undefined;

  constructor(private readonly store: Store) {
    this.random = prng(1);
  }

  /**
   * Decides the fate of one request charged to `subscription`. ARM's buckets are per subscription and kind
   * (reads: GET; writes: every other method). Returns the ARM error to answer with, plus the headers to add.
   */
  check(faults: Faults, isWrite: boolean, subscription: string, now = Date.now()): { error?: ArmError; headers: Record<string, string> } {
    const seed = faults.seed ?? 1;
    if (seed !== this.seed) {
      this.seed = seed;
      this.random = prng(seed);
    }
    const headers: Record<string, string> = {};
    const header = isWrite ? 'x-ms-ratelimit-remaining-subscription-writes' : 'x-ms-ratelimit-remaining-subscription-reads';
    if (faults.throttling) {
      const sizes = { ...ARM_BUCKETS, ...stripUndefined(faults) };
      const shape = isWrite ? { size: sizes.writeBucket, perSecond: sizes.writeRefillPerSecond } : { size: sizes.readBucket, perSecond: sizes.readRefillPerSecond };
      // The shape is part of the key: new settings start a full bucket.
      const key = JSON.stringify([subscription.toLowerCase(), isWrite ? 'writes' : 'reads', shape.size, shape.perSecond]);
      const taken = this.store.updateBucket(key, (state) => takeToken(state, shape, now));
      if (!taken.ok) return { error: ArmErrors.throttled(taken.retryAfterSeconds, { [header]: '0' }), headers };
      headers[header] = String(taken.remaining);
    } else {
      headers[header] = String(isWrite ? ARM_BUCKETS.writeBucket - 1 : ARM_BUCKETS.readBucket - 1);
    }
    const rate = faults.internalErrorRate ?? 0;
    const on = faults.internalErrorOn ?? 'all';
    if (rate > 0 && (on === 'all' || (on === 'writes') === isWrite)) {
      // Draw only for requests the rate applies to, so the sequence of faults is repeatable.
      if (this.random() < rate) return { error: ArmErrors.injectedInternal(), headers };
    }
    return { headers };
  }
}

function stripUndefined(f: Faults): Partial<typeof ARM_BUCKETS> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(ARM_BUCKETS) as (keyof typeof ARM_BUCKETS)[]) if (typeof f[k] === 'number') out[k] = f[k] as number;
  return out;
}

/** Validates a faults document (admin PUT, options, fleet file). */
export function parseFaults(value: unknown): Faults {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw ArmErrors.invalidBody('faults must be a JSON object.');
  const v = value as Record<string, unknown>;
  const allowed = ['internalErrorRate', 'internalErrorOn', 'throttling', 'readBucket', 'readRefillPerSecond', 'writeBucket', 'writeRefillPerSecond', 'latencyMs', 'seed'];
  for (const k of Object.keys(v)) if (!allowed.includes(k)) throw ArmErrors.invalidBody(`Unknown faults setting '${k}'; known: ${allowed.join(', ')}.`);
  const num = (k: string, min: number, max = Number.MAX_SAFE_INTEGER) => {
    if (v[k] === undefined) return;
    if (typeof v[k] !== 'number' || !Number.isFinite(v[k]) || (v[k] as number) < min || (v[k] as number) > max) {
      throw ArmErrors.invalidBody(`faults.${k} must be a number from ${min} to ${max}.`);
    }
  };
  num('internalErrorRate', 0, 1);
  num('readBucket', 1);
  num('readRefillPerSecond', 0);
  num('writeBucket', 1);
  num('writeRefillPerSecond', 0);
  num('latencyMs', 0, 60_000);
  num('seed', 0);
  if (v.throttling !== undefined && typeof v.throttling !== 'boolean') throw ArmErrors.invalidBody('faults.throttling must be true or false.');
  if (v.internalErrorOn !== undefined && !['all', 'reads', 'writes'].includes(String(v.internalErrorOn))) {
    throw ArmErrors.invalidBody("faults.internalErrorOn must be 'all', 'reads' or 'writes'.");
  }
  return v as Faults;
}
