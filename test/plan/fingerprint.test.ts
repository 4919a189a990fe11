import { describe, expect, it } from 'vitest';
import { fingerprintObservation, planProtection, samePolicySettings } from '../../provider/plan/index.js';
import type { Observation, PolicySettings } from '../../provider/core/index.js';
import { makeJob, makeObservation, makeObservedPolicy, makeOtherVault, makePolicySettings, makeProtectedItem, makeRule, makeSpec, makeVm, pick } from './fixtures.js';

const web1 = makeVm({ name: 'web-01', resourceGroup: 'rg-web', registered: true, backupExtension: true, tags: { env: 'prod' } });
const app1 = makeVm({ name: 'app-01', resourceGroup: 'rg-app', osType: 'Linux' });
const base = makeObservation({
  vms: [web1, app1],
  policies: [makeObservedPolicy('daily')],
  protectedItems: [makeProtectedItem(web1)],
  jobs: [makeJob({ vmName: 'web-01', vmId: web1.id })],
});
const fp = fingerprintObservation(base);

describe('fingerprintObservation', () => {
  const changes: { reason: string; obs: Observation }[] = [
    { reason: 'a VM powered off', obs: { ...base, vms: [{ ...web1, powerState: 'deallocated' }, app1] } },
    { reason: 'a VM registered', obs: { ...base, vms: [web1, { ...app1, registered: true }] } },
    { reason: 'another vault took a VM', obs: { ...base, vms: [web1, { ...app1, otherVault: makeOtherVault() }] } },
    { reason: 'a backup extension removed', obs: { ...base, vms: [{ ...web1, backupExtension: false }, app1] } },
    { reason: 'a VM retagged (selectors read tags)', obs: { ...base, vms: [{ ...web1, tags: { env: 'dev' } }, app1] } },
    { reason: 'an agent updated', obs: { ...base, vms: [web1, { ...app1, agentVersion: '2.9.0.0' }] } },
    { reason: 'a VM added', obs: { ...base, vms: [web1, app1, makeVm({ name: 'new' })] } },
    { reason: 'a protection stopped', obs: { ...base, protectedItems: [makeProtectedItem(web1, { protectionState: 'ProtectionStopped' })] } },
    { reason: 'a protection moved to another policy', obs: { ...base, protectedItems: [makeProtectedItem(web1, { policyName: 'weekly' })] } },
    { reason: 'a protection added', obs: { ...base, protectedItems: [makeProtectedItem(web1), makeProtectedItem(app1)] } },
    { reason: 'a policy edited', obs: { ...base, policies: [makeObservedPolicy('daily', makePolicySettings({ instantRestoreDays: 5 }))] } },
    { reason: 'a policy deleted', obs: { ...base, policies: [] } },
  ];
  it.each(changes)('changes when $reason', ({ obs }) => {
    expect(fingerprintObservation(obs)).not.toBe(fp);
  });

  it("changes when another vault's protection of a VM ends and only its registration stays", () => {
    const withOther = (status: string): Observation => ({ ...base, vms: [web1, { ...app1, otherVault: makeOtherVault(status) }] });
    expect(fingerprintObservation(withOther('NotProtected'))).not.toBe(fingerprintObservation(withOther('Protected')));
  });

  const noChanges: { reason: string; obs: Observation }[] = [
    { reason: 'only the observation time moved', obs: { ...base, observedAt: '2025-03-11T09:00:00.000Z' } },
    { reason: 'jobs came and went', obs: { ...base, jobs: [makeJob({ vmName: 'app-01', status: 'InProgress' })] } },
    { reason: 'API call counts differ', obs: { ...base, apiCalls: { listVms: 3 } } },
    {
      reason: 'backup times and recovery points moved',
      obs: { ...base, protectedItems: [makeProtectedItem(web1, { lastBackupTime: '2025-03-11T10:30:00Z', lastRecoveryPoint: '2025-03-11T10:30:00Z' })] },
    },
    { reason: 'lists came back in another order', obs: { ...base, vms: [app1, web1] } },
    { reason: 'ARM ids came back in another case', obs: { ...base, vms: [{ ...web1, id: web1.id.toUpperCase() }, app1] } },
    { reason: 'a policy has the same settings in another written form', obs: { ...base, policies: [makeObservedPolicy('daily', makePolicySettings({ schedule: { frequency: 'Daily', time: '10:00:00' } }))] } },
    { reason: 'a policy counts more items', obs: { ...base, policies: [makeObservedPolicy('daily', makePolicySettings(), 7)] } },
  ];
  it.each(noChanges)('stays when $reason', ({ obs }) => {
    expect(fingerprintObservation(obs)).toBe(fp);
  });

  it('is the plan state fingerprint', () => {
    const plan = planProtection(makeSpec({ rules: [makeRule('r', 'daily', { vms: [pick('rg-app', 'app-01')] })] }), base);
    expect(plan.stateFingerprint).toBe(fp);
  });
});

describe('samePolicySettings', () => {
  const p = makePolicySettings();
  const weekly = (days: PolicySettings['retention']['weekly']): PolicySettings => makePolicySettings({ retention: { dailyDays: 30, weekly: days } });
  const cases: { reason: string; a: PolicySettings; b: PolicySettings; same: boolean }[] = [
    { reason: 'identical settings', a: p, b: makePolicySettings(), same: true },
    { reason: 'times with seconds or without a leading zero', a: makePolicySettings({ schedule: { frequency: 'Daily', time: '09:00' } }), b: makePolicySettings({ schedule: { frequency: 'Daily', time: '9:00:00' } }), same: true },
    { reason: 'day lists in another order', a: weekly({ weeks: 4, days: ['Monday', 'Sunday'] }), b: weekly({ weeks: 4, days: ['Sunday', 'Monday'] }), same: true },
    { reason: 'time zone case', a: makePolicySettings({ timeZone: 'W. Europe Standard Time' }), b: makePolicySettings({ timeZone: 'w. europe standard time' }), same: true },
    { reason: 'another backup time', a: p, b: makePolicySettings({ schedule: { frequency: 'Daily', time: '11:00' } }), same: false },
    { reason: 'weekly instead of daily', a: p, b: makePolicySettings({ schedule: { frequency: 'Weekly', time: '10:00', weekDays: ['Sunday'] } }), same: false },
    { reason: 'another daily retention', a: p, b: makePolicySettings({ retention: { dailyDays: 7 } }), same: false },
    { reason: 'a weekly retention added', a: p, b: weekly({ weeks: 4, days: ['Sunday'] }), same: false },
    { reason: 'other instant-restore days', a: p, b: makePolicySettings({ instantRestoreDays: 5 }), same: false },
    { reason: 'another time zone', a: p, b: makePolicySettings({ timeZone: 'Pacific Standard Time' }), same: false },
    { reason: 'enhanced instead of standard', a: p, b: makePolicySettings({ policyType: 'V2' }), same: false },
  ];
  it.each(cases)('$reason', ({ a, b, same }) => {
    expect(samePolicySettings(a, b)).toBe(same);
    expect(samePolicySettings(b, a)).toBe(same);
  });
});
