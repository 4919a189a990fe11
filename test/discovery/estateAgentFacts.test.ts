// An estate's plan needs Compute's agent facts only for the VMs it would write for: a subscription's status-only VM
// list when they are many, one GET each when they are fewer than the list's pages (a daily plan of a protected estate
// with a few new VMs). Counted at the SDK's pipeline against the emulator.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEstate, startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { diffCalls, openTarget, readVm, type Target } from '../../provider/azure/index.js';
import { estateSpecText } from '../../provider/cli/estateSpec.js';
import { discoverEstate } from '../../provider/discovery/index.js';
import { planEstate } from '../../provider/plan/index.js';
import { resolveSpecText } from '../../provider/spec/index.js';
import type { ResolvedSpec } from '../../provider/core/index.js';

describe("an estate's agent facts", () => {
  // 1,200 VMs in 4 subscriptions: 300 a subscription, three pages of Compute's VM list each.
  const fleet = generateEstate({ vms: 1200 });
  const first = fleet.subscriptions[0];
  const named = (name: string) => fleet.subscriptions.flatMap((s) => s.vms).filter((vm) => vm.name === name).length;
  // A production VM in a one-vault region whose name no other subscription uses: the rule below selects it alone.
  const lone = first.vms.find((vm) => vm.location === 'northeurope' && vm.tags?.env === 'prod' && named(vm.name) === 1)!;
  let dir: string;
  let emulator: RunningEmulator;
  let target: Target;

  const specOf = (text: string): ResolvedSpec => {
    const { spec, diagnostics } = resolveSpecText(text, 'estate.yaml', { profile: target.profile });
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    return spec!;
  };
  const vmReads = async (spec: ResolvedSpec, agentReadBudget?: number) => {
    const before = target.calls.snapshot();
    const estate = await discoverEstate(target, spec, { consistent: false, refresh: false, ...(agentReadBudget !== undefined ? { agentReadBudget } : {}) });
    const calls = diffCalls(before, target.calls.snapshot());
    return { estate, reads: Object.fromEntries(Object.entries(calls).filter(([op]) => op.startsWith('GET virtualMachines'))) };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vmbackup-agent-facts-'));
    emulator = await startEmulator({ stateDir: join(dir, 'state'), fleet, retryAfterSeconds: 0, operationDelayMs: 0 });
    target = await openTarget({ kind: 'emulator', endpoint: emulator.endpoint, stateDir: join(dir, 'state'), subscriptionId: first.subscriptionId });
  });
  afterAll(async () => {
    await target?.close();
    await emulator?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('many VMs to write for: each subscription lists its VMs, status only, once', async () => {
    const { reads } = await vmReads(specOf(estateSpecText(fleet)));
    // Three pages in each of the four subscriptions; no VM read on its own.
    expect(reads).toEqual({ 'GET virtualMachines': 12 });
  });

  it('past the budget (a fresh estate): no VM read at all; the VMs to write for are left to apply, the others untouched', async () => {
    const spec = specOf(estateSpecText(fleet));
    // Three pages a subscription against a budget of two.
    const { estate, reads } = await vmReads(spec, 2);
    expect(reads).toEqual({});
    const plan = planEstate(spec, estate, { profile: target.profile });
    const checked = plan.actions.filter((a) => a.agentCheckAtApply);
    expect(checked.length).toBeGreaterThan(100);
    // Every VM is unread, and no action of the plan is blocked for its agent.
    expect(estate.vms.every((vm) => vm.agentUnread === true && vm.agentVersion === undefined)).toBe(true);
    expect(plan.actions.flatMap((a) => a.blockedBy).filter((f) => f.code.startsWith('Agent'))).toEqual([]);
  });

  it('one VM to write for: one GET of that VM, and its facts are the ones Compute gives', async () => {
    const doc = parse(estateSpecText(fleet)) as { protect: { policy: string }[]; exempt?: unknown };
    delete doc.exempt;
    doc.protect = [{ name: 'lone', policy: doc.protect[0].policy, select: { names: [lone.name] } } as never];
    const { estate, reads } = await vmReads(specOf(stringify(doc)));
    expect(reads).toEqual({ 'GET virtualMachines/{id}': 1 });
    const seen = estate.vms.find((vm) => vm.name === lone.name)!;
    const arm = await readVm(target, { resourceGroup: lone.resourceGroup, name: lone.name });
    expect([seen.agentVersion, seen.agentStatus, seen.powerState]).toEqual([arm.agentVersion, arm.agentStatus, arm.powerState]);
    expect(arm.agentVersion).toBeDefined();
  });
});
