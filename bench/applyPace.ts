// Benchmark: apply of N new protections under ARM's emulated token buckets (writes 200 burst + 10/s, reads
// 250 + 25/s per subscription), beside the time the quota allows; then a second apply, which has nothing to do.
// Usage: node dist/bench/applyPace.js [N]   (default: 1000)
import { performance } from 'node:perf_hooks';
import { applyPlan } from '../provider/apply/index.js';
import { ARM_SUBSCRIPTION_BUCKETS, countWrites, diffCalls, type Target } from '../provider/azure/index.js';
import type { Plan, ResolvedSpec } from '../provider/core/index.js';
import { observe } from '../provider/discovery/index.js';
import { planProtection } from '../provider/plan/index.js';
import { withBenchWorld } from './benchWorld.js';

const REGION = 'westeurope';

/** `refresh`: the first plan of a vault starts a discovery, as a newcomer's first `vmbackup plan` does. */
async function planFor(target: Target, spec: ResolvedSpec, refresh: boolean): Promise<Plan> {
  const observation = await observe(target, spec.target.vault, { refresh });
  return planProtection(spec, observation, { profile: target.profile });
}

/** The first `n` VMs that can be protected, with what they depend on: the generated fleet also holds VMs pre-flight blocks. */
function firstProtections(plan: Plan, n: number): Plan {
  const protects = plan.actions.filter((a) => a.kind === 'protect' && a.blockedBy.length === 0).slice(0, n);
  const keep = new Set(protects.flatMap((a) => [a.id, ...a.dependsOn]));
  return { ...plan, actions: plan.actions.filter((a) => keep.has(a.id)) };
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);

async function run(n: number): Promise<void> {
  // Blocked VMs make up part of a generated fleet: half as many again leaves n that can be protected.
  const fleet = { vms: Math.ceil(n * 1.5), seed: 11, regions: [REGION] };
  // ARM's own answers: Retry-After 1 s on every 202, the default buckets.
  await withBenchWorld(fleet, { retryAfterSeconds: 1, faults: { throttling: true } }, async ({ target, spec }) => {
    const plan = firstProtections(await planFor(target, spec, true), n);
    const protections = plan.actions.filter((a) => a.kind === 'protect').length;

    const t0 = performance.now();
    const first = await applyPlan(target, plan);
    const elapsed = performance.now() - t0;
    const { writes, reads, throttled } = first.requests;
    const { size, refillPerSecond } = ARM_SUBSCRIPTION_BUCKETS.writes;
    const failures = first.actions.filter((a) => a.status !== 'applied' && a.status !== 'skipped').length;

    const before = target.calls.snapshot();
    const t1 = performance.now();
    const again = await planFor(target, spec, false);
    // The same VMs again: the fleet's other VMs are not part of this apply.
    const applied = new Set(plan.actions.map((a) => a.target.vmId?.toLowerCase()));
    const second = await applyPlan(target, { ...again, actions: again.actions.filter((a) => applied.has(a.target.vmId?.toLowerCase())) });
    const secondMs = performance.now() - t1;
    const secondCalls = diffCalls(before, target.calls.snapshot());
    const secondTotal = Object.values(secondCalls).reduce((a, b) => a + b, 0);

    process.stdout.write(
      [
        `apply of ${protections} new protections (${plan.actions.length} actions) under ARM's buckets: writes ${size} burst + ${refillPerSecond}/s, reads ${ARM_SUBSCRIPTION_BUCKETS.reads.size} + ${ARM_SUBSCRIPTION_BUCKETS.reads.refillPerSecond}/s`,
        `  elapsed:          ${seconds(elapsed)} s`,
        `  quota bound:      ${first.quotaBoundSeconds.toFixed(1)} s (writes: (${writes} - ${size}) / ${refillPerSecond}/s; reads likewise; the larger)  ratio ${(elapsed / 1000 / Math.max(first.quotaBoundSeconds, 1e-9)).toFixed(2)}x`,
        `  writes:           ${writes} (${first.operationsIssued} operations)`,
        `  reads:            ${reads}`,
        `  429s:             ${throttled} (${((100 * throttled) / Math.max(writes, 1)).toFixed(1)}% of writes)`,
        `  failures:         ${failures}`,
        `second apply: writes ${countWrites(secondCalls)}, calls ${secondTotal}, ${seconds(secondMs)} s (${second.actions.length} actions, ${second.operationsIssued} operations)`,
        '',
      ].join('\n'),
    );
  });
}

const [arg] = process.argv.slice(2).map(Number);
await run(Number.isInteger(arg) && arg > 0 ? arg : 1000);
