// Benchmark: seed the emulator with N generated VMs, then time discover + plan and count API calls by kind.
// Usage: node dist/bench/discoverPlan.js [N ...]   (default: 1000 10000)
import { performance } from 'node:perf_hooks';
import { observe } from '../provider/discovery/index.js';
import { planProtection } from '../provider/plan/index.js';
import { withBenchWorld } from './benchWorld.js';

async function run(n: number): Promise<void> {
  await withBenchWorld({ vms: n, seed: 7 }, { retryAfterSeconds: 0 }, async ({ target, spec, seedMs }) => {
    const rssBefore = process.memoryUsage().rss;
    const t1 = performance.now();
    const observation = await observe(target, spec.target.vault, { refresh: true });
    const t2 = performance.now();
    const plan = planProtection(spec, observation, { profile: target.profile });
    const t3 = performance.now();
    const calls = observation.apiCalls;
    const totalCalls = Object.values(calls).reduce((a, b) => a + b, 0);
    process.stdout.write(
      [
        `N=${n} VMs (${observation.vms.length} seen, ${plan.actions.length} actions: ${plan.summary.toApply} to apply, ${plan.summary.blocked} blocked)`,
        `  seed emulator:   ${seedMs.toFixed(0)} ms`,
        `  discover:        ${(t2 - t1).toFixed(0)} ms`,
        `  plan:            ${(t3 - t2).toFixed(1)} ms`,
        `  discover + plan: ${(t3 - t1).toFixed(0)} ms`,
        `  rss growth:      ${((process.memoryUsage().rss - rssBefore) / 2 ** 20).toFixed(1)} MiB`,
        `  API calls:       ${totalCalls} in all`,
        ...Object.entries(calls).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `    ${String(v).padStart(5)}  ${k}`),
        '',
      ].join('\n'),
    );
  });
}

const sizes = process.argv.slice(2).map(Number).filter((x) => Number.isInteger(x) && x > 0);
for (const n of sizes.length ? sizes : [1000, 10000]) await run(n);
