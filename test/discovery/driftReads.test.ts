// An estate's drift reads recovery points only where a finding needs them: the item itself carries its newest
// point's time, health and last backup, so only a running VM's point, whose consistency the item lacks, is read.
// Counted at the SDK's pipeline against the emulator; the findings are the same as with every item's points read.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmulatorState, startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { openTarget, type Target } from '../../provider/azure/index.js';
import { applyEstatePlan } from '../../provider/apply/index.js';
import { discoverEstate } from '../../provider/cli/observePlan.js';
import { detectEstateDrift, needsRecoveryPoints } from '../../provider/drift/index.js';
import { planEstate } from '../../provider/plan/index.js';
import { resolveSpecText } from '../../provider/spec/index.js';
import type { DriftReport, ResolvedSpec } from '../../provider/core/index.js';
import { DEMO_FLEET, ROOT } from '../e2e/harness.js';

const DAY_MS = 24 * 3_600_000;
const RECOVERY_POINT_LISTS = 'GET recoveryPoints';

describe("an estate's drift reads recovery points only where a finding needs them", () => {
  let dir: string;
  let emulator: RunningEmulator;
  let target: Target;
  let spec: ResolvedSpec;

  const drift = async (recoveryPoints: typeof needsRecoveryPoints | boolean) => {
    const estate = await discoverEstate(target, spec, { consistent: false, refresh: false, recoveryPoints });
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
    dir = await mkdtemp(join(tmpdir(), 'vmbackup-drift-reads-'));
    emulator = await startEmulator({ stateDir: join(dir, 'state'), fleetFile: DEMO_FLEET, retryAfterSeconds: 0, operationDelayMs: 0 });
    target = await openTarget({ kind: 'emulator', endpoint: emulator.endpoint, stateDir: join(dir, 'state') });
    const file = join(ROOT, 'examples/spec-estate.yaml');
    const resolved = resolveSpecText(await readFile(file, 'utf8'), file, { profile: target.profile });
    spec = resolved.spec!;
    const plan = planEstate(spec, await discoverEstate(target, spec, { consistent: false, refresh: true }), { profile: target.profile });
    const applied = await applyEstatePlan(target, plan);
    expect(applied.actions.filter((a) => a.status === 'failed')).toEqual([]);
  }, 120_000);
  afterAll(async () => {
    await target?.close();
    await emulator?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads none before the first backup: no item has a point to judge', async () => {
    const { calls, estate } = await drift(needsRecoveryPoints);
    expect(estate.vaults.flatMap((v) => v.observation.protectedItems).length).toBeGreaterThan(2);
    expect(calls[RECOVERY_POINT_LISTS]).toBeUndefined();
  });

  it("after a day of backups, reads only running VMs' points, one list each, and finds what reading every item finds", async () => {
    // web-02 (Windows) is off for a backup and running again, so its newest point is crash-consistent; app-01 stays off.
    advance(DAY_MS);
    const compute = target.clients.compute.virtualMachines;
    await compute.beginPowerOffAndWait('rg-web', 'web-02', { updateIntervalInMs: 20 });
    await compute.beginPowerOffAndWait('rg-app', 'app-01', { updateIntervalInMs: 20 });
    advance(DAY_MS);
    await compute.beginStartAndWait('rg-web', 'web-02', { updateIntervalInMs: 20 });

    const chosen = await drift(needsRecoveryPoints);
    const every = await drift(true);
    const items = every.estate.vaults.flatMap((v) => v.observation.protectedItems);
    const withPoints = items.filter((i) => (i.recoveryPoints ?? []).length > 0);
    expect(withPoints.length).toBe(items.length);

    // Every item but app-01's: its VM is off, so no consistency is judged.
    expect(every.calls[RECOVERY_POINT_LISTS]).toBe(items.length);
    expect(chosen.calls[RECOVERY_POINT_LISTS]).toBe(items.length - 1);
    expect(chosen.estate.vaults.flatMap((v) => v.observation.protectedItems).find((i) => /\/app-01$/i.test(i.vmId))?.recoveryPoints).toBeUndefined();

    expect(shape(chosen.report)).toEqual(shape(every.report));
    expect(chosen.report.findings.filter((f) => f.category === 'consistencyDegraded').map((f) => f.subject.name)).toEqual(['web-02']);
    // Apart from the recovery points, drift's reads do not grow with the items.
    const { [RECOVERY_POINT_LISTS]: _points, ...rest } = chosen.calls;
    const before = await drift(() => false);
    expect(rest).toEqual(before.calls);
  }, 120_000);
});
