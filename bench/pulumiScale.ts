// Benchmark: `pulumi up` of N VmProtections in one vault under the real Pulumi engine and ARM's emulated
// buckets (writes 200 burst + 10/s, reads 250 + 25/s per subscription), beside the time the write quota
// allows; then `pulumi refresh` of them all. Requests are counted where ARM would count them: at the emulator.
// Usage: node dist/bench/pulumiScale.js [N]   (default: 1000; needs the engine: bash scripts/pulumi-engine.sh)
import { execFile, execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import type { RequestTally } from '../emulator/index.js';
import { ARM_SUBSCRIPTION_BUCKETS } from '../provider/azure/index.js';
import { packagePath } from '../provider/core/packagePath.js';
import { observe } from '../provider/discovery/index.js';
import { planProtection } from '../provider/plan/index.js';
import { withBenchWorld } from './benchWorld.js';

const run = promisify(execFile);
// The engine runs 4 resource operations per core by default; a fleet's protections wait on the service, not the CPU.
const PARALLEL = 64;
const ROOT = packagePath();
const REGION = 'westeurope';

const seconds = (ms: number) => (ms / 1000).toFixed(1);
const diff = (a: Readonly<RequestTally>, b: Readonly<RequestTally>) => ({ reads: b.reads - a.reads, writes: b.writes - a.writes, throttled: b.throttled - a.throttled });

async function measure(n: number): Promise<void> {
  const engineBin = execFileSync('bash', [path.join(ROOT, 'scripts', 'pulumi-engine.sh'), '--print-bin-dir'], { encoding: 'utf8' }).trim();
  // Blocked VMs make up part of a generated fleet: half as many again leaves n that can be protected.
  const fleet = { vms: Math.ceil(n * 1.5), seed: 11, regions: [REGION] };
  await withBenchWorld(fleet, { retryAfterSeconds: 1, faults: { throttling: true } }, async ({ target, emulator, dir, spec }) => {
    // The VMs the CLI's planner would protect: the generated fleet also holds VMs pre-flight blocks.
    const plan = planProtection(spec, await observe(target, spec.target.vault, { refresh: true }), { profile: target.profile });
    const protects = plan.actions.filter((a) => a.kind === 'protect' && a.blockedBy.length === 0).slice(0, n);
    const needed = new Set(protects.flatMap((a) => [a.id, ...a.dependsOn]));
    const actions = plan.actions.filter((a) => needed.has(a.id)).length;
    const vault = spec.target.vault;

    const program = path.join(dir, 'program');
    await mkdir(program, { recursive: true });
    const resources: Record<string, unknown> = {
      daily: {
        type: 'vmbackup:index:Policy',
        properties: { vaultResourceGroup: vault.resourceGroup, vaultName: vault.name, name: 'daily', schedule: { frequency: 'Daily', time: '10:00' }, retention: { daily: 30 } },
      },
    };
    protects.forEach((a, i) => {
      resources[`vm-${i}`] = {
        type: 'vmbackup:index:VmProtection',
        properties: { vaultResourceGroup: vault.resourceGroup, vaultName: vault.name, vmId: a.target.vmId, policyId: '${daily.id}' },
      };
    });
    await writeFile(
      path.join(program, 'Pulumi.yaml'),
      stringify({
        name: 'vmbackup-scale',
        runtime: 'yaml',
        plugins: { providers: [{ name: 'vmbackup', path: path.join(ROOT, 'bin') }] },
        config: {
          'vmbackup:endpoint': emulator.endpoint,
          'vmbackup:tokenFile': emulator.tokenFile,
          'vmbackup:caFile': emulator.caFile,
          'vmbackup:subscriptionId': emulator.subscriptionId,
        },
        resources,
      }),
    );
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: [engineBin, process.env.PATH ?? ''].join(path.delimiter),
      PULUMI_HOME: path.join(dir, 'pulumi-home'),
      PULUMI_BACKEND_URL: `file://${path.join(dir, 'backend')}`,
      PULUMI_SKIP_UPDATE_CHECK: '1',
      PULUMI_CONFIG_PASSPHRASE: 'bench-passphrase',
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
      NO_COLOR: '1',
    };
    await mkdir(path.join(dir, 'backend'), { recursive: true });
    const pulumi = async (args: string[]) => {
      try {
        await run('pulumi', [...args, '--non-interactive'], { cwd: program, env, maxBuffer: 256 * 1024 * 1024 });
      } catch (e) {
        const err = e as { stdout?: string; stderr?: string };
        throw new Error(`pulumi ${args.join(' ')} failed:\n${(err.stdout ?? '').slice(-4000)}\n${(err.stderr ?? '').slice(-4000)}`, { cause: e });
      }
    };
    await pulumi(['login', '--local']);
    await pulumi(['stack', 'init', 'bench']);

    const { size, refillPerSecond } = ARM_SUBSCRIPTION_BUCKETS.writes;
    let before = emulator.requests();
    let t0 = performance.now();
    await pulumi(['up', '--yes', '--skip-preview', '--parallel', String(PARALLEL)]);
    const upMs = performance.now() - t0;
    const up = diff(before, emulator.requests());
    // What ARM's write bucket allows for the writes made (each one a write the CLI's apply makes too).
    const bound = Math.max(0, up.writes - up.throttled - size) / refillPerSecond;

    before = emulator.requests();
    t0 = performance.now();
    await pulumi(['refresh', '--yes', '--skip-preview']);
    const refreshMs = performance.now() - t0;
    const refresh = diff(before, emulator.requests());

    const resourcesCount = protects.length + 1;
    const perResource = (t: { reads: number; writes: number }) => ((t.reads + t.writes) / resourcesCount).toFixed(1);
    process.stdout.write(
      [
        `pulumi up --parallel ${PARALLEL} of ${protects.length} VmProtections and 1 Policy (${actions} actions in the CLI's plan) under the real engine and ARM's buckets: writes ${size} burst + ${refillPerSecond}/s`,
        `  elapsed:           ${seconds(upMs)} s`,
        `  write-quota bound: ${bound.toFixed(1)} s ((${up.writes - up.throttled} writes - ${size}) / ${refillPerSecond}/s)  ratio ${(upMs / 1000 / Math.max(bound, 1e-9)).toFixed(2)}x  (goal <= 2x)`,
        `  requests:          ${up.reads + up.writes} (${up.writes} writes, ${up.reads} reads, ${up.throttled} answered 429): ${perResource(up)} per resource (goal <= 20)`,
        `pulumi refresh of the same ${resourcesCount} resources`,
        `  elapsed:           ${seconds(refreshMs)} s`,
        `  requests:          ${refresh.reads + refresh.writes} (${refresh.writes} writes): ${perResource(refresh)} per resource (goal <= 3)`,
        '',
      ].join('\n'),
    );
  });
}

const n = Number(process.argv[2] ?? 1000);
if (!Number.isInteger(n) || n < 1) {
  process.stderr.write('usage: node dist/bench/pulumiScale.js [N]  (N: VmProtections, a positive integer)\n');
  process.exit(1);
}
await measure(n);
