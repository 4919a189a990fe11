// --retain-until as `vmbackup backup` reads it: a date is the last day kept (UTC), a date-time is UTC unless it
// says otherwise, a duration counts from the service's clock; and Azure's range for an on-demand point is checked.
import { describe, expect, it } from 'vitest';
import { checkRetention, parseRetainUntil } from '../../provider/cli/commands/backup.js';
import { ConfigurationError } from '../../provider/core/index.js';

const NOW = Date.parse('2026-12-01T05:00:00Z');

describe('parseRetainUntil', () => {
  const good: { input: string; iso: string; reason: string }[] = [
    { input: '2027-01-31', iso: '2027-01-31T23:59:59.000Z', reason: 'a date keeps the point through that day' },
    { input: '2027-01-31T18:00:00Z', iso: '2027-01-31T18:00:00.000Z', reason: 'a date-time in UTC' },
    { input: '2027-01-31T18:00:00', iso: '2027-01-31T18:00:00.000Z', reason: 'a date-time without an offset is UTC, not local time' },
    { input: '2027-01-31T18:00:00+02:00', iso: '2027-01-31T16:00:00.000Z', reason: 'an offset is honoured' },
    { input: '45d', iso: '2027-01-15T05:00:00.000Z', reason: 'a duration from the service\'s now' },
    { input: '2w', iso: '2026-12-15T05:00:00.000Z', reason: 'weeks' },
  ];
  it.each(good)('$input -> $iso ($reason)', ({ input, iso }) => {
    expect(new Date(parseRetainUntil(input)(NOW)).toISOString()).toBe(iso);
  });

  const bad: { input: string; reason: string }[] = [
    { input: '2027-02-30', reason: 'a day the month does not have' },
    { input: '31-01-2027', reason: 'day first' },
    { input: '2027-01-31Tnoon', reason: 'a time that is none' },
    { input: 'next week', reason: 'words' },
    { input: '', reason: 'empty' },
  ];
  it.each(bad)('rejects "$input" ($reason) with the accepted forms', ({ input }) => {
    expect(() => parseRetainUntil(input)).toThrow(ConfigurationError);
    expect(() => parseRetainUntil(input)).toThrow(/give a date \(2027-01-31.*a date-time.*a duration/);
  });
});

describe('checkRetention', () => {
  const DAY = 86_400_000;
  it.each([
    { at: NOW + DAY, ok: true, reason: 'a day exactly' },
    { at: Date.parse('2125-12-01T05:00:00Z'), ok: true, reason: '99 years exactly' },
    { at: NOW + DAY - 1000, ok: false, reason: 'less than a day' },
    { at: NOW - DAY, ok: false, reason: 'the past' },
    { at: Date.parse('2125-12-01T05:00:01Z'), ok: false, reason: 'beyond 99 years' },
  ])('$reason: accepted $ok', ({ at, ok }) => {
    const check = () => checkRetention('X', at, NOW);
    if (ok) expect(check().getTime()).toBe(at);
    else expect(check).toThrow(/out of range: Azure keeps an on-demand backup from 1 day to 99 years; give a time from 2026-12-02T05:00:00.000Z to 2125-12-01T05:00:00.000Z\. Nothing was triggered\./);
  });
});
