// The pacer's bookkeeping: requests charged per subscription and kind, 429s counted, the adaptive
// concurrency, and the bound ARM's buckets put on a number of requests.
import { describe, expect, it } from 'vitest';
import { ARM_SUBSCRIPTION_BUCKETS, Pacer, requestKind, subscriptionOf, type PaceSnapshot } from '../../provider/azure/index.js';

const SUB_A = '6f1c2a7e-3b1d-4c55-9d1e-0a9b8c7d6e5f';
const SUB_B = '00000000-0000-0000-0000-000000000001';
const url = (sub: string) => `https://management.azure.com/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v?api-version=2023-04-01`;

type Policy = ReturnType<Pacer['policy']>;
type Answer = { status: number; headers?: Record<string, string> };

/** Sends one request through the pacer's policy to a service that answers `answer`. */
function send(policy: Policy, method: string, sub: string, answer: Answer) {
  const headers = new Map(Object.entries(answer.headers ?? {}));
  const request = { method, url: url(sub) } as Parameters<Policy['sendRequest']>[0];
  const response = { status: answer.status, request, headers: { get: (n: string) => headers.get(n) } } as unknown as Awaited<ReturnType<Policy['sendRequest']>>;
  return policy.sendRequest(request, async () => response);
}

describe('Pacer', () => {
  it.each([
    { reason: 'GET reads', method: 'GET', kind: 'reads' },
    { reason: 'HEAD reads', method: 'head', kind: 'reads' },
    { reason: 'PUT writes', method: 'PUT', kind: 'writes' },
    { reason: 'a POST spends a write token, even one that only reads', method: 'POST', kind: 'writes' },
    { reason: 'DELETE is charged as a write', method: 'DELETE', kind: 'writes' },
  ])('$reason', ({ method, kind }) => {
    expect(requestKind(method)).toBe(kind);
  });

  it('names the subscription a request is charged to, case-insensitively', () => {
    expect(subscriptionOf(url(SUB_A.toUpperCase()))).toBe(SUB_A);
    expect(subscriptionOf('https://management.azure.com/providers/Microsoft.RecoveryServices/operations')).toBe('');
  });

  it('counts reads, writes and 429s per subscription, and halves its concurrency on a 429', async () => {
    const pacer = new Pacer(ARM_SUBSCRIPTION_BUCKETS, 8);
    const policy = pacer.policy();
    await send(policy, 'GET', SUB_A, { status: 200, headers: { 'x-ms-ratelimit-remaining-subscription-reads': '249' } });
    await send(policy, 'PUT', SUB_A, { status: 202, headers: { 'x-ms-ratelimit-remaining-subscription-writes': '199' } });
    await send(policy, 'PUT', SUB_B, { status: 429, headers: { 'retry-after': '0' } });
    expect(pacer.snapshot()).toEqual({
      [SUB_A]: { reads: 1, writes: 1, throttled: 0 },
      [SUB_B]: { reads: 0, writes: 1, throttled: 1 },
    });
    // 8 grew by 1/8 on a write answer with plenty left, then halved on the 429.
    expect(pacer.concurrency()).toBe(4);
  });

  it('grows its concurrency while writes leave plenty of quota, up to 64', async () => {
    const pacer = new Pacer(ARM_SUBSCRIPTION_BUCKETS, 8);
    const policy = pacer.policy();
    for (let i = 0; i < 40; i++) await send(policy, 'PUT', SUB_A, { status: 200, headers: { 'x-ms-ratelimit-remaining-subscription-writes': '199' } });
    expect(pacer.concurrency()).toBeGreaterThan(8);
    for (let i = 0; i < 40; i++) await send(policy, 'PUT', SUB_A, { status: 200, headers: { 'x-ms-ratelimit-remaining-subscription-writes': '10' } });
    const after = pacer.concurrency();
    // Nearly empty buckets do not grow it.
    await send(policy, 'PUT', SUB_A, { status: 200, headers: { 'x-ms-ratelimit-remaining-subscription-writes': '10' } });
    expect(pacer.concurrency()).toBe(after);
  });

  it.each<{ reason: string; requests: PaceSnapshot; bound: number }>([
    { reason: 'within the burst, no wait', requests: { [SUB_A]: { reads: 250, writes: 200, throttled: 0 } }, bound: 0 },
    { reason: '3,001 writes: 2,801 past the burst at 10 a second', requests: { [SUB_A]: { reads: 7000, writes: 3001, throttled: 0 } }, bound: 280.1 },
    { reason: 'reads can be the tighter bucket', requests: { [SUB_A]: { reads: 10_250, writes: 1000, throttled: 0 } }, bound: 400 },
    {
      reason: 'each subscription has its own buckets: the busiest one sets the bound',
      requests: { [SUB_A]: { reads: 0, writes: 1200, throttled: 0 }, [SUB_B]: { reads: 0, writes: 1200, throttled: 0 } },
      bound: 100,
    },
  ])('the quota bound: $reason', ({ requests, bound }) => {
    expect(new Pacer().boundSeconds(requests)).toBeCloseTo(bound, 6);
  });
});
