// What to do about each kind of drift, written once. Remedies for Azure Backup error codes follow the
// troubleshooting guides; an unknown code falls back to reading the failed job's own recommendation.
import type { DriftCategory } from '../core/index.js';
import { PREFLIGHT_REMEDIES } from '../plan/index.js';

const READ_FAILED_JOB = 'Read the failed job (`vmbackup jobs --status Failed`), fix the cause it names, then let the next scheduled backup run.';

export const DRIFT_REMEDIES: Readonly<Record<DriftCategory, string>> = {
  declaredUnprotected: 'Run `vmbackup apply` to register and protect the VM.',
  wrongPolicy: 'Run `vmbackup apply` to assign the declared policy, or change the rule if the new policy is intended.',
  policyMissing: 'Run `vmbackup apply` to create the policy in the vault.',
  policyChanged: 'Run `vmbackup apply` to restore the declared settings, or write the new settings into the spec if they are intended.',
  protectionStopped:
    'Run `vmbackup apply` to resume protection (the retained recovery points are kept), or list the VM under stopProtection if it should stay stopped.',
  undeclaredProtected:
    'Declare the VM in a rule, list it under stopProtection, or set `undeclared: stop` so that protections no rule declares are stopped (data retained).',
  protectionError: READ_FAILED_JOB,
  lastBackupFailed: READ_FAILED_JOB,
  recoveryPointOverdue:
    "Check the VM's recent backup jobs (`vmbackup jobs --since 48h`): the VM agent must be Ready and the VM able to reach Azure for the scheduled backup to run.",
  consistencyDegraded: 'Keep the VM running at the backup time, with its VM agent Ready, so the extension can quiesce the guest before the snapshot.',
};

const AGENT = 'Make sure the VM agent is installed, at least version 2.6.1198.718, running and Ready, and that the VM can reach Azure; the next backup then succeeds.';
const VM_GONE = 'The VM no longer exists: stop its protection retaining the data (a stopProtection entry), so its recovery points stay restorable.';
const INTERNAL = 'Retry in 15 minutes, as the guide advises for internal errors; if it persists, check that the VM has no Premium storage, several NICs or a load balancer.';
const NETWORK = 'The snapshot timed out: give the VM outbound access to Azure (storage and the backup service) and enough resources at backup time, then retry.';

const BY_CODE: Readonly<Record<string, string>> = {
  UserErrorGuestAgentStatusUnavailable: AGENT,
  GuestAgentSnapshotTaskStatusError: AGENT,
  VmNotInDesirableState: AGENT,
  UserErrorVmNotInDesirableState: 'Bring the VM to Running, Stopped or Stopped (deallocated): backups cannot run while it is failed or changing state.',
  AzureVmOffline: AGENT,
  UserErrorVmNotFoundV2: VM_GONE,
  BCMV2VMNotFound: VM_GONE,
  ResourceNotFound: VM_GONE,
  BackUpOperationFailed: INTERNAL,
  BackUpOperationFailedV2: INTERNAL,
  UserErrorBackupOperationInProgress: 'Another operation runs on the VM: wait for it to finish; the next scheduled backup runs as usual.',
  ExtensionFailedTimeoutVMNetworkUnresponsive: NETWORK,
  ExtensionSnapshotFailedNoNetwork: NETWORK,
  ExtensionFailedVssWriterInBadState: 'Restart the VSS writers in a bad state (`vssadmin list writers`) or the VM, then retry the backup.',
  ExtensionFailedVssServiceInBadState: 'Restart the Volume Shadow Copy service on the VM, then retry the backup.',
  UserErrorFsFreezeFailed: 'Unmount or fix the mount points that cannot be frozen (see the extension log on the VM), then retry the backup.',
  UserErrorUnsupportedDiskCount: PREFLIGHT_REMEDIES.TooManyDataDisks,
  VMExtensionProvisioningTimeout: PREFLIGHT_REMEDIES.UnsupportedOs,
  UserErrorVmInDifferentRegion: PREFLIGHT_REMEDIES.OtherRegion,
  UserErrorRpCollectionLimitReached: 'Remove the lock on the restore point collection\'s resource group so old instant restore points can be cleaned up.',
};

/** The remedy for an Azure Backup error code, or `fallback` for a code the guides do not cover. */
export function remedyForAzureCode(code: string | undefined, fallback: string): string {
  return (code !== undefined && BY_CODE[code]) || fallback;
}
