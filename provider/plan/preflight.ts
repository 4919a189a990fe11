// Azure Backup's preconditions for registering and protecting a VM, checked before anything is attempted,
// each with its remedy and the Azure Backup code the service would answer with. What the target supports
// comes from the support table of its profile: the guide's world (`classic`) or today's Azure (`modern`).
import {
  describeOtherVault,
  missingLuns,
  vmDataDiskLuns,
  isProtectedThere,
  CROSS_REGION_RESTORE_REMEDY,
  IMMUTABILITY_LOCKED_REMEDY,
  OTHER_VAULT_REMEDY,
  SOFT_DELETE_ALWAYS_ON_REMEDY,
  STORAGE_REDUNDANCY_LOCKED_REMEDY,
  sameArmId,
  skuIn,
  supportOf,
  vmLabel,
  type ObservedJob,
  type ObservedVm,
  type PolicySettings,
  type PreflightCode,
  type DiskSelection,
  type PreflightFinding,
  type Profile,
} from '../core/index.js';

/** Remedies, written once and used by plan and drift alike. */
export const PREFLIGHT_REMEDIES: Readonly<Record<PreflightCode, string>> = {
  VmNotFound:
    'Check the resource group and name (or the ARM id) of the pick against `vmbackup discover`; if the VM was deleted, remove the pick and stop its protection retaining the data.',
  VmNotRunning:
    'Start the VM and wait until its VM agent reports Ready, then run `vmbackup apply` again: the backup extension is installed through the agent of a running VM.',
  AgentMissing:
    'Install the Azure VM agent (Windows: the VM agent MSI; Linux: the walinuxagent package of the distribution), check that it reports Ready, then run `vmbackup apply` again.',
  AgentOutdated: 'Update the Azure VM agent to a version the target supports, check that it reports Ready, then run `vmbackup apply` again.',
  TooManyDataDisks: 'Detach the data disks beyond what Azure Backup protects (moving their data), or exclude the VM from the rule.',
  PremiumStorageUnsupported:
    'VMs on Premium storage cannot be backed up: move the VM to Standard storage, or exclude it from the rule and protect its data another way.',
  MultipleNicsUnsupported:
    'VMs with several network interfaces cannot be backed up: keep a single NIC on the VM, or exclude it from the rule and protect its data another way.',
  LoadBalancerUnsupported:
    'Load-balanced VMs cannot be backed up: remove the VM from the load balancer, or exclude it from the rule and protect its data another way.',
  UnsupportedOs:
    'Azure Backup supports Windows Server 2008 R2 SP1 and later, Windows client 10 and later, and the Azure-endorsed Linux distributions: exclude the VM from the rule and protect its data another way.',
  OtherRegion:
    "A vault protects only VMs of its own region: protect the VM from a vault in the VM's region (one spec per vault), or remove it from this rule.",
  ProtectedByOtherVault: OTHER_VAULT_REMEDY,
  OperationInProgress:
    'Wait for the running operation to finish (`vmbackup jobs --status InProgress`), then run `vmbackup apply` again: Azure Backup allows one operation per VM at a time.',
  EnhancedPolicyRequired:
    'Give the VM an Enhanced policy: set `enhanced: true` on the policy its rule names (or use an hourly schedule, which is always Enhanced), or name another Enhanced policy in the rule.',
  EnhancedPolicyToStandard:
    'Keep the VM on an Enhanced policy (set `enhanced: true` on the policy its rule names); a VM cannot move from an Enhanced policy to a Standard one. To start over, stop its protection, then protect it again.',
  NoVaultInRegion:
    "Backups stay in the VM's region and subscription: declare a vault of that subscription and region under vaults:, or exclude the VM from the rule.",
  AmbiguousVault: "Several declared vaults can take the VM: pin one with `vault: RESOURCE_GROUP/NAME` on the VM's rule.",
  VaultItemLimit:
    'A vault protects at most 1,000 Azure VMs: declare another vault in the same subscription and region and pin some rules to it with `vault:`.',
  VaultPolicyLimit: 'A vault holds at most 200 backup policies: let rules share policies, or pin some rules to another vault of the region.',
  PolicyWriteLimit:
    'Azure allows 50 policy creations or edits through Resource Manager per vault in 24 hours: apply the rest after 24 hours (run `vmbackup apply` again), or change fewer policies at once.',
  DiskLunNotFound:
    "Name only LUNs of the VM's data disks in the rule's `disks:` (`vmbackup discover` lists them), or attach the disks first; `osOnly: true` backs up the OS disk alone.",
  SelectiveDisksUnsupported:
    "Remove the rule's `disks:` to back up every disk, or use the modern profile: an emulator serving modern (`vmbackup emulator serve --profile modern`), or `--target azure`.",
  StorageRedundancyLocked: STORAGE_REDUNDANCY_LOCKED_REMEDY,
  SoftDeleteAlwaysOn: SOFT_DELETE_ALWAYS_ON_REMEDY,
  ImmutabilityLocked: IMMUTABILITY_LOCKED_REMEDY,
  CrossRegionRestoreNeedsGeoRedundant: CROSS_REGION_RESTORE_REMEDY,
};

