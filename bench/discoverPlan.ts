// Benchmark of issue "Performance" rows for one vault, with the emulator in a process of its own, so the time and memory
// printed are vmbackup's: `vmbackup plan` of N new VMs, the same plan once every VM is protected, drift of that protected
// world, and drift against a per-item refresh (item, VM and recovery points read one protection at a time through the
// SDK, the way Terraform and Pulumi refresh) of 200 protections. Calls are counted by kind; goals are printed beside.
// Usage: node dist/bench/discoverPlan.js [N]   (default: 10000)
import { stringify } from 'yaml';
import { countWrites, readProtectedItem, readRecoveryPoints, readVm, type Target } from '../provider/azure/index.js';
import { applyPlan } from '../provider/apply/index.js';
import { observeAndPlan } from '../provider/cli/observePlan.js';
import type { ResolvedSpec } from '../provider/core/index.js';
import { discoverEstateForDrift, mapBounded, observe, observeVaultForDrift, type RecoveryPointChoice } from '../provider/discovery/index.js';
import { detectDrift, detectEstateDrift, judgesConsistency, needsRecoveryPoints } from '../provider/drift/index.js';
import { resolveSpecText } from '../provider/spec/index.js';
import { BENCH_POLICY, protectThroughStore, withServedWorld } from './benchWorld.js';
import { breakdown, measure, peakMb, total, verdict } from './figures.js';

const GOALS = { planSeconds: 3, planRssMb: 300, protectedPlanSeconds: 3, driftVsRefresh: 50 };

/** What `vmbackup drift` does for one vault (with `--all-recovery-points`: judgesConsistency; with `--consistent`: consistent). */
async function drift(target: Target, spec: ResolvedSpec, recoveryPoints: RecoveryPointChoice = needsRecoveryPoints, consistent = false) {
  return detectDrift(spec, await observeVaultForDrift(target, spec, { recoveryPoints, consistent }));
}

async function planRows(n: number): Promise<void> {
  await withServedWorld({ fleet: { vms: n, seed: 7 }, emulator: { retryAfterSeconds: 0, operationDelayMs: 0 } }, async ({ target, stateDir, spec, seedMs }) => {
    const out = [`One vault, ${n} generated VMs (emulator seeded in ${(seedMs / 1000).toFixed(1)} s)`];
    const first = await measure(target, () => observeAndPlan(target, spec));
    const p = first.value.plan;
    const rss = peakMb();
    out.push(
      `  plan (as \`vmbackup plan\`: its discovery included): ${first.seconds.toFixed(2)} s (goal <= ${GOALS.planSeconds} s; ${first.cpu}), peak RSS ${rss.toFixed(0)} MB (goal <= ${GOALS.planRssMb} MB): ` +
        verdict(first.seconds <= GOALS.planSeconds && rss <= GOALS.planRssMb),
      `    ${p.actions.length} actions: ${p.summary.toApply} to apply, ${p.summary.blocked} blocked; ${total(first.calls)} calls`,
      ...breakdown(first.calls),
    );

    await applyPlan(target, { ...p, actions: p.actions.filter((a) => a.kind === 'createPolicy') });
    const protectedCount = protectThroughStore(stateDir, p, { withPoints: true });
    out.push(`  (set-up: the policy through the API; through the emulator's store, ${protectedCount} VMs protected, each with one recovery point)`);

    const again = await measure(target, () => observeAndPlan(target, spec));
    out.push(
      `  plan of the protected world: ${again.seconds.toFixed(2)} s (goal <= ${GOALS.protectedPlanSeconds} s; ${again.cpu}): ${verdict(again.seconds <= GOALS.protectedPlanSeconds)}`,
      `    ${again.value.plan.summary.toApply} to apply, ${again.value.plan.summary.blocked} blocked; ${total(again.calls)} calls, 0 writes expected: ${countWrites(again.calls)} writes`,
      ...breakdown(again.calls),
    );

    const d = await measure(target, () => drift(target, spec, needsRecoveryPoints));
    const consistent = await measure(target, () => drift(target, spec, needsRecoveryPoints, true));
    const all = await measure(target, () => drift(target, spec, judgesConsistency));
    const unprotected = d.value.findings.filter((f) => f.category === 'declaredUnprotected').length;
    out.push(
      `  drift of ${protectedCount} protected items: ${d.seconds.toFixed(2)} s (${d.cpu}), peak RSS so far ${peakMb().toFixed(0)} MB; ${d.value.findings.length} findings; ${total(d.calls)} calls`,
      `    (the agents of the ${unprotected} declared VMs it finds unprotected come from Compute's status-only VM list)`,
      ...breakdown(d.calls),
      `  drift --consistent: ${consistent.seconds.toFixed(2)} s (${consistent.cpu}); ${consistent.value.findings.length} findings; ${total(consistent.calls)} calls`,
      `  drift --all-recovery-points (every running VM's points, 16 at a time): ${all.seconds.toFixed(2)} s (${all.cpu}), peak RSS so far ${peakMb().toFixed(0)} MB; ${all.value.findings.length} findings; ${total(all.calls)} calls`,
      '',
    );
    process.stdout.write(out.join('\n'));
  });
}

