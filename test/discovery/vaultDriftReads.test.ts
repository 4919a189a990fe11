// One vault's drift reads the subscription's VMs with one Resource Graph query and the vault's backup state through
// Resource Manager's lists, fresh after an apply. Resource Graph does not carry the VM agent, so the agents of the
// declared VMs drift explains are read through Compute, within a budget. Which vault holds a VM is asked only of
// declared VMs, and the vault's protectable list is read only when it takes fewer calls than those questions.
// `consistent` reads Compute's VM list instead; the findings are the same either way. Counted at the SDK's pipeline
// against the emulator.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installBackupExtension, isWrite, putProtectedItem, refreshContainers, registerContainer, type CallCounts } from '../../provider/azure/index.js';
import { applyPlan } from '../../provider/apply/index.js';
import { observeAndPlan } from '../../provider/cli/observePlan.js';
import { policyArmId, vaultArmId, vmArmId, vmContainerName, vmProtectedItemName, type DriftReport, type ResolvedSpec } from '../../provider/core/index.js';
import { observeVaultForDrift, type DiscoverOptions } from '../../provider/discovery/index.js';
import { detectDrift, needsRecoveryPoints } from '../../provider/drift/index.js';
import { resolveSpecText } from '../../provider/spec/index.js';
import { DAILY_1000, ROOT, specText, TWO_VAULTS_FLEET, VAULT_A, VAULT_B } from '../e2e/harness.js';
import { openTestTarget, type TestTarget } from './harness.js';

const GRAPH = 'POST resources';
const VM_LIST = 'GET virtualMachines';
const PROTECTABLE = 'GET backupProtectableItems';
const BACKUP_STATUS = 'POST backupStatus';

const findings = (r: DriftReport) => r.findings.map((f) => `${f.category} ${f.subject.resourceGroup ?? ''}/${f.subject.name} ${f.azureErrorCode ?? ''} ${f.message}`).sort();
const writes = (calls: CallCounts) => Object.keys(calls).filter(isWrite);

async function drift(t: TestTarget, spec: ResolvedSpec, opts: DiscoverOptions = {}): Promise<{ report: DriftReport; calls: CallCounts }> {
  const obs = await observeVaultForDrift(t.target, spec, { recoveryPoints: needsRecoveryPoints, ...opts });
  return { report: detectDrift(spec, obs), calls: obs.apiCalls };
}

