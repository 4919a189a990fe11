// Azure Backup's preconditions for registering and protecting a VM, each with the service's answer. What
// a profile supports comes from the support table (supportMatrix.ts): the guide's preview world for
// `classic`, today's support matrix for `modern`.
import { ArmErrors, type ArmError } from './errors.js';
import { failure, type Failure } from './failures.js';
import type { Profile, Vm } from './model.js';
import { skuIn, supportOf } from './supportMatrix.js';

/** Numeric comparison of dotted versions; non-numeric parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

function diskSkus(vm: Vm): string[] {
  return vm.dataDisks > 0 ? [vm.storageSku, vm.dataDiskSku ?? vm.storageSku] : [vm.storageSku];
}

/** Why the agent cannot serve Azure Backup, when the VM runs and its agent is missing or too old. */
function agentProblem(vm: Vm, profile: Profile): string | undefined {
  if (vm.powerState !== 'running') return undefined;
  if (vm.agentVersion === undefined) return 'no VM agent is installed';
  const support = supportOf(profile);
  const min = vm.os === 'Windows' ? support.minAgentVersionWindows : support.minAgentVersionLinux;
  if (min !== null && compareVersions(vm.agentVersion, min) < 0) return `agent ${vm.agentVersion} is older than ${min}`;
  return undefined;
}

/** Checks the service makes when the request arrives (answered with a 400). */
export function requestBlocker(vm: Vm, stage: 'extension' | 'register' | 'protect', profile: Profile): ArmError | undefined {
  const support = supportOf(profile);
  // Compute installs an extension only through the agent of a running VM, whatever the backup profile.
  if (stage === 'extension') return vm.powerState === 'running' ? undefined : ArmErrors.vmOfflineForExtension(vm.name);
  if (vm.powerState !== 'running' && !support.notRunningVms) return ArmErrors.vmNotRunning(vm.name);
  const agent = agentProblem(vm, profile);
  if (agent) return ArmErrors.agentUnavailable(vm.name, agent);
  if (vm.dataDisks > support.maxDataDisks) return ArmErrors.tooManyDisks(vm.name, vm.dataDisks, support.maxDataDisks);
  return undefined;
}

/** Checks that only show when the extension install runs: the operation is accepted, then ends Failed. */
export function extensionFailure(vm: Vm, profile: Profile): Failure | undefined {
  const agent = vm.powerState === 'running' ? agentProblem(vm, profile) : undefined;
  if (agent) return failure('UserErrorGuestAgentStatusUnavailable', `${vm.name}: ${agent}`);
  if (!vm.osSupported) return failure('VMExtensionProvisioningTimeout', `${vm.name}: image ${vm.image}`);
  return undefined;
}

/** Hardware the profile does not support ends in Azure Backup's internal error (the guide's cases). */
export function internalFailure(vm: Vm, profile: Profile): Failure | undefined {
  const support = supportOf(profile);
  const sku = diskSkus(vm).find((s) => skuIn(s, support.unsupportedDiskSkus));
  if (sku) return failure('BackUpOperationFailedV2', `${vm.name}: ${sku} storage is not supported`);
  if (vm.nics > 1 && !support.multipleNics) return failure('BackUpOperationFailedV2', `${vm.name}: ${vm.nics} network interfaces are not supported`);
  if (vm.loadBalancer && !support.loadBalancedVms) {
    return failure('BackUpOperationFailedV2', `${vm.name}: load-balanced VMs (${vm.loadBalancer}) are not supported`);
  }
  return undefined;
}

/** Why the VM can be protected only by an Enhanced (V2) policy, or undefined. */
export function enhancedPolicyReason(vm: Vm, profile: Profile): string | undefined {
  const support = supportOf(profile);
  if (vm.securityType && support.enhancedPolicySecurityTypes.includes(vm.securityType)) return `it is a ${vm.securityType} VM`;
  const sku = diskSkus(vm).find((s) => skuIn(s, support.enhancedPolicyDiskSkus));
  return sku ? `it has ${sku} disks` : undefined;
}

/** The policy checks of a protect or change-policy request: Enhanced-only VMs, and no way back from Enhanced. */
export function policyBlocker(
  vm: Vm | undefined,
  vmName: string,
  policy: { readonly name: string; readonly policyType: string },
  current: { readonly name: string; readonly policyType: string } | undefined,
  profile: Profile,
): ArmError | undefined {
  if (policy.policyType === 'V2') return undefined;
  if (current?.policyType === 'V2' && !supportOf(profile).enhancedToStandardPolicy) {
    return ArmErrors.enhancedToStandard(vmName, current.name, policy.name);
  }
  const why = vm ? enhancedPolicyReason(vm, profile) : undefined;
  return why ? ArmErrors.enhancedPolicyRequired(vmName, why, policy.name) : undefined;
}

/**
 * What ends an accepted protect: where protecting registers implicitly it installs the extension itself
 * (through the agent of a running VM), then the hardware the profile does not support fails it.
 */
export function protectFailure(vm: Vm, profile: Profile): Failure | undefined {
  const installs = !supportOf(profile).explicitRegistration && vm.powerState === 'running' && !hasBackupExtension(vm);
  return (installs ? extensionFailure(vm, profile) : undefined) ?? internalFailure(vm, profile);
}

export function isBackupExtension(type: string): boolean {
  return type === 'VMSnapshot' || type === 'VMSnapshotLinux';
}

export function hasBackupExtension(vm: Vm): boolean {
  return Object.values(vm.extensions).some((e) => isBackupExtension(e.type) && e.provisioningState === 'Succeeded');
}
