// Benchmark: seed the emulator with N generated VMs, then time discover + plan and count API calls by kind.
// Usage: node dist/bench/discoverPlan.js [N ...]   (default: 1000 10000)
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { generateFleet, startEmulator } from '../emulator/index.js';
import { openTarget } from '../provider/azure/index.js';
import { observe } from '../provider/discovery/index.js';
import { planProtection } from '../provider/plan/index.js';
import { resolveSpecText } from '../provider/spec/index.js';
import { specFor, type FleetShape } from './benchSpec.js';

async function run(n: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vmbackup-bench-'));
  try {
    const fleet = generateFleet({ vms: n, seed: 7 }) as unknown as FleetShape;
    const fleetFile = join(dir, 'fleet.yaml');
    await writeFile(fleetFile, stringify(fleet));
    const t0 = performance.now();
    const emulator = await startEmulator({ stateDir: join(dir, 'state'), fleetFile, port: 0, retryAfterSeconds: 0 });
    const seeded = performance.now();
    const target = await openTarget({ kind: 'emulator', endpoint: emulator.endpoint, stateDir: join(dir, 'state'), subscriptionId: fleet.subscriptionId });
    try {
      const { spec, diagnostics } = resolveSpecText(specFor(fleet), 'bench-spec.yaml', { profile: target.profile });
      if (!spec) throw new Error(`bench spec invalid: ${JSON.stringify(diagnostics)}`);
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
          `  seed emulator:   ${(seeded - t0).toFixed(0)} ms`,
          `  discover:        ${(t2 - t1).toFixed(0)} ms`,
          `  plan:            ${(t3 - t2).toFixed(1)} ms`,
          `  discover + plan: ${(t3 - t1).toFixed(0)} ms`,
          `  rss growth:      ${((process.memoryUsage().rss - rssBefore) / 2 ** 20).toFixed(1)} MiB`,
          `  API calls:       ${totalCalls} in all`,
          ...Object.entries(calls).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `    ${String(v).padStart(5)}  ${k}`),
          '',
        ].join('\n'),
      );
    } finally {
      await target.close();
      await emulator.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const sizes = process.argv.slice(2).map(Number).filter((x) => Number.isInteger(x) && x > 0);
for (const n of sizes.length ? sizes : [1000, 10000]) await run(n);
