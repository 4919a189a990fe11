// One vault's drift reads the subscription's VMs with one Resource Graph query and the vault's backup state through
// Resource Manager's lists, fresh after an apply. Resource Graph does not carry the VM agent, so the agents of the
// declared VMs drift explains are read through Compute. Which vault holds a VM is asked only of declared VMs, and the
// vault's protectable list is read only when it takes fewer calls than those questions. `consistent` reads Compute's
// VM list instead; the findings are the same either way. Pulumi's getDrift reads the same way. Counted at the SDK's
// pipeline against the emulator.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RestError } from '@azure/core-rest-pipeline';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../emulator/index.js';
import { diffCalls, installBackupExtension, isWrite, putProtectedItem, refreshContainers, registerContainer, type CallCounts, type Target } from '../../provider/azure/index.js';
import { FUNCTIONS } from '../../provider/pulumi/functions.js';
import { TargetHolder } from '../../provider/pulumi/context.js';
import { applyPlan } from '../../provider/apply/index.js';
import { observeAndPlan } from '../../provider/cli/observePlan.js';
import { policyArmId, vaultArmId, vmArmId, vmContainerName, vmProtectedItemName, type DriftReport, type ResolvedSpec } from '../../provider/core/index.js';
import { observeVaultForDrift, type DriftReadOptions } from '../../provider/discovery/index.js';
import { detectDrift, needsRecoveryPoints } from '../../provider/drift/index.js';
import { resolveSpecText } from '../../provider/spec/index.js';
import { DAILY_1000, ROOT, specText, VAULT_A, VAULT_B } from '../e2e/harness.js';
import { openTestTarget, serveFleet, type ServedFleet, type TestTarget } from './harness.js';

const GRAPH = 'POST resources';
const VM_LIST = 'GET virtualMachines';
const PROTECTABLE = 'GET backupProtectableItems';
const BACKUP_STATUS = 'POST backupStatus';

const findings = (r: DriftReport) => r.findings.map((f) => `${f.category} ${f.subject.resourceGroup ?? ''}/${f.subject.name} ${f.azureErrorCode ?? ''} ${f.message}`).sort();
const writes = (calls: CallCounts) => Object.keys(calls).filter(isWrite);

async function drift(target: Target, spec: ResolvedSpec, opts: DriftReadOptions = {}): Promise<{ report: DriftReport; calls: CallCounts }> {
  const obs = await observeVaultForDrift(target, spec, { recoveryPoints: needsRecoveryPoints, ...opts });
  return { report: detectDrift(spec, obs), calls: obs.apiCalls };
}

