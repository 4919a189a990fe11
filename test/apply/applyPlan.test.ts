import { afterEach, describe, expect, it } from 'vitest';
import type { AzureIaaSVMJob, AzureIaaSVMProtectedItem, JobResource } from '@azure/arm-recoveryservicesbackup';
import { call, countWrites, diffCalls, FABRIC, isWrite, listAll } from '../../provider/azure/index.js';
import { applyPlan, type ApplyEvent } from '../../provider/apply/index.js';
import { ApplyFailedError, AZURE_CODE_REMEDIES, ConfigurationError, StalePlanError, vmContainerName, vmProtectedItemName } from '../../provider/core/index.js';
import { observe } from '../../provider/discovery/index.js';
import { fingerprintObservation } from '../../provider/plan/index.js';
import { isPoll, openTestTarget, recordThrottled, WEU, type TestTarget } from '../discovery/harness.js';
import { changePolicy, createPolicy, deleteData, makePlan, protect, register, stopProtection, WEEKLY } from './planFixtures.js';

const HEALTHY: [rg: string, name: string][] = [
  ['rg-web', 'web-01'],
  ['rg-app', 'app-01'],
  ['rg-data', 'db-01'],
  ['rg-data-dr', 'db-01'],
];

let t: TestTarget | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function itemOf(tt: TestTarget, rg: string, name: string): Promise<AzureIaaSVMProtectedItem> {
  const item = await tt.target.clients.backup.protectedItems.get(WEU.name, WEU.resourceGroup, FABRIC, vmContainerName(rg, name), vmProtectedItemName(rg, name));
  return item.properties as AzureIaaSVMProtectedItem;
}

async function configureJobsByVm(tt: TestTarget): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  // Read with retries: the fault test counts jobs while internal errors are still being injected.
  const jobs = await listAll<JobResource>(tt.target, 'backup', tt.target.clients.backup.backupJobs.list(WEU.name, WEU.resourceGroup, { filter: "operation eq 'ConfigureBackup'" }));
  for (const j of jobs) {
    const p = j.properties as AzureIaaSVMJob;
    const key = p.containerName ?? p.entityFriendlyName ?? '';
    counts.set(key.toLowerCase(), (counts.get(key.toLowerCase()) ?? 0) + 1);
  }
  return counts;
}

const protectAll = () => makePlan([createPolicy('daily'), ...HEALTHY.flatMap(([rg, name]) => protect(rg, name))]);

