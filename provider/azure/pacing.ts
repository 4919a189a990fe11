// Paces requests by ARM's token buckets, one per subscription and kind (reads, writes), so apply spends
// its quota instead of hitting 429s: each request waits for a token; every answer's
// x-ms-ratelimit-remaining-subscription-* header corrects what we think is left, and a 429 empties the
// bucket until its Retry-After. Sizes and refill rates default to ARM's published subscription limits
// (Microsoft Learn, "Request limits and throttling": reads 250 + 25/s, writes 200 + 10/s).
import { setTimeout as sleep } from 'node:timers/promises';
import type { RecoveryServicesBackupClientOptionalParams } from '@azure/arm-recoveryservicesbackup';
import { parseRetryAfter } from './errors.js';

type PipelinePolicy = NonNullable<RecoveryServicesBackupClientOptionalParams['additionalPolicies']>[number]['policy'];

export type RequestKind = 'reads' | 'writes';

export interface BucketShape {
  /** Tokens a full bucket holds. */
  readonly size: number;
  /** Tokens added back per second. */
  readonly refillPerSecond: number;
}

export const ARM_SUBSCRIPTION_BUCKETS: Readonly<Record<RequestKind, BucketShape>> = {
  reads: { size: 250, refillPerSecond: 25 },
  writes: { size: 200, refillPerSecond: 10 },
};

/** ARM throttles by method: every method but GET and HEAD spends a write token. */
export function requestKind(method: string): RequestKind {
  return /^(GET|HEAD)$/i.test(method) ? 'reads' : 'writes';
}

