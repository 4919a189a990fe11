import { describe, expect, it } from 'vitest';
import { RestError } from '@azure/core-rest-pipeline';
import { withRetry } from '../../provider/azure/retry.js';

const fast = { minDelayMs: 1, maxDelayMs: 2, conflictWaitMs: 1 };

function fail(status: number, code: string, retryAfter?: string): RestError {
  return new RestError(code, { statusCode: status, code, response: { status, headers: { get: (n: string) => (n === 'retry-after' ? retryAfter : undefined) } } as never });
}

describe('withRetry', () => {
  it('retries transient failures until success', async () => {
    let n = 0;
    const r = await withRetry(async () => {
      n += 1;
      if (n < 3) throw fail(500, 'InternalServerError');
      return 'ok';
    }, fast);
    expect(r).toBe('ok');
    expect(n).toBe(3);
  });

  it('never retries a 400', async () => {
    let n = 0;
    await expect(
      withRetry(async () => {
        n += 1;
        throw fail(400, 'UserErrorGuestAgentStatusUnavailable');
      }, fast),
    ).rejects.toMatchObject({ code: 'UserErrorGuestAgentStatusUnavailable', transient: false });
    expect(n).toBe(1);
  });

  it('waits at least Retry-After before retrying a 429', async () => {
    let n = 0;
    const t0 = Date.now();
    await withRetry(async () => {
      n += 1;
      if (n === 1) throw fail(429, 'TooManyRequests', '0.2');
      return n;
    }, fast);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
  });

  it('gives up after the bounded attempts with the classified error', async () => {
    let n = 0;
    const retried: number[] = [];
    await expect(
      withRetry(
        async () => {
          n += 1;
          throw fail(503, 'ServiceUnavailable');
        },
        { ...fast, retries: 2, onRetry: (_e, attempt) => retried.push(attempt) },
      ),
    ).rejects.toMatchObject({ code: 'ServiceUnavailable', statusCode: 503 });
    expect(n).toBe(3);
    expect(retried).toEqual([1, 2]);
  });

  it('waits out another operation in progress without using up retries', async () => {
    let n = 0;
    const r = await withRetry(async () => {
      n += 1;
      if (n <= 5) throw fail(409, 'UserErrorBackupOperationInProgress');
      return 'ok';
    }, { ...fast, retries: 1 });
    expect(r).toBe('ok');
    expect(n).toBe(6);
  });

  it('bounds waiting for another operation by the total retry time', async () => {
    const t0 = Date.now();
    await expect(
      withRetry(async () => {
        throw fail(409, 'UserErrorDiscoveryInProgress');
      }, { ...fast, conflictWaitMs: 20, maxRetryTimeMs: 150 }),
    ).rejects.toMatchObject({ code: 'UserErrorDiscoveryInProgress' });
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});
