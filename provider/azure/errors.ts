// Every error Azure (or the emulator) answers is classified here, once: its code, whether retrying can
// help, and our remedy. Codes are Azure Backup's (ERROR-CODES.md) plus ARM's and the emulator's named ones.
import { AzureOperationError } from '../core/errors.js';
import { AZURE_CODE_REMEDIES, namedAzureCode } from '../core/remedies.js';

interface CodeInfo {
  readonly remedy: string;
  readonly transient?: boolean;
}

/** Codes for which retrying later can succeed even without a 5xx/429 status (e.g. the failed status of an async operation). */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'TooManyRequests',
  'UserErrorBackupOperationInProgress',
  'SystemBackupOperationInProgress',
  'UserErrorDiscoveryInProgress',
  'InternalServerError',
  'InternalError',
  'ServiceUnavailable',
  'REQUEST_SEND_ERROR',
  // A dropped connection or a slow answer can go through on retry; a refused one or an unknown host cannot.
  'ECONNRESET',
  'ETIMEDOUT',
  'EAI_AGAIN',
]);

/** Our remedy for each error code (core's table) with whether retrying can help. */
export const REMEDIES: Readonly<Record<string, CodeInfo>> = Object.fromEntries(
  Object.entries(AZURE_CODE_REMEDIES).map(([code, remedy]) => [code, TRANSIENT_CODES.has(code) ? { remedy, transient: true } : { remedy }]),
);

const BY_LOWER_CODE = new Map(Object.entries(REMEDIES).map(([code, info]) => [code.toLowerCase(), info]));

const STATUS_REMEDIES: readonly [predicate: (s: number) => boolean, remedy: string][] = [
  [(s) => s === 401, REMEDIES.InvalidAuthenticationToken.remedy],
  [(s) => s === 403, REMEDIES.AuthorizationFailed.remedy],
  [(s) => s === 404, REMEDIES.NotFound.remedy],
  [(s) => s === 429, REMEDIES.TooManyRequests.remedy],
  [(s) => s >= 500, REMEDIES.InternalServerError.remedy],
];

/** Codes that mean "busy with another operation now, try later" (answered with 409, or as an operation's failure). */
const IN_PROGRESS_CODES: ReadonlySet<string> = new Set(['UserErrorBackupOperationInProgress', 'SystemBackupOperationInProgress', 'UserErrorDiscoveryInProgress']);
const TRANSIENT_CONFLICTS = new Set([...IN_PROGRESS_CODES].map((c) => c.toLowerCase()));

/** AzureOperationError with what retrying needs. */
export class ClassifiedAzureError extends AzureOperationError {
  constructor(
    message: string,
    code: string,
    remedy: string | undefined,
    statusCode: number | undefined,
    transient: boolean,
    /** Delay the service asked for (Retry-After), in milliseconds. */
    readonly retryAfterMs?: number,
    requestId?: string,
  ) {
    super(message, code, remedy, statusCode, transient, requestId);
  }

  /** Busy with another operation: wait for it rather than back off. */
  get inProgress(): boolean {
    return isInProgress(this.code, this.statusCode, this.message);
  }
}

export function remedyFor(code: string, statusCode?: number): string | undefined {
  const info = BY_LOWER_CODE.get(namedAzureCode(code).toLowerCase());
  if (info) return info.remedy;
  if (statusCode === undefined) return undefined;
  return STATUS_REMEDIES.find(([matches]) => matches(statusCode))?.[1];
}

/** Whether retrying can help: 429, 5xx, 409 "operation / discovery in progress", transport failures. 4xx otherwise never. */
export function isTransient(code: string, statusCode?: number, message = ''): boolean {
  const lower = namedAzureCode(code).toLowerCase();
  if (statusCode !== undefined) {
    if (statusCode === 429 || statusCode >= 500) return true;
    if (statusCode === 409) return isInProgress(code, statusCode, message);
    return false;
  }
  return BY_LOWER_CODE.get(lower)?.transient ?? false;
}

