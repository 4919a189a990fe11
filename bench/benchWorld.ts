// The world both benchmarks run in: a generated fleet seeded into a standalone emulator over a temporary
// state directory, a target on it, and a spec that declares every VM of the first vault's region under one rule.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { generateFleet, startEmulator, type EmulatorOptions, type GenerateFleetOptions, type RunningEmulator } from '../emulator/index.js';
import { openTarget, type Target } from '../provider/azure/index.js';
import type { ResolvedSpec } from '../provider/core/index.js';
import { resolveSpecText } from '../provider/spec/index.js';

interface FleetShape {
  subscriptionId: string;
  vaults: { name: string; resourceGroup: string; location: string }[];
}

function specFor(fleet: FleetShape): string {
  const vault = fleet.vaults[0];
  // Every VM of the vault's region under one selector: the plan touches all of them.
  return stringify({
    apiVersion: 'vmbackup/v1',
    target: { subscriptionId: fleet.subscriptionId, vault: { resourceGroup: vault.resourceGroup, name: vault.name } },
    policies: [{ name: 'daily', schedule: { frequency: 'Daily', time: '10:00', timeZone: 'UTC' }, retention: { daily: 30 }, instantRestoreDays: 2 }],
    protect: [{ name: 'everything', policy: 'daily', select: { names: ['*'] } }],
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
      const { spec, diagnostics } = resolveSpecText(specFor(fleet), 'bench-spec.yaml', { profile: target.profile });
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
