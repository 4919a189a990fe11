// The guide's preconditions for registering and protecting a VM, each with Azure Backup's answer.
import { ArmErrors, type ArmError } from './errors.js';
import { failure, type Failure } from './failures.js';
import type { Vm } from './model.js';

export const MIN_AGENT_VERSION = '2.6.1198.718';
export const MAX_DATA_DISKS = 5;

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

/** Checks the service makes when the request arrives (answered with a 400). */
export function requestBlocker(vm: Vm, stage: 'extension' | 'register' | 'protect'): ArmError | undefined {
  if (vm.powerState !== 'running') return stage === 'extension' ? ArmErrors.vmOfflineForExtension(vm.name) : ArmErrors.vmNotRunning(vm.name);
  if (stage === 'extension') return undefined;
  if (vm.agentVersion === undefined) return ArmErrors.agentUnavailable(vm.name, 'no VM agent is installed');
  if (compareVersions(vm.agentVersion, MIN_AGENT_VERSION) < 0) {
    return ArmErrors.agentUnavailable(vm.name, `agent ${vm.agentVersion} is older than ${MIN_AGENT_VERSION}`);
  }
  if (vm.dataDisks > MAX_DATA_DISKS) return ArmErrors.tooManyDisks(vm.name, vm.dataDisks);
  return undefined;
}

/** Checks that only show when the work runs: the operation is accepted, then ends Failed. */
export function extensionFailure(vm: Vm): Failure | undefined {
  if (vm.agentVersion === undefined) return failure('UserErrorGuestAgentStatusUnavailable', `${vm.name}: no VM agent is installed`);
  if (compareVersions(vm.agentVersion, MIN_AGENT_VERSION) < 0) {
    return failure('UserErrorGuestAgentStatusUnavailable', `${vm.name}: agent ${vm.agentVersion} is older than ${MIN_AGENT_VERSION}`);
  }
  if (!vm.osSupported) return failure('VMExtensionProvisioningTimeout', `${vm.name}: image ${vm.image}`);
  return undefined;
}

/** Premium LRS storage, several NICs and load-balanced VMs end in Azure Backup's internal error. */
export function internalFailure(vm: Vm): Failure | undefined {
  if (/^premium/i.test(vm.storageSku)) return failure('BackUpOperationFailedV2', `${vm.name}: ${vm.storageSku} storage is not supported`);
  if (vm.nics > 1) return failure('BackUpOperationFailedV2', `${vm.name}: ${vm.nics} network interfaces are not supported`);
  if (vm.loadBalancer) return failure('BackUpOperationFailedV2', `${vm.name}: load-balanced VMs (${vm.loadBalancer}) are not supported`);
  return undefined;
}

export function isBackupExtension(type: string): boolean {
  return type === 'VMSnapshot' || type === 'VMSnapshotLinux';
}

export function hasBackupExtension(vm: Vm): boolean {
  return Object.values(vm.extensions).some((e) => isBackupExtension(e.type) && e.provisioningState === 'Succeeded');
}
