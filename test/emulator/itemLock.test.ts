// One operation per item: a scheduled backup holds the item's lock like any operation. Requests on a busy
// item are refused with Azure's 409 UserErrorBackupOperationInProgress, and a scheduled run that finds the
// item busy fails its job with that code: one Backup job per VM and run, never two at a time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureResponse, containerOf, itemOf, policyIdOf, raw, specProblems, startTestEmulator, vmId, WEU, type TestEmulator } from './helpers.js';

const VMS = [
  { rg: 'rg-web', name: 'web-01' },
  { rg: 'rg-web', name: 'web-02' },
  { rg: 'rg-app', name: 'app-01' },
  { rg: 'rg-app', name: 'app-02' },
] as const;
const MINUTE = 60_000;
/** DefaultPolicy backs up daily at 22:30 UTC. */
const RUN_MINUTE_OF_DAY = 22 * 60 + 30;

let em: TestEmulator;

async function clockMs(): Promise<number> {
  return Date.parse((await raw(em, 'GET', '/admin/clock')).body.now);
}

async function advance(ms: number): Promise<void> {
  expect((await raw(em, 'POST', '/admin/clock/advance', { duration: `${Math.ceil(ms / 1000)}s` })).status).toBe(200);
}

/** The next 22:30 UTC after the emulator's now. */
async function nextRun(): Promise<number> {
  const now = await clockMs();
  const day = Math.floor(now / 86_400_000) * 86_400_000;
  const today = day + RUN_MINUTE_OF_DAY * MINUTE;
  return today > now ? today : today + 86_400_000;
}

function putItem(vm: (typeof VMS)[number], properties: Record<string, unknown>) {
  return em.clients.backup.protectedItems.createOrUpdate(WEU.name, WEU.resourceGroup, 'Azure', containerOf(vm.rg, vm.name), itemOf(vm.rg, vm.name), {
    properties: { protectedItemType: 'Microsoft.Compute/virtualMachines', sourceResourceId: vmId(vm.rg, vm.name), ...properties } as any,
  });
}

async function backupJobs(vmName: string): Promise<any[]> {
  const jobs: any[] = [];
  for await (const j of em.clients.backup.backupJobs.list(WEU.name, WEU.resourceGroup, { filter: "operation eq 'Backup'" })) {
    if (j.properties?.entityFriendlyName === vmName) jobs.push(j.properties);
  }
  return jobs;
}

beforeAll(async () => {
  // Operations last a clock minute, so the test decides when each one ends by moving the clock.
  em = await startTestEmulator({ profile: 'modern', operationDelayMs: MINUTE });
  const policy = await em.clients.backup.protectionPolicies.get(WEU.name, WEU.resourceGroup, 'DefaultPolicy');
  await em.clients.backup.protectionPolicies.createOrUpdate(WEU.name, WEU.resourceGroup, 'Other', { properties: policy.properties });
  for (const vm of VMS) await putItem(vm, { policyId: policyIdOf(WEU, 'DefaultPolicy') });
  await advance(2 * MINUTE);
});

afterAll(async () => {
  await em.dispose();
  expect(specProblems).toEqual([]);
});

describe('a scheduled backup holds the item', () => {
  beforeAll(async () => {
    await advance((await nextRun()) - (await clockMs()) + MINUTE);
  });

  it('runs one Backup job per VM', async () => {
    for (const vm of VMS) expect((await backupJobs(vm.name)).map((j) => j.status)).toEqual(['InProgress']);
  });

  // Each request goes to its own VM, so one accepted by mistake cannot lock the next one's item.
  const [web, web2, app, app2] = VMS;
  it.each([
    { reason: 'stop protection (retain data)', send: () => putItem(web, { protectionState: 'ProtectionStopped' }) },
    { reason: 'a policy change', send: () => putItem(web2, { policyId: policyIdOf(WEU, 'Other') }) },
    { reason: 'an on-demand backup', send: () => em.clients.backup.backups.trigger(WEU.name, WEU.resourceGroup, 'Azure', containerOf(app.rg, app.name), itemOf(app.rg, app.name), { properties: { objectType: 'IaasVMBackupRequest' } }) },
    { reason: 'stop and delete data', send: () => em.clients.backup.protectedItems.delete(WEU.name, WEU.resourceGroup, 'Azure', containerOf(app2.rg, app2.name), itemOf(app2.rg, app2.name)) },
  ])('refuses $reason with 409 UserErrorBackupOperationInProgress', async ({ send }) => {
    const err = await send().then(
      () => undefined,
      (e: any) => e,
    );
    expect([err?.statusCode, err?.code]).toEqual([409, 'UserErrorBackupOperationInProgress']);
    expect(err.message).toContain('another operation is currently in progress');
  });

  it('accepts the same request once the backup has ended', async () => {
    await advance(30 * MINUTE);
    for (const vm of VMS) expect((await backupJobs(vm.name)).map((j) => j.status)).toEqual(['Completed']);
    const cap = captureResponse();
    await em.clients.backup.protectedItems.createOrUpdate(
      WEU.name,
      WEU.resourceGroup,
      'Azure',
      containerOf(web.rg, web.name),
      itemOf(web.rg, web.name),
      { properties: { protectedItemType: 'Microsoft.Compute/virtualMachines', sourceResourceId: vmId(web.rg, web.name), policyId: policyIdOf(WEU, 'Other') } as any },
      { onResponse: cap.onResponse },
    );
    expect(cap.status).toBe(202);
    await advance(2 * MINUTE);
    const item = await em.clients.backup.protectedItems.get(WEU.name, WEU.resourceGroup, 'Azure', containerOf(web.rg, web.name), itemOf(web.rg, web.name));
    expect((item.properties as any).policyName).toBe('Other');
  });
});

describe('a scheduled run that finds the item busy', () => {
  const web = VMS[0];
  let run: number;

  beforeAll(async () => {
    run = await nextRun();
    // An on-demand backup starts 30 s before the run and ends 30 s after it.
    await advance(run - (await clockMs()) - 30_000);
    await em.clients.backup.backups.trigger(WEU.name, WEU.resourceGroup, 'Azure', containerOf(web.rg, web.name), itemOf(web.rg, web.name), {
      properties: { objectType: 'IaasVMBackupRequest' },
    });
    await advance(30 * MINUTE);
  });

  it('fails its job at once with UserErrorBackupOperationInProgress and leaves the running backup alone', async () => {
    const atRun = (await backupJobs(web.name)).filter((j) => Math.abs(new Date(j.startTime).getTime() - run) < MINUTE);
    const scheduled = atRun.find((j) => !j.isUserTriggered);
    const onDemand = atRun.find((j) => j.isUserTriggered);
    expect(atRun).toHaveLength(2);
    expect(scheduled).toMatchObject({ status: 'Failed', errorDetails: [{ errorString: 'UserErrorBackupOperationInProgress' }] });
    expect(new Date(scheduled.endTime).getTime()).toBe(run);
    expect(onDemand.status).toBe('Completed');
  });

  it('runs the other VMs of the policy as usual', async () => {
    for (const vm of VMS.slice(1)) {
      const other = (await backupJobs(vm.name)).filter((j) => Math.abs(new Date(j.startTime).getTime() - run) < MINUTE);
      expect(other.map((j) => j.status)).toEqual(['Completed']);
    }
  });
});