/**
 * The codes the service answers when the precondition is ignored: Premium storage, several NICs and load
 * balancers end in an internal error, an unsupported OS in the extension install timing out. Azure documents
 * no code for too many data disks, another region or a disk selection the profile does not offer; those are the
 * names the emulator answers with.
 */
export const PREFLIGHT_AZURE_CODES: Readonly<Partial<Record<PreflightCode, string>>> = {
  VmNotFound: 'BCMV2VMNotFound',
  VmNotRunning: 'AzureVmOffline',
  AgentMissing: 'UserErrorGuestAgentStatusUnavailable',
  AgentOutdated: 'UserErrorGuestAgentStatusUnavailable',
  TooManyDataDisks: 'UserErrorUnsupportedDiskCount',
  PremiumStorageUnsupported: 'BackUpOperationFailedV2',
  MultipleNicsUnsupported: 'BackUpOperationFailedV2',
  LoadBalancerUnsupported: 'BackUpOperationFailedV2',
  UnsupportedOs: 'VMExtensionProvisioningTimeout',
  OtherRegion: 'UserErrorVmInDifferentRegion',
  ProtectedByOtherVault: 'VirtualMachineAlreadyProtected',
  OperationInProgress: 'UserErrorBackupOperationInProgress',
  EnhancedPolicyRequired: 'UserErrorEnhancedPolicyRequired',
  EnhancedPolicyToStandard: 'UserErrorPolicyTypeChangeNotAllowed',
  DiskLunNotFound: 'UserErrorInvalidDiskLun',
  SelectiveDisksUnsupported: 'UserErrorSelectiveDiskBackupNotSupported',
  StorageRedundancyLocked: 'StorageModelModifyError',
  SoftDeleteAlwaysOn: 'BMSUserErrorSoftDeleteStateAlwaysOn',
  ImmutabilityLocked: 'UserErrorUnsupportedVaultImmutabilityStateChange',
  CrossRegionRestoreNeedsGeoRedundant: 'UserErrorCrossRegionRestoreNotSupported',
};

export function preflightFinding(code: PreflightCode, message: string): PreflightFinding {
  const azureErrorCode = PREFLIGHT_AZURE_CODES[code];
  return { code, message, remedy: PREFLIGHT_REMEDIES[code], ...(azureErrorCode ? { azureErrorCode } : {}) };
}

/**
 * Compares dotted versions numerically ("2.6.1198.718" > "2.6.999.9999"); missing parts count as 0.
 * Returns a negative number, 0 or a positive number like a sort comparator.
 */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Image families Azure Backup supports, matched against "publisher:offer:sku" (lower-cased). Linux: the
 * Azure-endorsed distributions except CoreOS-style ones; Windows: Server 2008 R2 SP1 and later, client 10+.
 */
const SUPPORTED_LINUX = /canonical|ubuntu|redhat|rhel|suse|sles|oracle|debian|credativ|openlogic|centos|almalinux|rocky|resf|cbl-?mariner|azure-?linux/;
const SUPPORTED_WINDOWS = /windows|sqlserver|sql20\d\d|visualstudio/;
/** Families that match a supported pattern by name but are not supported (CoreOS derivatives, BSDs). */
const UNSUPPORTED_ANY = /freebsd|openbsd|netbsd|coreos|flatcar|kinvolk/;
/** Windows releases before 2008 R2 SP1, and client releases before 10. */
const UNSUPPORTED_WINDOWS_SKU = /(^|[^0-9])(2003|2008(?![-_ ]?r2))|windows-?(7|8)([^0-9]|$)|win(7|81?)-/;

