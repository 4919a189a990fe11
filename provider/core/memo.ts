// Values derived from an object once and kept as long as the object lives: an index over a list the planner and
// drift read many times, a digest of an observation. Observations are never changed after they are made, so the
// object's identity is the key.

/** `derive`, computed once per key object and kept while the key lives. */
export function memoByIdentity<K extends object, V>(derive: (key: K) => V): (key: K) => V {
  const kept = new WeakMap<K, V>();
  return (key) => {
    if (kept.has(key)) return kept.get(key)!;
    const value = derive(key);
    kept.set(key, value);
    return value;
  };
}
