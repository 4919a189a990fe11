// The pre-flight remedies in a Pulumi user's terms: resources, properties, `pulumi up`, rather than
// the CLI's rules and `vmbackup apply`. The findings themselves come from the one support table.
import type { PreflightCode, PreflightFinding } from '../core/index.js';

/** Which VmProtection input a finding is about, so the engine shows it on that property. */
export const FINDING_PROPERTY: Readonly<Record<PreflightCode, 'vmId' | 'policyId' | 'vaultName' | 'disks'>> = {
  VmNotFound: 'vmId',
  VmNotRunning: 'vmId',
  AgentMissing: 'vmId',
  AgentOutdated: 'vmId',
  TooManyDataDisks: 'vmId',
  PremiumStorageUnsupported: 'vmId',
  MultipleNicsUnsupported: 'vmId',
  LoadBalancerUnsupported: 'vmId',
  UnsupportedOs: 'vmId',
  OtherRegion: 'vaultName',
  ProtectedByOtherVault: 'vmId',
  OperationInProgress: 'vmId',
  EnhancedPolicyRequired: 'policyId',
  EnhancedPolicyToStandard: 'policyId',
  NoVaultInRegion: 'vaultName',
  AmbiguousVault: 'vaultName',
  VaultItemLimit: 'vaultName',
  VaultPolicyLimit: 'vaultName',
  PolicyWriteLimit: 'vaultName',
  DiskLunNotFound: 'disks',
  SelectiveDisksUnsupported: 'disks',
  StorageRedundancyLocked: 'vaultName',
  SoftDeleteAlwaysOn: 'vaultName',
  ImmutabilityLocked: 'vaultName',
  CrossRegionRestoreNeedsGeoRedundant: 'vaultName',
};

const UNSUPPORTED = 'remove this VmProtection from the program and protect the data another way';

export const PULUMI_REMEDIES: Readonly<Record<PreflightCode, string>> = {
  VmNotFound: 'check vmId (resource group and name) against getVirtualMachines; if the VM was deleted, remove this VmProtection (its recovery points are retained).',
  VmNotRunning: 'start the VM, wait until its VM agent reports Ready, then run `pulumi up` again: the backup extension is installed through the agent of a running VM.',
  AgentMissing: 'install the Azure VM agent (Windows: the VM agent MSI; Linux: the walinuxagent package), wait until it reports Ready, then run `pulumi up` again.',
  AgentOutdated: 'update the Azure VM agent to a version the target supports, wait until it reports Ready, then run `pulumi up` again.',
  TooManyDataDisks: `detach the data disks beyond what Azure Backup protects (moving their data), then run \`pulumi up\` again; or ${UNSUPPORTED}.`,
  PremiumStorageUnsupported: `move the VM to Standard storage, then run \`pulumi up\` again; or ${UNSUPPORTED}.`,
  MultipleNicsUnsupported: `keep a single network interface on the VM, then run \`pulumi up\` again; or ${UNSUPPORTED}.`,
  LoadBalancerUnsupported: `take the VM out of its load balancer, then run \`pulumi up\` again; or ${UNSUPPORTED}.`,
  UnsupportedOs: `Azure Backup supports Windows Server 2008 R2 SP1 and later, Windows 10 and later and the Azure-endorsed Linux distributions: ${UNSUPPORTED}.`,
  OtherRegion: "a vault protects only VMs of its own region: set vaultResourceGroup and vaultName to a vault in the VM's region.",
  ProtectedByOtherVault:
    'a VM belongs to one vault. To keep it there, remove this VmProtection. To move it here: in the program that manages that vault, set its VmProtection to retainDataOnDelete: false, ' +
    '`pulumi config set vmbackup:allowDataDeletion true`, `pulumi up`, then remove it and `pulumi up` again; wait until the soft-delete period ends (14 days), then run `pulumi up` here.',
  OperationInProgress: 'wait for the running backup operation on the VM to finish, then run `pulumi up` again: Azure Backup allows one operation per VM at a time.',
  EnhancedPolicyRequired: 'pass the id of an Enhanced policy as policyId (a Policy with enhanced: true, or an hourly schedule).',
  EnhancedPolicyToStandard:
    'keep policyId on an Enhanced policy (enhanced: true): a VM cannot move from an Enhanced policy to a Standard one. To start over, remove this VmProtection, `pulumi up`, then add it back.',
  NoVaultInRegion: "backups stay in the VM's region and subscription: set vaultResourceGroup and vaultName to a vault of the VM's subscription and region.",
  AmbiguousVault: 'set vaultResourceGroup and vaultName to the vault that should protect the VM.',
  VaultItemLimit: 'a vault protects at most 1,000 Azure VMs: point some VmProtections at another vault of the same subscription and region.',
  VaultPolicyLimit: 'a vault holds at most 200 backup policies: let VmProtections share Policy resources, or use another vault of the region.',
  PolicyWriteLimit: 'Azure allows 50 policy creations or edits through Resource Manager per vault in 24 hours: run `pulumi up` again after 24 hours.',
  DiskLunNotFound: "name only LUNs of the VM's data disks in disks (getVirtualMachines lists them), or attach the disks first; disks: { osOnly: true } backs up the OS disk alone.",
  SelectiveDisksUnsupported:
    'remove disks to back up every disk, or point the provider at a target of the modern profile (an emulator serving modern, or vmbackup:target azure).',
  StorageRedundancyLocked: "keep the vault's storage redundancy: it is locked once the vault protects an item; use a new vault for another redundancy.",
  SoftDeleteAlwaysOn: 'keep soft delete always on: that state cannot be undone.',
  ImmutabilityLocked: 'keep the vault immutable and locked: that state cannot be undone.',
  CrossRegionRestoreNeedsGeoRedundant: 'use a geo-redundant vault for Cross Region Restore.',
};

/** A finding as the engine shows it: what is wrong, Azure's code, and what to do. */
export function describeFinding(f: PreflightFinding): string {
  return `${f.message}${f.azureErrorCode ? ` (Azure Backup would answer ${f.azureErrorCode})` : ''}; to fix it, ${PULUMI_REMEDIES[f.code]}`;
}

/** Each finding once: register and protect carry the same ones. */
export function uniqueFindings(findings: readonly PreflightFinding[]): PreflightFinding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.code}\u0000${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
