// Seeded, repeatable faults: internal errors at a rate, ARM's token-bucket throttling, added latency.
import { ArmErrors, type ArmError } from './errors.js';
import type { Faults } from './model.js';

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

class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly size: number,
    private readonly perSecond: number,
    now: number,
  ) {
    this.tokens = size;
    this.last = now;
  }

  /** Takes a token; returns the tokens left, or the seconds to wait when empty. */
  take(now: number): { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number } {
    this.tokens = Math.min(this.size, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true, remaining: Math.floor(this.tokens) };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - this.tokens) / Math.max(this.perSecond, 1e-9))) };
  }

  remaining(): number {
    return Math.floor(this.tokens);
  }
}

/** Per-process fault state; the settings themselves live in the store so every process agrees. */
export class FaultInjector {
  private random: () => number;
  private seed: number | undefined;
  private buckets: { key: string; read: TokenBucket; write: TokenBucket } | undefined;

  constructor() {
    this.random = prng(1);
  }

  /** Decides the fate of one request. Returns the ARM error to answer with, plus the headers to add. */
  check(faults: Faults, isWrite: boolean, now = Date.now()): { error?: ArmError; headers: Record<string, string> } {
    const seed = faults.seed ?? 1;
    if (seed !== this.seed) {
      this.seed = seed;
      this.random = prng(seed);
    }
    const headers: Record<string, string> = {};
    const header = isWrite ? 'x-ms-ratelimit-remaining-subscription-writes' : 'x-ms-ratelimit-remaining-subscription-reads';
    if (faults.throttling) {
      const sizes = { ...ARM_BUCKETS, ...stripUndefined(faults) };
      const key = JSON.stringify([sizes.readBucket, sizes.readRefillPerSecond, sizes.writeBucket, sizes.writeRefillPerSecond]);
      if (this.buckets?.key !== key) {
        this.buckets = {
          key,
          read: new TokenBucket(sizes.readBucket, sizes.readRefillPerSecond, now),
          write: new TokenBucket(sizes.writeBucket, sizes.writeRefillPerSecond, now),
        };
      }
      const taken = (isWrite ? this.buckets.write : this.buckets.read).take(now);
      if (!taken.ok) return { error: ArmErrors.throttled(taken.retryAfterSeconds, { [header]: '0' }), headers };
      headers[header] = String(taken.remaining);
    } else {
      this.buckets = undefined;
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
