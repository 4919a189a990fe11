// Benchmark: apply of N new protections under ARM's emulated token buckets (writes 200 burst + 10/s, reads
// 250 + 25/s per subscription), beside the time the quota allows; then a second apply, which has nothing to do.
// Usage: node dist/bench/applyPace.js [N]   (default: 1000)
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { applyPlan } from '../provider/apply/index.js';
import { ARM_SUBSCRIPTION_BUCKETS, countWrites, diffCalls } from '../provider/azure/index.js';
import { observeAndPlan } from '../provider/cli/observePlan.js';
import { firstProtections, withServedWorld } from './benchWorld.js';
import { verdict } from './figures.js';

const REGION = 'westeurope';
const GOALS = { ratio: 1.1, throttledShare: 0.05, secondApplySeconds: 1 };

const seconds = (ms: number) => (ms / 1000).toFixed(1);

async function run(n: number): Promise<void> {
  // Blocked VMs make up part of a generated fleet: half as many again leaves n that can be protected.
  const fleet = { vms: Math.ceil(n * 1.5), seed: 11, regions: [REGION] };
  // ARM's own answers: Retry-After 1 s on every 202, the default buckets.
  await withServedWorld({ fleet, emulator: { retryAfterSeconds: 1, faults: { throttling: true } } }, async ({ target, spec }) => {
    // As `vmbackup apply --yes` does: the plan (a newcomer's first starts a discovery), then apply with the observation
    // it was made from.
    const { plan: whole, observation } = await observeAndPlan(target, spec);
    const plan = firstProtections(whole, n);
    const protections = plan.actions.filter((a) => a.kind === 'protect').length;

    const t0 = performance.now();
    const first = await applyPlan(target, plan, { observation });
    const elapsed = performance.now() - t0;
    const { writes, reads, throttled } = first.requests;
    const { size, refillPerSecond } = ARM_SUBSCRIPTION_BUCKETS.writes;
    const failures = first.actions.filter((a) => a.status !== 'applied' && a.status !== 'skipped').length;
    const ratio = elapsed / 1000 / Math.max(first.quotaBoundSeconds, 1e-9);

    // The second apply runs later, as a pipeline's next run would: with ARM's read bucket full again, not drained by
    // the first.
    const { reads: readBucket } = ARM_SUBSCRIPTION_BUCKETS;
    await sleep((readBucket.size / readBucket.refillPerSecond) * 1000);
    const before = target.calls.snapshot();
    const t1 = performance.now();
    const again = await observeAndPlan(target, spec);
    // The same VMs again: the fleet's other VMs are not part of this apply. Like the CLI, it applies only when there is work.
    const applied = new Set(plan.actions.map((a) => a.target.vmId?.toLowerCase()));
    const pending = again.plan.actions.filter((a) => applied.has(a.target.vmId?.toLowerCase()) && a.blockedBy.length === 0);
    const second = pending.length > 0 ? await applyPlan(target, { ...again.plan, actions: pending }, { observation: again.observation }) : undefined;
    const secondMs = performance.now() - t1;
    const secondCalls = diffCalls(before, target.calls.snapshot());
    const secondTotal = Object.values(secondCalls).reduce((a, b) => a + b, 0);

    process.stdout.write(
      [
        `apply of ${protections} new protections (${plan.actions.length} actions) under ARM's buckets: writes ${size} burst + ${refillPerSecond}/s, reads ${ARM_SUBSCRIPTION_BUCKETS.reads.size} + ${ARM_SUBSCRIPTION_BUCKETS.reads.refillPerSecond}/s`,
        `  elapsed:          ${seconds(elapsed)} s`,
        `  quota bound:      ${first.quotaBoundSeconds.toFixed(1)} s (writes: (${writes} - ${size}) / ${refillPerSecond}/s; reads likewise; the larger)  ratio ${ratio.toFixed(2)}x (goal <= ${GOALS.ratio}x): ${verdict(ratio <= GOALS.ratio)}`,
        `  writes:           ${writes} (${first.operationsIssued} operations)`,
        `  reads:            ${reads}`,
        `  429s:             ${throttled} (${((100 * throttled) / Math.max(writes, 1)).toFixed(1)}% of writes; goal <= ${100 * GOALS.throttledShare}%): ${verdict(throttled <= GOALS.throttledShare * writes)}`,
        `  failures:         ${failures} (goal 0): ${verdict(failures === 0)}`,
        `second apply (once the read bucket is full again): writes ${countWrites(secondCalls)} (goal 0), calls ${secondTotal}, ${(secondMs / 1000).toFixed(2)} s (goal <= ${GOALS.secondApplySeconds} s): ` +
          `${verdict(countWrites(secondCalls) === 0 && secondMs / 1000 <= GOALS.secondApplySeconds)}; ${pending.length} actions, ${second?.operationsIssued ?? 0} operations`,
        '',
      ].join('\n'),
    );
  });
}

const [arg] = process.argv.slice(2).map(Number);
await run(Number.isInteger(arg) && arg > 0 ? arg : 1000);
