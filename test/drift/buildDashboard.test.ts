import { describe, expect, it } from 'vitest';
import { buildDashboard, detectDrift } from '../../provider/drift/index.js';
import type { JobStatus, Observation } from '../../provider/core/index.js';
import { makeJob, makeObservation, makeProtectedItem, makeRule, makeSpec, makeVm, pick } from '../plan/fixtures.js';

// Observed at 2025-03-10T12:00Z: the 24-hour window starts 2025-03-09T12:00Z.
const vms = ['a', 'b', 'c', 'd', 'e'].map((n) => makeVm({ name: `vm-${n}`, resourceGroup: 'rg' }));
const job = (vm: number, status: JobStatus, startTime: string, extra: Partial<Parameters<typeof makeJob>[0]> = {}) =>
  makeJob({ vmName: vms[vm].name, vmId: vms[vm].id, status, startTime, ...extra });

const obs: Observation = makeObservation({
  vms,
  protectedItems: [
    makeProtectedItem(vms[0], {
      recoveryPoints: [
        { name: 'rp1', time: '2025-03-08T10:30:00.000Z', consistency: 'ApplicationConsistent' },
        { name: 'rp0', time: '2025-03-07T10:30:00.000Z', consistency: 'AppConsistent' },
        { name: 'rp2', time: '2025-03-09T10:30:00.000Z', consistency: 'CrashConsistent' },
      ],
    }),
    makeProtectedItem(vms[1], { protectionState: 'IRPending' }),
    makeProtectedItem(vms[2], { protectionState: 'ProtectionError', latestRecoveryPoint: { time: '2025-03-10T10:30:00.000Z', consistency: 'FileSystemConsistent' } }),
    makeProtectedItem(vms[3], { protectionState: 'ProtectionStopped' }),
    makeProtectedItem(vms[4], { softDeleted: true }),
  ],
  jobs: [
    job(0, 'Completed', '2025-03-10T10:00:00.000Z'),
    job(1, 'CompletedWithWarnings', '2025-03-10T10:05:00.000Z'),
    job(2, 'Failed', '2025-03-10T10:10:00.000Z', {
      errors: [{ code: 'UserErrorGuestAgentStatusUnavailable', message: 'VM Agent unable to communicate with Azure Backup', recommendations: ['Ensure the VM agent is running'] }],
    }),
    job(3, 'InProgress', '2025-03-10T11:50:00.000Z', { endTime: undefined, durationSeconds: undefined }),
    job(0, 'InProgress', '2025-03-08T11:00:00.000Z', { operation: 'ConfigureBackup', endTime: undefined }),
    job(1, 'Cancelled', '2025-03-09T13:00:00.000Z'),
    job(2, 'Failed', '2025-03-09T11:59:59.000Z'),
    job(0, 'Completed', '2025-03-09T12:00:00.000Z'),
  ],
});

describe('buildDashboard', () => {
  const data = buildDashboard(obs);

  const counts: { reason: string; value: () => unknown; expected: unknown }[] = [
    { reason: 'protected VMs are those backed up on schedule: not stopped, not in error, not soft-deleted', value: () => data.protectedVms.total, expected: 2 },
    { reason: 'protected VMs by protection state', value: () => data.protectedVms.byState, expected: { Protected: 1, IRPending: 1, ProtectionError: 1, ProtectionStopped: 1 } },
    { reason: 'succeeded counts Completed and CompletedWithWarnings in the window (the window start included)', value: () => data.jobs24h.succeeded, expected: 3 },
    { reason: 'failed counts only failures that started in the window', value: () => data.jobs24h.failed, expected: 1 },
    { reason: 'in progress counts running jobs, even one started before the window', value: () => data.jobs24h.inProgress, expected: 2 },
    { reason: 'the job list holds the window and running jobs, cancelled ones too, newest first', value: () => data.jobs24h.jobs.map((j) => j.status), expected: ['InProgress', 'Failed', 'CompletedWithWarnings', 'Completed', 'Cancelled', 'Completed', 'InProgress'] },
    { reason: 'the vault is named', value: () => data.vault, expected: { id: obs.vault.id, name: 'vault-weu', location: 'westeurope' } },
    { reason: 'the time is the observation time', value: () => data.generatedAt, expected: obs.observedAt },
    { reason: 'no drift summary unless given', value: () => data.drift, expected: undefined },
  ];
  it.each(counts)('$reason', ({ value, expected }) => {
    expect(value()).toEqual(expected);
  });

  it('keeps the error details of failed jobs for the drill-down', () => {
    const failed = data.jobs24h.jobs.find((j) => j.status === 'Failed');
    expect(failed?.errors).toEqual([{ code: 'UserErrorGuestAgentStatusUnavailable', message: 'VM Agent unable to communicate with Azure Backup', recommendations: ['Ensure the VM agent is running'] }]);
    expect(failed?.vmName).toBe('vm-c');
    // The VM's id goes with its name: two VMs may share one.
    expect(failed?.vmId).toBe(vms[2].id);
    expect(data.jobs24h.jobs.find((j) => j.status === 'InProgress')?.endTime).toBeUndefined();
  });

  it("lists recovery points per VM, newest first, with their consistency in Azure's spelling", () => {
    expect(data.recoveryPoints.map((r) => [r.vmName, r.points.map((p) => p.consistency)])).toEqual([
      ['vm-a', ['CrashConsistent', 'AppConsistent', 'AppConsistent']],
      ['vm-b', []],
      ['vm-c', ['FileSystemConsistent']],
      ['vm-d', []],
    ]);
  });

  it('carries the drift summary and the number of findings', () => {
    const spec = makeSpec({ rules: [makeRule('r', 'daily', { vms: [pick('rg', 'vm-a'), pick('rg', 'vm-e')] })] });
    const drift = detectDrift(spec, obs);
    const withDrift = buildDashboard(obs, drift);
    expect(withDrift.drift).toEqual({ ...drift.summary, findings: drift.findings.length });
    expect(withDrift.drift?.inSync).toBe(false);
    expect(withDrift.drift?.findings).toBeGreaterThan(0);
  });

  it('is all zeros for an empty vault', () => {
    const empty = buildDashboard(makeObservation());
    expect(empty.protectedVms).toEqual({ total: 0, byState: {} });
    expect(empty.jobs24h).toEqual({ succeeded: 0, failed: 0, inProgress: 0, jobs: [] });
    expect(empty.recoveryPoints).toEqual([]);
  });
});
