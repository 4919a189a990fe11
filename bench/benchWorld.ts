// The world both benchmarks run in: a generated fleet seeded into a standalone emulator over a temporary
// state directory, a target on it, and a spec that declares every VM of the first vault's region under one rule.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { generateFleet, startEmulator, type EmulatorOptions, type GenerateEstateOptions, type GenerateFleetOptions, type RunningEmulator } from '../emulator/index.js';
import { consistencyOf } from '../emulator/effects.js';
import { itemKey, openSqliteStore } from '../emulator/store.js';
import { openTarget, type Target } from '../provider/azure/index.js';
import type { Plan, ResolvedSpec } from '../provider/core/index.js';
import { resolveSpecText } from '../provider/spec/index.js';

interface FleetShape {
  subscriptionId: string;
  vaults: { name: string; resourceGroup: string; location: string }[];
}

/** The one policy of the benchmarks' one-vault specs, as written. */
export const BENCH_POLICY = { name: 'daily', schedule: { frequency: 'Daily', time: '10:00', timeZone: 'UTC' }, retention: { daily: 30 }, instantRestoreDays: 2 };

/** Every VM of the fleet under one selector, into its first vault: the plan touches all of them. */
export function oneVaultSpecText(fleet: FleetShape): string {
  const vault = fleet.vaults[0];
  return stringify({
    apiVersion: 'vmbackup/v1',
    target: { subscriptionId: fleet.subscriptionId, vault: { resourceGroup: vault.resourceGroup, name: vault.name } },
    policies: [BENCH_POLICY],
    protect: [{ name: 'everything', policy: BENCH_POLICY.name, select: { names: ['*'] } }],
  });
}

export interface BenchWorld {
  readonly target: Target;
  /** The emulator the target talks to (its endpoint, token and CA files, its request tally). */
  readonly emulator: RunningEmulator;
  /** A temporary directory the benchmark may write into; removed afterwards. */
  readonly dir: string;
  readonly spec: ResolvedSpec;
  /** Time to seed the emulator's state from the fleet, in ms. */
  readonly seedMs: number;
}

