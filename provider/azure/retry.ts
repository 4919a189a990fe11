// Retries only what is transient (classified in errors.ts), honouring Retry-After, with bounded attempts.
import pRetry, { AbortError } from 'p-retry';
import { setTimeout as sleep } from 'node:timers/promises';
import { classifyError, type ClassifiedAzureError } from './errors.js';

export interface RetryOptions {
  /** Retries after the first attempt. Default 6. */
  readonly retries?: number;
  /** First backoff delay in milliseconds, doubled each retry and jittered. Default 1000. */
  readonly minDelayMs?: number;
  /** Longest backoff delay in milliseconds. Default 30000. */
  readonly maxDelayMs?: number;
  /** Longest Retry-After honoured, in milliseconds; longer asks are capped. Default 120000. */
  readonly maxRetryAfterMs?: number;
  /**
   * Wait before retrying "another operation / discovery in progress", in ms. These waits do not use up
   * `retries` (the other operation ends on its own); `maxRetryTimeMs` bounds them. Default 5000.
   */
  readonly conflictWaitMs?: number;
  /** Wait for "another operation in progress" to end and retry; false hands it back at once. Default true. */
  readonly waitForConflicts?: boolean;
  /** Give up retrying after this long in all, in ms. Default 30 minutes. */
  readonly maxRetryTimeMs?: number;
  readonly signal?: AbortSignal;
  /** Called before waiting for a retry. */
  readonly onRetry?: (error: ClassifiedAzureError, attempt: number, delayMs: number) => void;
}

export const DEFAULT_RETRY: Required<Omit<RetryOptions, 'signal' | 'onRetry' | 'waitForConflicts'>> = {
  retries: 6,
  minDelayMs: 1000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
  conflictWaitMs: 5000,
  maxRetryTimeMs: 30 * 60_000,
};

/** Runs `fn`, retrying classified transient failures; throws the classified error otherwise. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const o = { ...DEFAULT_RETRY, ...withoutUndefined(opts) };
  try {
    return await pRetry(
      async (attempt) => {
        try {
          return await fn(attempt);
        } catch (e) {
          const classified = classifyError(e);
          const giveUp = !classified.transient || opts.signal?.aborted || (opts.waitForConflicts === false && isConflict(classified));
          if (giveUp) throw new AbortError(classified);
          throw classified;
        }
      },
      {
        retries: o.retries,
        minTimeout: o.minDelayMs,
        maxTimeout: o.maxDelayMs,
        factor: 2,
        randomize: true,
        maxRetryTime: o.maxRetryTimeMs,
        signal: opts.signal,
        shouldConsumeRetry: ({ error }) => !isConflict(error as ClassifiedAzureError),
        // p-retry adds its jittered backoff after this; Retry-After is waited for here, on top of it.
        onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
          if (retriesLeft === 0) return;
          const classified = error as ClassifiedAzureError;
          const wait = isConflict(classified) ? o.conflictWaitMs : Math.min(classified.retryAfterMs ?? 0, o.maxRetryAfterMs);
          opts.onRetry?.(classified, attemptNumber, wait);
          if (wait > 0) await sleep(wait, undefined, { signal: opts.signal });
        },
      },
    );
  } catch (e) {
    throw classifyError(e instanceof AbortError ? e.originalError : e);
  }
}

/** The service is busy with another operation on the item, VM or vault: wait for it, it ends on its own. */
function isConflict(e: ClassifiedAzureError): boolean {
  return e.inProgress;
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
