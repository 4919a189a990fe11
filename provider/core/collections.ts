// Grouping by a case-insensitive key: ARM ids, names and subscription ids compare without case everywhere in Azure.

/** The list's members by their key, lower-cased, each group in the list's order. */
export function groupBy<T>(list: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of list) {
    const k = key(x).toLowerCase();
    const group = out.get(k);
    if (group) group.push(x);
    else out.set(k, [x]);
  }
  return out;
}