/**
 * Drift of `n` protections against reading each one's item, VM and recovery points on its own. Both specs declare
 * exactly the protected VMs, as a Pulumi program of `n` VmProtections does: the one-vault form, which reads Resource
 * Manager's lists of the subscription, and the same declaration as an estate of that one vault, which reads Resource
 * Graph.
 */
async function driftVersusRefresh(n: number): Promise<void> {
  await withServedWorld({ fleet: { vms: n * 4, seed: 13 }, emulator: { retryAfterSeconds: 0, operationDelayMs: 0 } }, async ({ target, stateDir, spec: everything }) => {
    const { plan, observation } = await observeAndPlan(target, everything);
    await applyPlan(target, { ...plan, actions: plan.actions.filter((a) => a.kind === 'createPolicy') });
    const protectedCount = protectThroughStore(stateDir, plan, { limit: n, withPoints: true });
    const declared = plan.actions.filter((a) => a.kind === 'protect' && a.blockedBy.length === 0).slice(0, n).map((a) => ({ resourceGroup: a.target.resourceGroup!, name: a.target.vmName! }));
    const { target: where } = everything;
    const vault = where.vault;
    const written = { apiVersion: 'vmbackup/v1', policies: [BENCH_POLICY], protect: [{ name: 'protected', policy: BENCH_POLICY.name, vms: declared }] };
    const specOf = (text: string): ResolvedSpec => resolveSpecText(text, 'spec.yaml', { profile: target.profile }).spec!;
    const oneVault = specOf(stringify({ ...written, target: { subscriptionId: where.subscriptionId, vault } }));
    const estate = specOf(stringify({ ...written, scope: { subscriptions: [where.subscriptionId] }, vaults: [{ subscriptionId: where.subscriptionId, ...vault }] }));

    const d = await measure(target, () => drift(target, oneVault));
    const consistent = await measure(target, () => drift(target, oneVault, needsRecoveryPoints, true));
    const all = await measure(target, () => drift(target, oneVault, judgesConsistency));
    const e = await measure(target, async () => detectEstateDrift(estate, await discoverEstateForDrift(target, estate, { recoveryPoints: needsRecoveryPoints })));
    const items = (await observe(target, vault, { refresh: false })).protectedItems;
    const vmsById = new Map(observation!.vms.map((vm) => [vm.id.toLowerCase(), vm]));
    const r = await measure(target, () =>
      mapBounded(items, 16, async (item) => {
        const vm = vmsById.get(item.vmId.toLowerCase())!;
        const [fresh] = await Promise.all([readProtectedItem(target, vault, { containerName: item.containerName, protectedItemName: item.name }), readVm(target, { resourceGroup: vm.resourceGroup, name: vm.name })]);
        return readRecoveryPoints(target, vault, fresh ?? item);
      }),
    );
    const ratio = (x: { calls: Parameters<typeof total>[0] }) => total(r.calls) / Math.max(total(x.calls), 1);
    const row = (label: string, x: typeof d, what: string) =>
      `  ${label}: ${total(x.calls)} calls, ${x.seconds.toFixed(2)} s, ${x.value.findings.length} findings (${what}): ${ratio(x).toFixed(1)}x fewer calls (goal >= ${GOALS.driftVsRefresh}x): ${verdict(ratio(x) >= GOALS.driftVsRefresh)}`;
    process.stdout.write(
      [
        `drift against a per-item refresh of ${protectedCount} protections (each with a recovery point and the backup job that took it) in a subscription of ${observation!.vms.length} VMs:`,
        `  per-item refresh: ${total(r.calls)} calls, ${r.seconds.toFixed(2)} s (item, VM and recovery points of each protection)`,
        row('drift, one-vault spec', d, "the subscription's VMs through Resource Graph, the vault's backup state through Resource Manager's lists, 100 a page"),
        ...breakdown(d.calls),
        `  drift --consistent, one-vault spec: ${total(consistent.calls)} calls, ${consistent.seconds.toFixed(2)} s, ${consistent.value.findings.length} findings (the VMs through Compute's list too): ${ratio(consistent).toFixed(1)}x fewer calls`,
        row('drift, the same spec as an estate', e, 'Resource Graph; its coverage audit counts the undeclared VMs'),
        ...breakdown(e.calls),
        `  drift --all-recovery-points, one-vault spec: ${total(all.calls)} calls, ${all.seconds.toFixed(2)} s (every running VM's point read): ${ratio(all).toFixed(1)}x fewer calls`,
        '',
      ].join('\n'),
    );
  });
}

const [arg] = process.argv.slice(2).map(Number);
await planRows(Number.isInteger(arg) && arg > 0 ? arg : 10_000);
await driftVersusRefresh(200);
