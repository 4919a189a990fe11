// VM name globs, the one grammar the spec validates and the selectors match with. Bounded by design: a
// pattern is at most MAX_GLOB_LENGTH characters and expands to at most MAX_GLOB_ALTERNATIVES plain globs,
// and matching never backtracks beyond the pattern times the name, so no pattern can stall a plan.
//
//   *        any run of characters, also none
//   ?        exactly one character
//   [abc]    one of the characters; ranges such as [0-9]; [!0-9] or [^0-9] negates
//   {a,b}    one of the alternatives (no nesting); each may hold * ? [..]
//
// Matching ignores case, as Azure does for resource names. Other characters match themselves; a leading
// `!` is refused (exclusions are written under `exclude:`).

export const MAX_GLOB_LENGTH = 128;
export const MAX_GLOB_ALTERNATIVES = 64;

type Token = { readonly kind: 'char'; readonly test: (c: string) => boolean } | { readonly kind: 'star' };

export interface GlobError {
  readonly message: string;
  /** 0-based index of the offending character in the pattern. */
  readonly offset: number;
}

export type NameMatcher = (name: string) => boolean;

/** Compiles a name glob, or says what is wrong with it and where. */
export function compileNameGlob(pattern: string): NameMatcher | GlobError {
  if (pattern.length === 0) return { message: 'an empty name pattern matches no VM', offset: 0 };
  if (pattern.length > MAX_GLOB_LENGTH) {
    return { message: `a name pattern is at most ${MAX_GLOB_LENGTH} characters (this one has ${pattern.length})`, offset: MAX_GLOB_LENGTH };
  }
  if (pattern.startsWith('!')) return { message: "a leading '!' does not negate a name pattern; list the names under exclude: instead", offset: 0 };
  const alternatives = expandBraces(pattern);
  if ('message' in alternatives) return alternatives;
  const compiled: Token[][] = [];
  for (const { text, offsets } of alternatives) {
    const tokens = tokenize(text, offsets);
    if ('message' in tokens) return tokens;
    compiled.push(tokens);
  }
  return (name) => {
    const lowered = name.toLowerCase();
    return compiled.some((tokens) => matchTokens(tokens, lowered));
  };
}

export function isGlobError(v: NameMatcher | GlobError): v is GlobError {
  return typeof v !== 'function';
}

interface Expansion {
  readonly text: string;
  /** Where each character of `text` stands in the pattern, for error offsets. */
  readonly offsets: readonly number[];
}

function expandBraces(pattern: string): Expansion[] | GlobError {
  let results: Expansion[] = [{ text: '', offsets: [] }];
  const append = (add: Expansion[]): Expansion[] | GlobError => {
    const next: Expansion[] = [];
    for (const r of results) for (const a of add) next.push({ text: r.text + a.text, offsets: [...r.offsets, ...a.offsets] });
    if (next.length > MAX_GLOB_ALTERNATIVES) {
      return { message: `the braces expand to more than ${MAX_GLOB_ALTERNATIVES} alternatives`, offset: pattern.length - 1 };
    }
    return next;
  };
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '}') return { message: "'}' closes no '{'", offset: i };
    if (c !== '{') {
      const r = append([{ text: c, offsets: [i] }]);
      if ('message' in r) return r;
      results = r;
      i++;
      continue;
    }
    const open = i;
    const alts: Expansion[] = [{ text: '', offsets: [] }];
    i++;
    for (;;) {
      if (i >= pattern.length) return { message: "'{' is never closed with '}'", offset: open };
      const d = pattern[i]!;
      if (d === '{') return { message: "braces do not nest in a name pattern; write the alternatives out", offset: i };
      if (d === '}') break;
      if (d === ',') alts.push({ text: '', offsets: [] });
      else {
        const last = alts[alts.length - 1]!;
        alts[alts.length - 1] = { text: last.text + d, offsets: [...last.offsets, i] };
      }
      i++;
    }
    if (alts.length < 2) return { message: "braces hold alternatives separated by ',' such as {web,api}", offset: open };
    i++;
    const r = append(alts);
    if ('message' in r) return r;
    results = r;
  }
  return results;
}

function tokenize(text: string, offsets: readonly number[]): Token[] | GlobError {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '*') {
      if (tokens[tokens.length - 1]?.kind !== 'star') tokens.push({ kind: 'star' });
      i++;
    } else if (c === '?') {
      tokens.push({ kind: 'char', test: () => true });
      i++;
    } else if (c === '[') {
      const cls = characterClass(text, i, offsets);
      if ('message' in cls) return cls;
      tokens.push({ kind: 'char', test: cls.test });
      i = cls.end;
    } else if (c === ']') {
      return { message: "']' closes no '['", offset: offsets[i]! };
    } else {
      const lowered = c.toLowerCase();
      tokens.push({ kind: 'char', test: (x) => x === lowered });
      i++;
    }
  }
  return tokens;
}

function characterClass(text: string, start: number, offsets: readonly number[]): { test: (c: string) => boolean; end: number } | GlobError {
  let i = start + 1;
  const negated = text[i] === '!' || text[i] === '^';
  if (negated) i++;
  const ranges: [string, string][] = [];
  while (i < text.length && text[i] !== ']') {
    const from = text[i]!.toLowerCase();
    if (text[i + 1] === '-' && i + 2 < text.length && text[i + 2] !== ']') {
      const to = text[i + 2]!.toLowerCase();
      if (to < from) return { message: `the range ${text[i]}-${text[i + 2]} runs backwards`, offset: offsets[i]! };
      ranges.push([from, to]);
      i += 3;
    } else {
      ranges.push([from, from]);
      i++;
    }
  }
  if (i >= text.length) return { message: "'[' is never closed with ']'", offset: offsets[start]! };
  if (ranges.length === 0) return { message: "'[]' holds no character", offset: offsets[start]! };
  const inClass = (c: string) => ranges.some(([a, b]) => c >= a && c <= b);
  return { test: (c) => inClass(c) !== negated, end: i + 1 };
}

/** Wildcard matching with one remembered star: linear in practice, at worst pattern length times name length. */
function matchTokens(tokens: readonly Token[], name: string): boolean {
  let t = 0;
  let n = 0;
  let starAt = -1;
  let resumeAt = 0;
  while (n < name.length) {
    const token = tokens[t];
    if (token?.kind === 'char' && token.test(name[n]!)) {
      t++;
      n++;
    } else if (token?.kind === 'star') {
      starAt = t++;
      resumeAt = n;
    } else if (starAt >= 0) {
      t = starAt + 1;
      n = ++resumeAt;
    } else {
      return false;
    }
  }
  while (tokens[t]?.kind === 'star') t++;
  return t === tokens.length;
}
