// Resource Graph does not carry the VM agent. An estate plan that would spend more than its budget of Compute calls
// on agents leaves them unread: its first write of each VM (register in the classic profile, protect in the modern
// one, the undelete of a soft-deleted item) says so, and apply checks the agent on the VM it reads before writing. A
// VM whose agent fails pre-flight is blocked there with the finding's code and remedy, and nothing is written for it;
// the others are applied.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { withBackupExtension } from '../../emulator/backupExtension.js';
import { openSqliteStore } from '../../emulator/store.js';
import { applyEstatePlan } from '../../provider/apply/index.js';
import { diffCalls, openTarget, type Target } from '../../provider/azure/index.js';
import { discoverEstate } from '../../provider/discovery/index.js';
import { planEstate } from '../../provider/plan/index.js';
import { renderPlan } from '../../provider/render/index.js';
import { resolveSpecText } from '../../provider/spec/index.js';
import { DEMO_FLEET } from '../e2e/harness.js';

const DEMO_SUBSCRIPTION = '6f1c2a7e-3b1d-4c55-9d1e-0a9b8c7d6e5f';
const MODERN_SUBSCRIPTION = '0b7f3c1d-9a2e-4d6b-8c4f-5e1a2b3c4d5e';

const MODERN_FLEET = `subscriptionId: ${MODERN_SUBSCRIPTION}
profile: modern
vaults:
  - { name: vault-weu, resourceGroup: rg-backup, location: westeurope }
vms:
  - { name: ok-01, resourceGroup: rg-app, location: westeurope, os: Linux, image: "Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest" }
  - { name: noagent-01, resourceGroup: rg-app, location: westeurope, os: Linux, image: "Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest", agentVersion: null }
`;

const specText = (subscriptionId: string, vms: readonly string[]) => `apiVersion: vmbackup/v1
scope: { subscriptions: [${subscriptionId}] }
vaults:
  - { subscriptionId: ${subscriptionId}, resourceGroup: rg-backup, name: vault-weu }
policies:
  - { name: daily, schedule: { frequency: Daily, time: "10:00", timeZone: UTC }, retention: { daily: 30 } }
protect:
  - { name: chosen, policy: daily, select: { names: [${vms.join(', ')}] } }
`;

