// Reading observed protected items and policies the same way everywhere: plan, drift and the Pulumi provider.
import { itemPolicyName, memoByIdentity, parseArmId, type ObservedPolicy, type ObservedProtectedItem, type ProtectionState } from '../core/index.js';

/** States in which backups no longer run but the data is retained. */
const STOPPED_STATES: ReadonlySet<ProtectionState> = new Set(['ProtectionStopped', 'ProtectionPaused', 'BackupsSuspended']);

export function isStopped(item: ObservedProtectedItem): boolean {
  return STOPPED_STATES.has(item.protectionState);
}

/** The item backs up on a schedule: not stopped, not soft-deleted. */
export function isActive(item: ObservedProtectedItem): boolean {
  return !item.softDeleted && !isStopped(item);
}

export { itemPolicyName } from '../core/index.js';

/** The item backs up on a schedule with this policy: nothing to protect or change. */
export function protectedWith(item: ObservedProtectedItem | undefined, policyName: string): boolean {
  return item !== undefined && isActive(item) && itemPolicyName(item)?.toLowerCase() === policyName.toLowerCase();
}

/** The VM is registered with the vault and has its backup extension: nothing left to register. */
export function registeredWithExtension(vm: { readonly registered: boolean; readonly backupExtension: boolean }): boolean {
  return vm.registered && vm.backupExtension;
}

export function findPolicy(policies: readonly ObservedPolicy[], name: string): ObservedPolicy | undefined {
  return policies.find((p) => p.name.toLowerCase() === name.toLowerCase());
}

// Each item list indexed by VM once, keeping each VM's first item and its first one not soft-deleted: plan and drift
// look an item up for every VM.
const itemsByVm = memoByIdentity((items: readonly ObservedProtectedItem[]): ReadonlyMap<string, ObservedProtectedItem> => {
  const byVm = new Map<string, ObservedProtectedItem>();
  for (const item of items) {
    const key = item.vmId.toLowerCase();
    const held = byVm.get(key);
    if (!held || (held.softDeleted && !item.softDeleted)) byVm.set(key, item);
  }
  return byVm;
});

/** The VM's protected item, preferring one that is not soft-deleted. */
export function findItem(items: readonly ObservedProtectedItem[], vmId: string): ObservedProtectedItem | undefined {
  return itemsByVm(items).get(vmId.toLowerCase());
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
