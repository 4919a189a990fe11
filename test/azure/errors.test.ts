import { describe, expect, it } from 'vitest';
import { RestError } from '@azure/core-rest-pipeline';
import { AzureOperationError } from '../../provider/core/errors.js';
import { classifyError, isTransient, parseRetryAfter, REMEDIES, remedyFor } from '../../provider/azure/errors.js';

function restError(statusCode: number | undefined, code: string | undefined, headers: Record<string, string> = {}): RestError {
  const h = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return new RestError(`${code ?? 'no code'} happened`, {
    statusCode,
    code,
    response: statusCode === undefined ? undefined : ({ status: statusCode, headers: { get: (n: string) => h.get(n.toLowerCase()) } } as never),
  });
}

const cases: { reason: string; error: unknown; code: string; status?: number; transient: boolean; retryAfterMs?: number }[] = [
  { reason: 'throttling is transient and carries Retry-After', error: restError(429, 'TooManyRequests', { 'Retry-After': '7' }), code: 'TooManyRequests', status: 429, transient: true, retryAfterMs: 7000 },
  { reason: 'a 429 without a body code is still throttling', error: restError(429, undefined), code: 'TooManyRequests', status: 429, transient: true },
  { reason: 'a 500 internal error is transient', error: restError(500, 'InternalServerError'), code: 'InternalServerError', status: 500, transient: true },
  { reason: 'a 503 with any code is transient', error: restError(503, 'ServiceUnavailable'), code: 'ServiceUnavailable', status: 503, transient: true },
  { reason: 'another operation on the item (409) waits and retries', error: restError(409, 'UserErrorBackupOperationInProgress'), code: 'UserErrorBackupOperationInProgress', status: 409, transient: true },
  { reason: 'another discovery on the vault (409) waits and retries', error: restError(409, 'UserErrorDiscoveryInProgress'), code: 'UserErrorDiscoveryInProgress', status: 409, transient: true },
  {
    reason: "Compute's conflict with an operation in progress waits and retries",
    error: new RestError("Operation cannot be started while another operation is in progress on VM 'vm1'.", {
      statusCode: 409,
      code: 'OperationNotAllowed',
      response: { status: 409, headers: { get: () => undefined } } as never,
    }),
    code: 'OperationNotAllowed',
    status: 409,
    transient: true,
  },
  { reason: 'Compute refusing for another reason is terminal', error: restError(409, 'OperationNotAllowed'), code: 'OperationNotAllowed', status: 409, transient: false },
  { reason: 'an unknown 409 conflict is terminal', error: restError(409, 'Conflict'), code: 'Conflict', status: 409, transient: false },
  { reason: 'a 400 precondition failure is never retried, even with an in-progress code', error: restError(400, 'UserErrorBackupOperationInProgress'), code: 'UserErrorBackupOperationInProgress', status: 400, transient: false },
  { reason: 'a 400 agent failure is terminal', error: restError(400, 'UserErrorGuestAgentStatusUnavailable'), code: 'UserErrorGuestAgentStatusUnavailable', status: 400, transient: false },
  { reason: 'a 401 is terminal', error: restError(401, 'InvalidAuthenticationToken'), code: 'InvalidAuthenticationToken', status: 401, transient: false },
  { reason: 'a 404 is terminal', error: restError(404, 'ResourceNotFound'), code: 'ResourceNotFound', status: 404, transient: false },
  { reason: 'a transport failure is transient', error: new RestError('socket hang up', { code: 'REQUEST_SEND_ERROR' }), code: 'REQUEST_SEND_ERROR', transient: true },
  { reason: 'a dropped connection is transient', error: new RestError('read ECONNRESET', { code: 'ECONNRESET' }), code: 'ECONNRESET', transient: true },
  { reason: 'a refused connection is a wrong endpoint or a stopped emulator, not worth retrying', error: new RestError('connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' }), code: 'ECONNREFUSED', transient: false },
  { reason: 'an unknown host is terminal', error: new RestError('getaddrinfo ENOTFOUND nowhere', { code: 'ENOTFOUND' }), code: 'ENOTFOUND', transient: false },
  { reason: 'no Azure credential is terminal', error: Object.assign(new Error('ChainedTokenCredential authentication failed.\nmore'), { name: 'CredentialUnavailableError' }), code: 'CredentialUnavailable', transient: false },
  {
    reason: 'a failed operation the SDK polled itself carries its code in the message',
    error: new Error('The long-running operation has failed. UserErrorGuestAgentStatusUnavailable. VM Agent unable to communicate.'),
    code: 'UserErrorGuestAgentStatusUnavailable',
    transient: false,
  },
  { reason: 'a plain Error is unexpected and terminal', error: new Error('boom'), code: 'UnexpectedError', transient: false },
  { reason: 'an already classified error keeps its code', error: new AzureOperationError('x', 'BCMV2VMNotFound', undefined, 404, false), code: 'BCMV2VMNotFound', status: 404, transient: false },
];