/** Why an image is unsupported, or undefined when it is supported or unknown (custom images carry none). */
export function unsupportedOsReason(vm: Pick<ObservedVm, 'osType' | 'osImage'>): string | undefined {
  if (!vm.osImage) return undefined;
  const parts = vm.osImage.includes(':') ? vm.osImage.split(':') : vm.osImage.split(/\s+/);
  const family = parts.slice(0, 3).join(':').toLowerCase();
  if (UNSUPPORTED_ANY.test(family)) return `image ${vm.osImage} is not an operating system Azure Backup supports`;
  if (vm.osType === 'Windows') {
    if (!SUPPORTED_WINDOWS.test(family)) return `image ${vm.osImage} is not a Windows release Azure Backup supports`;
    if (UNSUPPORTED_WINDOWS_SKU.test(family)) return `image ${vm.osImage} is a Windows release older than Azure Backup supports`;
    return undefined;
  }
  return SUPPORTED_LINUX.test(family) ? undefined : `image ${vm.osImage} is not an Azure-endorsed Linux distribution Azure Backup supports`;
}

/** Operations Azure Backup is running on this VM. Jobs without a VM id are matched by name only. */
export function jobsInProgress(vm: Pick<ObservedVm, 'id' | 'name'>, jobs: readonly ObservedJob[]): ObservedJob[] {
  return jobs.filter(
    (j) =>
      (j.status === 'InProgress' || j.status === 'Cancelling') &&
      (j.vmId !== undefined ? sameArmId(j.vmId, vm.id) : j.vmName.toLowerCase() === vm.name.toLowerCase()),
  );
}

/** What pre-flight needs of an observation: the vault's region, the jobs in progress, the target's profile. */
export interface PreflightContext {
  readonly vault: { readonly location: string };
  readonly jobs: readonly ObservedJob[];
  readonly profile: Profile;
}

/** The policy a VM is to get, by name and type (V1 Standard, V2 Enhanced). */
export interface PolicyChoice {
  readonly name: string;
  readonly policyType: PolicySettings['policyType'];
}

/** Why the VM can be protected only with an Enhanced policy on this profile, or undefined. */
export function enhancedPolicyReason(vm: ObservedVm, profile: Profile): string | undefined {
  const support = supportOf(profile);
  if (vm.securityType && support.enhancedPolicySecurityTypes.includes(vm.securityType)) return `it is a ${vm.securityType} VM`;
  const sku = [vm.storageSku, ...vm.dataDiskSkus].find((s) => skuIn(s, support.enhancedPolicyDiskSkus));
  return sku ? `it has ${sku} disks` : undefined;
}

/**
 * The VM agent's preconditions: present, and at least the profile's version. Only a running VM's agent reports; where
 * the profile backs up a stopped VM (crash-consistent, without the agent), its agent is not judged.
 */
export function agentFindings(vm: Pick<ObservedVm, 'resourceGroup' | 'name' | 'powerState' | 'osType' | 'agentVersion'>, profile: Profile): PreflightFinding[] {
  const support = supportOf(profile);
  if (vm.powerState !== 'running' && support.notRunningVms) return [];
  const label = vmLabel(vm.resourceGroup, vm.name);
  if (vm.agentVersion === undefined || !/\d/.test(vm.agentVersion)) return [preflightFinding('AgentMissing', `VM ${label} has no VM agent`)];
  const min = vm.osType === 'Windows' ? support.minAgentVersionWindows : support.minAgentVersionLinux;
  if (min !== null && compareVersions(vm.agentVersion, min) < 0) {
    return [preflightFinding('AgentOutdated', `VM ${label} runs VM agent ${vm.agentVersion}, older than ${min}`)];
  }
  return [];
}

/**
 * Every precondition the VM fails for being registered and protected by a vault in `ctx.vault.location`, in
 * the guide's order, as the target's profile supports it. With `policy`, the policy checks too (a VM that
 * needs an Enhanced policy given a Standard one).
 */
