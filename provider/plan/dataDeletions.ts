// The spec is the authority on backup data: a plan may delete a VM's data only where the spec it was made
// from says retainData: false for that VM, and may write a vault's settings only as the spec declares them
// (locking immutability is for good). A saved plan is a file anyone can edit, its digest names the spec
// only, so apply asks this of every plan before it runs one.
import { parseArmId, type Plan, type PlannedAction, type ResolvedSpec, type VaultSettingChange } from '../core/index.js';
import { vaultKey } from './estate.js';
import { pickMatches } from './selectVms.js';

const same = (a: string | undefined, b: string | undefined): boolean => a === undefined || b === undefined || a.toLowerCase() === b.toLowerCase();

/** A container or item name ("…;iaasvmcontainerv2;{rg};{vm}") that names the VM, or no name at all. */
function namesVm(name: string | undefined, vm: { resourceGroup: string; name: string }): boolean {
  if (name === undefined) return true;
  const parts = name.toLowerCase().split(';');
  return parts.length >= 3 && parts.at(-2) === vm.resourceGroup.toLowerCase() && parts.at(-1) === vm.name.toLowerCase();
}

/** Whether a stopProtection entry of the spec with retainData: false picks the one VM the action names throughout. */
function askedBySpec(action: PlannedAction, spec: ResolvedSpec, subscriptionId: string): boolean {
  const t = action.target;
  const id = parseArmId(t.vmId ?? '');
  const vm = { id: t.vmId ?? '', name: id.virtualmachines ?? '', resourceGroup: id.resourcegroups ?? '' };
  const consistent =
    vm.name !== '' &&
    vm.resourceGroup !== '' &&
    same(id.subscriptions, subscriptionId) &&
    same(t.vmName, vm.name) &&
    same(t.resourceGroup, vm.resourceGroup) &&
    namesVm(t.protectedItemName, vm) &&
    namesVm(t.containerName, vm);
  return consistent && spec.stopProtection.some((entry) => !entry.retainData && pickMatches(entry.vm, vm));
}

/** The actions of `plan` that delete backup data the spec does not ask to delete; apply runs no plan that has one. */
export function unaskedDataDeletions(plan: Plan, spec: ResolvedSpec): PlannedAction[] {
  return plan.actions.filter((a) => a.kind === 'stopProtectionDeleteData' && !askedBySpec(a, spec, plan.target.subscriptionId));
}

/** The vault settings `plan` writes that the spec does not declare so for that vault; apply runs no plan that has one. */
export function unaskedSettingChanges(plan: Plan, spec: ResolvedSpec): VaultSettingChange[] {
  return plan.actions.flatMap((a) => {
    if (a.kind !== 'vaultSettings') return [];
    const planned = plan.vaults?.find((v) => v.key === a.vault) ?? plan.target;
    const key = vaultKey({ subscriptionId: planned.subscriptionId, resourceGroup: planned.vaultResourceGroup, name: planned.vaultName });
    const declared = spec.vaults.find((v) => vaultKey(v) === key)?.settings;
    return a.changes.filter((c) => declared?.[c.setting] !== c.to);
  });
}
