// The VM list is read as raw JSON pages through our own mapper, not the SDK's per-item deserializer: it must give
// exactly what the SDK's typed list gives, over several pages, and Azure's error when the subscription is unknown.
import { afterEach, describe, expect, it } from 'vitest';
import type { VirtualMachine } from '@azure/arm-compute';
import { diffCalls, listVmAgentFacts, listVms, toVm } from '../../provider/azure/index.js';
import { openTestTarget, type TestTarget } from '../discovery/harness.js';

let t: TestTarget | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of items) out.push(x);
  return out;
}

describe('the VM list read through our own mapper', () => {
  it('gives what the SDK list gives, for every VM of the demo fleet, reading every page', async () => {
    t = await openTestTarget({ pageSize: 7 });
    const { target } = t;
    const compute = target.clients.compute.virtualMachines;
    const before = target.calls.snapshot();
    const records = await listVms(target);
    const pages = diffCalls(before, target.calls.snapshot())['GET virtualMachines'];

    const withStatus: VirtualMachine[] = await all(compute.listAll({ statusOnly: 'true' }));
    const views = new Map(withStatus.map((vm) => [vm.id!.toLowerCase(), vm.instanceView]));
    const expected = withStatus.map((vm) => toVm(vm, views.get(vm.id!.toLowerCase())));

    expect(records.length).toBeGreaterThan(2 * 7);
    expect(pages).toBe(Math.ceil(records.length / 7));
    expect(records).toEqual(expected);
    // The facts only the nested bags carry come through: several NICs, a load balancer, data disks.
    expect(records.filter((r) => r.nicCount > 1).map((r) => r.name)).toContain('multinic-01');
    expect(records.filter((r) => r.loadBalanced).map((r) => r.name)).toEqual(['lb-01']);
    expect(records.find((r) => r.name === 'bigdata-01')?.dataDisks).toBeGreaterThan(5);
  });

  it('the agent facts alone come from the status-only list, one list, the same as listVms gives', async () => {
    t = await openTestTarget({ pageSize: 7 });
    const { target } = t;
    const records = await listVms(target);
    const before = target.calls.snapshot();
    const facts = await listVmAgentFacts(target);
    expect(diffCalls(before, target.calls.snapshot())).toEqual({ 'GET virtualMachines': Math.ceil(records.length / 7) });
    expect([...facts.keys()].sort()).toEqual(records.map((r) => r.id.toLowerCase()).sort());
    for (const r of records) expect(facts.get(r.id.toLowerCase())).toEqual({ agentVersion: r.agentVersion, agentStatus: r.agentStatus, powerState: r.powerState });
    // The fleet holds VMs without an agent and stopped VMs: the facts tell them apart.
    expect([...facts.values()].some((f) => f.agentVersion === undefined)).toBe(true);
    expect([...facts.values()].some((f) => f.powerState !== 'running')).toBe(true);
  });

  it("answers Azure's error for a subscription the service does not know", async () => {
    t = await openTestTarget();
    await expect(listVms(t.target.forSubscription('00000000-0000-4000-8000-000000000000'))).rejects.toMatchObject({ statusCode: 404, code: 'SubscriptionNotFound' });
  });
});
