// Shared set-up for the emulator tests: a fresh state directory, the official SDK clients configured
// for the emulator (its CA, its token, retries off), a raw HTTPS helper and small polling helpers.
import { ComputeManagementClient } from '@azure/arm-compute';
import { RecoveryServicesClient } from '@azure/arm-recoveryservices';
import { RecoveryServicesBackupClient } from '@azure/arm-recoveryservicesbackup';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../emulator/index.js';
import { specValidator, type SpecProblem } from './specValidator.js';

/** Every response the SDK clients receive is checked against the specs; problems and the operations seen collect here. */
export const specProblems: SpecProblem[] = [];
export const operationsSeen = new Set<string>();

export const FLEET_FILE = join(import.meta.dirname, '..', '..', 'examples', 'fleet.yaml');
export const SUB = '6f1c2a7e-3b1d-4c55-9d1e-0a9b8c7d6e5f';
export const WEU = { resourceGroup: 'rg-backup', name: 'vault-weu' };
export const NEU = { resourceGroup: 'rg-backup-ne', name: 'vault-neu' };

export function staticCredential(token: string): TokenCredential {
  return { getToken: async (): Promise<AccessToken> => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) };
}

export function clientsFor(em: Pick<RunningEmulator, 'endpoint' | 'ca' | 'token' | 'subscriptionId'>, token = em.token) {
  const options = {
    endpoint: em.endpoint,
    tlsOptions: { ca: em.ca },
    retryOptions: { maxRetries: 0 },
    additionalPolicies: [{ policy: specValidator().policy(specProblems, operationsSeen), position: 'perCall' as const }],
  };
  const cred = staticCredential(token);
  return {
    backup: new RecoveryServicesBackupClient(cred, em.subscriptionId, options),
    vaults: new RecoveryServicesClient(cred, em.subscriptionId, options),
    compute: new ComputeManagementClient(cred, em.subscriptionId, options),
  };
}

export interface TestEmulator extends RunningEmulator {
  stateDir: string;
  clients: ReturnType<typeof clientsFor>;
  /** Closes the server and removes the state directory. */
  dispose(): Promise<void>;
}

export function tempStateDir(): string {
  return mkdtempSync(join(tmpdir(), 'vmbackup-emu-'));
}

