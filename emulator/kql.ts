// The subset of the Kusto Query Language the emulator's Resource Graph answers (README, "Resource Graph"):
// a table, then `where`, `project`, `summarize NAME = make_list(pack_array(...)) by ...` and `order by`. Anything
// else is refused with the token that is not understood, so a query the emulator cannot answer faithfully never gets
// a plausible wrong answer.

export type Row = Readonly<Record<string, unknown>>;

/** A query the subset does not cover, or does not parse; `kind` follows Resource Graph's error details. */
export class KqlError extends Error {
  override readonly name = 'KqlError';
  constructor(
    readonly kind: 'ParserFailure' | 'InvalidQueryLanguage',
    message: string,
  ) {
    super(message);
  }
}

export const KQL_TABLES = ['resources', 'recoveryservicesresources'] as const;
export type KqlTable = (typeof KQL_TABLES)[number];

type Value = { kind: 'path'; path: readonly string[] } | { kind: 'literal'; value: string | number } | { kind: 'call'; fn: 'todatetime' | 'tostring' | 'ago'; arg: Value };

type Expr =
  | { kind: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'compare'; op: '==' | '!=' | '=~' | '!~' | '>=' | '<=' | '>' | '<'; left: Value; right: Value }
  | { kind: 'in'; caseless: boolean; left: Value; values: readonly (string | number)[] };

type Column = { name: string; path: readonly string[] };

type Stage =
  | { kind: 'where'; expr: Expr }
  | { kind: 'project'; columns: readonly Column[] }
  /** `summarize NAME = make_list(pack_array(a, b.c, ...)) by x, y`: one row per group, its rows packed as arrays. */
  | { kind: 'packList'; name: string; packed: readonly (readonly string[])[]; by: readonly Column[] }
  | { kind: 'order'; keys: readonly { path: readonly string[]; descending: boolean }[] };

export interface KqlQuery {
  readonly table: KqlTable;
  readonly stages: readonly Stage[];
}

type Token = { type: 'word' | 'string' | 'number' | 'timespan' | 'symbol'; text: string; value?: string | number };