function specOf(t: TestTarget, text: string, file = 'spec.yaml'): ResolvedSpec {
  const resolved = resolveSpecText(text, file, { profile: t.target.profile });
  expect(resolved.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return resolved.spec!;
}

describe("one vault's drift, on the demo fleet once its spec is applied", () => {
  let t: TestTarget;
  let demo: ResolvedSpec;
  beforeAll(async () => {
    t = await openTestTarget({ operationDelayMs: 0 });
    const file = join(ROOT, 'examples/spec.yaml');
    demo = specOf(t, await readFile(file, 'utf8'), file);
    const { plan } = await observeAndPlan(t.target, demo);
    const applied = await applyPlan(t.target, plan);
    expect(applied.actions.filter((a) => a.status === 'failed')).toEqual([]);
  }, 60_000);
  afterAll(() => t?.close());

  it("reads the VMs with one Resource Graph query, writes nothing, and finds what Compute's VM list finds, the agent's finding included", async () => {
    const graph = await drift(t, demo);
    const consistent = await drift(t, demo, { consistent: true });
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

  it('past its agent budget, drift leaves the agents unread and says only what the VMs themselves show', async () => {
    const unread = await drift(t, demo, { agentReadBudget: 0 });
    expect(unread.calls[VM_LIST]).toBeUndefined();
    const legacy = unread.report.findings.find((f) => f.subject.name === 'legacy-01')!;
    expect(legacy.category).toBe('declaredUnprotected');
    expect(legacy.message).not.toMatch(/agent/i);
  });

  it('reads neither Compute nor the protectable list nor any backupStatus when every declared VM is protected', async () => {
    const web = specOf(t, specText(`policies:\n${DAILY_1000}protect:\n  - name: web\n    policy: daily-1000\n    vms: [{ resourceGroup: rg-web, name: web-01 }, { resourceGroup: rg-web, name: web-02 }]\n`));
    const graph = await drift(t, web);
    const consistent = await drift(t, web, { consistent: true });
    expect([graph.calls[GRAPH], graph.calls[VM_LIST], graph.calls[PROTECTABLE], graph.calls[BACKUP_STATUS]]).toEqual([1, undefined, undefined, undefined]);
    expect(consistent.calls[PROTECTABLE]).toBeUndefined();
    // The VMs protected outside this spec are its undeclared findings, the same either way.
    expect(findings(graph.report)).toEqual(findings(consistent.report));
    expect(graph.report.findings.map((f) => f.category)).toContain('undeclaredProtected');
    expect(graph.report.findings.map((f) => f.subject.name)).not.toContain('web-01');
  });
});

describe("one vault's drift of a VM another vault of its region holds", () => {
  let t: TestTarget;
  beforeAll(async () => {
    t = await openTestTarget({ operationDelayMs: 0 }, TWO_VAULTS_FLEET);
    const web = { id: vmArmId(t.target.subscriptionId, 'rg-web', 'web-01'), resourceGroup: 'rg-web', name: 'web-01', location: 'westeurope', osType: 'Windows' as const };
    await installBackupExtension(t.target, web);
    await registerContainer(t.target, VAULT_A, web, vmContainerName('rg-web', 'web-01'));
    await putProtectedItem(t.target, VAULT_A, vmContainerName('rg-web', 'web-01'), vmProtectedItemName('rg-web', 'web-01'), {
      properties: { protectedItemType: 'Microsoft.Compute/virtualMachines', sourceResourceId: web.id, policyId: policyArmId(vaultArmId(t.target.subscriptionId, VAULT_A.resourceGroup, VAULT_A.name), 'DefaultPolicy') },
    });
    // Vault B discovers: it offers app-01, which no vault holds.
    await refreshContainers(t.target, VAULT_B);
  }, 60_000);
  afterAll(() => t?.close());

  const declaring = (vms: string) => specOf(t, specText(`policies:\n${DAILY_1000}protect:\n  - name: mine\n    policy: daily-1000\n    vms: [${vms}]\n`, { vault: VAULT_B }));

  it('asks backupStatus of the one declared VM instead of reading the protectable list, and names the vault that holds it', async () => {
    const spec = declaring('{ resourceGroup: rg-web, name: web-01 }');
    const graph = await drift(t, spec);
    expect([graph.calls[BACKUP_STATUS], graph.calls[PROTECTABLE]]).toEqual([1, undefined]);
    const [held] = graph.report.findings.filter((f) => f.subject.name === 'web-01');
    expect(held).toMatchObject({ category: 'protectedByOtherVault' });
    expect(held.actual).toContain('vault-a');
    expect(findings(graph.report)).toEqual(findings((await drift(t, spec, { consistent: true })).report));
  });

  it('reads the protectable list when it spares questions (two declared VMs, one page), and asks only of the VM it does not offer', async () => {
    const spec = declaring('{ resourceGroup: rg-web, name: web-01 }, { resourceGroup: rg-app, name: app-01 }');
    const graph = await drift(t, spec);
    expect([graph.calls[PROTECTABLE], graph.calls[BACKUP_STATUS]]).toEqual([1, 1]);
    expect(graph.report.findings.map((f) => `${f.category} ${f.subject.name}`).sort()).toEqual(['declaredUnprotected app-01', 'policyMissing daily-1000', 'protectedByOtherVault web-01'].sort());
    expect(findings(graph.report)).toEqual(findings((await drift(t, spec, { consistent: true })).report));
  });
});