export function preflight(vm: ObservedVm, ctx: PreflightContext, policy?: PolicyChoice): PreflightFinding[] {
  const support = supportOf(ctx.profile);
  const out: PreflightFinding[] = [];
  const label = vmLabel(vm.resourceGroup, vm.name);
  if (vm.powerState !== 'running' && !support.notRunningVms) out.push(preflightFinding('VmNotRunning', `VM ${label} is ${vm.powerState}, not running`));
  // Facts Resource Graph does not carry are apply's to check, on the VM it reads before writing.
  if (!vm.agentUnread) out.push(...agentFindings(vm, ctx.profile));
  if (vm.dataDisks > support.maxDataDisks) {
    out.push(preflightFinding('TooManyDataDisks', `VM ${label} has ${vm.dataDisks} data disks, more than the ${support.maxDataDisks} Azure Backup protects`));
  }
  const unsupportedSku = [vm.storageSku, ...vm.dataDiskSkus].find((s) => skuIn(s, support.unsupportedDiskSkus));
  if (unsupportedSku) out.push(preflightFinding('PremiumStorageUnsupported', `VM ${label} uses ${unsupportedSku} storage`));
  if (vm.nicCount > 1 && !support.multipleNics) out.push(preflightFinding('MultipleNicsUnsupported', `VM ${label} has ${vm.nicCount} network interfaces`));
  if (vm.loadBalanced && !support.loadBalancedVms) out.push(preflightFinding('LoadBalancerUnsupported', `VM ${label} is behind a load balancer`));
  const os = unsupportedOsReason(vm);
  if (os) out.push(preflightFinding('UnsupportedOs', `VM ${label}: ${os}`));
  if (vm.location.toLowerCase() !== ctx.vault.location.toLowerCase()) {
    out.push(preflightFinding('OtherRegion', `VM ${label} is in ${vm.location}, the vault in ${ctx.vault.location}`));
  }
  const enhanced = policy?.policyType === 'V1' ? enhancedPolicyReason(vm, ctx.profile) : undefined;
  if (enhanced) {
    out.push(preflightFinding('EnhancedPolicyRequired', `VM ${label} needs an Enhanced policy (${enhanced}); policy ${policy!.name} is Standard`));
  }
  if (vm.otherVault) {
    const found = preflightFinding('ProtectedByOtherVault', `VM ${label} is ${describeOtherVault(vm.otherVault)}`);
    // A registration alone is refused with the emulator's code; Azure documents none for it.
    out.push(isProtectedThere(vm.otherVault) ? found : { ...found, azureErrorCode: 'UserErrorVmAlreadyRegistered' });
  }
  const inProgress = jobsInProgress(vm, ctx.jobs);
  if (inProgress.length > 0) {
    out.push(preflightFinding('OperationInProgress', `VM ${label} has an operation in progress: ${inProgress.map((j) => j.operation).join(', ')}`));
  }
  return out;
}

/** A protected VM's change of policy: a VM on an Enhanced policy cannot move to a Standard one where the profile says so. */
export function policyChangeFindings(vm: ObservedVm, from: PolicyChoice | undefined, to: PolicyChoice, profile: Profile): PreflightFinding[] {
  if (from?.policyType !== 'V2' || to.policyType !== 'V1' || supportOf(profile).enhancedToStandardPolicy) return [];
  return [
    preflightFinding(
      'EnhancedPolicyToStandard',
      `VM ${vmLabel(vm.resourceGroup, vm.name)} is protected with Enhanced policy ${from.name} and cannot move to Standard policy ${to.name}`,
    ),
  ];
}

/**
 * What the service refuses about a disk selection: any selection where the profile backs up every disk (the
 * guide's preview), else the LUNs the VM has no data disk at; `selectedBy` says whose, e.g. `rule "data"`.
 */
export function diskFindings(vm: ObservedVm, disks: DiskSelection | undefined, selectedBy: string, profile: Profile): PreflightFinding[] {
  if (disks && disks.kind !== 'all' && !supportOf(profile).selectiveDiskBackup) {
    return [
      preflightFinding(
        'SelectiveDisksUnsupported',
        `${selectedBy} selects disks of VM ${vmLabel(vm.resourceGroup, vm.name)}, but the ${profile} profile has no selective disk backup: it backs up every disk of a VM`,
      ),
    ];
  }
  if (!disks || disks.kind === 'all') return [];
  const have = vmDataDiskLuns(vm);
  const missing = missingLuns(disks, have);
  if (missing.length === 0) return [];
  return [
    preflightFinding(
      'DiskLunNotFound',
      `${selectedBy} selects LUN ${missing.join(', ')} of VM ${vmLabel(vm.resourceGroup, vm.name)}, which has no data disk there (its data disks: ${have.length ? `LUN ${have.join(', ')}` : 'none'})`,
    ),
  ];
}
