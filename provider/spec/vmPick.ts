// A VM picked in a spec, by resource group + name or by ARM id, reduced to one identity.
import { vmArmId, vmLabel, type VmPick } from '../core/index.js';
import { parseVmId } from './armIdCheck.js';
import type { WrittenVmPick } from './writtenSpec.js';

/** The pick with id, resourceGroup and name all filled in, or undefined when it is malformed. */
export function resolvePick(pick: WrittenVmPick, subscriptionId: string): Required<Omit<VmPick, 'source'>> | undefined {
  const byName = pick.resourceGroup !== undefined || pick.name !== undefined;
  if (pick.id !== undefined) {
    if (byName) return undefined;
    const parsed = parseVmId(pick.id);
    return 'parts' in parsed ? { id: pick.id, resourceGroup: parsed.parts.resourceGroup, name: parsed.parts.name } : undefined;
  }
  if (pick.resourceGroup === undefined || pick.name === undefined) return undefined;
  return { id: vmArmId(subscriptionId, pick.resourceGroup, pick.name), resourceGroup: pick.resourceGroup, name: pick.name };
}

/** ARM ids are case-insensitive; within one subscription, resource group + name identify a VM. */
export function pickKey(pick: { resourceGroup: string; name: string }): string {
  return `${pick.resourceGroup}/${pick.name}`.toLowerCase();
}

export function describePick(pick: { resourceGroup: string; name: string }): string {
  return vmLabel(pick.resourceGroup, pick.name);
}
