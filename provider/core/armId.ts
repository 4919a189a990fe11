// ARM ids are case-insensitive; the spec even mixes "/Subscriptions/" and "/subscriptions/".

export function sameArmId(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

export function vmArmId(subscriptionId: string, resourceGroup: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Compute/virtualMachines/${name}`;
}

export function vaultArmId(subscriptionId: string, resourceGroup: string, vaultName: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.RecoveryServices/vaults/${vaultName}`;
}

export function policyArmId(vaultId: string, policyName: string): string {
  return `${vaultId}/backupPolicies/${policyName}`;
}

/** Splits an ARM id into its named segments, e.g. { subscriptions, resourceGroups, virtualMachines }. Keys are lower-cased. */
export function parseArmId(id: string): Record<string, string> {
  const parts = id.split('/').filter(Boolean);
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length; i += 2) {
    if (parts[i].toLowerCase() === 'providers') {
      out.provider = parts[i + 1];
      continue;
    }
    out[parts[i].toLowerCase()] = parts[i + 1];
  }
  return out;
}

/**
 * How a VM is named wherever vmbackup prints one: "rg/name", since two VMs may share a name in different resource
 * groups; the name alone when its resource group is unknown.
 */
export function vmLabel(resourceGroup: string | undefined, name: string): string {
  return resourceGroup ? `${resourceGroup}/${name}` : name;
}

/** vmLabel for what knows its VM by ARM id (a job, a protected item): the resource group is read from the id. */
export function vmLabelOfId(vmId: string | undefined, name: string): string {
  return vmLabel(vmId ? parseArmId(vmId).resourcegroups : undefined, name);
}

/** Container and protected item names Azure Backup gives an Azure Resource Manager VM. */
export function vmContainerName(resourceGroup: string, vmName: string): string {
  return `IaasVMContainer;iaasvmcontainerv2;${resourceGroup};${vmName}`;
}

export function vmProtectedItemName(resourceGroup: string, vmName: string): string {
  return `VM;iaasvmcontainerv2;${resourceGroup};${vmName}`;
}
