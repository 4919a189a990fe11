import { describe, expect, it } from 'vitest';
import { compileNameGlob, isGlobError, MAX_GLOB_ALTERNATIVES, MAX_GLOB_LENGTH } from '../../provider/core/index.js';

describe('name globs: what matches', () => {
  const cases: { reason: string; glob: string; yes: string[]; no: string[] }[] = [
    { reason: 'a literal name matches itself, ignoring case', glob: 'web-01', yes: ['web-01', 'WEB-01'], no: ['web-011', 'web-0'] },
    { reason: '* matches any run, also none', glob: 'web-*', yes: ['web-', 'web-01', 'web-prod-eu'], no: ['api-web-01'] },
    { reason: '* in the middle', glob: 'a*z', yes: ['az', 'abcz', 'a-z-z'], no: ['azb', 'ba'] },
    { reason: '? is exactly one character', glob: 'web-0?', yes: ['web-01', 'web-0a'], no: ['web-0', 'web-011'] },
    { reason: 'a class matches one of its characters', glob: 'db-[ab]', yes: ['db-a', 'db-B'], no: ['db-c', 'db-ab'] },
    { reason: 'a range', glob: 'web-[0-2]?', yes: ['web-00', 'web-29'], no: ['web-30'] },
    { reason: '[!..] negates', glob: 'web-[!0]*', yes: ['web-1', 'web-x9'], no: ['web-0', 'web-01'] },
    { reason: '[^..] negates too', glob: 'web-[^0]', yes: ['web-1'], no: ['web-0'] },
    { reason: 'braces give alternatives', glob: '{web,api}-0[1-3]', yes: ['web-01', 'api-03'], no: ['db-01', 'web-04'] },
    { reason: 'an alternative may be empty', glob: 'web{,-dr}-01', yes: ['web-01', 'web-dr-01'], no: ['web-x-01'] },
    { reason: 'stars in alternatives', glob: '{*-prod,*-stage}', yes: ['a-prod', 'b-stage'], no: ['a-dev'] },
    { reason: 'many stars do not backtrack for ever', glob: '*a*a*a*a*a*a*a*a*b', yes: ['aaaaaaaab'], no: ['a'.repeat(64)] },
  ];
  it.each(cases)('$reason', ({ glob, yes, no }) => {
    const m = compileNameGlob(glob);
    if (isGlobError(m)) throw new Error(m.message);
    for (const name of yes) expect(m(name), name).toBe(true);
    for (const name of no) expect(m(name), name).toBe(false);
  });
});

describe('name globs: what is refused, and where', () => {
  const cases: { reason: string; glob: string; offset: number; message: RegExp }[] = [
    { reason: 'an unclosed class', glob: 'web-[0-', offset: 4, message: /never closed/ },
    { reason: 'a stray ]', glob: 'web-0]', offset: 5, message: /closes no/ },
    { reason: 'an empty class', glob: 'web-[]', offset: 4, message: /no character/ },
    { reason: 'a backwards range', glob: 'web-[9-0]', offset: 5, message: /backwards/ },
    { reason: 'an unclosed brace', glob: '{web,api', offset: 0, message: /never closed/ },
    { reason: 'a stray }', glob: 'web}', offset: 3, message: /closes no/ },
    { reason: 'nested braces', glob: '{a,{b,c}}', offset: 3, message: /do not nest/ },
    { reason: 'braces with one alternative', glob: 'web-{01}', offset: 4, message: /alternatives/ },
    { reason: 'a leading ! is not negation here', glob: '!web-*', offset: 0, message: /exclude/ },
    { reason: 'an empty pattern', glob: '', offset: 0, message: /empty/ },
    { reason: 'a pattern over the length cap', glob: 'a'.repeat(MAX_GLOB_LENGTH + 1), offset: MAX_GLOB_LENGTH, message: /at most 128/ },
    { reason: 'braces that expand beyond the cap (22 pairs would be 4 million)', glob: '{a,b}'.repeat(22), offset: 109, message: new RegExp(`more than ${MAX_GLOB_ALTERNATIVES}`) },
  ];
  it.each(cases)('$reason', ({ glob, offset, message }) => {
    const m = compileNameGlob(glob);
    if (!isGlobError(m)) throw new Error(`${glob} compiled`);
    expect(m.message).toMatch(message);
    expect(m.offset).toBe(offset);
  });
});