const TIMESPAN_MS: Readonly<Record<string, number>> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
const SYMBOLS = ['==', '!=', '=~', '!~', '>=', '<=', 'in~', '|', '(', ')', ',', '.', '>', '<', '='];

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new KqlError('ParserFailure', `unterminated string starting at character ${i + 1}`);
      out.push({ type: 'string', text: text.slice(i, end + 1), value: text.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const num = /^(\d+(?:\.\d+)?)(ms|d|h|m|s)?(?![\w])/.exec(text.slice(i));
    if (num) {
      out.push(num[2] ? { type: 'timespan', text: num[0], value: Number(num[1]) * TIMESPAN_MS[num[2]] } : { type: 'number', text: num[0], value: Number(num[1]) });
      i += num[0].length;
      continue;
    }
    const word = /^[A-Za-z_][\w-]*/.exec(text.slice(i));
    if (word) {
      // `in~` is one operator; `project-away` and friends are one word so they are refused by name.
      if (word[0] === 'in' && text[i + 2] === '~') {
        out.push({ type: 'symbol', text: 'in~' });
        i += 3;
      } else {
        out.push({ type: 'word', text: word[0] });
        i += word[0].length;
      }
      continue;
    }
    // Any other character is a token of its own, so the refusal names the operator or function it belongs to.
    const symbol = SYMBOLS.find((s) => text.startsWith(s, i)) ?? c;
    out.push({ type: 'symbol', text: symbol });
    i += symbol.length;
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private next(what: string): Token {
    const t = this.tokens[this.i++];
    if (!t) throw new KqlError('ParserFailure', `the query ends where ${what} was expected`);
    return t;
  }

  private expect(text: string): void {
    const t = this.next(`'${text}'`);
    if (t.text.toLowerCase() !== text) throw new KqlError('ParserFailure', `expected '${text}' but found '${t.text}'`);
  }

  private accept(text: string): boolean {
    if (this.peek()?.text.toLowerCase() !== text) return false;
    this.i++;
    return true;
  }

  query(): KqlQuery {
    const first = this.next('a table');
    const table = first.text.toLowerCase();
    if (first.type !== 'word' || !(KQL_TABLES as readonly string[]).includes(table)) {
      throw new KqlError('InvalidQueryLanguage', `table '${first.text}' is not served: the emulator answers ${KQL_TABLES.join(' and ')}`);
    }
    const stages: Stage[] = [];
    while (this.peek()) {
      this.expect('|');
      stages.push(this.stage());
    }
    return { table: table as KqlTable, stages };
  }

  private stage(): Stage {
    const op = this.next('an operator');
    switch (op.text.toLowerCase()) {
      case 'where':
        return { kind: 'where', expr: this.or() };
      case 'project':
        return { kind: 'project', columns: this.list(() => this.column()) };
      case 'summarize':
        return this.packList();
      case 'order':
      case 'sort': {
        this.expect('by');
        const keys = this.list(() => {
          const path = this.path();
          // KQL sorts descending unless told otherwise.
          const ascending = this.accept('asc');
          if (!ascending) this.accept('desc');
          return { path, descending: !ascending };
        });
        return { kind: 'order', keys };
      }
      default:
        throw new KqlError('InvalidQueryLanguage', `operator '${op.text}' is not in the emulator's subset (where, project, summarize, order by)`);
    }
  }

  /** The one form of summarize the subset knows: a list of packed arrays per group. */
  private packList(): Stage {
    if (this.peek()?.type !== 'word' || this.tokens[this.i + 1]?.text !== '=') {
      throw new KqlError('InvalidQueryLanguage', `summarize is in the emulator's subset only as NAME = make_list(pack_array(...)) by ..., not '${this.peek()?.text ?? ''}'`);
    }
    const name = this.word();
    this.expect('=');
    const fn = this.next('make_list');
    if (fn.text.toLowerCase() !== 'make_list') {
      throw new KqlError('InvalidQueryLanguage', `aggregation '${fn.text}' is not in the emulator's subset (summarize NAME = make_list(pack_array(...)) by ...)`);
    }
    this.expect('(');
    const pack = this.next('pack_array');
    if (pack.text.toLowerCase() !== 'pack_array') {
      throw new KqlError('InvalidQueryLanguage', `function '${pack.text}' is not in the emulator's subset inside make_list (pack_array)`);
    }
    this.expect('(');
    const packed = this.list(() => this.path());
    this.expect(')');
    this.expect(')');
    this.expect('by');
    return { kind: 'packList', name, packed, by: this.list(() => this.column()) };
  }

  /** A column or dotted path, named as KQL names it: `a.b` is `a_b`. */
  private column(): Column {
    const path = this.path();
    return { name: path.join('_'), path };
  }

  private list<T>(item: () => T): T[] {
    const out = [item()];
    while (this.accept(',')) out.push(item());
    return out;
  }

  private or(): Expr {
    let left = this.and();
    while (this.accept('or')) left = { kind: 'or', left, right: this.and() };
    return left;
  }

  private and(): Expr {
    let left = this.comparison();
    while (this.accept('and')) left = { kind: 'and', left, right: this.comparison() };
    return left;
  }

  private comparison(): Expr {
    if (this.accept('(')) {
      const inner = this.or();
      this.expect(')');
      return inner;
    }
    const left = this.value();
    const op = this.next('a comparison');
    if (op.text === 'in~' || op.text === 'in') {
      this.expect('(');
      const values = this.list(() => this.literal());
      this.expect(')');
      return { kind: 'in', caseless: op.text === 'in~', left, values };
    }
    if (op.type !== 'symbol' || !['==', '!=', '=~', '!~', '>=', '<=', '>', '<'].includes(op.text)) {
      throw new KqlError('InvalidQueryLanguage', `'${op.text}' is not a comparison the emulator's subset knows (==, !=, =~, !~, <, <=, >, >=, in, in~)`);
    }
    return { kind: 'compare', op: op.text as Extract<Expr, { kind: 'compare' }>['op'], left, right: this.value() };
  }

  private literal(): string | number {
    const t = this.next('a literal');
    if (t.type === 'string' || t.type === 'number') return t.value!;
    throw new KqlError('ParserFailure', `expected a string or a number but found '${t.text}'`);
  }

  private value(): Value {
    const t = this.peek();
    if (t?.type === 'string' || t?.type === 'number') return { kind: 'literal', value: this.literal() };
    if (t?.type === 'word' && this.tokens[this.i + 1]?.text === '(') {
      const fn = t.text.toLowerCase();
      if (fn !== 'todatetime' && fn !== 'tostring' && fn !== 'ago') {
        throw new KqlError('InvalidQueryLanguage', `function '${t.text}' is not in the emulator's subset (todatetime, tostring, ago)`);
      }
      this.i += 2;
      let arg: Value;
      if (fn === 'ago') {
        const span = this.next('a timespan');
        if (span.type !== 'timespan') throw new KqlError('ParserFailure', `ago() takes a timespan such as 24h, found '${span.text}'`);
        arg = { kind: 'literal', value: span.value! };
      } else {
        arg = this.value();
      }
      this.expect(')');
      return { kind: 'call', fn, arg };
    }
    return { kind: 'path', path: this.path() };
  }

  private path(): string[] {
    const out = [this.word()];
    while (this.accept('.')) out.push(this.word());
    return out;
  }

  private word(): string {
    const t = this.next('a column name');
    if (t.type !== 'word') throw new KqlError('ParserFailure', `expected a column name but found '${t.text}'`);
    return t.text;
  }
}

export function parseKql(text: string): KqlQuery {
  return new Parser(tokenize(text)).query();
}

/** Column names are case-sensitive in KQL; so are property paths into `properties` and `tags`. */
function read(row: Row, path: readonly string[]): unknown {
  let v: unknown = row;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function evaluate(v: Value, row: Row, nowMs: number): unknown {
  switch (v.kind) {
    case 'literal':
      return v.value;
    case 'path':
      return read(row, v.path);
    case 'call': {
      const arg = evaluate(v.arg, row, nowMs);
      if (v.fn === 'ago') return nowMs - (arg as number);
      if (v.fn === 'tostring') return arg === undefined || arg === null ? '' : typeof arg === 'object' ? JSON.stringify(arg) : String(arg);
      const ms = typeof arg === 'string' ? Date.parse(arg) : Number.NaN;
      return Number.isNaN(ms) ? undefined : ms;
    }
  }
}

/** A dynamic string value and a string literal compare as strings; anything else by value. */
function same(a: unknown, b: unknown, caseless: boolean): boolean {
  if (typeof a === 'string' && typeof b === 'string') return caseless ? a.toLowerCase() === b.toLowerCase() : a === b;
  return a === b;
}

function order(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

function test(e: Expr, row: Row, nowMs: number): boolean {
  switch (e.kind) {
    case 'and':
      return test(e.left, row, nowMs) && test(e.right, row, nowMs);
    case 'or':
      return test(e.left, row, nowMs) || test(e.right, row, nowMs);
    case 'in': {
      const v = evaluate(e.left, row, nowMs);
      return e.values.some((x) => same(v, x, e.caseless));
    }
    case 'compare': {
      const l = evaluate(e.left, row, nowMs);
      const r = evaluate(e.right, row, nowMs);
      switch (e.op) {
        case '==':
          return same(l, r, false);
        case '=~':
          return same(l, r, true);
        case '!=':
          return !same(l, r, false);
        case '!~':
          return !same(l, r, true);
        default: {
          const c = order(l, r);
          if (c === undefined) return false;
          return e.op === '>=' ? c >= 0 : e.op === '<=' ? c <= 0 : e.op === '>' ? c > 0 : c < 0;
        }
      }
    }
  }
}

/** The row's columns as `project` names them; a missing value is null. */
function projected(row: Row, columns: readonly Column[]): Record<string, unknown> {
  return Object.fromEntries(columns.map((c) => [c.name, read(row, c.path) ?? null]));
}

/** One row per distinct group, in order of first appearance, with the group's rows as arrays of the packed values. */
function packList(stage: Extract<Stage, { kind: 'packList' }>, rows: readonly Row[]): Row[] {
  const groups = new Map<string, { key: Record<string, unknown>; list: unknown[][] }>();
  for (const r of rows) {
    const key = projected(r, stage.by);
    const k = JSON.stringify(Object.values(key));
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { key, list: [] }));
    g.list.push(stage.packed.map((p) => read(r, p) ?? null));
  }
  return [...groups.values()].map((g) => ({ ...g.key, [stage.name]: g.list }));
}

/** Runs the query's stages over the table's rows; `nowMs` is the service's clock, for ago(). */
export function runKql(query: KqlQuery, rows: readonly Row[], nowMs: number): Row[] {
  let out: Row[] = [...rows];
  for (const stage of query.stages) {
    if (stage.kind === 'where') out = out.filter((r) => test(stage.expr, r, nowMs));
    else if (stage.kind === 'project') out = out.map((r) => projected(r, stage.columns));
    else if (stage.kind === 'packList') out = packList(stage, out);
    else {
      out.sort((a, b) => {
        for (const k of stage.keys) {
          const c = order(read(a, k.path), read(b, k.path)) ?? 0;
          if (c !== 0) return k.descending ? -c : c;
        }
        return 0;
      });
    }
  }
  return out;
}
