// Benchmark of the estate: 12,000 VMs in 4 subscriptions, 3 regions and 16 vaults (generateEstate's defaults) and the
// spec `generate-fleet --estate --spec-out` writes. Prints discover + plan, drift of the whole estate, and a second
// apply with nothing to do, each beside the goal. The emulator runs in a child process, so the peak memory
// printed is vmbackup's alone.
// Usage: node dist/bench/estate.js [VMS]   (default 12000)
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { fleetSubscriptions, generateEstate, startEmulator } from '../emulator/index.js';
import { countWrites, diffCalls, openTarget, type CallCounts, type Target } from '../provider/azure/index.js';
import { applyEstatePlan } from '../provider/apply/index.js';
import { estateSpecText } from '../provider/cli/estateSpec.js';
import { discoverEstate } from '../provider/cli/commands/reconcile.js';
import { detectEstateDrift, needsRecoveryPoints } from '../provider/drift/index.js';
import { planEstate } from '../provider/plan/index.js';
import { resolveSpecText } from '../provider/spec/index.js';
import type { Plan, ResolvedSpec } from '../provider/core/index.js';
import { openSqliteStore } from '../emulator/store.js';

const GOALS = { discoverPlan: { calls: 60, seconds: 3, rssMb: 300 }, drift: { calls: 60, seconds: 3 }, secondApply: { writes: 0, seconds: 3 } };
const SPEC_FILE = 'estate-spec.yaml';

/** The child: generates the estate, writes its spec, serves it, and prints where. */
async function serve(dir: string, vms: number): Promise<void> {
  const fleet = generateEstate({ vms });
  await writeFile(join(dir, 'fleet.yaml'), stringify(fleet));
  await writeFile(join(dir, SPEC_FILE), estateSpecText(fleet));
  // No waiting on operations: the first apply that protects the estate is set-up, not a figure.
  const emulator = await startEmulator({ stateDir: join(dir, 'state'), fleetFile: join(dir, 'fleet.yaml'), retryAfterSeconds: 0, operationDelayMs: 0 });
  process.stdout.write(`${JSON.stringify({ endpoint: emulator.endpoint, subscriptionId: fleetSubscriptions(fleet)[0].subscriptionId })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void emulator.close().then(() => process.exit(0)));
}

/** Elapsed time, and vmbackup's own CPU time beside it: on a loaded machine the first waits for cores, the second less so. */
async function measure<T>(target: Target, fn: () => Promise<T>): Promise<{ value: T; seconds: number; cpu: string; calls: CallCounts }> {
  const before = target.calls.snapshot();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const value = await fn();
  const used = process.cpuUsage(cpu0);
  return {
    value,
    seconds: (performance.now() - t0) / 1000,
    cpu: `vmbackup's CPU ${((used.user + used.system) / 1e6).toFixed(2)} s, load ${loadavg()[0].toFixed(1)}`,
    calls: diffCalls(before, target.calls.snapshot()),
  };
}

const total = (calls: CallCounts): number => Object.values(calls).reduce((a, b) => a + b, 0);
const verdict = (ok: boolean): string => (ok ? 'within goal' : 'MISSES goal');
const breakdown = (calls: CallCounts): string[] => Object.entries(calls).map(([k, v]) => `      ${String(v).padStart(6)}  ${k}`);

async function plan(target: Target, spec: ResolvedSpec) {
  const estate = await discoverEstate(target, spec, { consistent: false, refresh: true });
  return planEstate(spec, estate, { profile: target.profile });
}

/** Registers and protects, as the emulator's own operations would on success, every VM the plan protects. */
function protectThroughStore(stateDir: string, plan: Plan): number {
  const store = openSqliteStore(stateDir);
  try {
    const protects = plan.actions.filter((a) => a.kind === 'protect' && a.blockedBy.length === 0);
    const at = Date.now();
    store.transaction(() => {
      protects.forEach((a, i) => {
        const v = plan.vaults!.find((pv) => pv.key === a.vault)!;
        const vault = store.listVaults(v.vaultResourceGroup, v.subscriptionId).find((sv) => sv.name.toLowerCase() === v.vaultName.toLowerCase())!;
        const vm = store.getVm(a.target.vmId!)!;
        const ids = { vaultId: vault.id, vmId: vm.id, vmName: vm.name, resourceGroup: vm.resourceGroup };
        store.putContainer({ ...ids, registrationStatus: 'Registered', registeredAt: new Date(at).toISOString() });
        store.putItem({
          ...ids,
          vmLocation: vm.location,
          policyName: a.target.policyName!,
          state: 'Protected',
          healthStatus: 'Passed',
          configuredAt: at,
          protectedItemDataId: String(i + 1),
        });
      });
    });
    return protects.length;
  } finally {
    store.close();
  }
}

async function run(vms: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vmbackup-bench-estate-'));
  // The child runs with this process's Node flags: `node --cpu-prof` profiles the emulator too.
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1], '--serve', dir, String(vms)], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const tSeed = performance.now();
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`the emulator process ended (exit ${code}) before it served`)));
    });
    const { endpoint, subscriptionId } = JSON.parse(first) as { endpoint: string; subscriptionId: string };
    const seeded = (performance.now() - tSeed) / 1000;
    const target = await openTarget({ kind: 'emulator', endpoint, stateDir: join(dir, 'state'), subscriptionId });
    try {
      const { spec, diagnostics } = resolveSpecText(await readFile(join(dir, SPEC_FILE), 'utf8'), SPEC_FILE, { profile: target.profile });
      if (!spec) throw new Error(`the generated estate spec is invalid: ${JSON.stringify(diagnostics)}`);
      const out: string[] = [`Estate of ${vms} VMs, 4 subscriptions, 3 regions, 16 vaults (emulator seeded in ${seeded.toFixed(1)} s)`];

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
      const seededItems = protectThroughStore(join(dir, 'state'), dp.value);
      out.push(
        `  (set-up, through the emulator's store: a first apply of this many protections through the API takes minutes) ` +
          `${policies.actions.filter((a) => a.status === 'applied').length} policies applied, ${seededItems} VMs protected in ${((performance.now() - tSetup) / 1000).toFixed(1)} s`,
      );

      const drift = await measure(target, async () =>
        detectEstateDrift(spec, await discoverEstate(target, spec, { consistent: false, refresh: false, recoveryPoints: needsRecoveryPoints })),
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
        '',
      );
      process.stdout.write(out.join('\n'));
    } finally {
      await target.close();
    }
  } finally {
    child.stdin!.end();
    await new Promise((resolve) => child.once('exit', resolve));
    await rm(dir, { recursive: true, force: true });
  }
}

const [mode, dirArg, vmsArg] = process.argv.slice(2);
if (mode === '--serve') await serve(dirArg, Number(vmsArg));
else await run(Number.isInteger(Number(mode)) && Number(mode) > 0 ? Number(mode) : 12_000);