describe('the VM agent, left unread by an estate plan, is checked by apply', () => {
  const dirs: string[] = [];
  const open: { emulator: RunningEmulator; target: Target }[] = [];
  afterAll(async () => {
    for (const { emulator, target } of open) {
      await target.close();
      await emulator.close();
    }
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  const world = async (fleetFile: string | undefined, fleetText?: string, before?: (stateDir: string) => void) => {
    const dir = await mkdtemp(join(tmpdir(), 'vmbackup-agent-at-apply-'));
    dirs.push(dir);
    const file = fleetFile ?? join(dir, 'fleet.yaml');
    if (fleetText) await writeFile(file, fleetText);
    const emulator = await startEmulator({ stateDir: join(dir, 'state'), fleetFile: file, retryAfterSeconds: 0, operationDelayMs: 0 });
    before?.(join(dir, 'state'));
    const target = await openTarget({ kind: 'emulator', endpoint: emulator.endpoint, stateDir: join(dir, 'state') });
    open.push({ emulator, target });
    return target;
  };

  /** Plans with no Compute call to spare for agents, then applies; returns the plan, the results and apply's calls. */
  const planAndApply = async (target: Target, subscriptionId: string, vms: readonly string[]) => {
    const { spec, diagnostics } = resolveSpecText(specText(subscriptionId, vms), 'estate.yaml', { profile: target.profile });
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const before = target.calls.snapshot();
    const estate = await discoverEstate(target, spec!, { consistent: false, refresh: true, agentReadBudget: 0 });
    const planCalls = diffCalls(before, target.calls.snapshot());
    const plan = planEstate(spec!, estate, { profile: target.profile });
    const applied = await applyEstatePlan(target, plan);
    const byVm = (name: string) => applied.actions.filter((a) => a.vmName === name);
    return { plan, planCalls, applied, byVm };
  };

  it('classic: the plan reads no agent and blocks none; apply blocks the VM without an agent and the outdated one at their register, writing nothing for them', async () => {
    const target = await world(DEMO_FLEET);
    const { plan, planCalls, applied, byVm } = await planAndApply(target, DEMO_SUBSCRIPTION, ['web-01', 'legacy-01', 'legacy-02']);

    expect(Object.keys(planCalls).filter((op) => op.startsWith('GET virtualMachines'))).toEqual([]);
    expect(plan.summary.blocked).toBe(0);
    const registers = plan.actions.filter((a) => a.kind === 'register');
    expect(registers.map((a) => [a.target.vmName, a.agentCheckAtApply])).toEqual(
      expect.arrayContaining([['web-01', true], ['legacy-01', true], ['legacy-02', true]]),
    );
    // The register checks the agent; the protect after it does not read the VM again.
    expect(plan.actions.filter((a) => a.kind === 'protect').every((a) => a.agentCheckAtApply === undefined)).toBe(true);
    expect(renderPlan(plan, 'text')).toContain('The VM agent of 3 VMs was not read (Resource Graph does not carry it)');

    // Azure Backup's code for both, as the plan's pre-flight gives it; the message tells them apart.
    expect(byVm('legacy-01').map((a) => [a.kind, a.status, a.code, a.operations])).toEqual([
      ['register', 'blocked', 'UserErrorGuestAgentStatusUnavailable', 0],
      ['protect', 'blocked', 'DependencyFailed', 0],
    ]);
    expect(byVm('legacy-01')[0].message).toBe('VM rg-legacy/legacy-01 has no VM agent');
    expect(byVm('legacy-01')[0].remedy).toMatch(/agent/i);
    expect(byVm('legacy-02')[0]).toMatchObject({ kind: 'register', status: 'blocked', code: 'UserErrorGuestAgentStatusUnavailable', operations: 0 });
    expect(byVm('legacy-02')[0].message).toMatch(/runs VM agent 2\.6\.1198\.600, older than/);
    expect(byVm('web-01').map((a) => a.status)).toEqual(['applied', 'applied']);
    // Three VMs read, one backup extension and one registration written: web-01's.
    expect(applied.apiCalls).toMatchObject({ 'GET virtualMachines/{id}': 3, 'PUT extensions/{id}': 1, 'PUT protectionContainers/{id}': 1, 'PUT protectedItems/{id}': 1 });
    expect(applied.converged).toBe(false);
  }, 60_000);

  it("classic: a VM registered already, or whose item is soft-deleted, is judged before anything is written for it", async () => {
    // Out of band, legacy-01 (no agent) was registered with its extension but never protected, and legacy-02 (an
    // outdated agent) was protected, then its protection deleted: its item is soft-deleted.
    const target = await world(DEMO_FLEET, undefined, (stateDir) => {
      const store = openSqliteStore(stateDir);
      try {
        const vault = store.listVaults().find((v) => v.name === 'vault-weu')!;
        const vmOf = (name: string) => store.listVms().find((vm) => vm.name === name)!;
        const [one, two] = [vmOf('legacy-01'), vmOf('legacy-02')];
        store.putVm(withBackupExtension(one));
        for (const vm of [one, two]) store.putContainer({ vaultId: vault.id, vmId: vm.id, vmName: vm.name, resourceGroup: vm.resourceGroup, registrationStatus: 'Registered', registeredAt: new Date().toISOString() });
        store.putItem({
          vaultId: vault.id, vmId: two.id, vmName: two.name, resourceGroup: two.resourceGroup, vmLocation: two.location, policyName: 'DefaultPolicy',
          state: 'ProtectionStopped', healthStatus: 'Passed', configuredAt: Date.now(), protectedItemDataId: '1', deferredDeleteAt: new Date(Date.now() + 14 * 86_400_000).toISOString(),
        });
      } finally {
        store.close();
      }
    });
    const { plan, applied, byVm } = await planAndApply(target, DEMO_SUBSCRIPTION, ['legacy-01', 'legacy-02']);

    expect(plan.actions.filter((a) => a.agentCheckAtApply).map((a) => [a.kind, a.target.vmName])).toEqual([['register', 'legacy-01'], ['undelete', 'legacy-02']]);
    expect(byVm('legacy-01').map((a) => [a.kind, a.status, a.code, a.operations])).toEqual([
      ['register', 'blocked', 'UserErrorGuestAgentStatusUnavailable', 0],
      ['protect', 'blocked', 'DependencyFailed', 0],
    ]);
    expect(byVm('legacy-02').map((a) => [a.kind, a.status, a.code, a.operations])).toEqual([
      ['undelete', 'blocked', 'UserErrorGuestAgentStatusUnavailable', 0],
      ['protect', 'blocked', 'DependencyFailed', 0],
    ]);
    // The one write is the policy's.
    expect(applied.actions.filter((a) => a.operations > 0).map((a) => a.kind)).toEqual(['createPolicy']);
  }, 60_000);

  it('modern: the protect carries the check, reads the VM and blocks a running VM without an agent', async () => {
    const target = await world(undefined, MODERN_FLEET);
    const { plan, applied, byVm } = await planAndApply(target, MODERN_SUBSCRIPTION, ['ok-01', 'noagent-01']);

    expect(plan.actions.filter((a) => a.kind === 'register')).toEqual([]);
    expect(plan.actions.filter((a) => a.kind === 'protect').map((a) => a.agentCheckAtApply)).toEqual([true, true]);
    expect(byVm('noagent-01').map((a) => [a.status, a.code, a.message, a.operations])).toEqual([
      ['blocked', 'UserErrorGuestAgentStatusUnavailable', 'VM rg-app/noagent-01 has no VM agent', 0],
    ]);
    expect(byVm('ok-01').map((a) => a.status)).toEqual(['applied']);
    // Each protect read its VM before writing; one protected item was written.
    expect(applied.apiCalls['GET virtualMachines/{id}']).toBe(2);
    expect(applied.apiCalls['PUT protectedItems/{id}']).toBe(1);
  }, 60_000);
});
