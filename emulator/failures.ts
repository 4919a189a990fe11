// Failures that end an operation or a job. Jobs carry an integer errorCode (the spec types it so):
// documented numbers where Azure's docs give one, otherwise numbers in the 99xxxx range that the
// emulator names itself (listed in emulator/README.md).
import { Remedies } from './errors.js';
import type { JobErrorDetail } from './model.js';

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

export function jobErrorDetail(f: { code: string; message: string }): JobErrorDetail {
  const def = (FAILURES as Record<string, FailureDef>)[f.code];
  return {
    errorCode: def?.number ?? 990000,
    errorString: f.code,
    errorTitle: def?.title ?? f.message,
    recommendations: [def?.remedy ?? Remedies.internalError],
  };
}
