// The guide's preconditions for registering and protecting a VM, checked before anything is attempted,
// each with the remedy the guide gives and the Azure Backup code the service would answer with.
import {
  describeOtherVault,
  isProtectedThere,
  OTHER_VAULT_REMEDY,
  sameArmId,
  type ObservedJob,
  type ObservedVm,
  type PreflightCode,
  type PreflightFinding,
} from '../core/index.js';

/** Minimum VM agent version the guide asks for. */
export const MIN_AGENT_VERSION = '2.6.1198.718';
export const MAX_DATA_DISKS = 5;

/** Remedies, written once and used by plan and drift alike. */
export const PREFLIGHT_REMEDIES: Readonly<Record<PreflightCode, string>> = {
  VmNotFound:
    'Check the resource group and name (or the ARM id) of the pick against `vmbackup discover`; if the VM was deleted, remove the pick and stop its protection retaining the data.',
  VmNotRunning:
    'Start the VM and wait until its VM agent reports Ready, then run `vmbackup apply` again: the backup extension is installed through the agent of a running VM.',
  AgentMissing:
    'Install the Azure VM agent (Windows: the VM agent MSI; Linux: the walinuxagent package of the distribution), check that it reports Ready, then run `vmbackup apply` again.',
  AgentOutdated: `Update the Azure VM agent to version ${MIN_AGENT_VERSION} or later, check that it reports Ready, then run \`vmbackup apply\` again.`,
  TooManyDataDisks: `Azure Backup protects VMs with at most ${MAX_DATA_DISKS} data disks: detach the extra disks (moving their data) or exclude the VM from the rule.`,
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
};

/**
 * The codes the service answers when the precondition is ignored: Premium storage, several NICs and load
 * balancers end in an internal error, an unsupported OS in the extension install timing out. Azure documents
 * no code for too many data disks or another region; those two are the names the emulator answers with.
 */
export const PREFLIGHT_AZURE_CODES: Readonly<Record<PreflightCode, string>> = {
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
};

export function preflightFinding(code: PreflightCode, message: string): PreflightFinding {
  return { code, message, remedy: PREFLIGHT_REMEDIES[code], azureErrorCode: PREFLIGHT_AZURE_CODES[code] };
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

/**
 * Every precondition the VM fails for being registered and protected by a vault in `vault.location`,
 * in the guide's order. `jobs` are the observation's jobs; one in progress on the VM blocks it.
 */
export function preflight(vm: ObservedVm, vault: { readonly location: string }, jobs: readonly ObservedJob[] = []): PreflightFinding[] {
  const out: PreflightFinding[] = [];
  const label = `${vm.resourceGroup}/${vm.name}`;
  if (vm.powerState !== 'running') out.push(preflightFinding('VmNotRunning', `VM ${label} is ${vm.powerState}, not running`));
  const hasVersion = vm.agentVersion !== undefined && /\d/.test(vm.agentVersion);
  if (!hasVersion) {
    out.push(preflightFinding('AgentMissing', `VM ${label} has no VM agent`));
  } else if (compareVersions(vm.agentVersion!, MIN_AGENT_VERSION) < 0) {
    out.push(preflightFinding('AgentOutdated', `VM ${label} runs VM agent ${vm.agentVersion}, older than ${MIN_AGENT_VERSION}`));
  }
  if (vm.dataDisks > MAX_DATA_DISKS) {
    out.push(preflightFinding('TooManyDataDisks', `VM ${label} has ${vm.dataDisks} data disks, more than ${MAX_DATA_DISKS}`));
  }
  if (/^premium/i.test(vm.storageSku)) out.push(preflightFinding('PremiumStorageUnsupported', `VM ${label} uses ${vm.storageSku} storage`));
  if (vm.nicCount > 1) out.push(preflightFinding('MultipleNicsUnsupported', `VM ${label} has ${vm.nicCount} network interfaces`));
  if (vm.loadBalanced) out.push(preflightFinding('LoadBalancerUnsupported', `VM ${label} is behind a load balancer`));
  const os = unsupportedOsReason(vm);
  if (os) out.push(preflightFinding('UnsupportedOs', `VM ${label}: ${os}`));
  if (vm.location.toLowerCase() !== vault.location.toLowerCase()) {
    out.push(preflightFinding('OtherRegion', `VM ${label} is in ${vm.location}, the vault in ${vault.location}`));
  }
  if (vm.otherVault) {
    const found = preflightFinding('ProtectedByOtherVault', `VM ${label} is ${describeOtherVault(vm.otherVault)}`);
    // A registration alone is refused with the emulator's code; Azure documents none for it.
    out.push(isProtectedThere(vm.otherVault) ? found : { ...found, azureErrorCode: 'UserErrorVmAlreadyRegistered' });
  }
  const running = jobsInProgress(vm, jobs);
  if (running.length > 0) {
    out.push(preflightFinding('OperationInProgress', `VM ${label} has an operation in progress: ${running.map((j) => j.operation).join(', ')}`));
  }
  return out;
}
