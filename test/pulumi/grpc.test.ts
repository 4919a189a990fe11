// The plugin over gRPC, launched as the engine launches it, against an emulator this test also reaches
// with the official SDK (for out-of-band changes). Steps share one plugin and one world, in order; selective
// disk backup, which the classic world lacks, runs last on a modern world and plugin of its own.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { openTarget, putProtectedItem, type Target } from '../../provider/azure/index.js';
import { observe, observeEstate } from '../../provider/discovery/index.js';
import { detectEstateDrift } from '../../provider/drift/index.js';
import { resolveSpecText } from '../../provider/spec/index.js';
import { emptyPb, providerPb } from '../../provider/pulumi/protocol.js';
import { FLEET, launchPlugin, rpc, startFakeEngine, struct, SUBSCRIPTION, vmId, type FakeEngine, type Plugin } from './harness.js';

const WEU = { resourceGroup: 'rg-backup', name: 'vault-weu' };
const VAULT = { vaultResourceGroup: WEU.resourceGroup, vaultName: WEU.name };
const POLICY_URN = 'urn:pulumi:dev::proj::vmbackup:index:Policy::daily';
const WEEKLY_URN = 'urn:pulumi:dev::proj::vmbackup:index:Policy::weekly';
const PROTECTION_URN = 'urn:pulumi:dev::proj::vmbackup:index:VmProtection::web-01';
const SECRET = 'not-for-logs-3f9c';
const DAILY = { schedule: { frequency: 'Daily', time: '22:00' }, retention: { daily: 14 } };
const WEEKLY = { name: 'weekly-sun', schedule: { frequency: 'Weekly', time: '06:00', days: ['Sunday'] }, retention: { weekly: { count: 4, days: ['Sunday'] } } };
const Kind = providerPb.PropertyDiff.Kind;

let engine: FakeEngine;
let plugin: Plugin;
let emulator: RunningEmulator;
let sdkTarget: Target;
let stateDir: string;
let c: Plugin['client'];

function checkReq(urn: string, news: Record<string, unknown>, olds: Record<string, unknown> = {}) {
  const req = new providerPb.CheckRequest();
  req.setUrn(urn);
  req.setNews(struct(news));
  req.setOlds(struct(olds));
  return req;
}

function diffReq(urn: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
  const req = new providerPb.DiffRequest();
  req.setId('id');
  req.setUrn(urn);
  req.setOlds(struct(olds));
  req.setNews(struct(news));
  return req;
}

function detailed(res: InstanceType<typeof providerPb.DiffResponse>): Record<string, number> {
  const out: Record<string, number> = {};
  res.getDetaileddiffMap().forEach((v, k) => (out[k] = v.getKind()));
  return out;
}

async function check(urn: string, news: Record<string, unknown>) {
  const res = await rpc(c, c.check, checkReq(urn, news));
  return { inputs: res.getInputs()!.toJavaScript(), failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })) };
}

async function create(urn: string, inputs: Record<string, unknown>, preview = false) {
  const req = new providerPb.CreateRequest();
  req.setUrn(urn);
  req.setProperties(struct(inputs));
  req.setPreview(preview);
  const res = await rpc(c, c.create, req);
  return { id: res.getId(), outputs: res.getProperties()!.toJavaScript() };
}

async function read(urn: string, id: string, state?: Record<string, unknown>, inputs?: Record<string, unknown>) {
  const req = new providerPb.ReadRequest();
  req.setUrn(urn);
  req.setId(id);
  if (state) req.setProperties(struct(state));
  if (inputs) req.setInputs(struct(inputs));
  const res = await rpc(c, c.read, req);
  return { id: res.getId(), outputs: res.getProperties()?.toJavaScript() ?? {}, inputs: res.getInputs()?.toJavaScript() ?? {} };
}

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), 'vmbackup-pulumi-grpc-'));
  emulator = await startEmulator({ stateDir, fleetFile: FLEET, port: 0, retryAfterSeconds: 0, operationDelayMs: 20 });
  sdkTarget = await openTarget({ kind: 'emulator', endpoint: emulator.endpoint, subscriptionId: SUBSCRIPTION, stateDir, caFile: emulator.caFile, tokenFile: emulator.tokenFile });
  engine = await startFakeEngine();
  plugin = await launchPlugin(engine.address, stateDir);
  c = plugin.client;
});

