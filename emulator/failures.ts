// Failures that end an operation or a job. Jobs carry an integer errorCode (the spec types it so):
// documented numbers where Azure's docs give one, otherwise numbers in the 99xxxx range that the
// emulator names itself (listed in emulator/README.md).
import { Remedies } from './errors.js';
import type { BackupFailure, JobErrorDetail } from './model.js';

interface FailureDef {
  readonly number: number;
  readonly title: string;
  readonly remedy: string;
}

export const FAILURES = {
  UserErrorVmNotFoundV2: { number: 320001, title: 'Could not perform the operation as VM no longer exists.', remedy: Remedies.vmNotFound },
  BackUpOperationFailedV2: { number: 990001, title: 'Backup failed with an internal error.', remedy: Remedies.internalError },
  VMExtensionProvisioningTimeout: {
    number: 990002,
    title: 'Installation of the backup extension timed out: the VM agent did not report back.',
    remedy: Remedies.unsupportedOs,
  },
  UserErrorGuestAgentStatusUnavailable: { number: 990003, title: 'VM Agent unable to communicate with Azure Backup.', remedy: Remedies.agentUnavailable },
  UserErrorVmNotInDesirableState: { number: 990004, title: 'VM is not in a state that allows backups.', remedy: Remedies.vmNotRunning },
  UserErrorUnsupportedDiskCount: { number: 990005, title: 'The VM has more data disks than Azure Backup supports.', remedy: Remedies.tooManyDisks },
  UserErrorBackupOperationInProgress: {
    number: 990006,
    title: 'Unable to initiate backup as another backup operation is currently in progress.',
    remedy: Remedies.operationInProgress,
  },
  GuestAgentSnapshotTaskStatusError: {
    number: 990007,
    title: 'Could not communicate with the VM agent for snapshot status. Snapshot VM sub task timed out.',
    remedy: Remedies.snapshotTimeout,
  },
  ExtensionSnapshotFailedNoNetwork: {
    number: 990008,
    title: 'Snapshot operation failed due to no network connectivity on the virtual machine.',
    remedy: Remedies.noNetwork,
  },
  CopyingVHDsFromBackUpVaultTakingLongTime: { number: 990009, title: 'Copying backed up data from vault timed out.', remedy: Remedies.vhdCopyTimeout },
  ExtensionFailedVssWriterInBadState: {
    number: 990010,
    title: 'Snapshot operation failed because VSS writers were in a bad state.',
    remedy: Remedies.vssWriters,
  },
  AzureVmOffline: { number: 380008, title: 'Failed to install Microsoft Recovery Services extension as virtual machine is not running.', remedy: Remedies.vmNotRunning },
} as const satisfies Record<string, FailureDef>;

export type FailureCode = keyof typeof FAILURES;

export interface Failure {
  readonly code: FailureCode;
  readonly message: string;
}

export function failure(code: FailureCode, subject: string): Failure {
  const def = FAILURES[code];
  return { code, message: `${def.title} (${subject}) ${def.remedy}` };
}

/** The code each of a VM's backup failures ends in. */
export const BACKUP_FAILURE_CODES: Readonly<Record<BackupFailure, FailureCode>> = {
  snapshotTimeout: 'GuestAgentSnapshotTaskStatusError',
  snapshotNoNetwork: 'ExtensionSnapshotFailedNoNetwork',
  vhdCopyTimeout: 'CopyingVHDsFromBackUpVaultTakingLongTime',
  vssFailure: 'ExtensionFailedVssWriterInBadState',
  agentBroken: 'UserErrorGuestAgentStatusUnavailable',
};

/** The guide's "Failed to discover new items" internal error. Discovery makes no job, so it has no number. */
export function discoveryFailure(vault: string): { readonly code: string; readonly message: string } {
  return {
    code: 'DiscoveryInternalError',
    message: `Failed to discover new items in vault '${vault}' - Microsoft Azure Backup encountered an internal error. ${Remedies.discoveryFailed}`,
  };
}

export function jobErrorDetail(f: { code: string; message: string }): JobErrorDetail {
  const def = (FAILURES as Record<string, FailureDef>)[f.code];
  return {
    errorCode: def?.number ?? 990000,
    errorString: f.code,
    errorTitle: def?.title ?? f.message,
    recommendations: [def?.remedy ?? Remedies.internalError],
  };
}