function specOf(target: Target, text: string, file = 'spec.yaml'): ResolvedSpec {
  const resolved = resolveSpecText(text, file, { profile: target.profile });
  expect(resolved.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return resolved.spec!;
}

describe("one vault's drift, on the demo fleet once its spec is applied", () => {
  let world: ServedFleet;
  let dir: string;
  let emulator: RunningEmulator;
  let target: Target;
  let demo: ResolvedSpec;
  const demoFile = join(ROOT, 'examples/spec.yaml');
  beforeAll(async () => {
    world = await serveFleet('vmbackup-vault-drift-');
    ({ dir, emulator, target } = world);
    demo = specOf(target, await readFile(demoFile, 'utf8'), demoFile);
    const { plan } = await observeAndPlan(target, demo);
    const applied = await applyPlan(target, plan);
    expect(applied.actions.filter((a) => a.status === 'failed')).toEqual([]);
  }, 60_000);
  afterAll(() => world?.close());

  it("reads the VMs with one Resource Graph query, writes nothing, and finds what Compute's VM list finds, the agent's finding included", async () => {
    const graph = await drift(target, demo);
    const consistent = await drift(target, demo, { consistent: true });
    expect(graph.calls[GRAPH]).toBe(1);
    expect(consistent.calls[GRAPH]).toBeUndefined();
    expect(consistent.calls[VM_LIST]).toBeGreaterThanOrEqual(1);
    expect([writes(graph.calls), writes(consistent.calls)]).toEqual([[], []]);
    expect(findings(graph.report)).toEqual(findings(consistent.report));
    // legacy-01 has no VM agent: only Compute says so, read for the three declared VMs the spec cannot protect.
    const legacy = graph.report.findings.find((f) => f.subject.name === 'legacy-01')!;
    expect(legacy.category).toBe('declaredUnprotected');
    expect(legacy.message).toMatch(/agent/i);
    expect(graph.report.findings.map((f) => f.subject.name).sort()).toEqual(['batch-01', 'bigdata-01', 'legacy-01']);
  });

  it('Pulumi getDrift reads the same way, and with consistent: true through Compute, with the same findings', async () => {
    const provider = new TargetHolder(() => dir, () => undefined);
    provider.configure({ target: 'emulator', endpoint: emulator.endpoint, stateDir: join(dir, 'state'), allowDataDeletion: false });
    const getDrift = FUNCTIONS['vmbackup:index:getDrift'];
    try {
      const calls = (await provider.target()).calls;
      const reading = async (args: Record<string, unknown>) => {
        const before = calls.snapshot();
        const { outputs, failures } = await getDrift(provider, { specFile: demoFile, ...args });
        expect(failures ?? []).toEqual([]);
        const found = (outputs.findings as { category: string; subjectName: string; message: string }[]).map((f) => `${f.category} ${f.subjectName} ${f.message}`).sort();
        return { found, calls: diffCalls(before, calls.snapshot()) };
      };
      const [graph, compute] = [await reading({}), await reading({ consistent: true })];
      expect([graph.calls[GRAPH], (graph.calls[VM_LIST] ?? 0) <= 1]).toEqual([1, true]);
      expect([compute.calls[GRAPH], compute.calls[VM_LIST]! >= 1]).toEqual([undefined, true]);
      expect(graph.found).toEqual(compute.found);
      expect(graph.found.some((f) => f.startsWith('declaredUnprotected legacy-01') && /agent/i.test(f))).toBe(true);
      expect((await getDrift(provider, { specFile: demoFile, consistent: 'yes' })).failures).toEqual([{ property: 'consistent', reason: 'consistent must be true or false' }]);
    } finally {
      await (await provider.target()).close();
    }
  });

  it("a declared VM Resource Graph does not show (yet) is looked for in Compute's list before drift calls it missing", async () => {
    // Resource Graph lags: its answers leave web-01 and its extension out.
    const graph = target.clients.graph;
    const original = graph.resources;
    const hidden = (row: unknown[]) => String(row[0]).toLowerCase().includes('/virtualmachines/web-01');
    graph.resources = (async (...args: Parameters<typeof original>) => {
      const page = await original.apply(graph, args);
      const groups = Object.values(page.data as Record<string, { rows?: unknown[][] }>);
      for (const g of groups) if (g.rows) g.rows = g.rows.filter((row) => !hidden(row));
      return page;
    }) as typeof original;
    try {
      const lagging = await drift(target, demo);
      expect([lagging.calls[GRAPH], lagging.calls[VM_LIST]! >= 1]).toEqual([1, true]);
      expect(findings(lagging.report)).toEqual(findings((await drift(target, demo, { consistent: true })).report));
      expect(lagging.report.findings.map((f) => f.subject.name)).not.toContain('web-01');
    } finally {
      graph.resources = original;
    }
  });

  it("a refusal from Resource Graph fails the drift with Azure's code and the way around it, and leaves nothing unhandled", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    const graph = target.clients.graph;
    const original = graph.resources;
    graph.resources = () => Promise.reject(new RestError('The client does not have authorization to perform action Microsoft.ResourceGraph/resources/read', { statusCode: 403, code: 'AuthorizationFailed' }));
    try {
      await expect(observeVaultForDrift(target, demo)).rejects.toMatchObject({ code: 'AuthorizationFailed', remedy: expect.stringContaining('--consistent') });
      // The vault's read answers after the refusal: a promise nobody handled would surface by now.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(unhandled).toEqual([]);
      expect(findings((await drift(target, demo, { consistent: true })).report).length).toBe(3);
    } finally {
      graph.resources = original;
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('reads neither Compute nor the protectable list nor any backupStatus when every declared VM is protected', async () => {
    const web = specOf(target, specText(`policies:\n${DAILY_1000}protect:\n  - name: web\n    policy: daily-1000\n    vms: [{ resourceGroup: rg-web, name: web-01 }, { resourceGroup: rg-web, name: web-02 }]\n`));
    const graph = await drift(target, web);
    const consistent = await drift(target, web, { consistent: true });
    expect([graph.calls[GRAPH], graph.calls[VM_LIST], graph.calls[PROTECTABLE], graph.calls[BACKUP_STATUS]]).toEqual([1, undefined, undefined, undefined]);
    expect(consistent.calls[PROTECTABLE]).toBeUndefined();
    // The VMs protected outside this spec are its undeclared findings, the same either way.
    expect(findings(graph.report)).toEqual(findings(consistent.report));
    expect(graph.report.findings.map((f) => f.category)).toContain('undeclaredProtected');
    expect(graph.report.findings.map((f) => f.subject.name)).not.toContain('web-01');
  });
});

describe("one vault's drift of VMs another vault of its region holds", () => {
  let t: TestTarget;
  let fleetDir: string;
  beforeAll(async () => {
    // Two vaults of one region; vault A holds web-01 and web-02, vault B's specs declare web-01 (and app-01) only.
    fleetDir = await mkdtemp(join(tmpdir(), 'vmbackup-vault-drift-fleet-'));
    const vm = (name: string, resourceGroup: string) => ({ name, resourceGroup, location: 'westeurope', os: 'Linux', image: 'Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest' });
    const fleet = {
      subscriptionId: '6f1c2a7e-3b1d-4c55-9d1e-0a9b8c7d6e5f',
      profile: 'classic',
      vaults: [{ ...VAULT_A, location: 'westeurope' }, { ...VAULT_B, location: 'westeurope' }],
      vms: [vm('web-01', 'rg-web'), vm('web-02', 'rg-web'), vm('app-01', 'rg-app'), vm('app-02', 'rg-app')],
    };
    await writeFile(join(fleetDir, 'fleet.yaml'), stringify(fleet));
    t = await openTestTarget({ operationDelayMs: 0 }, join(fleetDir, 'fleet.yaml'));
    for (const name of ['web-01', 'web-02']) {
      const web = { id: vmArmId(t.target.subscriptionId, 'rg-web', name), resourceGroup: 'rg-web', name, location: 'westeurope', osType: 'Linux' as const };
      await installBackupExtension(t.target, web);
      await registerContainer(t.target, VAULT_A, web, vmContainerName('rg-web', name));
      await putProtectedItem(t.target, VAULT_A, vmContainerName('rg-web', name), vmProtectedItemName('rg-web', name), {
        properties: { protectedItemType: 'Microsoft.Compute/virtualMachines', sourceResourceId: web.id, policyId: policyArmId(vaultArmId(t.target.subscriptionId, VAULT_A.resourceGroup, VAULT_A.name), 'DefaultPolicy') },
      });
    }
    // Vault B discovers: it offers app-01 and app-02, which no vault holds.
    await refreshContainers(t.target, VAULT_B);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    if (fleetDir) await rm(fleetDir, { recursive: true, force: true });
  });

  const declaring = (vms: string) => specOf(t.target, specText(`policies:\n${DAILY_1000}protect:\n  - name: mine\n    policy: daily-1000\n    vms: [${vms}]\n`, { vault: VAULT_B }));

  it('asks backupStatus of the one declared VM instead of reading the protectable list, and names the vault that holds it', async () => {
    const spec = declaring('{ resourceGroup: rg-web, name: web-01 }');
    const graph = await drift(t.target, spec);
    expect([graph.calls[BACKUP_STATUS], graph.calls[PROTECTABLE]]).toEqual([1, undefined]);
    const [held] = graph.report.findings.filter((f) => f.subject.name === 'web-01');
    expect(held).toMatchObject({ category: 'protectedByOtherVault' });
    expect(held.actual).toContain('vault-a');
    expect(findings(graph.report)).toEqual(findings((await drift(t.target, spec, { consistent: true })).report));
  });

  it('reads the protectable list when it spares questions (two declared VMs, one page), and asks only of the declared VM it does not offer, never of web-02 nobody declared', async () => {
    const spec = declaring('{ resourceGroup: rg-web, name: web-01 }, { resourceGroup: rg-app, name: app-01 }');
    const graph = await drift(t.target, spec);
    expect([graph.calls[PROTECTABLE], graph.calls[BACKUP_STATUS]]).toEqual([1, 1]);
    expect(graph.report.findings.map((f) => `${f.category} ${f.subject.name}`).sort()).toEqual(['declaredUnprotected app-01', 'policyMissing daily-1000', 'protectedByOtherVault web-01'].sort());
    expect(findings(graph.report)).toEqual(findings((await drift(t.target, spec, { consistent: true })).report));
  });
});
