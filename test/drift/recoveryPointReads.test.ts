// Which protected items drift reads the recovery points of: a point's consistency is on the point alone, so drift reads
// it for a running VM unless the day's backup jobs vouch for it (its backup completed cleanly), and with
// --all-recovery-points for every running VM that has a point.
import { describe, expect, it } from 'vitest';
import { judgesConsistency, needsRecoveryPoints } from '../../provider/drift/index.js';
import type { ObservedJob } from '../../provider/core/index.js';
import { makeJob, makeProtectedItem, makeVm } from '../plan/fixtures.js';

const vm = makeVm({ name: 'web-01', resourceGroup: 'rg-web' });
const stopped = makeVm({ name: 'web-01', resourceGroup: 'rg-web', powerState: 'deallocated' });
// Its newest point at 10:30, from the 10:00 backup.
const item = makeProtectedItem(vm);
const backup = (o: Partial<ObservedJob> = {}) => makeJob({ vmName: vm.name, vmId: vm.id, ...o });
const warning = { code: 'ExtensionFailedVssWriterInBadState', message: 'VSS writers in a bad state', recommendations: [] };

const cases: { reason: string; vm?: typeof vm; item?: typeof item; jobs: ObservedJob[]; read: boolean; all: boolean }[] = [
  { reason: 'its backup completed cleanly and ended with the point', jobs: [backup()], read: false, all: true },
  { reason: 'its backup completed with a warning (a snapshot that fell back)', jobs: [backup({ status: 'CompletedWithWarnings', errors: [warning] })], read: true, all: true },
  { reason: 'no backup of the VM among the jobs read (one older than the window)', jobs: [], read: true, all: true },
  { reason: 'the newest clean backup read ended before the point', jobs: [backup({ startTime: '2025-03-09T10:00:00.000Z', endTime: '2025-03-09T10:30:00.000Z' })], read: true, all: true },
  {
    reason: 'a later clean backup vouches, whatever an earlier one warned',
    jobs: [backup({ status: 'CompletedWithWarnings', errors: [warning], startTime: '2025-03-09T10:00:00.000Z', endTime: '2025-03-09T10:30:00.000Z' }), backup()],
    read: false,
    all: true,
  },
  { reason: 'a failed backup after it vouches for nothing, the clean one before it does', jobs: [backup(), backup({ status: 'Failed', startTime: '2025-03-11T10:00:00.000Z', endTime: '2025-03-11T10:05:00.000Z' })], read: false, all: true },
  { reason: 'another VM’s clean backup', jobs: [makeJob({ vmName: 'web-02', vmId: vm.id.replace('web-01', 'web-02') })], read: true, all: true },
  { reason: 'the VM is stopped: no consistency is judged', vm: stopped, jobs: [], read: false, all: false },
  { reason: 'the item has no point yet', item: makeProtectedItem(vm, { lastRecoveryPoint: undefined, lastBackupTime: undefined }), jobs: [], read: false, all: false },
];

describe('the recovery points drift reads', () => {
  it.each(cases)('$reason', ({ vm: v = vm, item: i = item, jobs, read, all }) => {
    expect(needsRecoveryPoints(i, v, jobs)).toBe(read);
    expect(judgesConsistency(i, v)).toBe(all);
  });

  it('a VM that is gone is not read', () => {
    expect(needsRecoveryPoints(item, undefined, [backup()])).toBe(false);
  });
});