/** Runs `bench` in a new world, then removes it. */
export async function withBenchWorld(
  fleetOptions: GenerateFleetOptions,
  emulatorOptions: Partial<Omit<EmulatorOptions, 'stateDir' | 'fleetFile'>>,
  bench: (world: BenchWorld) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vmbackup-bench-'));
  try {
    const fleet = generateFleet(fleetOptions) as unknown as FleetShape;
    const fleetFile = join(dir, 'fleet.yaml');
    await writeFile(fleetFile, stringify(fleet));
    const t0 = performance.now();
    const emulator = await startEmulator({ port: 0, ...emulatorOptions, stateDir: join(dir, 'state'), fleetFile });
    const seedMs = performance.now() - t0;
    const target = await openTarget({ kind: 'emulator', endpoint: emulator.endpoint, stateDir: join(dir, 'state'), subscriptionId: fleet.subscriptionId });
    try {
      const { spec, diagnostics } = resolveSpecText(oneVaultSpecText(fleet), 'bench-spec.yaml', { profile: target.profile });
      if (!spec) throw new Error(`bench spec invalid: ${JSON.stringify(diagnostics)}`);
      await bench({ target, emulator, dir, spec, seedMs });
    } finally {
      await target.close();
      await emulator.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** What the child that serves a world is asked for (serveWorld.ts). */
export interface ServeRequest {
  /** A one-vault fleet, declared by a spec that selects every VM under one rule into its first vault. */
  readonly fleet?: GenerateFleetOptions;
  /** An estate, declared by the spec `generate-fleet --estate --spec-out` writes. */
  readonly estate?: GenerateEstateOptions;
  readonly emulator?: Partial<Omit<EmulatorOptions, 'stateDir' | 'fleetFile'>>;
}

export const SERVED_SPEC = 'spec.yaml';

export interface ServedWorld {
  readonly target: Target;
  readonly dir: string;
  /** The emulator's state directory: set-up may write into its store while the emulator serves. */
  readonly stateDir: string;
  readonly spec: ResolvedSpec;
  /** Time to generate, seed and start the emulator, in ms. */
  readonly seedMs: number;
}

/**
 * Runs `bench` against an emulator in a child process (serveWorld.ts), then stops it and removes the world: the time,
 * CPU and peak memory this process measures are vmbackup's alone, as they are against Azure. The child runs with this
 * process's Node flags, so `node --cpu-prof` profiles the emulator too.
 */
export async function withServedWorld(request: ServeRequest, bench: (world: ServedWorld) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vmbackup-bench-'));
  const script = fileURLToPath(new URL('./serveWorld.js', import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, script, dir, JSON.stringify(request)], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const t0 = performance.now();
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`the emulator process ended (exit ${code}) before it served`)));
    });
    const seedMs = performance.now() - t0;
    const { endpoint, subscriptionId } = JSON.parse(first) as { endpoint: string; subscriptionId: string };
    const stateDir = join(dir, 'state');
    const target = await openTarget({ kind: 'emulator', endpoint, stateDir, subscriptionId });
    try {
      const { spec, diagnostics } = resolveSpecText(await readFile(join(dir, SERVED_SPEC), 'utf8'), SERVED_SPEC, { profile: target.profile });
      if (!spec) throw new Error(`the generated spec is invalid: ${JSON.stringify(diagnostics)}`);
      await bench({ target, dir, stateDir, spec, seedMs });
    } finally {
      await target.close();
    }
  } finally {
    child.stdin!.end();
    if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Set-up, not a figure: registers and protects every VM the plan protects (at most `limit`), straight into the
 * emulator's store, as the emulator's own operations would on success; with `withPoints`, each item also gets one
 * recovery point of the consistency its VM gives and the completed Backup job that took it, as after its first
 * scheduled backup. Returns how many it protected.
 */
export function protectThroughStore(stateDir: string, plan: Plan, opts: { limit?: number; withPoints?: boolean } = {}): number {
  const store = openSqliteStore(stateDir);
  try {
    const protects = plan.actions.filter((a) => a.kind === 'protect' && a.blockedBy.length === 0).slice(0, opts.limit);
    const at = Date.now();
    const vaults = store.listVaults();
    store.transaction(() => {
      protects.forEach((a, i) => {
        const vm = store.getVm(a.target.vmId!)!;
        const v = plan.vaults?.find((pv) => pv.key === a.vault);
        const want = v ? { subscriptionId: v.subscriptionId, resourceGroup: v.vaultResourceGroup, name: v.vaultName } : { subscriptionId: plan.target.subscriptionId, resourceGroup: plan.target.vaultResourceGroup, name: plan.target.vaultName };
        const vault = vaults.find(
          (sv) => sv.id.split('/')[2] === want.subscriptionId && sv.resourceGroup.toLowerCase() === want.resourceGroup.toLowerCase() && sv.name.toLowerCase() === want.name.toLowerCase(),
        )!;
        const ids = { vaultId: vault.id, vmId: vm.id, vmName: vm.name, resourceGroup: vm.resourceGroup };
        const pointAt = new Date(at - 3_600_000).toISOString();
        const item = {
          ...ids,
          vmLocation: vm.location,
          policyName: a.target.policyName!,
          state: 'Protected' as const,
          healthStatus: 'Passed' as const,
          configuredAt: at,
          protectedItemDataId: String(i + 1),
          ...(opts.withPoints ? { lastBackupStatus: 'Completed' as const, lastBackupTime: pointAt, lastRecoveryPoint: pointAt } : {}),
        };
        store.putContainer({ ...ids, registrationStatus: 'Registered', registeredAt: new Date(at).toISOString() });
        store.putItem(item);
        if (opts.withPoints) {
          store.putRecoveryPoint({
            name: '1',
            itemKey: itemKey(vault.id, vm.id),
            time: pointAt,
            consistency: consistencyOf(vm),
            vmSize: vm.vmSize,
            instantUntil: new Date(at + 2 * 86_400_000).toISOString(),
          });
          // The snapshot is taken a few minutes into the job, which ends once the data is in the vault.
          const ended = at - 3_600_000 + 10 * 60_000;
          store.putJob({
            id: randomUUID(),
            vaultId: vault.id,
            operation: 'Backup',
            status: 'Completed',
            vmId: vm.id,
            vmName: vm.name,
            resourceGroup: vm.resourceGroup,
            startTime: new Date(at - 3_600_000 - 5 * 60_000).toISOString(),
            endTime: new Date(ended).toISOString(),
            dueMs: ended,
            isUserTriggered: false,
            errorDetails: [],
            backup: {},
          });
        }
      });
    });
    return protects.length;
  } finally {
    store.close();
  }
}

/**
 * The part of a plan that protects the first `pick` VMs it can protect (or the protect actions named), with every action
 * they depend on: a generated fleet also holds VMs pre-flight blocks.
 */
export function firstProtections(plan: Plan, pick: number | readonly string[]): Plan {
  const byId = new Map(plan.actions.map((a) => [a.id, a]));
  const protects = typeof pick === 'number' ? plan.actions.filter((a) => a.kind === 'protect' && a.blockedBy.length === 0).slice(0, pick).map((a) => a.id) : pick;
  const keep = new Set<string>();
  const visit = (id: string): void => {
    if (keep.has(id)) return;
    keep.add(id);
    for (const dep of byId.get(id)?.dependsOn ?? []) visit(dep);
  };
  protects.forEach(visit);
  return { ...plan, actions: plan.actions.filter((a) => keep.has(a.id)) };
}

/**
 * Set-up, not a figure: `n` new VMs, each a copy of a protected VM (same resource group, region, tags and shape) under a
 * new name and without the backup extension, written into the emulator's store. Returns how many it wrote.
 */
export function addVmsThroughStore(stateDir: string, n: number): number {
  const store = openSqliteStore(stateDir);
  try {
    const templates = store.listItems().slice(0, n).map((item) => store.getVm(item.vmId)!).filter(Boolean);
    store.transaction(() => {
      templates.forEach((vm, i) => {
        const name = `${vm.name}-new`;
        const id = `${vm.id.slice(0, vm.id.lastIndexOf('/') + 1)}${name}`;
        store.putVm({ ...vm, id, name, vmId: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`, extensions: {} });
      });
    });
    return templates.length;
  } finally {
    store.close();
  }
}