/**
 * Another operation runs on the item, VM or vault: Azure Backup's in-progress codes, or Compute's 409
 * OperationNotAllowed when its message says another operation is in progress (Compute has no code of its own).
 */
export function isInProgress(code: string, statusCode?: number, message = ''): boolean {
  if (TRANSIENT_CONFLICTS.has(namedAzureCode(code).toLowerCase())) return statusCode === undefined || statusCode === 409;
  return statusCode === 409 && code === 'OperationNotAllowed' && /in progress/i.test(message);
}

interface RestErrorLike {
  message: string;
  code?: string;
  statusCode?: number;
  response?: { headers: { get(name: string): string | undefined } };
}

function isRestErrorLike(e: unknown): e is RestErrorLike {
  return e instanceof Error && ('statusCode' in e || 'response' in e || (e as { name?: string }).name === 'RestError');
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Builds the classified error for a code the service reported (a failed call, operation or job). */
export function azureError(code: string, message: string, opts: { statusCode?: number; retryAfterMs?: number; requestId?: string } = {}): ClassifiedAzureError {
  const named = namedAzureCode(code);
  return new ClassifiedAzureError(
    `${named}: ${message}`,
    named,
    remedyFor(named, opts.statusCode),
    opts.statusCode,
    isTransient(named, opts.statusCode, message),
    opts.retryAfterMs,
    opts.requestId,
  );
}

/** Classifies anything a call to the SDK threw. */
export function classifyError(e: unknown): ClassifiedAzureError {
  if (e instanceof ClassifiedAzureError) return e;
  if (e instanceof AzureOperationError) {
    return new ClassifiedAzureError(e.message, e.code, e.remedy ?? remedyFor(e.code, e.statusCode), e.statusCode, e.transient, undefined, e.requestId);
  }
  if (e instanceof Error && e.name === 'AbortError') {
    return new ClassifiedAzureError(`Aborted: ${e.message}`, 'Aborted', undefined, undefined, false);
  }
  if (e instanceof Error && CREDENTIAL_ERRORS.has(e.name)) {
    // The identity library chains every credential it tried into one message; its first line says what failed.
    return azureError('CredentialUnavailable', `Azure sign-in failed: ${e.message.split('\n')[0]}`);
  }
  if (isRestErrorLike(e) && e.statusCode === undefined && e.code !== undefined && TRANSPORT_CODES.has(e.code)) {
    return azureError(e.code, `cannot reach the target: ${stripCodePrefix(e.message, e.code)}`);
  }
  if (isRestErrorLike(e)) {
    const status = e.statusCode;
    const headers = e.response?.headers;
    const code = e.code ?? (status === 429 ? 'TooManyRequests' : status !== undefined ? `Http${status}` : 'UnknownError');
    return azureError(code, stripCodePrefix(e.message, code), {
      statusCode: status,
      retryAfterMs: parseRetryAfter(headers?.get('retry-after')),
      requestId: headers?.get('x-ms-request-id'),
    });
  }
  const message = e instanceof Error ? e.message : String(e);
  // The SDK's own pollers (begin*AndWait) report a failed operation as a plain Error with the code inside.
  const lro = LRO_FAILED.exec(message);
  if (lro) return azureError(lro[1], lro[2]);
  return new ClassifiedAzureError(message, 'UnexpectedError', undefined, undefined, false);
}

const CREDENTIAL_ERRORS = new Set(['CredentialUnavailableError', 'AuthenticationError', 'AggregateAuthenticationError']);
const TRANSPORT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'REQUEST_SEND_ERROR']);

const LRO_FAILED = /^The long-running operation has failed\. ([A-Za-z][A-Za-z0-9]*)\. ([\s\S]*)$/;

function stripCodePrefix(message: string, code: string): string {
  return message.startsWith(`${code}: `) ? message.slice(code.length + 2) : message;
}
