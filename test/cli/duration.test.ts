import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../provider/cli/duration.js';
import { ConfigurationError } from '../../provider/core/index.js';

describe('parseDuration', () => {
  const good: { input: string; ms: number; reason: string }[] = [
    { input: '24h', ms: 86_400_000, reason: 'the jobs window people write most' },
    { input: '15m', ms: 900_000, reason: 'minutes' },
    { input: '7d', ms: 604_800_000, reason: 'days' },
    { input: '1d12h', ms: 129_600_000, reason: 'compound units add up' },
    { input: '90s', ms: 90_000, reason: 'seconds' },
    { input: '1.5h', ms: 5_400_000, reason: 'fractions' },
    { input: '250ms', ms: 250, reason: 'milliseconds are not minutes' },
  ];
  it.each(good)('$input -> $ms ms ($reason)', ({ input, ms }) => {
    expect(parseDuration(input)).toBe(ms);
  });

  const bad: { input: string; reason: string }[] = [
    { input: '', reason: 'empty' },
    { input: '24', reason: 'no unit' },
    { input: 'h24', reason: 'unit first' },
    { input: '24 hours', reason: 'words are not units' },
    { input: '-1h', reason: 'negative' },
  ];
  it.each(bad)('rejects "$input" ($reason) with the accepted forms', ({ input }) => {
    expect(() => parseDuration(input)).toThrow(ConfigurationError);
    expect(() => parseDuration(input)).toThrow(/30m|24h/);
  });
});
