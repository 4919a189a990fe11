// A long-running write is sent once; a throttled poll is retried on its own, even when the caller owns the
// write's retries (apply does), at the pace of the service's Retry-After.
import { afterEach, describe, expect, it } from 'vitest';
import { call, diffCalls, FABRIC, installBackupExtension, isWrite, protectVm, registerContainer, writePolicy } from '../../provider/azure/index.js';
import { vmArmId, vmContainerName, vmProtectedItemName } from '../../provider/core/index.js';
import { DAILY } from '../apply/planFixtures.js';
import { isPoll, openTestTarget, recordThrottled, WEU, type TestTarget } from '../discovery/harness.js';

let t: TestTarget | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('long-running writes under throttled polls', () => {
  it('sends each PUT once and retries only its polls, though the caller owns the write retries', async () => {
    // One read token, refilled once a second, and operations that take a second: the second poll of each meets an empty bucket.
    t = await openTestTarget({ operationDelayMs: 1000, faults: { throttling: true, readBucket: 1, readRefillPerSecond: 1 } });
    const { target } = t;
    await writePolicy(target, WEU, 'daily', DAILY);
    const throttled = recordThrottled(target);
    const before = target.calls.snapshot();
    const once = { retriedByCaller: true };
    const vm = { resourceGroup: 'rg-web', name: 'web-01', location: 'westeurope', osType: 'Windows' as const };
    const id = vmArmId(target.subscriptionId, vm.resourceGroup, vm.name);
    const containerName = vmContainerName(vm.resourceGroup, vm.name);

    await installBackupExtension(target, vm, once);
    await registerContainer(target, WEU, { id, resourceGroup: vm.resourceGroup, name: vm.name }, containerName, once);
    // Returned only once the registration ended, though a poll between was answered 429 and then 202.
    const container = await call(target, () => target.clients.backup.protectionContainers.get(WEU.name, WEU.resourceGroup, FABRIC, containerName));
    expect(container.properties?.registrationStatus).toBe('Registered');
    const outcome = await protectVm(target, WEU, { vmId: id, containerName, protectedItemName: vmProtectedItemName(vm.resourceGroup, vm.name) }, { policyName: 'daily' }, once);

    expect(outcome.job?.properties?.status).toBe('Completed');
    const calls = diffCalls(before, target.calls.snapshot());
    expect(Object.fromEntries(Object.entries(calls).filter(([op]) => isWrite(op)))).toEqual({
      'PUT extensions/{id}': 1,
      'PUT protectionContainers/{id}': 1,
      'PUT protectedItems/{id}': 1,
    });
    // Every kind of poll met a 429: Compute's Azure-AsyncOperation, Backup's Location and operation status.
    expect([...new Set(throttled.filter(isPoll))]).toEqual(
      expect.arrayContaining(['GET locations/operations/{id}', 'GET protectionContainers/operationResults/{id}', 'GET protectedItems/operationsStatus/{id}']),
    );
  });
});