describe('classifyError', () => {
  it.each(cases)('$reason', ({ error, code, status, transient, retryAfterMs }) => {
    const c = classifyError(error);
    expect(c).toBeInstanceOf(AzureOperationError);
    expect(c.code).toBe(code);
    expect(c.statusCode).toBe(status);
    expect(c.transient).toBe(transient);
    if (retryAfterMs !== undefined) expect(c.retryAfterMs).toBe(retryAfterMs);
  });

  it('says what to do when the target cannot be reached or signed in to', () => {
    const refused = classifyError(new RestError('connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' }));
    expect(refused.message).toMatch(/cannot reach the target/);
    expect(refused.remedy).toMatch(/--endpoint.*emulator is running/);
    const signIn = classifyError(Object.assign(new Error('ChainedTokenCredential authentication failed.\nEnvironmentCredential is unavailable.'), { name: 'CredentialUnavailableError' }));
    expect(signIn.message).toBe('CredentialUnavailable: Azure sign-in failed: ChainedTokenCredential authentication failed.');
    expect(signIn.remedy).toMatch(/az login.*AZURE_CLIENT_SECRET/);
  });

  it('gives our remedy, and the message keeps the code', () => {
    const c = classifyError(restError(400, 'UserErrorGuestAgentStatusUnavailable'));
    expect(c.remedy).toMatch(/2\.6\.1198\.718/);
    expect(c.message).toMatch(/^UserErrorGuestAgentStatusUnavailable: /);
  });

  it('falls back to a remedy by status for unknown codes', () => {
    expect(classifyError(restError(403, 'SomethingNew')).remedy).toMatch(/Backup Contributor/);
    expect(classifyError(restError(418, 'Teapot')).remedy).toBeUndefined();
  });
});

describe('remedy table', () => {
  // Every code Azure Backup's troubleshooting docs give for IaaS VMs, plus the throttling and discovery codes.
  const documented = [
    'UserErrorGuestAgentStatusUnavailable', 'GuestAgentSnapshotTaskStatusError', 'UserErrorVmNotInDesirableState', 'VmNotInDesirableState',
    'UserErrorVmProvisioningStateFailed', 'AzureVmOffline', 'ExtensionOperationFailedForManagedDisks', 'ExtensionInstallationFailedCOM',
    'ExtensionInstallationFailedMDTC', 'ExtensionStuckInDeletionState', 'ExtensionConfigParsingFailure', 'ExtensionVCRedistInstallationFailure',
    'ExtensionFailedTimeoutVMNetworkUnresponsive', 'UserErrorBackupOperationInProgress', 'SystemBackupOperationInProgress',
    'ExtensionSnapshotFailedNoNetwork', 'ExtensionFailedVssWriterInBadState', 'ExtensionFailedVssServiceInBadState',
    'ExtensionFailedSnapshotLimitReachedError', 'UserErrorRpCollectionLimitReached', 'UserErrorFsFreezeFailed',
    'CopyingVHDsFromBackUpVaultTakingLongTime', 'UserErrorUnsupportedDiskSize', 'UserErrorStandardSSDNotSupported', 'UserErrorVmNotFoundV2',
    'ResourceNotFound', 'BCMV2VMNotFound', 'BackUpOperationFailed', 'BackUpOperationFailedV2', 'VMRestorePointInternalError',
    'TooManyRequests', 'UserErrorDiscoveryInProgress',
  ];

  it.each(documented)('%s has a remedy', (code) => {
    expect(remedyFor(code)).toBeTruthy();
  });

  it('maps the documented numeric job codes to their names', () => {
    expect(classifyError(new AzureOperationError('x', '400094', undefined)).remedy).toBe(REMEDIES.BCMV2VMNotFound.remedy);
    expect(remedyFor('320001')).toBe(REMEDIES.ResourceNotFound.remedy);
  });

  it('treats operation failures (no HTTP status) as transient only for in-progress codes', () => {
    expect(isTransient('UserErrorBackupOperationInProgress')).toBe(true);
    expect(isTransient('UserErrorGuestAgentStatusUnavailable')).toBe(false);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2024-01-01T00:00:00Z');
  it.each([
    { reason: 'seconds', value: '3', ms: 3000 },
    { reason: 'zero', value: '0', ms: 0 },
    { reason: 'HTTP date', value: 'Mon, 01 Jan 2024 00:00:05 GMT', ms: 5000 },
    { reason: 'absent', value: undefined, ms: undefined },
    { reason: 'garbage', value: 'soon', ms: undefined },
  ])('$reason', ({ value, ms }) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });
});
