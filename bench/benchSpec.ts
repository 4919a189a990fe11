// The spec the benchmarks apply to a generated fleet: every VM of the first vault's region under one rule.
import { stringify } from 'yaml';

export interface FleetShape {
  subscriptionId: string;
  vaults: { name: string; resourceGroup: string; location: string }[];
}

export function specFor(fleet: FleetShape): string {
  const vault = fleet.vaults[0];
  // Every VM of the vault's region under one selector: the plan touches all of them.
  return stringify({
    apiVersion: 'vmbackup/v1',
    target: { subscriptionId: fleet.subscriptionId, vault: { resourceGroup: vault.resourceGroup, name: vault.name } },
    policies: [{ name: 'daily', schedule: { frequency: 'Daily', time: '10:00', timeZone: 'UTC' }, retention: { daily: 30 }, instantRestoreDays: 2 }],
    protect: [{ name: 'everything', policy: 'daily', select: { names: ['*'] } }],
  });
}