export async function startTestEmulator(opts: Partial<EmulatorOptions> = {}): Promise<TestEmulator> {
  const stateDir = opts.stateDir ?? tempStateDir();
  const em = await startEmulator({ fleetFile: FLEET_FILE, operationDelayMs: 40, retryAfterSeconds: 0, ...opts, stateDir });
  return {
    ...em,
    stateDir,
    clients: clientsFor(em),
    dispose: async () => {
      await em.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** A request outside the SDK (admin endpoints, following LRO URLs, wrong tokens). */
export function raw(
  em: Pick<RunningEmulator, 'endpoint' | 'ca' | 'token'>,
  method: string,
  pathOrUrl: string,
  body?: unknown,
  token: string | null = em.token,
): Promise<RawResponse> {
  const url = new URL(pathOrUrl, em.endpoint);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: em.ca,
        headers: {
          ...(token !== null ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls an Azure-AsyncOperation URL until it leaves InProgress. */
export async function pollStatus(em: TestEmulator, url: string, timeoutMs = 10_000): Promise<any> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const res = await raw(em, 'GET', url);
    if (res.status !== 200) throw new Error(`poll ${url}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    if (res.body.status !== 'InProgress') return res.body;
    if (Date.now() > end) throw new Error(`operation ${url} still InProgress`);
    await sleep(20);
  }
}

/** Polls a Location URL until it stops answering 202. */
export async function pollLocation(em: TestEmulator, url: string, timeoutMs = 10_000): Promise<RawResponse> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const res = await raw(em, 'GET', url);
    if (res.status !== 202) return res;
    if (Date.now() > end) throw new Error(`operation ${url} still running`);
    await sleep(20);
  }
}

export function vmId(rg: string, name: string): string {
  return `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/${name}`;
}

export function containerOf(rg: string, name: string): string {
  return `IaasVMContainer;iaasvmcontainerv2;${rg};${name}`;
}

export function itemOf(rg: string, name: string): string {
  return `VM;iaasvmcontainerv2;${rg};${name}`;
}

export function policyIdOf(vault: { resourceGroup: string; name: string }, policy: string): string {
  return `/subscriptions/${SUB}/resourceGroups/${vault.resourceGroup}/providers/Microsoft.RecoveryServices/vaults/${vault.name}/backupPolicies/${policy}`;
}

/** Runs discovery on a vault through the SDK and waits for it (202 running, 204 done). */
export async function discover(em: TestEmulator, vault = WEU): Promise<void> {
  const res = await em.clients.backup.protectionContainers.refresh(vault.name, vault.resourceGroup, 'Azure');
  void res;
  for (let i = 0; i < 200; i++) {
    const jobs = await raw(em, 'GET', `/subscriptions/${SUB}/resourceGroups/${vault.resourceGroup}/providers/Microsoft.RecoveryServices/vaults/${vault.name}/backupProtectableItems?api-version=2023-06-01`);
    if (jobs.body.value.length > 0) return;
    await sleep(20);
  }
  throw new Error(`discovery of ${vault.name} offered no protectable item within 4 s`);
}

/** Classic register flow: the backup extension through Compute, then the container PUT (the SDK polls both). */
export async function register(em: TestEmulator, rg: string, name: string, os: 'Windows' | 'Linux', vault = WEU): Promise<void> {
  const type = os === 'Windows' ? 'VMSnapshot' : 'VMSnapshotLinux';
  await em.clients.compute.virtualMachineExtensions.beginCreateOrUpdateAndWait(
    rg,
    name,
    type,
    { location: 'westeurope', publisher: 'Microsoft.Azure.RecoveryServices', typePropertiesType: type, typeHandlerVersion: '1.0', autoUpgradeMinorVersion: true },
    { updateIntervalInMs: 10 },
  );
  await em.clients.backup.protectionContainers.beginRegisterAndWait(
    vault.name,
    vault.resourceGroup,
    'Azure',
    containerOf(rg, name),
    { properties: { containerType: 'Microsoft.Compute/virtualMachines', backupManagementType: 'AzureIaasVM', friendlyName: name, virtualMachineId: vmId(rg, name) } as any },
    { updateIntervalInMs: 10 },
  );
}

/** SDK calls that return after the first 202 hide the LRO headers; this captures them through onResponse. */
export function captureResponse() {
  let last: { status: number; headers: Map<string, string> } | undefined;
  return {
    onResponse: (raw: { status: number; headers: { toJSON(): Record<string, string> } }) => {
      last = { status: raw.status, headers: new Map(Object.entries(raw.headers.toJSON())) };
    },
    get status(): number {
      return last?.status ?? 0;
    },
    header(name: string): string {
      const v = last?.headers.get(name.toLowerCase());
      if (v === undefined) throw new Error(`response has no ${name} header`);
      return v;
    },
  };
}

/** The last path segment of an LRO URL: the operation id. */
export function operationIdOf(url: string): string {
  return new URL(url).pathname.split('/').pop()!;
}

/** Protects a VM (PUT protected item) and waits on its operationsStatus; returns the final OperationStatus. */
export async function protect(em: TestEmulator, rg: string, name: string, policy = 'DefaultPolicy', vault = WEU): Promise<any> {
  const cap = captureResponse();
  await em.clients.backup.protectedItems.createOrUpdate(
    vault.name,
    vault.resourceGroup,
    'Azure',
    containerOf(rg, name),
    itemOf(rg, name),
    { properties: { protectedItemType: 'Microsoft.Compute/virtualMachines', sourceResourceId: vmId(rg, name), policyId: policyIdOf(vault, policy) } as any },
    { onResponse: cap.onResponse },
  );
  return pollStatus(em, cap.header('azure-asyncoperation'));
}

/** A Standard daily policy at `time` (HH:MM, UTC) keeping `days` daily points. */
export const dailyPolicy = (time: string, days: number) => ({
  properties: {
    backupManagementType: 'AzureIaasVM',
    policyType: 'V1',
    timeZone: 'UTC',
    instantRpRetentionRangeInDays: 2,
    schedulePolicy: { schedulePolicyType: 'SimpleSchedulePolicy', scheduleRunFrequency: 'Daily', scheduleRunTimes: [`2024-01-01T${time}:00Z`] },
    retentionPolicy: {
      retentionPolicyType: 'LongTermRetentionPolicy',
      dailySchedule: { retentionTimes: [`2024-01-01T${time}:00Z`], retentionDuration: { count: days, durationType: 'Days' } },
    },
  } as any,
});
