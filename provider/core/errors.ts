// The error classes every layer throws. The CLI maps them to exit codes in one place.
import type { SourceLocation } from './spec.js';

export type Severity = 'error' | 'warning';

/** A problem found in user input, collected rather than thrown. */
export interface Diagnostic {
  readonly severity: Severity;
  /** Stable code, e.g. "UnknownKey", "DuplicatePolicy". */
  readonly code: string;
  readonly message: string;
  readonly location?: SourceLocation;
  /** Property path inside the document, e.g. "policies[0].retention.dailyDays" (Pulumi Check reports it). */
  readonly path?: string;
  readonly remedy?: string;
}

/** "1 policy", "2 policies": a count with its noun in the right number. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.location ? `${d.location.file}:${d.location.line}:${d.location.col}: ` : '';
  const fix = d.remedy ? ` (${d.remedy})` : '';
  return `${where}${d.severity}: ${d.message}${fix}`;
}

export class VmbackupError extends Error {
  override readonly name: string = 'VmbackupError';
}

/** The spec (or a plan file, or a fleet file) is invalid; nothing was applied. */
export class InvalidInputError extends VmbackupError {
  override readonly name = 'InvalidInputError';
  constructor(readonly diagnostics: readonly Diagnostic[], summary = 'invalid input') {
    super(`${summary}:\n${diagnostics.map(formatDiagnostic).join('\n')}`);
  }
}

/** An error answered by Azure (or the emulator), carrying Azure Backup's error code and our remedy. */
export class AzureOperationError extends VmbackupError {
  override readonly name = 'AzureOperationError';
  constructor(
    message: string,
    readonly code: string,
    readonly remedy: string | undefined,
    readonly statusCode?: number,
    readonly transient = false,
    /** x-ms-request-id of the failed call, for a support request. */
    readonly requestId?: string,
  ) {
    super(message);
  }

  /** The message without the leading "CODE: " it may carry, for views that print the code beside it. */
  get detail(): string {
    return this.message.startsWith(`${this.code}: `) ? this.message.slice(this.code.length + 2) : this.message;
  }
}

/** `apply --plan` was given a plan made from a state that has moved since. */
export class StalePlanError extends VmbackupError {
  override readonly name = 'StalePlanError';
}

/** Bad flags, missing configuration, unreachable target. */
export class ConfigurationError extends VmbackupError {
  override readonly name = 'ConfigurationError';
}

/** Apply ran but some actions failed; the summary lists each with its Azure code and remedy. */
export class ApplyFailedError extends VmbackupError {
  override readonly name = 'ApplyFailedError';
  constructor(
    readonly failures: readonly { readonly actionId: string; readonly code: string; readonly message: string; readonly remedy?: string }[],
  ) {
    super(`${plural(failures.length, 'action')} failed:\n${failures.map((f) => `  ${f.actionId}: ${f.code}: ${f.message}${f.remedy ? ` Remedy: ${f.remedy}` : ''}`).join('\n')}`);
  }
}

/**
 * Apply did what it could, but the vault does not match the spec: actions blocked by pre-flight findings
 * (a VM not found, in another region, on unsupported hardware) were not attempted. Each comes with its remedy.
 */
export class NotConvergedError extends VmbackupError {
  override readonly name = 'NotConvergedError';
  constructor(
    /** One entry per VM (or policy), with the findings that block it. */
    readonly blocked: readonly { readonly subject: string; readonly findings: readonly { readonly code: string; readonly message: string; readonly remedy: string }[] }[],
    done: string,
  ) {
    super(
      `${done}, but the vault does not match the spec: ${plural(blocked.length, 'declared item')} ${blocked.length === 1 ? 'is' : 'are'} blocked and ${blocked.length === 1 ? 'was' : 'were'} not attempted:\n` +
        blocked.map((b) => `  ${b.subject}: ${b.findings.map((f) => `${f.code}: ${f.message}.\n    Remedy: ${f.remedy}`).join('\n    ')}`).join('\n'),
    );
  }
}

/** The user interrupted a run; what was not finished is listed, and running again converges. */
export class InterruptedError extends VmbackupError {
  override readonly name = 'InterruptedError';
}

/** Who holds a vault's apply lock: the process and when it took the lock. */
export interface LockHolder {
  readonly pid: number;
  /** ISO 8601 time the lock was taken. */
  readonly startedAt: string;
  readonly host: string;
}

/** Another apply on the same vault runs on this machine; nothing was read or applied. */
export class VaultLockedError extends VmbackupError {
  override readonly name = 'VaultLockedError';
  constructor(
    readonly vault: string,
    readonly holder: LockHolder,
    waitedMs: number,
  ) {
    const waited = waitedMs >= 1000 ? `waited ${Math.round(waitedMs / 1000)}s for it; ` : '';
    super(
      `another apply on vault ${vault} is running since ${holder.startedAt} (pid ${holder.pid} on ${holder.host}); ${waited}nothing was applied. ` +
        'Let it finish and run apply again, or pass --wait-lock DURATION (e.g. --wait-lock 30m) to wait for it.',
    );
  }
}
