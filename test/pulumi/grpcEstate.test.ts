// The functions over an estate of two subscriptions, through the plugin over gRPC with one provider configuration
// (the first subscription's): every vault and VM list is read through its own subscription.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { openTarget, type Target } from '../../provider/azure/index.js';
import { applyPlan } from '../../provider/apply/index.js';
import { observe } from '../../provider/discovery/index.js';
import { planProtection } from '../../provider/plan/index.js';
import { resolveSpecText } from '../../provider/spec/index.js';
import { providerPb } from '../../provider/pulumi/protocol.js';
import { launchPlugin, rpc, ROOT, startFakeEngine, struct, type FakeEngine, type Plugin } from './harness.js';

const FLEET = path.join(ROOT, 'test', 'pulumi', 'fixtures', 'two-subscriptions.yaml');
const SUB_A = '11111111-1111-4111-8111-111111111111';
const SUB_B = '22222222-2222-4222-8222-222222222222';
const VAULTS = [
  { resourceGroup: 'rg-backup', name: 'vault-a' },
  { subscriptionId: SUB_B, resourceGroup: 'rg-backup', name: 'vault-b' },
];

let engine: FakeEngine;
let plugin: Plugin;
let emulator: RunningEmulator;
let stateDir: string;
let c: Plugin['client'];

async function invoke(tok: string, args: Record<string, unknown>) {
  const req = new providerPb.InvokeRequest();
  req.setTok(tok);
  req.setArgs(struct(args));
  const res = await rpc(c, c.invoke, req);
  return { outputs: res.getReturn()?.toJavaScript() ?? {}, failures: res.getFailuresList().map((f) => f.getProperty()) };
}

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), 'vmbackup-pulumi-estate-'));
  emulator = await startEmulator({ stateDir, fleetFile: FLEET, port: 0, retryAfterSeconds: 0, operationDelayMs: 20 });
  // Subscription B's web-01 is protected out of band, by the engine the CLI uses, through B's own clients.
  const target: Target = await openTarget({ kind: 'emulator', endpoint: emulator.endpoint, subscriptionId: SUB_A, stateDir, caFile: emulator.caFile, tokenFile: emulator.tokenFile });
  try {
    const spec = resolveSpecText(
      [
        'apiVersion: vmbackup/v1',
        `target: { subscriptionId: ${SUB_B}, vault: { resourceGroup: rg-backup, name: vault-b } }`,
        'policies: [ { name: daily, schedule: { frequency: Daily, time: "22:00" }, retention: { daily: 7 } } ]',
        'protect: [ { name: web, policy: daily, vms: [ { resourceGroup: rg-web, name: web-01 } ] } ]',
      ].join('\n'),
      'setup.yaml',
    ).spec!;
    const b = target.forSubscription(SUB_B);
    const result = await applyPlan(b, planProtection(spec, await observe(b, spec.target.vault, { refresh: true })));
    if (!result.converged) throw new Error('setup: web-01 of subscription B was not protected');
  } finally {
    await target.close();
  }
  engine = await startFakeEngine();
  plugin = await launchPlugin(engine.address, stateDir);
  c = plugin.client;
  const configure = new providerPb.ConfigureRequest();
  configure.setArgs(struct({ endpoint: emulator.endpoint, subscriptionId: SUB_A, caFile: emulator.caFile, tokenFile: emulator.tokenFile, stateDir }));
  await rpc(c, c.configure, configure);
});

afterAll(async () => {
  await plugin?.stop();
  await engine?.close();
  await emulator?.close();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

describe('Pulumi functions over two subscriptions with one provider configuration', () => {
  it('getVirtualMachines lists both subscriptions, each VM with its subscription and vault', async () => {
    type Vm = { id: string; name: string; subscriptionId: string; vault?: string; protected: boolean; policyName?: string; preflight: string[] };
    const { outputs, failures } = await invoke('vmbackup:index:getVirtualMachines', { vaults: VAULTS, subscriptions: [SUB_A, SUB_B] });
    expect(failures).toEqual([]);
    const vms = (outputs.vms as Vm[]).map((v) => [v.subscriptionId, v.name, v.vault ?? null, v.protected, v.preflight.map((p) => p.split(':')[0])]);
    expect(vms).toEqual([
      [SUB_A, 'app-ne-01', null, false, ['NoVaultInRegion']],
      [SUB_B, 'dev-01', 'rg-backup/vault-b', false, []],
      [SUB_A, 'web-01', 'rg-backup/vault-a', false, []],
      [SUB_B, 'web-01', 'rg-backup/vault-b', true, []],
    ]);
    // Without subscriptions: the provider's alone.
    const own = await invoke('vmbackup:index:getVirtualMachines', { vaults: VAULTS });
    expect((own.outputs.vms as Vm[]).map((v) => v.subscriptionId)).toEqual([SUB_A, SUB_A]);
  });

  it('getDrift of an estate spec over both subscriptions gives the coverage and each finding\'s vault', async () => {
    const spec = [
      'apiVersion: vmbackup/v1',
      `scope: { subscriptions: [${SUB_A}, ${SUB_B}] }`,
      'vaults:',
      `  - { subscriptionId: ${SUB_A}, resourceGroup: rg-backup, name: vault-a }`,
      `  - { subscriptionId: ${SUB_B}, resourceGroup: rg-backup, name: vault-b }`,
      'policies: [ { name: daily, schedule: { frequency: Daily, time: "22:00" }, retention: { daily: 7 } } ]',
      'protect: [ { name: web, policy: daily, select: { tags: { app: "*" } } } ]',
      'exempt: [ { reason: "rebuilt from images", select: { tags: { env: dev } } } ]',
    ].join('\n');
    const { outputs, failures } = await invoke('vmbackup:index:getDrift', { spec });
    expect(failures).toEqual([]);
    expect(outputs.coverage).toEqual({
      inScope: 4,
      protected: 1,
      declaredUnprotected: 2,
      exempt: 1,
      uncovered: 0,
      exemptions: [{ id: `/subscriptions/${SUB_B}/resourceGroups/rg-dev/providers/Microsoft.Compute/virtualMachines/dev-01`, name: 'dev-01', resourceGroup: 'rg-dev', reason: 'rebuilt from images' }],
    });
    const findings = (outputs.findings as { category: string; subjectName: string; subjectId?: string; vault?: string }[]).map((f) => [f.category, f.subjectName, f.vault ?? null]);
    expect(findings).toEqual(expect.arrayContaining([
      ['declaredUnprotected', 'web-01', 'rg-backup/vault-a'],
      ['policyMissing', 'daily', 'rg-backup/vault-a'],
      ['noVault', 'app-ne-01', null],
    ]));
    expect(findings.filter((f) => f[2] === 'rg-backup/vault-b')).toEqual([]);
  });
});
