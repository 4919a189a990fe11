// Property-level diffs in the engine's terms: which paths change, how, and whether they replace.
import { UNKNOWN, type PropertyMap } from './protocol.js';

export type DiffKind = 'add' | 'delete' | 'update';

export interface PropertyChange {
  /** Engine property path, e.g. "schedule.time" or "schedule.weekDays[1]". */
  readonly path: string;
  readonly kind: DiffKind;
  readonly replace: boolean;
}

export interface ResourceDiff {
  readonly changes: readonly PropertyChange[];
  /** Top-level properties whose change replaces the resource. */
  readonly replaces: readonly string[];
  readonly deleteBeforeReplace: boolean;
}

export interface DiffOptions {
  /** Top-level properties whose change replaces the resource. */
  readonly replaceOn?: ReadonlySet<string>;
  /** Compares two values of a top-level property; default deep equality. */
  readonly equal?: Readonly<Record<string, (a: unknown, b: unknown) => boolean>>;
  /** Top-level properties compared whole (their change is reported on the property, not its leaves). */
  readonly atomic?: ReadonlySet<string>;
  /** Top-level properties never compared (outputs the program does not set). */
  readonly ignore?: ReadonlySet<string>;
}

function isPlainObject(v: unknown): v is PropertyMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

function leafChanges(path: string, a: unknown, b: unknown, out: { path: string; kind: DiffKind }[]): void {
  if (b === UNKNOWN) {
    out.push({ path, kind: 'update' });
    return;
  }
  if (deepEqual(a, b)) return;
  if (a === undefined) {
    out.push({ path, kind: 'add' });
    return;
  }
  if (b === undefined) {
    out.push({ path, kind: 'delete' });
    return;
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) leafChanges(`${path}.${k}`, a[k], b[k], out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) leafChanges(`${path}[${i}]`, a[i], b[i], out);
    return;
  }
  out.push({ path, kind: 'update' });
}

/** Diffs old inputs against new inputs; an unknown new value counts as a change. */
export function diffProperties(olds: PropertyMap, news: PropertyMap, opts: DiffOptions = {}): ResourceDiff {
  const changes: PropertyChange[] = [];
  const replaces = new Set<string>();
  for (const key of new Set([...Object.keys(olds), ...Object.keys(news)])) {
    if (opts.ignore?.has(key)) continue;
    const a = olds[key];
    const b = news[key];
    const replace = opts.replaceOn?.has(key) ?? false;
    const eq = opts.equal?.[key];
    if (b !== UNKNOWN && eq && a !== undefined && b !== undefined && eq(a, b)) continue;
    const leaves: { path: string; kind: DiffKind }[] = [];
    if (opts.atomic?.has(key) || eq) {
      if (b === UNKNOWN || !deepEqual(a, b)) leaves.push({ path: key, kind: a === undefined ? 'add' : b === undefined ? 'delete' : 'update' });
    } else {
      leafChanges(key, a, b, leaves);
    }
    for (const leaf of leaves) changes.push({ ...leaf, replace });
    if (replace && leaves.length > 0) replaces.add(key);
  }
  return { changes, replaces: [...replaces], deleteBeforeReplace: false };
}
