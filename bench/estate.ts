// Benchmark of the estate: 12,000 VMs in 4 subscriptions, 3 regions and 16 vaults (generateEstate's defaults) and the
// spec `generate-fleet --estate --spec-out` writes. Prints discover + plan, drift of the whole estate, and a second
// apply with nothing to do, each beside the goal; then, in an estate with ARM's buckets on, an apply of APPLY
// protections spread over the subscriptions, beside the time the buckets allow. The emulator runs in a child process, so the peak memory
// printed is vmbackup's alone.
// Usage: node dist/bench/estate.js [VMS] [APPLY]   (defaults 12000 and 1000)
import { performance } from 'node:perf_hooks';
import { ARM_SUBSCRIPTION_BUCKETS, countWrites, type Target } from '../provider/azure/index.js';
import { applyEstatePlan } from '../provider/apply/index.js';
import { discoverEstate, discoverEstateForDrift } from '../provider/discovery/index.js';
import { detectEstateDrift, needsRecoveryPoints } from '../provider/drift/index.js';
import { planEstate } from '../provider/plan/index.js';
import type { ResolvedSpec } from '../provider/core/index.js';
import { addVmsThroughStore, firstProtections, protectThroughStore, withServedWorld } from './benchWorld.js';
import { breakdown, measure, total, verdict } from './figures.js';

const GOALS = { discoverPlan: { calls: 60, seconds: 3, rssMb: 300 }, drift: { calls: 60, seconds: 3 }, secondApply: { writes: 0, seconds: 3 } };

async function plan(target: Target, spec: ResolvedSpec) {
  const estate = await discoverEstate(target, spec, { consistent: false, refresh: true });
  return planEstate(spec, estate, { profile: target.profile });
}

async function run(vms: number): Promise<void> {
  // No waiting on operations: the first apply that protects the estate is set-up, not a figure.
  await withServedWorld({ estate: { vms }, emulator: { retryAfterSeconds: 0, operationDelayMs: 0 } }, async ({ target, stateDir, spec, seedMs }) => {
      const out: string[] = [`Estate of ${vms} VMs, 4 subscriptions, 3 regions, 16 vaults (emulator seeded in ${(seedMs / 1000).toFixed(1)} s)`];

      const dp = await measure(target, () => plan(target, spec));
      const rssMb = process.resourceUsage().maxRSS / 1024;
      const dpCalls = total(dp.calls);
      const g = GOALS.discoverPlan;
      out.push(
        `  discover + plan:  ${dpCalls} calls (goal <= ${g.calls}), ${dp.seconds.toFixed(2)} s (goal <= ${g.seconds} s; ${dp.cpu}), peak RSS ${rssMb.toFixed(0)} MB (goal <= ${g.rssMb} MB): ` +
          verdict(dpCalls <= g.calls && dp.seconds <= g.seconds && rssMb <= g.rssMb),
        `    ${dp.value.summary.toApply} to apply, ${dp.value.summary.blocked} blocked`,
        ...breakdown(dp.calls),
      );

      // Set-up, not a figure: the policies through the API, then every protection written into the emulator's store.
      const tSetup = performance.now();
      const policies = await applyEstatePlan(target, { ...dp.value, actions: dp.value.actions.filter((a) => a.kind === 'createPolicy') });
      const seededItems = protectThroughStore(stateDir, dp.value);
      out.push(
        `  (set-up, through the emulator's store: a first apply of this many protections through the API takes minutes) ` +
          `${policies.actions.filter((a) => a.status === 'applied').length} policies applied, ${seededItems} VMs protected in ${((performance.now() - tSetup) / 1000).toFixed(1)} s`,
      );

      const drift = await measure(target, async () =>
        detectEstateDrift(spec, await discoverEstateForDrift(target, spec, { recoveryPoints: needsRecoveryPoints })),
      );
      const driftCalls = total(drift.calls);
      const d = GOALS.drift;
      out.push(
        `  drift:            ${driftCalls} calls (goal <= ${d.calls}), ${drift.seconds.toFixed(2)} s (goal <= ${d.seconds} s; ${drift.cpu}): ${verdict(driftCalls <= d.calls && drift.seconds <= d.seconds)}`,
        `    ${drift.value.findings.length} findings; coverage ${JSON.stringify({ ...drift.value.coverage, exemptions: drift.value.coverage?.exemptions.length })}`,
        ...breakdown(drift.calls),
      );

      // A second apply: what `vmbackup apply` does, plan and apply, with nothing left to do.
      const again = await measure(target, async () => {
        const p = await plan(target, spec);
        return p.summary.toApply === 0 ? p : (await applyEstatePlan(target, p, { concurrency: 16 }), p);
      });
      const writes = countWrites(again.calls);
      const s = GOALS.secondApply;
      out.push(
        `  second apply:     ${writes} writes (goal ${s.writes}), ${total(again.calls)} calls, ${again.seconds.toFixed(2)} s (goal <= ${s.seconds} s; ${again.cpu}): ${verdict(writes === s.writes && again.seconds <= s.seconds)}`,
        `    ${again.value.summary.toApply} to apply`,
        ...breakdown(again.calls),
      );

      // The next day's plan: a few VMs were created since, copies of protected ones, so the rules select them.
      const created = addVmsThroughStore(stateDir, 10);
      const daily = await measure(target, () => plan(target, spec));
      out.push(
        `  plan with ${created} new VMs in the protected estate: ${total(daily.calls)} calls, ${daily.seconds.toFixed(2)} s (${daily.cpu}); ${daily.value.summary.toApply} to apply`,
        ...breakdown(daily.calls),
        '',
      );
      process.stdout.write(out.join('\n'));
  });
}