describe('applyPlan', () => {
  it('protects several VMs, then a second apply issues no operations', async () => {
    t = await openTestTarget();
    const events: ApplyEvent[] = [];
    const first = await applyPlan(t.target, protectAll(), { concurrency: 4, onEvent: (e) => events.push(e) });
    expect(first.actions.map((a) => [a.actionId.split(':')[0], a.status, a.code])).toEqual(first.actions.map((a) => [a.actionId.split(':')[0], 'applied', undefined]));
    expect(first.converged).toBe(true);
    for (const [rg, name] of HEALTHY) {
      const item = await itemOf(t, rg, name);
      expect(item.policyName ?? item.policyId?.split('/').pop()).toBe('daily');
      expect(item.protectionState).toBe('IRPending');
    }
    expect(events.filter((e) => e.phase === 'registering').length).toBeGreaterThanOrEqual(HEALTHY.length);
    // One operation per VM at a time, at most `concurrency` in all, dependencies first.
    const running = new Map<string, string>();
    let peak = 0;
    const finished = new Set<string>();
    for (const e of events) {
      const subject = e.actionId.slice(e.actionId.indexOf(':') + 1);
      if (e.phase === 'start') {
        expect(running.has(subject)).toBe(false);
        if (e.kind === 'protect') expect(finished.has(`register:${subject}`) && finished.has('createPolicy:daily')).toBe(true);
        running.set(subject, e.actionId);
        peak = Math.max(peak, running.size);
      }
      if (e.phase === 'done') {
        running.delete(subject);
        finished.add(e.actionId);
      }
    }
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(4);
    expect(events.filter((e) => e.phase === 'done')).toHaveLength(first.actions.length);

    const before = t.target.calls.snapshot();
    const second = await applyPlan(t.target, protectAll());
    expect(second.actions.every((a) => a.status === 'skipped')).toBe(true);
    expect(second.operationsIssued).toBe(0);
    expect(countWrites(diffCalls(before, t.target.calls.snapshot()))).toBe(0);
  });

  it('takes the first attempt\'s facts from the observation the plan was just made from, reading no VM, container or item again', async () => {
    const preReads = (calls: Readonly<Record<string, number>>) => ['GET virtualMachines/{id}', 'GET protectionContainers/{id}', 'GET protectedItems/{id}'].map((k) => calls[k] ?? 0);
    t = await openTestTarget();
    const reading = await applyPlan(t.target, protectAll(), { concurrency: 4 });
    await t.close();
    t = await openTestTarget();
    const observation = await observe(t.target, WEU, { refresh: true });
    const trusted = await applyPlan(t.target, protectAll(), { concurrency: 4, observation });
    expect(reading.converged && trusted.converged).toBe(true);
    expect(preReads(reading.apiCalls)).toEqual([HEALTHY.length, HEALTHY.length, HEALTHY.length]);
    expect(preReads(trusted.apiCalls)).toEqual([0, 0, 0]);
    expect(countWrites(trusted.apiCalls)).toBe(countWrites(reading.apiCalls));
    for (const [rg, name] of HEALTHY) expect((await itemOf(t, rg, name)).policyName).toBe('daily');
  });

  it('changes a policy and stops protection retaining data', async () => {
    t = await openTestTarget();
    await applyPlan(t.target, makePlan([createPolicy('daily'), ...protect('rg-web', 'web-01'), ...protect('rg-app', 'app-01')]));
    const result = await applyPlan(t.target, makePlan([createPolicy('weekly', WEEKLY), changePolicy('rg-web', 'web-01', 'weekly'), stopProtection('rg-app', 'app-01')]));
    expect(result.actions.map((a) => a.status)).toEqual(['applied', 'applied', 'applied']);
    expect((await itemOf(t, 'rg-web', 'web-01')).policyName).toBe('weekly');
    expect((await itemOf(t, 'rg-app', 'app-01')).protectionState).toBe('ProtectionStopped');
  });

  it('skips blocked actions and what depends on them, with an event', async () => {
    t = await openTestTarget();
    const finding = { code: 'VmNotRunning' as const, message: 'VM batch-01 is deallocated', remedy: 'Start the VM', azureErrorCode: 'AzureVmOffline' };
    const reg = register('rg-batch', 'batch-01', [finding]);
    const prot = { ...protect('rg-batch', 'batch-01')[1], dependsOn: [reg.id, 'createPolicy:daily'] };
    const events: ApplyEvent[] = [];
    const result = await applyPlan(t.target, makePlan([createPolicy('daily'), reg, prot]), { onEvent: (e) => events.push(e) });
    expect(result.actions.map((a) => a.status)).toEqual(['applied', 'blocked', 'blocked']);
    expect(result.actions[1]).toMatchObject({ code: 'AzureVmOffline', remedy: 'Start the VM' });
    expect(result.actions[2].code).toBe('DependencyFailed');
    expect(events.filter((e) => e.phase === 'blocked').map((e) => [e.actionId, e.code])).toEqual([[reg.id, 'AzureVmOffline'], [prot.id, 'DependencyFailed']]);
    expect(result.converged).toBe(false);
  });

  it('reports a refused operation with the Azure code and our remedy', async () => {
    t = await openTestTarget();
    // Pre-flight would block this; the plan says otherwise, so the service refuses it.
    const result = await applyPlan(t.target, makePlan([createPolicy('daily'), ...protect('rg-legacy', 'legacy-01')]));
    const reg = result.actions[1];
    expect(reg.status).toBe('failed');
    expect(reg.code).toBe('UserErrorGuestAgentStatusUnavailable');
    expect(reg.remedy).toMatch(/agent/i);
    expect(result.actions[2].status).toBe('blocked');
  });

  it('converges with internal errors and throttling on', async () => {
    t = await openTestTarget({
      faults: { internalErrorRate: 0.15, throttling: true, readBucket: 20, readRefillPerSecond: 200, writeBucket: 4, writeRefillPerSecond: 20, seed: 3 },
    });
    const retries: ApplyEvent[] = [];
    const result = await applyPlan(t.target, protectAll(), { onEvent: (e) => e.phase === 'retry' && retries.push(e) });
    expect(result.actions.filter((a) => a.status !== 'applied')).toEqual([]);
    expect(retries.length).toBeGreaterThan(0);
    // A write retried after a lost answer meets its own accepted operation: apply waits, re-reads, and moves on.
    // Backup says so with UserErrorBackupOperationInProgress, Compute (the extension install) with OperationNotAllowed.
    for (const e of retries) expect(['InternalServerError', 'TooManyRequests', 'UserErrorBackupOperationInProgress', 'OperationNotAllowed']).toContain(e.code);
    expect(retries.some((e) => e.code === 'InternalServerError')).toBe(true);
    const jobs = await configureJobsByVm(t);
    expect([...jobs.values()].every((n) => n === 1)).toBe(true);
  });

  it('a 429 on a poll retries the poll, never the write: each PUT is sent once, and apply counts the 429s', async () => {
    // Two read tokens refilled at 5 a second, while the pacer assumes ARM's 25: polls meet empty buckets.
    t = await openTestTarget({ faults: { throttling: true, readBucket: 2, readRefillPerSecond: 5 } });
    const throttled = recordThrottled(t.target);
    const before = t.target.calls.snapshot();
    const result = await applyPlan(t.target, makePlan([createPolicy('daily'), ...protect('rg-web', 'web-01')]));
    expect(result.actions.map((a) => a.status)).toEqual(['applied', 'applied', 'applied']);
    const calls = diffCalls(before, t.target.calls.snapshot());
    const writes = Object.entries(calls).filter(([op]) => isWrite(op));
    expect(Object.fromEntries(writes)).toEqual({
      'PUT backupPolicies/{id}': 1,
      'PUT extensions/{id}': 1,
      'PUT protectionContainers/{id}': 1,
      'PUT protectedItems/{id}': 1,
    });
    expect(throttled.filter(isPoll).length).toBeGreaterThan(0);
    expect(result.operationsIssued).toBe(4);
    expect(result.requests).toMatchObject({ writes: 4, throttled: throttled.length });
    expect(result.requests.reads).toBe(Object.entries(calls).filter(([op]) => !isWrite(op)).reduce((n, [, c]) => n + c, 0));
    const tt = t;
    expect((await call(tt.target, () => itemOf(tt, 'rg-web', 'web-01'))).protectionState).toBe('IRPending');
  });

  it('a persistent 500 on a policy read fails with its code said once and a remedy about the service, not the VM', async () => {
    t = await openTestTarget({ faults: { internalErrorRate: 1, internalErrorOn: 'reads' } }, undefined, { retries: 2 });
    const events: ApplyEvent[] = [];
    const before = t.target.calls.snapshot();
    const result = await applyPlan(t.target, makePlan([createPolicy('daily')]), { onEvent: (e) => events.push(e) });
    // One owner of the retry budget: the first attempt and 2 retries, not 3 x 3.
    expect(diffCalls(before, t.target.calls.snapshot())).toEqual({ 'GET backupPolicies/{id}': 3 });
    expect(events.filter((e) => e.phase === 'retry')).toHaveLength(2);
    const failed = result.actions[0];
    expect(failed).toMatchObject({ status: 'failed', code: 'InternalServerError', remedy: AZURE_CODE_REMEDIES.InternalServerError });
    expect(failed.remedy).not.toMatch(/Premium|NIC|load balancer|VM/);
    for (const e of [failed, ...events.filter((x) => x.code)]) expect(e.message).not.toMatch(/^InternalServerError\b/);
    expect(new ApplyFailedError([{ actionId: failed.actionId, code: failed.code!, message: failed.message! }]).message).not.toMatch(/InternalServerError: InternalServerError/);
  });

  it('an interrupted apply, run again, converges without duplicate ConfigureBackup jobs', async () => {
    t = await openTestTarget({ operationDelayMs: 300 });
    const registered = await applyPlan(t.target, makePlan([createPolicy('daily'), ...HEALTHY.map(([rg, name]) => register(rg, name))]));
    expect(registered.converged).toBe(true);
    const plan = protectAll();
    // Interrupt as soon as the first protection finishes: the others have been accepted and are still running.
    const abort = new AbortController();
    const seen: ApplyEvent[] = [];
    const first = await applyPlan(t.target, plan, {
      signal: abort.signal,
      onEvent: (e) => {
        seen.push(e);
        if (e.kind === 'protect' && e.phase === 'done') abort.abort();
      },
    });
    const interrupted = first.actions.filter((a) => a.kind === 'protect' && a.status === 'cancelled');
    expect(interrupted.length).toBeGreaterThan(0);
    expect(interrupted.every((a) => a.operations === 1)).toBe(true);
    // Interrupted, not failed: the events say what the result says.
    expect(first.actions.filter((a) => a.status === 'failed')).toEqual([]);
    expect(seen.filter((e) => e.phase === 'failed')).toEqual([]);
    expect(seen.filter((e) => e.phase === 'interrupted').map((e) => e.actionId).sort()).toEqual(interrupted.map((a) => a.actionId).sort());

    const second = await applyPlan(t.target, plan);
    expect(second.converged).toBe(true);
    const third = await applyPlan(t.target, plan);
    expect(third.operationsIssued).toBe(0);

    const jobs = await configureJobsByVm(t);
    expect(jobs.size).toBe(HEALTHY.length);
    expect([...jobs.values()]).toEqual(HEALTHY.map(() => 1));
  });

  it('a second apply that meets the first one\'s protections waits for them, reads again and moves on, so nothing is done twice', async () => {
    t = await openTestTarget({ operationDelayMs: 1000 });
    const plan = protectAll();
    const target = t.target;
    let second: Promise<Awaited<ReturnType<typeof applyPlan>>> | undefined;
    const refused: ApplyEvent[] = [];
    // The second apply starts while the first one's protections run: its writes are refused with 409 until they end.
    const a = await applyPlan(target, plan, {
      onEvent: (e) => {
        if (e.phase === 'protecting' && !second) second = applyPlan(target, plan, { onEvent: (x) => x.kind === 'protect' && x.phase === 'retry' && refused.push(x) });
      },
    });
    const b = await second!;
    expect(a.converged && b.converged).toBe(true);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((e) => e.code === 'UserErrorBackupOperationInProgress')).toBe(true);
    const jobs = await configureJobsByVm(t);
    expect([...jobs.values()]).toEqual(HEALTHY.map(() => 1));
    // Each protection was made by one apply; the other counts no write for it and reports it converged.
    for (const id of plan.actions.filter((x) => x.kind === 'protect').map((x) => x.id)) {
      const [ra, rb] = [a, b].map((r) => r.actions.find((x) => x.actionId === id)!);
      expect([ra.status, rb.status].sort(), id).toEqual(['applied', 'skipped']);
      expect(ra.operations + rb.operations, id).toBe(1);
    }
  });

  it('refuses a plan made from a state that has moved', async () => {
    t = await openTestTarget();
    const fingerprint = fingerprintObservation(await observe(t.target, WEU));
    const plan = makePlan([createPolicy('daily'), ...protect('rg-web', 'web-01')], fingerprint);
    // Out of band: someone deallocates a VM.
    await t.target.clients.compute.virtualMachines.beginDeallocateAndWait('rg-app', 'app-02', { updateIntervalInMs: 10 });
    const before = t.target.calls.snapshot();
    await expect(applyPlan(t.target, plan, { expectedFingerprint: fingerprint })).rejects.toBeInstanceOf(StalePlanError);
    expect(countWrites(diffCalls(before, t.target.calls.snapshot()))).toBe(0);

    const fresh = fingerprintObservation(await observe(t.target, WEU, { refresh: false }));
    const result = await applyPlan(t.target, makePlan(plan.actions.slice(), fresh), { expectedFingerprint: fresh });
    expect(result.converged).toBe(true);
  });

  it('refuses to delete data without allowDataDeletion, and deletes with it', async () => {
    t = await openTestTarget();
    await applyPlan(t.target, makePlan([createPolicy('daily'), ...protect('rg-web', 'web-01')]));
    const plan = makePlan([deleteData('rg-web', 'web-01')]);
    const before = t.target.calls.snapshot();
    await expect(applyPlan(t.target, plan)).rejects.toBeInstanceOf(ConfigurationError);
    expect(countWrites(diffCalls(before, t.target.calls.snapshot()))).toBe(0);
    expect((await itemOf(t, 'rg-web', 'web-01')).protectionState).toBe('IRPending');

    const result = await applyPlan(t.target, plan, { allowDataDeletion: true });
    expect(result.actions[0].status).toBe('applied');
    const again = await applyPlan(t.target, plan, { allowDataDeletion: true });
    expect(again.actions[0].status).toBe('skipped');
  });
});
