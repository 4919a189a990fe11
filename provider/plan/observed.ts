// Reading observed protected items and policies the same way everywhere: plan, drift and the Pulumi provider.
import { parseArmId, sameArmId, type ObservedPolicy, type ObservedProtectedItem, type ProtectionState } from '../core/index.js';

/** States in which backups no longer run but the data is retained. */
const STOPPED_STATES: ReadonlySet<ProtectionState> = new Set(['ProtectionStopped', 'ProtectionPaused', 'BackupsSuspended']);

export function isStopped(item: ObservedProtectedItem): boolean {
  return STOPPED_STATES.has(item.protectionState);
}

/** The item backs up on a schedule: not stopped, not soft-deleted. */
export function isActive(item: ObservedProtectedItem): boolean {
  return !item.softDeleted && !isStopped(item);
}

/** The policy assigned to an item; older observations carry only its id. */
export function itemPolicyName(item: ObservedProtectedItem): string | undefined {
  return item.policyName ?? item.policyId?.split('/').pop();
}

export function findPolicy(policies: readonly ObservedPolicy[], name: string): ObservedPolicy | undefined {
  return policies.find((p) => p.name.toLowerCase() === name.toLowerCase());
}

/** The VM's protected item, preferring one that is not soft-deleted. */
export function findItem(items: readonly ObservedProtectedItem[], vmId: string): ObservedProtectedItem | undefined {
  const mine = items.filter((i) => sameArmId(i.vmId, vmId));
  return mine.find((i) => !i.softDeleted) ?? mine[0];
}

/** A protected item's VM, as a pick can match it even when the VM itself is gone. */
export function itemVm(item: ObservedProtectedItem): { id: string; name: string; resourceGroup: string } {
  const parts = parseArmId(item.vmId);
  return { id: item.vmId, name: parts.virtualmachines ?? item.friendlyName, resourceGroup: parts.resourcegroups ?? '' };
}


/** The policy a rule names, by name and type: as the spec declares it, else as the vault holds it. */
export function policyChoice(
  spec: { readonly policies: readonly { readonly name: string; readonly policyType: 'V1' | 'V2' }[] },
  obs: { readonly policies: readonly ObservedPolicy[] },
  name: string | undefined,
): { name: string; policyType: 'V1' | 'V2' } | undefined {
  if (name === undefined) return undefined;
  const declared = spec.policies.find((p) => p.name.toLowerCase() === name.toLowerCase());
  const type = declared?.policyType ?? findPolicy(obs.policies, name)?.settings?.policyType;
  return type ? { name: declared?.name ?? name, policyType: type } : undefined;
}