const SUBSCRIPTION = /\/subscriptions\/([^/?#]+)/i;

/** The subscription a request is charged to; requests outside one share a bucket of their own. */
export function subscriptionOf(url: string): string {
  return decodeURIComponent(SUBSCRIPTION.exec(new URL(url).pathname)?.[1] ?? '').toLowerCase();
}

const ABORT_CHECK_MS = 1000;

/** What we believe is left in one of the service's buckets. */
class PacedBucket {
  private tokens: number;
  private at: number;
  private size: number;
  private pausedUntil = 0;
  /** Requests sent so far, and the latest of them whose answer corrected `tokens`. */
  private sent = 0;
  private corrected = 0;
  private queue: Promise<void> = Promise.resolve();

  private readonly refillPerSecond: number;

  constructor(shape: BucketShape, now: number) {
    this.refillPerSecond = shape.refillPerSecond;
    this.size = shape.size;
    this.tokens = shape.size;
    this.at = now;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.size, this.tokens + ((now - this.at) / 1000) * this.refillPerSecond);
    this.at = now;
  }

  /** Waits for a token, first come first served; returns the request's sequence number. */
  take(signal: { readonly aborted: boolean } | undefined): Promise<number> {
    const turn = this.queue.then(async () => {
      for (;;) {
        const now = Date.now();
        this.refill(now);
        const wait = Math.max(this.pausedUntil - now, this.tokens >= 1 ? 0 : ((1 - this.tokens) / this.refillPerSecond) * 1000);
        if (wait <= 0) break;
        if (signal?.aborted) throw new DOMException('The request was aborted while waiting for ARM quota.', 'AbortError');
        // In slices, so an aborted request stops waiting within a second.
        await sleep(Math.min(Math.ceil(wait), ABORT_CHECK_MS));
      }
      this.tokens -= 1;
      this.sent += 1;
      return this.sent;
    });
    // One aborted waiter must not stall the ones behind it.
    this.queue = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  /**
   * The service said `remaining` tokens were left after request `seq`; the requests sent after it have spent
   * theirs since. Only the latest answer counts, since answers overtake each other.
   */
  correct(seq: number, remaining: number): void {
    if (seq <= this.corrected) return;
    this.corrected = seq;
    this.refill(Date.now());
    this.size = Math.max(this.size, remaining + 1);
    this.tokens = Math.max(0, remaining - (this.sent - seq));
  }

  /** A 429: the service's bucket is empty; nothing is sent before it says. */
  throttled(retryAfterMs: number): void {
    const now = Date.now();
    this.refill(now);
    this.tokens = 0;
    this.pausedUntil = Math.max(this.pausedUntil, now + retryAfterMs);
  }
}

/** Requests and 429s seen, for apply's summary. */
export interface PaceCounts {
  readonly reads: number;
  readonly writes: number;
  readonly throttled: number;
}

/** Requests by subscription, since the quota is per subscription. */
export type PaceSnapshot = Readonly<Record<string, PaceCounts>>;

const NONE: PaceCounts = { reads: 0, writes: 0, throttled: 0 };

/** Requests made between two snapshots, by subscription. */
export function paceSince(before: PaceSnapshot, after: PaceSnapshot): PaceSnapshot {
  const out: Record<string, PaceCounts> = {};
  for (const [sub, a] of Object.entries(after)) {
    const b = before[sub] ?? NONE;
    out[sub] = { reads: a.reads - b.reads, writes: a.writes - b.writes, throttled: a.throttled - b.throttled };
  }
  return out;
}

/** All subscriptions together. */
export function paceTotal(snapshot: PaceSnapshot): PaceCounts {
  return Object.values(snapshot).reduce((t, c) => ({ reads: t.reads + c.reads, writes: t.writes + c.writes, throttled: t.throttled + c.throttled }), NONE);
}

const MIN_CONCURRENCY = 2;
const MAX_CONCURRENCY = 64;

/** The token buckets of every subscription one target reaches, and how many actions can usefully run at once. */
export class Pacer {
  private readonly buckets = new Map<string, PacedBucket>();
  private readonly counts = new Map<string, { reads: number; writes: number; throttled: number }>();
  private limit: number;

  /** `shapes` default to ARM's subscription limits; `startConcurrency` is where the adaptive limit starts (default 8). */
  constructor(
    private readonly shapes: Readonly<Record<RequestKind, BucketShape>> = ARM_SUBSCRIPTION_BUCKETS,
    startConcurrency = 8,
  ) {
    this.limit = startConcurrency;
  }

  private bucket(subscription: string, kind: RequestKind): PacedBucket {
    const key = `${subscription}|${kind}`;
    let b = this.buckets.get(key);
    if (!b) {
      b = new PacedBucket(this.shapes[kind], Date.now());
      this.buckets.set(key, b);
    }
    return b;
  }

  snapshot(): PaceSnapshot {
    return Object.fromEntries([...this.counts].map(([sub, c]) => [sub, { ...c }]));
  }

  /**
   * The fewest seconds ARM's buckets allow for these requests, starting full: per subscription and kind,
   * what exceeds the bucket comes back at its refill rate.
   */
  boundSeconds(requests: PaceSnapshot): number {
    let bound = 0;
    for (const c of Object.values(requests)) {
      for (const kind of ['reads', 'writes'] as const) {
        const { size, refillPerSecond } = this.shapes[kind];
        bound = Math.max(bound, Math.max(0, c[kind] - size) / refillPerSecond);
      }
    }
    return bound;
  }

  private countOf(subscription: string): { reads: number; writes: number; throttled: number } {
    let c = this.counts.get(subscription);
    if (!c) {
      c = { reads: 0, writes: 0, throttled: 0 };
      this.counts.set(subscription, c);
    }
    return c;
  }

  /**
   * Actions worth running at once: grows by one for each answer that leaves plenty of write tokens, halves
   * on a 429 (additive increase, multiplicative decrease), between 2 and 64.
   */
  concurrency(): number {
    return Math.floor(this.limit);
  }

  private answered(kind: RequestKind, status: number, remaining: number | undefined): void {
    if (status === 429) {
      this.limit = Math.max(MIN_CONCURRENCY, this.limit / 2);
    } else if (kind === 'writes' && remaining !== undefined && remaining > this.shapes.writes.size / 4) {
      this.limit = Math.min(MAX_CONCURRENCY, this.limit + 1 / this.limit);
    }
  }

  /** Pipeline policy for the SDK clients; runs per attempt, so every request on the wire is paced. */
  policy(): PipelinePolicy {
    return {
      name: 'vmbackupPacer',
      sendRequest: async (request, next) => {
        const kind = requestKind(request.method);
        const subscription = subscriptionOf(request.url);
        // Tenant-level calls (Resource Graph) have no subscription bucket: Resource Graph paces its own quota.
        if (subscription === '') return next(request);
        const bucket = this.bucket(subscription, kind);
        const seq = await bucket.take(request.abortSignal);
        const counts = this.countOf(subscription);
        counts[kind] += 1;
        const response = await next(request);
        const header = response.headers.get(`x-ms-ratelimit-remaining-subscription-${kind}`);
        const remaining = header === undefined || header.trim() === '' || !Number.isFinite(Number(header)) ? undefined : Number(header);
        if (response.status === 429) {
          counts.throttled += 1;
          bucket.throttled(parseRetryAfter(response.headers.get('retry-after')) ?? 1000);
        } else if (remaining !== undefined) {
          bucket.correct(seq, remaining);
        }
        this.answered(kind, response.status, remaining);
        return response;
      },
    };
  }
}
