/** Splits an ARM id into its named segments, keys lower-cased: { subscriptions, resourcegroups, vaults, backuppolicies, ... }. */
export function parseArmPath(id: string): Record<string, string> {
  const parts = id.split('/').filter(Boolean);
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length; i += 2) {
    if (parts[i].toLowerCase() === 'providers') continue;
    out[parts[i].toLowerCase()] = parts[i + 1];
  }
  return out;
}
