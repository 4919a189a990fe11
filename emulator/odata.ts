// The OData-like $filter the Backup spec uses: `field eq 'value'` clauses joined by ` and `.
import { ArmErrors } from './errors.js';

export type Filter = ReadonlyMap<string, string>;

const CLAUSE = /^\s*([A-Za-z][\w/]*)\s+eq\s+(?:'((?:[^']|'')*)'|([^\s']+))\s*/i;

/** Parses a $filter; throws 400 for bad syntax or a field not in `allowed` (matched case-insensitively). */
export function parseFilter(raw: string | null, allowed: readonly string[]): Filter {
  const out = new Map<string, string>();
  if (raw === null || raw.trim() === '') return out;
  const known = new Map(allowed.map((f) => [f.toLowerCase(), f]));
  let rest = raw;
  for (;;) {
    const m = CLAUSE.exec(rest);
    if (!m) throw ArmErrors.invalidFilter(`$filter '${raw}' is not of the form "field eq 'value' [and ...]".`);
    const field = known.get(m[1].toLowerCase());
    if (!field) throw ArmErrors.invalidFilter(`$filter field '${m[1]}' is not supported here; supported fields: ${allowed.join(', ')}.`);
    out.set(field, m[2] !== undefined ? m[2].replace(/''/g, "'") : m[3]);
    rest = rest.slice(m[0].length);
    if (rest.trim() === '') return out;
    const and = /^and\s+/i.exec(rest);
    if (!and) throw ArmErrors.invalidFilter(`$filter '${raw}': clauses must be joined by 'and'.`);
    rest = rest.slice(and[0].length);
  }
}

/** Dates in job filters: '2016-01-01 00:00:00 AM' as the spec writes them, or ISO 8601; UTC. */
export function parseFilterDate(field: string, value: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(AM|PM)?\s*(Z)?$/i.exec(value.trim());
  if (m) {
    let hour = Number(m[4]);
    const ampm = m[7]?.toUpperCase();
    if (ampm === 'PM' && hour < 12) hour += 12;
    if (ampm === 'AM' && hour === 12) hour = 0;
    return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), hour, Number(m[5]), Number(m[6] ?? 0));
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw ArmErrors.invalidFilter(`$filter ${field} '${value}' is not a date ('yyyy-MM-dd hh:mm:ss AM' or ISO 8601).`);
  return ms;
}

/** Case-insensitive equality for filter values. */
export function filterEq(filter: Filter, field: string, actual: string | undefined): boolean {
  const want = filter.get(field);
  return want === undefined || (actual !== undefined && want.toLowerCase() === actual.toLowerCase());
}