/**
 * Apply of `n` new protections spread over the estate's subscriptions, under ARM's emulated buckets (writes 200 burst +
 * 10/s per subscription) with Retry-After 1 s on every 202, beside the time the buckets allow.
 */
async function applyUnderQuota(vms: number, n: number): Promise<void> {
  await withServedWorld({ estate: { vms }, emulator: { retryAfterSeconds: 1, faults: { throttling: true } } }, async ({ target, spec }) => {
    const all = await plan(target, spec);
    // The first protections of each subscription in turn, so every subscription's bucket carries its share.
    const bySub = new Map<string, string[]>();
    for (const a of all.actions) {
      if (a.kind !== 'protect' || a.blockedBy.length > 0) continue;
      const sub = all.vaults!.find((v) => v.key === a.vault)!.subscriptionId;
      bySub.set(sub, [...(bySub.get(sub) ?? []), a.id]);
    }
    const lists = [...bySub.values()];
    const picked: string[] = [];
    for (let i = 0; picked.length < n && lists.some((l) => i < l.length); i++) for (const l of lists) if (i < l.length && picked.length < n) picked.push(l[i]);
    const subset = firstProtections(all, picked);
    const t0 = performance.now();
    const result = await applyEstatePlan(target, subset);
    const elapsed = (performance.now() - t0) / 1000;
    const { writes, reads, throttled } = result.requests;
    const failures = result.actions.filter((a) => a.status !== 'applied' && a.status !== 'skipped').length;
    const ratio = elapsed / Math.max(result.quotaBoundSeconds, 1e-9);
    const { size, refillPerSecond } = ARM_SUBSCRIPTION_BUCKETS.writes;
    process.stdout.write(
      [
        `  apply of ${picked.length} new protections over ${bySub.size} subscriptions under ARM's buckets (writes ${size} burst + ${refillPerSecond}/s per subscription):`,
        result.quotaBoundSeconds >= 1
          ? `    ${elapsed.toFixed(1)} s; quota bound ${result.quotaBoundSeconds.toFixed(1)} s (goal within 10%): ratio ${ratio.toFixed(2)}x ${verdict(ratio <= 1.1)}`
          : `    ${elapsed.toFixed(1)} s; every subscription's writes fit in its burst, so the quota sets no bound to compare with`,
        `    ${writes} writes, ${reads} reads, ${throttled} answered 429 (${((100 * throttled) / Math.max(writes, 1)).toFixed(1)}% of writes; goal <= 5%), ${failures} failures (goal 0)`,
        '',
      ].join('\n'),
    );
  });
}

const [vmsArg, applyArg] = process.argv.slice(2).map(Number);
const vms = Number.isInteger(vmsArg) && vmsArg > 0 ? vmsArg : 12_000;
await run(vms);
await applyUnderQuota(Math.min(vms, 4000), Number.isInteger(applyArg) && applyArg > 0 ? applyArg : 1000);
