// The jobs window's dates hold whole seconds (Azure's job filter format): a job started earlier in the window's last
// second must still be listed, as `vmbackup jobs` runs a moment after `vmbackup backup` started one, and the service's
// time it measures the window from is its Date header, cut to the second.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openSqliteStore } from '../../emulator/store.js';
import { listJobs, readVault } from '../../provider/azure/index.js';
import { openTestTarget, WEU, type TestTarget } from '../discovery/harness.js';

let t: TestTarget;
beforeAll(async () => {
  t = await openTestTarget();
});
afterAll(() => t?.close());

it("lists a job started in the window's last second, however far into that second the window ends", async () => {
  const { vault, serviceTime } = await readVault(t.target, WEU);
  // A job started 100 ms into a second, and a window that ends 500 ms into that same second.
  const second = Math.floor(serviceTime.getTime() / 1000) * 1000 - 5000;
  const started = new Date(second + 100);
  const store = openSqliteStore(t.stateDir);
  try {
    const vm = store.listVms()[0];
    store.putJob({
      id: '0d5e7a1c-0000-4000-8000-000000000001', vaultId: vault.id, operation: 'Backup', status: 'Completed', vmId: vm.id, vmName: vm.name,
      resourceGroup: vm.resourceGroup, startTime: started.toISOString(), endTime: started.toISOString(), dueMs: started.getTime(), isUserTriggered: true, errorDetails: [],
    });
  } finally {
    store.close();
  }
  const jobs = await listJobs(t.target, WEU, { since: new Date(second - 60_000), until: new Date(second + 500) });
  expect(jobs.map((j) => j.name)).toContain('0d5e7a1c-0000-4000-8000-000000000001');
  // The service's time comes from its Date header, cut to the second: a window ending on that whole second still holds
  // the job started 100 ms after it.
  const onTheSecond = await listJobs(t.target, WEU, { since: new Date(second - 60_000), until: new Date(second) });
  expect(onTheSecond.map((j) => j.name)).toContain('0d5e7a1c-0000-4000-8000-000000000001');
});
