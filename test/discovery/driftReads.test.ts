// An estate's drift reads recovery points only where a finding needs them: the item itself carries its newest
// point's time, health and last backup, and the day's backup jobs vouch for a point whose backup completed cleanly, so
// by default only a running VM's point that no clean job accounts for is read, for its consistency. Reading every
// running VM's point (`--all-recovery-points`) also finds a crash-consistent point taken while the VM was stopped.
// Counted at the SDK's pipeline against the emulator.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmulatorState, type RunningEmulator } from '../../emulator/index.js';
import type { Target } from '../../provider/azure/index.js';
import type { RecoveryPointChoice } from '../../provider/discovery/index.js';
import { applyEstatePlan } from '../../provider/apply/index.js';
import { discoverEstate, discoverEstateForDrift } from '../../provider/discovery/index.js';
import { detectEstateDrift, judgesConsistency, needsRecoveryPoints } from '../../provider/drift/index.js';
import { planEstate } from '../../provider/plan/index.js';
import { resolveSpecText } from '../../provider/spec/index.js';
import type { DriftReport, ResolvedSpec } from '../../provider/core/index.js';
import { FUNCTIONS } from '../../provider/pulumi/functions.js';
import { TargetHolder } from '../../provider/pulumi/context.js';
import { ROOT } from '../e2e/harness.js';
import { serveFleet, type ServedFleet } from './harness.js';
import { raw } from '../emulator/helpers.js';

const DAY_MS = 24 * 3_600_000;
const RECOVERY_POINT_LISTS = 'GET recoveryPoints';

describe("an estate's drift reads recovery points only where a finding needs them", () => {
  let world: ServedFleet;
  let dir: string;
  let emulator: RunningEmulator;
  let target: Target;
  let spec: ResolvedSpec;

  const drift = async (recoveryPoints: RecoveryPointChoice) => {
    const estate = await discoverEstateForDrift(target, spec, { recoveryPoints });
    return { report: detectEstateDrift(spec, estate), calls: estate.apiCalls, estate };
  };
  const advance = (ms: number): void => {
    const state = openEmulatorState(join(dir, 'state'));
    try {
      state.advance(ms);
    } finally {
      state.close();
    }
  };
  const shape = (r: DriftReport) => r.findings.map((f) => `${f.category} ${f.subject.resourceGroup}/${f.subject.name} ${f.actual ?? ''}`).sort();

  beforeAll(async () => {
    world = await serveFleet('vmbackup-drift-reads-');
    ({ dir, emulator, target } = world);
    const file = join(ROOT, 'examples/spec-estate.yaml');
    const resolved = resolveSpecText(await readFile(file, 'utf8'), file, { profile: target.profile });
    spec = resolved.spec!;
    const plan = planEstate(spec, await discoverEstate(target, spec, { consistent: false, refresh: true }), { profile: target.profile });
    const applied = await applyEstatePlan(target, plan);
    expect(applied.actions.filter((a) => a.status === 'failed')).toEqual([]);
  }, 120_000);
  afterAll(() => world?.close());

  it('reads none before the first backup: no item has a point to judge', async () => {
    const { calls, estate } = await drift(needsRecoveryPoints);
    expect(estate.vaults.flatMap((v) => v.observation.protectedItems).length).toBeGreaterThan(2);
    expect(calls[RECOVERY_POINT_LISTS]).toBeUndefined();
  });

  it("after a day of backups, reads no point the day's jobs vouch for; --all-recovery-points reads every running VM's and also finds a point taken while the VM was stopped", async () => {
    // web-02 (Windows) is off for a backup and running again, so its newest point is crash-consistent; app-01 stays off.
    advance(DAY_MS);
    const compute = target.clients.compute.virtualMachines;
    await compute.beginPowerOffAndWait('rg-web', 'web-02', { updateIntervalInMs: 20 });
    await compute.beginPowerOffAndWait('rg-app', 'app-01', { updateIntervalInMs: 20 });
    advance(DAY_MS);
    await compute.beginStartAndWait('rg-web', 'web-02', { updateIntervalInMs: 20 });

    const chosen = await drift(needsRecoveryPoints);
    const judged = await drift(judgesConsistency);
    const every = await drift(true);
    const items = every.estate.vaults.flatMap((v) => v.observation.protectedItems);
    const withPoints = items.filter((i) => (i.recoveryPoints ?? []).length > 0);
    expect(withPoints.length).toBe(items.length);

    // Every item but app-01's: its VM is off, so no consistency is judged.
    expect(every.calls[RECOVERY_POINT_LISTS]).toBe(items.length);
    expect(judged.calls[RECOVERY_POINT_LISTS]).toBe(items.length - 1);
    expect(judged.estate.vaults.flatMap((v) => v.observation.protectedItems).find((i) => /\/app-01$/i.test(i.vmId))?.recoveryPoints).toBeUndefined();
    expect(shape(judged.report)).toEqual(shape(every.report));
    expect(judged.report.findings.filter((f) => f.category === 'consistencyDegraded').map((f) => f.subject.name)).toEqual(['web-02']);

    // By default none: each point's backup completed cleanly within the day. web-02's came from a clean backup of a
    // stopped VM, so only the reading of every point finds it; every other finding is the same.
    expect(chosen.calls[RECOVERY_POINT_LISTS]).toBeUndefined();
    expect(shape(chosen.report)).toEqual(shape(every.report).filter((line) => !line.startsWith('consistencyDegraded rg-web/web-02 ')));
    // Drift's reads do not grow with the items.
    const before = await drift(() => false);
    expect(chosen.calls).toEqual(before.calls);
  }, 120_000);

  it("Pulumi's getDrift reads as the CLI does: allRecoveryPoints finds the point taken while web-02 was stopped, the default does not", async () => {
    const provider = new TargetHolder(() => dir, () => undefined);
    provider.configure({ target: 'emulator', endpoint: emulator.endpoint, stateDir: join(dir, 'state'), allowDataDeletion: false });
    const getDrift = FUNCTIONS['vmbackup:index:getDrift'];
    const specFile = join(ROOT, 'examples/spec-estate.yaml');
    const degraded = async (args: Record<string, unknown>) => {
      const { outputs } = await getDrift(provider, { specFile, ...args });
      return (outputs.findings as { category: string; subjectName: string }[]).filter((f) => f.category === 'consistencyDegraded').map((f) => f.subjectName);
    };
    try {
      expect(await degraded({ allRecoveryPoints: true })).toEqual(['web-02']);
      expect(await degraded({})).toEqual([]);
      expect((await getDrift(provider, { specFile, allRecoveryPoints: 'yes' })).failures).toEqual([{ property: 'allRecoveryPoints', reason: 'allRecoveryPoints must be true or false' }]);
    } finally {
      await (await provider.target()).close();
    }
  });

  it("a backup that warned (a VSS failure): the default reads that VM's points alone and reports the consistency it lost", async () => {
    expect((await raw(emulator, 'PATCH', '/admin/virtualMachines/rg-web/web-01', { backupFailure: 'vssFailure' })).status).toBe(200);
    advance(DAY_MS);
    const chosen = await drift(needsRecoveryPoints);
    expect(chosen.calls[RECOVERY_POINT_LISTS]).toBe(1);
    const found = chosen.report.findings.filter((f) => f.category === 'consistencyDegraded');
    expect(found.map((f) => [f.subject.name, f.actual, f.azureErrorCode])).toEqual([['web-01', 'FileSystemConsistent', 'ExtensionFailedVssWriterInBadState']]);
  }, 120_000);
});
