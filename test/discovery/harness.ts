// Opens an embedded emulator over a temporary state directory, tuned for fast tests: no Retry-After,
// short operations, short backoff and polling.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { openTarget, operationName, type RetryOptions, type Target, type TargetOptions } from '../../provider/azure/index.js';

export const FLEET_FILE = fileURLToPath(new URL('../../examples/fleet.yaml', import.meta.url));
export const WEU = { resourceGroup: 'rg-backup', name: 'vault-weu' } as const;

export interface TestTarget {
  readonly target: Target;
  readonly stateDir: string;
  close(): Promise<void>;
}

export async function openTestTarget(
  emulator: TargetOptions['emulator'] = {},
  fleetFile: string | undefined = FLEET_FILE,
  retry: RetryOptions = {},
): Promise<TestTarget> {
  const stateDir = await mkdtemp(path.join(tmpdir(), 'vmbackup-test-'));
  const target = await openTarget({
    stateDir,
    ...(fleetFile ? { fleetFile } : {}),
    emulator: { port: 0, retryAfterSeconds: 0, operationDelayMs: 30, ...emulator },
    timing: {
      retry: { retries: 10, minDelayMs: 5, maxDelayMs: 50, conflictWaitMs: 20, maxRetryTimeMs: 20_000, ...retry },
      pollMinMs: 10,
      pollMaxMs: 100,
      operationTimeoutMs: 20_000,
    },
  });
  return {
    target,
    stateDir,
    close: async () => {
      await target.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** Records, by operation, every request of `target` the service answered 429 (each attempt, as sent). */
export function recordThrottled(target: Target): string[] {
  const throttled: string[] = [];
  for (const client of [target.clients.backup, target.clients.compute]) {
    client.pipeline.addPolicy(
      {
        name: 'testThrottledCalls',
        sendRequest: async (request, next) => {
          const response = await next(request);
          if (response.status === 429) throttled.push(operationName(request.method, request.url));
          return response;
        },
      },
      // Inside the SDK's deserialization, which turns a 429 into a thrown error.
      { afterPhase: 'Retry' },
    );
  }
  return throttled;
}

/** Polls of an accepted operation: its status, result or job. */
export const isPoll = (operation: string): boolean => /operation|jobs/i.test(operation);

/** A fleet served by an emulator of its own over a temporary directory (its state in `dir`/state), and a target on it by endpoint, as the Pulumi provider reaches it. */
export interface ServedFleet {
  readonly dir: string;
  readonly emulator: RunningEmulator;
  readonly target: Target;
  close(): Promise<void>;
}

export async function serveFleet(prefix: string, fleetFile: string = FLEET_FILE): Promise<ServedFleet> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  const stateDir = path.join(dir, 'state');
  const emulator = await startEmulator({ stateDir, fleetFile, retryAfterSeconds: 0, operationDelayMs: 0 });
  const target = await openTarget({ kind: 'emulator', endpoint: emulator.endpoint, stateDir });
  return {
    dir,
    emulator,
    target,
    close: async () => {
      await target.close();
      await emulator.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
