// Many VmProtections of one vault at once, as `pulumi up` sends them: creates run side by side with the
// Checks of other resources, each reads its own item rather than the whole vault, and every one succeeds.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFleet, startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { openTarget, type Target } from '../../provider/azure/index.js';
import { observe } from '../../provider/discovery/index.js';
import { planProtection } from '../../provider/plan/index.js';
import { resolveSpecText } from '../../provider/spec/index.js';
import { providerPb } from '../../provider/pulumi/protocol.js';
import { launchPlugin, rpc, startFakeEngine, struct, type FakeEngine, type Plugin } from './harness.js';

const COUNT = 24;

let engine: FakeEngine;
let plugin: Plugin;
let emulator: RunningEmulator;
let target: Target;
let stateDir: string;
let c: Plugin['client'];
let vault: { resourceGroup: string; name: string };

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), 'vmbackup-pulumi-scale-'));
  const fleet = generateFleet({ vms: 60, seed: 5, regions: ['westeurope'] }) as unknown as { subscriptionId: string; vaults: { name: string; resourceGroup: string }[] };
  vault = { resourceGroup: fleet.vaults[0].resourceGroup, name: fleet.vaults[0].name };
  // ARM's write bucket is ample for this many; Retry-After 0 keeps the polls short.
  emulator = await startEmulator({ stateDir, fleet, port: 0, retryAfterSeconds: 0, operationDelayMs: 20 });
  target = await openTarget({ kind: 'emulator', endpoint: emulator.endpoint, subscriptionId: emulator.subscriptionId, stateDir, caFile: emulator.caFile, tokenFile: emulator.tokenFile });
  engine = await startFakeEngine();
  plugin = await launchPlugin(engine.address, stateDir);
  c = plugin.client;
  const req = new providerPb.ConfigureRequest();
  req.setArgs(struct({ endpoint: emulator.endpoint, subscriptionId: emulator.subscriptionId, caFile: emulator.caFile, tokenFile: emulator.tokenFile, stateDir }));
  req.setAcceptsecrets(true);
  await rpc(c, c.configure, req);
}, 120_000);

afterAll(async () => {
  await plugin?.stop();
  await engine?.close();
  await target?.close();
  await emulator?.close();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

/** The VMs the CLI's planner would protect in the vault: a generated fleet also holds VMs pre-flight blocks. */
async function protectableVms(n: number): Promise<string[]> {
  const text = [
    'apiVersion: vmbackup/v1',
    `target: { subscriptionId: ${emulator.subscriptionId}, vault: { resourceGroup: ${vault.resourceGroup}, name: ${vault.name} } }`,
    'policies: [{ name: daily, schedule: { frequency: Daily, time: "10:00" }, retention: { daily: 7 } }]',
    'protect: [{ name: all, policy: daily, select: { names: ["*"] } }]',
  ].join('\n');
  const { spec } = resolveSpecText(text, 'scale.yaml', { profile: target.profile });
  const plan = planProtection(spec!, await observe(target, vault, { refresh: true }), { profile: target.profile });
  return plan.actions.filter((a) => a.kind === 'protect' && a.blockedBy.length === 0).map((a) => a.target.vmId!).slice(0, n);
}

function call<Res>(method: keyof Plugin['client'], req: unknown): Promise<Res> {
  return rpc(c, (c as unknown as Record<string, never>)[method], req as never) as Promise<Res>;
}

describe('VmProtections at scale over gRPC', () => {
  it('creates side by side with Checks, each reading its own item, and every one protected', async () => {
    const vms = await protectableVms(COUNT);
    expect(vms).toHaveLength(COUNT);
    const policy = new providerPb.CreateRequest();
    policy.setUrn('urn:pulumi:dev::proj::vmbackup:index:Policy::daily');
    policy.setProperties(struct({ vaultResourceGroup: vault.resourceGroup, vaultName: vault.name, name: 'daily', schedule: { frequency: 'Daily', time: '10:00' }, retention: { daily: 7 } }));
    const policyId = (await call<InstanceType<typeof providerPb.CreateResponse>>('create', policy)).getId();

    const before = emulator.requests();
    const results = await Promise.all(
      vms.map(async (vmId, i) => {
        const urn = `urn:pulumi:dev::proj::vmbackup:index:VmProtection::vm-${i}`;
        const inputs = { vaultResourceGroup: vault.resourceGroup, vaultName: vault.name, vmId, policyId };
        const check = new providerPb.CheckRequest();
        check.setUrn(urn);
        check.setNews(struct(inputs));
        check.setOlds(struct({}));
        const checked = await call<InstanceType<typeof providerPb.CheckResponse>>('check', check);
        expect(checked.getFailuresList().map((f) => f.getReason())).toEqual([]);
        const create = new providerPb.CreateRequest();
        create.setUrn(urn);
        create.setProperties(checked.getInputs()!);
        const res = await call<InstanceType<typeof providerPb.CreateResponse>>('create', create);
        return { vmId, id: res.getId(), state: res.getProperties()!.toJavaScript().protectionState };
      }),
    );
    const spent = emulator.requests();
    const reads = spent.reads - before.reads;
    const writes = spent.writes - before.writes;

    for (const r of results) expect(r.state, r.vmId).toMatch(/IRPending|Protected/);
    const seen = await observe(target, vault, { refresh: false });
    const protectedIds = new Set(seen.protectedItems.filter((i) => i.protectionState !== 'ProtectionStopped').map((i) => i.vmId.toLowerCase()));
    for (const vmId of vms) expect(protectedIds.has(vmId.toLowerCase()), vmId).toBe(true);
    // Per VM: the extension, the registration and the protection (classic registers explicitly).
    expect(writes).toBe(3 * COUNT);
    // Per VM (about 8 here): its item once after the write, and what apply waits on (operation polls and the job).
    // Reading the whole vault again after each create, as before, cost about 18.
    expect(reads / COUNT).toBeLessThanOrEqual(12);
  }, 300_000);

  it('a refresh reads each protection with one call', async () => {
    const seen = await observe(target, vault, { refresh: false });
    const items = seen.protectedItems.filter((i) => i.protectionState !== 'ProtectionStopped');
    expect(items.length).toBeGreaterThanOrEqual(COUNT);
    const before = emulator.requests();
    await Promise.all(
      items.map(async (item) => {
        const req = new providerPb.ReadRequest();
        req.setUrn('urn:pulumi:dev::proj::vmbackup:index:VmProtection::refreshed');
        req.setId(item.id);
        const res = await call<InstanceType<typeof providerPb.ReadResponse>>('read', req);
        expect(res.getId()).toBe(item.id);
      }),
    );
    const after = emulator.requests();
    expect(after.reads - before.reads).toBe(items.length);
    expect(after.writes).toBe(before.writes);
  }, 120_000);
});
