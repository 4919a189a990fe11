// The one place that maps outcomes and errors to exit codes (terraform's -detailed-exitcode).
import {
  ApplyFailedError,
  AzureOperationError,
  ConfigurationError,
  InterruptedError,
  InvalidInputError,
  NotConvergedError,
  StalePlanError,
  VaultLockedError,
  formatDiagnostic,
  plural,
} from '../core/index.js';

export const ExitCode = {
  /** Nothing to do, in sync, or the command succeeded. */
  ok: 0,
  /** Something went wrong; nothing more was applied. */
  error: 1,
  /** Changes planned or drift found. */
  changes: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * Turns any thrown value into the message the user reads on stderr. `applying`: the command would have changed
 * the world, so the user wants to hear that it did not.
 */
export function describeError(err: unknown, applying = false): string {
  if (err instanceof InvalidInputError) {
    const n = err.diagnostics.filter((d) => d.severity === 'error').length;
    return `${err.diagnostics.map(formatDiagnostic).join('\n')}\n${plural(n, 'error')}${applying ? '; nothing was applied' : ''}.`;
  }
  if (err instanceof AzureOperationError) {
    const status = err.statusCode ? ` (HTTP ${err.statusCode})` : '';
    const request = err.requestId ? ` (request id ${err.requestId})` : '';
    return `${err.code}${status}: ${err.detail}${request}${err.remedy ? `\nRemedy: ${err.remedy}` : ''}`;
  }
  if (
    err instanceof StalePlanError ||
    err instanceof ConfigurationError ||
    err instanceof ApplyFailedError ||
    err instanceof InterruptedError ||
    err instanceof NotConvergedError ||
    err instanceof VaultLockedError
  ) {
    return err.message;
  }
  // A stack trace helps us, not the user: it is shown only when asked for.
  const debug = process.env.VMBACKUP_DEBUG === '1';
  if (err instanceof Error) return `unexpected error: ${debug ? (err.stack ?? err.message) : err.message} (set VMBACKUP_DEBUG=1 for details and report it)`;
  return `unexpected error: ${String(err)}`;
}

export function exitCodeForError(_err: unknown): ExitCode {
  return ExitCode.error;
}