afterAll(async () => {
  await plugin?.stop();
  await engine?.close();
  await sdkTarget?.close();
  await emulator?.close();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

describe('pulumi-resource-vmbackup over gRPC', () => {
  it('serves its package schema and plugin info', async () => {
    const res = await rpc(c, c.getSchema, new providerPb.GetSchemaRequest());
    const schema = JSON.parse(res.getSchema()) as { name: string; resources: Record<string, { isComponent?: boolean }>; functions: object; config: { variables: Record<string, { secret?: boolean }> } };
    expect(schema.name).toBe('vmbackup');
    expect(Object.keys(schema.resources)).toEqual(['vmbackup:index:Policy', 'vmbackup:index:VmProtection', 'vmbackup:index:ProtectionSet']);
    expect(Object.entries(schema.resources).filter(([, r]) => r.isComponent).map(([t]) => t)).toEqual(['vmbackup:index:ProtectionSet']);
    expect(Object.keys(schema.functions)).toEqual(['vmbackup:index:getVirtualMachines', 'vmbackup:index:getDrift']);
    expect(schema.config.variables.clientSecret.secret).toBe(true);
    const info = await rpc(c, c.getPluginInfo, new emptyPb.Empty());
    expect(info.getVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('refuses to construct a component type it does not serve, naming the one it does', async () => {
    const req = new providerPb.ConstructRequest();
    req.setType('vmbackup:index:VmGroup');
    req.setName('g');
    const err = (await rpc(c, c.construct, req).catch((e: unknown) => e)) as { code?: number; details?: string };
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toMatch(/unknown component type vmbackup:index:VmGroup; this provider serves vmbackup:index:ProtectionSet/);
  });

  it.each([
    { reason: 'the defaults are a valid configuration', config: {}, failing: [] },
    { reason: 'an emulator endpoint with its subscription', config: { endpoint: 'https://127.0.0.1:8443', subscriptionId: SUBSCRIPTION }, failing: [] },
    { reason: 'only emulator and azure are targets', config: { target: 'aws' }, failing: ['target'] },
    { reason: 'a subscription is a GUID', config: { subscriptionId: 'prod' }, failing: ['subscriptionId'] },
    { reason: 'endpoints are https URLs', config: { endpoint: 'http://localhost' }, failing: ['endpoint'] },
    { reason: 'an unknown key is named, not ignored', config: { statedir: '.x' }, failing: ['statedir'] },
    { reason: 'a client secret alone cannot sign in', config: { target: 'azure', clientSecret: SECRET }, failing: ['clientSecret'] },
    { reason: 'data deletion is allowed with a boolean', config: { allowDataDeletion: true }, failing: [] },
    { reason: 'data deletion takes no other value', config: { allowDataDeletion: 'yes' }, failing: ['allowDataDeletion'] },
  ])('CheckConfig: $reason', async ({ config, failing }) => {
    const req = new providerPb.CheckRequest();
    req.setUrn('urn:pulumi:dev::proj::pulumi:providers:vmbackup::default');
    req.setNews(struct(config));
    const res = await rpc(c, c.checkConfig, req);
    expect(res.getFailuresList().map((f) => f.getProperty())).toEqual(failing);
  });

  it('CheckConfig keeps a client secret secret', async () => {
    const req = new providerPb.CheckRequest();
    req.setNews(struct({ target: 'azure', tenantId: 't', clientId: 'c', clientSecret: SECRET }));
    const res = await rpc(c, c.checkConfig, req);
    const secret = res.getInputs()!.toJavaScript().clientSecret as Record<string, unknown>;
    expect(secret['4dabf18193072939515e22adb298388d']).toBe('1b47061264138c4ac30d75fd1eb44270');
    expect(secret.value).toBe(SECRET);
  });

  it('DiffConfig replaces everything on another target, updates on another fleet', async () => {
    const req = new providerPb.DiffRequest();
    req.setOlds(struct({ stateDir: 'a' }));
    req.setNews(struct({ stateDir: 'b', endpoint: 'https://127.0.0.1:9' }));
    const res = await rpc(c, c.diffConfig, req);
    expect(res.getReplacesList()).toEqual(['endpoint']);
    expect(detailed(res)).toEqual({ stateDir: Kind.UPDATE, endpoint: Kind.ADD_REPLACE });
  });

  it('Configure refuses a bad configuration given as engine variables', async () => {
    const req = new providerPb.ConfigureRequest();
    req.getVariablesMap().set('vmbackup:config:target', 'aws');
    const err = await rpc(c, c.configure, req).catch((e: grpc.ServiceError) => e);
    expect((err as grpc.ServiceError).code).toBe(grpc.status.INVALID_ARGUMENT);
    expect((err as grpc.ServiceError).details).toMatch(/target must be "emulator" or "azure"/);
  });

  it('Configure keeps the configuration and accepts secrets and previews', async () => {
    const req = new providerPb.ConfigureRequest();
    req.setArgs(struct({ endpoint: emulator.endpoint, subscriptionId: SUBSCRIPTION, caFile: emulator.caFile, tokenFile: emulator.tokenFile, stateDir }));
    req.setAcceptsecrets(true);
    const res = await rpc(c, c.configure, req);
    expect(res.getAcceptsecrets()).toBe(true);
    expect(res.getSupportspreview()).toBe(true);
  });

  it('Check accepts a policy written as in a spec and names it after the resource', async () => {
    const { inputs, failures } = await check(POLICY_URN, { ...VAULT, ...DAILY });
    expect(failures).toEqual([]);
    expect(inputs.name).toBe('daily');
  });

  it.each([
    { reason: 'a time of day is HH:MM', news: { ...VAULT, schedule: { frequency: 'Daily', time: '25:00' }, retention: { daily: 7 } }, property: 'schedule.time' },
    { reason: 'the classic profile keeps at most 30 daily points', news: { ...VAULT, schedule: { frequency: 'Daily', time: '22:00' }, retention: { daily: 400 } }, property: 'retention.daily' },
    { reason: 'the vault is required', news: { vaultResourceGroup: 'rg-backup', ...DAILY }, property: 'vaultName' },
    { reason: 'unknown properties are refused by name', news: { ...VAULT, ...DAILY, retentionDays: 7 }, property: 'retentionDays' },
  ])('Check refuses a bad Policy: $reason', async ({ news, property }) => {
    const { failures } = await check(POLICY_URN, news);
    expect(failures.map((f) => f.property)).toContain(property);
  });

  it.each([
    { reason: 'vmId must be a VM ARM id', news: { ...VAULT, vmId: 'web-01', policyId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/vault-weu/backupPolicies/daily` }, property: 'vmId' },
    { reason: 'the policy must be in the same vault', news: { ...VAULT, vmId: vmId('rg-web', 'web-01'), policyId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-backup-ne/providers/Microsoft.RecoveryServices/vaults/vault-neu/backupPolicies/daily` }, property: 'policyId' },
    { reason: 'retainDataOnDelete is a boolean', news: { ...VAULT, vmId: vmId('rg-web', 'web-01'), policyId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/vault-weu/backupPolicies/daily`, retainDataOnDelete: 'no' }, property: 'retainDataOnDelete' },
  ])('Check refuses a bad VmProtection: $reason', async ({ news, property }) => {
    const { failures } = await check(PROTECTION_URN, news);
    expect(failures.map((f) => f.property)).toEqual([property]);
  });

  it('Diff reports property paths, kinds and replacements', async () => {
    const olds = { ...VAULT, name: 'daily', ...DAILY };
    const inPlace = await rpc(c, c.diff, diffReq(POLICY_URN, olds, { ...olds, schedule: { frequency: 'Daily', time: '23:00' } }));
    expect(inPlace.getChanges()).toBe(providerPb.DiffResponse.DiffChanges.DIFF_SOME);
    expect(detailed(inPlace)).toEqual({ 'schedule.time': Kind.UPDATE });
    expect(inPlace.getReplacesList()).toEqual([]);
    const renamed = await rpc(c, c.diff, diffReq(POLICY_URN, olds, { ...olds, name: 'nightly' }));
    expect(renamed.getReplacesList()).toEqual(['name']);
    expect(detailed(renamed)).toEqual({ name: Kind.UPDATE_REPLACE });
    const same = await rpc(c, c.diff, diffReq(POLICY_URN, olds, { ...olds, vaultName: 'VAULT-WEU' }));
    expect(same.getChanges()).toBe(providerPb.DiffResponse.DiffChanges.DIFF_NONE);
    const spelledOut = await rpc(c, c.diff, diffReq(POLICY_URN, olds, { ...olds, instantRestoreDays: 2, schedule: { frequency: 'Daily', time: '22:00', timeZone: 'UTC' } }));
    expect(spelledOut.getChanges()).toBe(providerPb.DiffResponse.DiffChanges.DIFF_NONE);

    const vm = { ...VAULT, vmId: vmId('rg-web', 'web-01'), policyId: 'p', retainDataOnDelete: true };
    const moved = await rpc(c, c.diff, diffReq(PROTECTION_URN, vm, { ...vm, vaultName: 'vault-other' }));
    expect(moved.getReplacesList()).toEqual(['vaultName']);
    expect(moved.getDeletebeforereplace()).toBe(true);
    const otherVm = await rpc(c, c.diff, diffReq(PROTECTION_URN, vm, { ...vm, vmId: vmId('rg-web', 'web-02') }));
    expect(otherVm.getReplacesList()).toEqual(['vmId']);
    expect(otherVm.getDeletebeforereplace()).toBe(false);
    // Output-only properties are never input diffs: a stop out of band shows as the policy refresh read.
    const stopped = await rpc(c, c.diff, diffReq(PROTECTION_URN, { ...vm, protectionState: 'ProtectionStopped' }, vm));
    expect(stopped.getChanges()).toBe(providerPb.DiffResponse.DiffChanges.DIFF_NONE);
    const stoppedRead = await rpc(c, c.diff, diffReq(PROTECTION_URN, { ...vm, policyId: '', protectionState: 'ProtectionStopped' }, vm));
    expect(detailed(stoppedRead)).toEqual({ policyId: Kind.UPDATE });
  });

  let dailyId = '';
  let weeklyId = '';
  let itemId = '';

  it('Create makes policies, and a preview creates nothing', async () => {
    const preview = await create(POLICY_URN, { ...VAULT, name: 'daily', ...DAILY }, true);
    expect(preview.id).toBe('');
    const before = await observe(sdkTarget, WEU, { refresh: false });
    expect(before.policies.map((p) => p.name)).not.toContain('daily');

    const daily = await create(POLICY_URN, { ...VAULT, name: 'daily', ...DAILY });
    dailyId = daily.id;
    expect(dailyId).toMatch(/\/vaults\/vault-weu\/backupPolicies\/daily$/);
    expect(daily.outputs.policyType).toBe('V1');
    weeklyId = (await create(WEEKLY_URN, { ...VAULT, ...WEEKLY })).id;
    const after = await observe(sdkTarget, WEU, { refresh: false });
    expect(after.policies.map((p) => p.name)).toEqual(expect.arrayContaining(['daily', 'weekly-sun']));
  });

  it('Create registers and protects a VM, and a second create adopts the protection', async () => {
    const inputs = { ...VAULT, vmId: vmId('rg-web', 'web-01'), policyId: dailyId, retainDataOnDelete: true };
    const first = await create(PROTECTION_URN, inputs);
    itemId = first.id;
    expect(itemId).toMatch(/protectedItems\/VM;iaasvmcontainerv2;rg-web;web-01$/i);
    expect(first.outputs).toMatchObject({ vmName: 'web-01', policyName: 'daily', protectionState: expect.stringMatching(/IRPending|Protected/) });
    const again = await create(PROTECTION_URN, inputs);
    expect(again.id).toBe(itemId);
    // Logs travel by their own RPC and may land just after the response.
    await expect.poll(() => engine.logs.some((l) => l.message.includes('adopting the existing protection') && l.urn === PROTECTION_URN)).toBe(true);
  });

  it('Create fails with the pre-flight finding and its remedy, leaving nothing behind', async () => {
    const inputs = { ...VAULT, vmId: vmId('rg-batch', 'batch-01'), policyId: dailyId, retainDataOnDelete: true };
    const err = await create('urn:pulumi:dev::proj::vmbackup:index:VmProtection::batch-01', inputs).catch((e: grpc.ServiceError) => e);
    // The finding once, with Azure's code and the remedy in a Pulumi user's terms.
    const details = (err as grpc.ServiceError).details;
    expect(details).toMatch(/batch-01 is deallocated, not running \(Azure Backup would answer AzureVmOffline\); to fix it, start the VM.*`pulumi up`/);
    expect(details.match(/not running/g)).toHaveLength(1);
    expect(details).not.toMatch(/vmbackup apply|rule/);
    const obs = await observe(sdkTarget, WEU, { refresh: false });
    expect(obs.protectedItems.some((i) => i.friendlyName === 'batch-01')).toBe(false);
  });

  it.each([
    { reason: 'an unknown VM', rg: 'rg-web', name: 'web-99', property: 'vmId', text: /VM rg-web\/web-99 does not exist.*BCMV2VMNotFound.*to fix it, check vmId/ },
    { reason: 'a stopped VM (classic profile)', rg: 'rg-batch', name: 'batch-02', property: 'vmId', text: /batch-02 is stopped, not running.*start the VM/ },
    { reason: 'too many data disks', rg: 'rg-data', name: 'bigdata-01', property: 'vmId', text: /bigdata-01 has 8 data disks.*remove this VmProtection/ },
    { reason: "a VM outside the vault's region", rg: 'rg-web-ne', name: 'web-ne-01', property: 'vaultName', text: /northeurope, the vault in westeurope.*set vaultResourceGroup and vaultName/ },
  ])('Check at preview refuses what up would refuse: $reason', async ({ rg, name, property, text }) => {
    const { failures } = await check(`urn:pulumi:dev::proj::vmbackup:index:VmProtection::${name}`, { ...VAULT, vmId: vmId(rg, name), policyId: dailyId });
    expect(failures.map((f) => f.property)).toEqual([property]);
    expect(failures[0]!.reason).toMatch(text);
  });

  it('Check refuses a second VmProtection of one VM, naming both resources', async () => {
    const inputs = { ...VAULT, vmId: vmId('rg-app', 'app-02'), policyId: dailyId };
    const first = 'urn:pulumi:dev::proj::vmbackup:index:VmProtection::app-02';
    const second = 'urn:pulumi:dev::proj::vmbackup:index:VmProtection::app-02-again';
    expect((await check(first, inputs)).failures).toEqual([]);
    expect((await check(first, inputs)).failures).toEqual([]);
    const { failures } = await check(second, { ...inputs, vmId: inputs.vmId.toUpperCase() });
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ property: 'vmId' });
    expect(failures[0]!.reason).toContain(first);
    expect(failures[0]!.reason).toContain(second);
  });

  it('Read on refresh shows a policy changed out of band', async () => {
    const state = { ...VAULT, vmId: vmId('rg-web', 'web-01'), policyId: dailyId, retainDataOnDelete: true };
    const unchanged = await read(PROTECTION_URN, itemId, state, state);
    expect(unchanged.inputs.policyId).toBe(dailyId);

    await putProtectedItem(sdkTarget, WEU, 'IaasVMContainer;iaasvmcontainerv2;rg-web;web-01', 'VM;iaasvmcontainerv2;rg-web;web-01', {
      properties: { protectedItemType: 'Microsoft.Compute/virtualMachines', sourceResourceId: vmId('rg-web', 'web-01'), policyId: weeklyId },
    });
    const drifted = await read(PROTECTION_URN, itemId, state, state);
    expect(drifted.inputs.policyId?.toString().toLowerCase()).toBe(weeklyId.toLowerCase());
    expect(drifted.outputs.policyName).toBe('weekly-sun');
  });

  it('Read on import rebuilds inputs and outputs from the id alone', async () => {
    const imported = await read(PROTECTION_URN, itemId);
    expect(imported.id).toBe(itemId);
    expect(imported.inputs).toMatchObject({ ...VAULT, retainDataOnDelete: true });
    expect(String(imported.inputs.vmId).toLowerCase()).toBe(vmId('rg-web', 'web-01').toLowerCase());
    const policy = await read(POLICY_URN, weeklyId);
    expect(policy.inputs).toMatchObject({ ...VAULT, name: 'weekly-sun', schedule: { frequency: 'Weekly', time: '06:00', days: ['Sunday'] }, retention: { weekly: { count: 4, days: ['Sunday'] } } });
    const gone = await read(POLICY_URN, `${dailyId}-missing`);
    expect(gone.id).toBe('');
  });

  it('Update changes the policy in place', async () => {
    const olds = { ...VAULT, vmId: vmId('rg-web', 'web-01'), policyId: weeklyId, retainDataOnDelete: true };
    const req = new providerPb.UpdateRequest();
    req.setUrn(PROTECTION_URN);
    req.setId(itemId);
    req.setOlds(struct(olds));
    req.setNews(struct({ ...olds, policyId: dailyId }));
    const res = await rpc(c, c.update, req);
    expect(res.getProperties()!.toJavaScript().policyName).toBe('daily');
    const obs = await observe(sdkTarget, WEU, { refresh: false });
    expect(obs.protectedItems.find((i) => i.friendlyName === 'web-01')?.policyName).toBe('daily');

    const policyReq = new providerPb.UpdateRequest();
    policyReq.setUrn(POLICY_URN);
    policyReq.setId(dailyId);
    policyReq.setOlds(struct({ ...VAULT, name: 'daily', ...DAILY }));
    policyReq.setNews(struct({ ...VAULT, name: 'daily', ...DAILY, retention: { daily: 21 } }));
    await rpc(c, c.update, policyReq);
    const after = await observe(sdkTarget, WEU, { refresh: false });
    expect(after.policies.find((p) => p.name === 'daily')?.settings?.retention.dailyDays).toBe(21);
  });

  it('Invoke selects VMs and reports drift like the CLI', async () => {
    const req = new providerPb.InvokeRequest();
    req.setTok('vmbackup:index:getVirtualMachines');
    req.setArgs(struct({ ...VAULT, selector: { tags: { app: 'web' } } }));
    const res = await rpc(c, c.invoke, req);
    const vms = res.getReturn()!.toJavaScript().vms as { name: string; protected: boolean; preflight: string[] }[];
    expect(vms.map((v) => v.name).sort()).toEqual(['lb-01', 'web-01', 'web-02']);
    expect(vms.find((v) => v.name === 'web-01')?.protected).toBe(true);
    expect(vms.find((v) => v.name === 'lb-01')?.preflight.join()).toMatch(/LoadBalancer/);

    const bad = new providerPb.InvokeRequest();
    bad.setTok('vmbackup:index:getVirtualMachines');
    bad.setArgs(struct({ ...VAULT, selector: { tag: {} } }));
    const failed = await rpc(c, c.invoke, bad);
    expect(failed.getFailuresList().map((f) => f.getProperty())).toEqual(['selector.tag']);

    const drift = new providerPb.InvokeRequest();
    drift.setTok('vmbackup:index:getDrift');
    drift.setArgs(struct({
      spec: [
        'apiVersion: vmbackup/v1',
        `target: { subscriptionId: ${SUBSCRIPTION}, vault: { resourceGroup: rg-backup, name: vault-weu } }`,
        'policies:',
        '  - { name: daily, schedule: { frequency: Daily, time: "22:00" }, retention: { daily: 21 } }',
        'protect:',
        '  - { name: web, policy: daily, vms: [ { resourceGroup: rg-web, name: web-01 }, { resourceGroup: rg-web, name: web-02 } ] }',
      ].join('\n'),
    }));
    const report = (await rpc(c, c.invoke, drift)).getReturn()!.toJavaScript() as { inSync: boolean; findings: { category: string; subjectName: string }[] };
    expect(report.inSync).toBe(false);
    expect(report.findings).toContainEqual(expect.objectContaining({ category: 'declaredUnprotected', subjectName: 'web-02' }));
  });

  it('Invoke takes the estate form: VMs of two vaults\' regions, and drift with its coverage audit and vaults', async () => {
    const NEU = { resourceGroup: 'rg-backup-ne', name: 'vault-neu' };
    const invoke = async (tok: string, args: Record<string, unknown>) => {
      const req = new providerPb.InvokeRequest();
      req.setTok(tok);
      req.setArgs(struct(args));
      const res = await rpc(c, c.invoke, req);
      return { outputs: res.getReturn()?.toJavaScript() ?? {}, failures: res.getFailuresList().map((f) => f.getProperty()) };
    };
    type Vm = { name: string; resourceGroup: string; subscriptionId?: string; vault?: string; protected: boolean; policyName?: string; preflight: string[] };
    const listed = await invoke('vmbackup:index:getVirtualMachines', { vaults: [WEU, { subscriptionId: SUBSCRIPTION, ...NEU }], selector: { tags: { app: 'web' } } });
    const vms = listed.outputs.vms as Vm[];
    expect(vms.map((v) => `${v.resourceGroup}/${v.name} ${v.vault}`)).toEqual([
      'rg-web/lb-01 rg-backup/vault-weu',
      'rg-web/web-01 rg-backup/vault-weu',
      'rg-web/web-02 rg-backup/vault-weu',
      'rg-web-ne/web-ne-01 rg-backup-ne/vault-neu',
    ]);
    expect(vms.every((v) => v.subscriptionId === SUBSCRIPTION)).toBe(true);
    expect(vms.find((v) => v.name === 'web-01')).toMatchObject({ protected: true, policyName: 'daily', preflight: [] });
    // The agent facts come from Resource Manager: a healthy VM of the other region has no finding.
    expect(vms.find((v) => v.name === 'web-ne-01')).toMatchObject({ protected: false, preflight: [] });

    // One vault and the provider's subscription: the northeurope VM has no vault to go to.
    const oneVault = await invoke('vmbackup:index:getVirtualMachines', { ...VAULT, subscriptions: [SUBSCRIPTION], selector: { resourceGroups: ['rg-web-ne'] } });
    expect((oneVault.outputs.vms as Vm[]).map((v) => [v.name, v.vault, v.preflight.join()])).toEqual([['web-ne-01', undefined, expect.stringMatching(/^NoVaultInRegion: .*declare a vault in northeurope/)]]);
    expect((await invoke('vmbackup:index:getVirtualMachines', { vaults: [{ name: 'vault-neu' }] })).failures).toEqual(['vaults[0].resourceGroup']);

    // scope and vaults alone: the coverage audit of what is protected; only web-01 is.
    const audit = await invoke('vmbackup:index:getDrift', { scope: { subscriptions: [SUBSCRIPTION] }, vaults: [WEU, NEU] });
    expect(audit.failures).toEqual([]);
    expect(audit.outputs.coverage).toEqual({ inScope: 20, protected: 1, declaredUnprotected: 0, exempt: 0, uncovered: 19, exemptions: [] });
    expect(audit.outputs.byCategory).toEqual({ undeclaredProtected: 1, uncovered: 19 });
    expect((await invoke('vmbackup:index:getDrift', { scope: { subscriptions: [SUBSCRIPTION] } })).failures).toEqual(['vaults']);

    const spec = [
      'apiVersion: vmbackup/v1',
      `scope: { subscriptions: [${SUBSCRIPTION}] }`,
      'vaults:',
      `  - { subscriptionId: ${SUBSCRIPTION}, resourceGroup: rg-backup, name: vault-weu }`,
      `  - { subscriptionId: ${SUBSCRIPTION}, resourceGroup: rg-backup-ne, name: vault-neu }`,
      'policies:',
      '  - { name: daily, schedule: { frequency: Daily, time: "22:00" }, retention: { daily: 21 } }',
      'protect:',
      '  - { name: web, policy: daily, vms: [ { resourceGroup: rg-web, name: web-01 }, { resourceGroup: rg-web-ne, name: web-ne-01 } ] }',
      'exempt:',
      '  - { reason: "dev VMs are rebuilt from images", select: { tags: { env: dev } } }',
      '  - { reason: "retired", vms: [ { resourceGroup: rg-old, name: gone-01 } ] }',
    ].join('\n');
    const drift = await invoke('vmbackup:index:getDrift', { spec });
    type Finding = { category: string; subjectName: string; vault?: string };
    const findings = drift.outputs.findings as Finding[];
    // The same engine as `vmbackup drift`: its report over the same world gives the same numbers and findings.
    const resolved = resolveSpecText(spec, '<inline spec>', { profile: sdkTarget.profile });
    const cli = detectEstateDrift(resolved.spec!, await observeEstate(sdkTarget, resolved.spec!, { refresh: false, recoveryPoints: true }));
    expect(drift.outputs.coverage).toEqual({ ...cli.coverage, exemptions: cli.coverage!.exemptions.map(({ source: _s, ...e }) => e) });
    expect(findings.map((f) => [f.category, f.subjectName, f.vault])).toEqual(cli.findings.map((f) => [f.category, f.subject.name, f.vault]));
    expect(drift.outputs.coverage).toMatchObject({ inScope: 20, protected: 1, declaredUnprotected: 1, exempt: 2, uncovered: 16 });
    expect(findings).toContainEqual(expect.objectContaining({ category: 'declaredUnprotected', subjectName: 'web-ne-01', vault: 'rg-backup-ne/vault-neu' }));
    expect(findings).toContainEqual(expect.objectContaining({ category: 'policyMissing', subjectName: 'daily', vault: 'rg-backup-ne/vault-neu' }));
    expect(findings).toContainEqual(expect.objectContaining({ category: 'exemptionUnused', subjectName: 'exemption "retired"' }));
    expect(findings.filter((f) => f.vault === 'rg-backup/vault-weu')).toEqual([]);
    expect(drift.outputs.inSync).toBe(false);
  });

  it('disks: Check refuses any selection on the classic profile, which backs up every disk, naming the modern profile', async () => {
    const inputs = { ...VAULT, vmId: vmId('rg-data', 'db-01'), policyId: dailyId, retainDataOnDelete: true };
    for (const disks of [{ osOnly: true }, { include: [0] }, { exclude: [9] }]) {
      expect((await check('urn:pulumi:dev::proj::vmbackup:index:VmProtection::db-01', { ...inputs, disks })).failures).toEqual([
        { property: 'disks', reason: expect.stringMatching(/the classic profile has no selective disk backup.*UserErrorSelectiveDiskBackupNotSupported.*modern profile/) },
      ]);
    }
  });

  it('Delete stops protection and retains the recovery points', async () => {
    const state = { ...VAULT, vmId: vmId('rg-web', 'web-01'), policyId: dailyId, retainDataOnDelete: true };
    const req = new providerPb.DeleteRequest();
    req.setUrn(PROTECTION_URN);
    req.setId(itemId);
    req.setProperties(struct(state));
    await rpc(c, c.delete, req);
    const obs = await observe(sdkTarget, WEU, { refresh: false });
    const item = obs.protectedItems.find((i) => i.friendlyName === 'web-01');
    expect(item?.protectionState).toBe('ProtectionStopped');
    expect(item?.softDeleted).toBe(false);
    await rpc(c, c.delete, req);
  });

  it('Delete deletes the recovery points only when asked twice: retainDataOnDelete: false and allowDataDeletion', async () => {
    const urn = 'urn:pulumi:dev::proj::vmbackup:index:VmProtection::app-01';
    const inputs = { ...VAULT, vmId: vmId('rg-app', 'app-01'), policyId: dailyId, retainDataOnDelete: false };
    const { id } = await create(urn, inputs);
    const req = new providerPb.DeleteRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setProperties(struct(inputs));
    req.setOldInputs(struct(inputs));
    const appItem = async () => (await observe(sdkTarget, WEU, { refresh: false })).protectedItems.find((i) => i.friendlyName === 'app-01');

    // Asked once (the resource only): refused, nothing changed.
    const refused = await rpc(c, c.delete, req).catch((e: grpc.ServiceError) => e);
    expect((refused as grpc.ServiceError).code).toBe(grpc.status.FAILED_PRECONDITION);
    expect((refused as grpc.ServiceError).details).toMatch(/app-01 says retainDataOnDelete: false.*vmbackup:allowDataDeletion/);
    expect((await appItem())?.protectionState).not.toBe('ProtectionStopped');
    expect((await appItem())?.softDeleted).toBe(false);

    // Asked twice: the provider configuration allows it too.
    const configure = new providerPb.ConfigureRequest();
    configure.setArgs(struct({ endpoint: emulator.endpoint, subscriptionId: SUBSCRIPTION, caFile: emulator.caFile, tokenFile: emulator.tokenFile, stateDir, allowDataDeletion: true }));
    await rpc(c, c.configure, configure);
    await rpc(c, c.delete, req);
    const item = await appItem();
    expect(item === undefined || item.softDeleted).toBe(true);
    expect(engine.logs.some((l) => l.urn === urn && l.message.includes('deleting its recovery points'))).toBe(true);
  });

  it('Cancel, GetMapping and GetMappings answer, and no secret reached the log', async () => {
    await rpc(c, c.getMapping, new providerPb.GetMappingRequest());
    const mappings = await rpc(c, c.getMappings, new providerPb.GetMappingsRequest());
    expect(mappings.getProvidersList()).toEqual([]);
    await rpc(c, c.cancel, new emptyPb.Empty());
    expect(engine.logs.length).toBeGreaterThan(0);
    expect(engine.logs.some((l) => l.message.includes(SECRET))).toBe(false);
    expect(plugin.stderr()).not.toContain(SECRET);
  });
});

describe('pulumi-resource-vmbackup over gRPC on the modern profile', () => {
  // Selective disk backup is today's Azure: its own world and plugin (the classic steps above share theirs).
  let classic: { client: Plugin['client']; target: Target };
  let modernDir: string;
  let modernEmulator: RunningEmulator;
  let modernPlugin: Plugin;
  let modernDailyId = '';

  beforeAll(async () => {
    classic = { client: c, target: sdkTarget };
    modernDir = await mkdtemp(path.join(tmpdir(), 'vmbackup-pulumi-grpc-modern-'));
    modernEmulator = await startEmulator({ stateDir: modernDir, fleetFile: FLEET, profile: 'modern', port: 0, retryAfterSeconds: 0, operationDelayMs: 20 });
    modernPlugin = await launchPlugin(engine.address, modernDir);
    c = modernPlugin.client;
    sdkTarget = await openTarget({ kind: 'emulator', endpoint: modernEmulator.endpoint, subscriptionId: SUBSCRIPTION, stateDir: modernDir, caFile: modernEmulator.caFile, tokenFile: modernEmulator.tokenFile });
    const configure = new providerPb.ConfigureRequest();
    configure.setArgs(struct({ endpoint: modernEmulator.endpoint, subscriptionId: SUBSCRIPTION, caFile: modernEmulator.caFile, tokenFile: modernEmulator.tokenFile, stateDir: modernDir }));
    await rpc(c, c.configure, configure);
    modernDailyId = (await create(POLICY_URN, { ...VAULT, name: 'daily', ...DAILY })).id;
  });

  afterAll(async () => {
    await modernPlugin?.stop();
    await sdkTarget?.close();
    await modernEmulator?.close();
    ({ client: c, target: sdkTarget } = classic);
    if (modernDir) await rm(modernDir, { recursive: true, force: true });
  });

  it('disks: Check refuses a selection Azure would refuse; OS disk only is created, read back and diffed clean; update changes it', async () => {
    const urn = 'urn:pulumi:dev::proj::vmbackup:index:VmProtection::db-01';
    const inputs = { ...VAULT, vmId: vmId('rg-data', 'db-01'), policyId: modernDailyId, retainDataOnDelete: true };
    const refused = async (disks: unknown) => (await check(urn, { ...inputs, disks })).failures;
    expect(await refused({ include: [] })).toEqual([{ property: 'disks', reason: expect.stringContaining('osOnly: true') }]);
    expect(await refused({ include: [0], osOnly: true })).toEqual([{ property: 'disks', reason: expect.stringContaining('exactly one') }]);
    expect(await refused({ include: [0, 9] })).toEqual([{ property: 'disks', reason: expect.stringMatching(/LUN 9 of VM rg-data\/db-01.*LUN 0, 1, 2, 3.*UserErrorInvalidDiskLun/) }]);

    const osOnly = { ...inputs, disks: { osOnly: true } };
    expect((await check(urn, osOnly)).failures).toEqual([]);
    const created = await create(urn, osOnly);
    expect(created.outputs).toMatchObject({ vmName: 'db-01', disks: { osOnly: true } });
    const item = (await observe(sdkTarget, WEU, { refresh: false })).protectedItems.find((i) => i.friendlyName === 'db-01' && /rg-data/i.test(i.vmId));
    expect(item?.disks).toEqual({ kind: 'osOnly' });

    const refreshed = await read(urn, created.id, created.outputs, osOnly);
    expect(refreshed.inputs.disks).toEqual({ osOnly: true });
    const clean = await rpc(c, c.diff, diffReq(urn, refreshed.outputs, osOnly));
    expect(clean.getChanges()).toBe(providerPb.DiffResponse.DiffChanges.DIFF_NONE);
    const imported = await read(urn, created.id);
    expect(imported.inputs.disks).toEqual({ osOnly: true });

    const everyDisk = await rpc(c, c.diff, diffReq(urn, refreshed.outputs, inputs));
    expect(everyDisk.getChanges()).toBe(providerPb.DiffResponse.DiffChanges.DIFF_SOME);
    expect(detailed(everyDisk)).toEqual({ disks: Kind.DELETE });

    const update = new providerPb.UpdateRequest();
    update.setUrn(urn);
    update.setId(created.id);
    update.setOlds(struct(refreshed.outputs));
    update.setNews(struct({ ...inputs, disks: { include: [0] } }));
    expect((await rpc(c, c.update, update)).getProperties()!.toJavaScript().disks).toEqual({ include: [0] });
    const changed = (await observe(sdkTarget, WEU, { refresh: false })).protectedItems.find((i) => i.id === created.id);
    expect(changed?.disks).toEqual({ kind: 'include', luns: [0] });
  });
});
