import { describe, expect, it } from 'vitest';
import { planProtection } from '../../provider/plan/index.js';
import type { Plan } from '../../provider/core/index.js';
import {
  makeObservation,
  makeObservedPolicy,
  makeOtherVault,
  makePolicy,
  makePolicySettings,
  makeProtectedItem,
  makeRule,
  makeSpec,
  makeStop,
  makeVm,
  pick,
  selector,
} from './fixtures.js';
import { schemaValidator } from './schemaValidation.js';

const validate = schemaValidator('plan.schema.json');

/** A plan with every action kind, blocked actions and every policy shape. */
function fullPlan(): Plan {
  const web1 = makeVm({ name: 'web-01', resourceGroup: 'rg-web' });
  const web2 = makeVm({ name: 'web-02', resourceGroup: 'rg-web', registered: true, backupExtension: true });
  const old1 = makeVm({ name: 'old-01', resourceGroup: 'rg-old' });
  const old2 = makeVm({ name: 'old-02', resourceGroup: 'rg-old' });
  const stray = makeVm({ name: 'stray', resourceGroup: 'rg-old' });
  // Its item is gone from the vault, its registration is not: unregistered.
  const old3 = makeVm({ name: 'old-03', resourceGroup: 'rg-old', registered: true, backupExtension: true, protectable: false });
  // Protected by another vault: blocked.
  const web3 = makeVm({ name: 'web-03', resourceGroup: 'rg-web', protectable: false, otherVault: makeOtherVault() });
  const weekly = makePolicy('weekly', {
    schedule: { frequency: 'Weekly', time: '06:00', weekDays: ['Sunday', 'Wednesday'] },
    retention: {
      weekly: { weeks: 12, days: ['Sunday'] },
      monthly: { months: 12, weeksOfMonth: ['First'], days: ['Sunday'] },
      yearly: { years: 3, months: ['January'], weeksOfMonth: ['Last'], days: ['Sunday'] },
    },
  });
  const hourly = makePolicy('hourly', { schedule: { frequency: 'Hourly', intervalHours: 4, windowStart: '08:00', windowHours: 12 }, policyType: 'V2' });
  return planProtection(
    makeSpec({
      policies: [makePolicy('daily'), weekly, hourly],
      rules: [
        makeRule('web', 'weekly', { selector: selector({ resourceGroups: ['rg-web'] }) }),
        makeRule('missing', 'hourly', { vms: [pick('rg-x', 'nope'), pick('rg-web', 'web-01')] }),
        makeRule('odd', 'daily', { vms: [{ resourceGroup: 'rg-y', name: 'deallocated' }] }),
      ],
      stopProtection: [makeStop(pick('rg-old', 'old-01')), makeStop(pick('rg-old', 'old-02'), false), makeStop(pick('rg-old', 'old-03'), false)],
      undeclared: 'stop',
    }),
    makeObservation({
      vms: [web1, web2, web3, old1, old2, old3, stray, makeVm({ name: 'deallocated', resourceGroup: 'rg-y', powerState: 'deallocated' })],
      policies: [makeObservedPolicy('daily', makePolicySettings({ instantRestoreDays: 5 }))],
      protectedItems: [makeProtectedItem(web2), makeProtectedItem(old1), makeProtectedItem(old2), makeProtectedItem(stray)],
    }),
  );
}

describe('plan JSON schema', () => {
  it('accepts a plan with every action kind, blocked actions and every policy shape', () => {
    const plan = fullPlan();
    expect(new Set(plan.actions.map((a) => a.kind))).toEqual(
      new Set(['createPolicy', 'updatePolicy', 'register', 'protect', 'changePolicy', 'stopProtection', 'stopProtectionDeleteData', 'unregister']),
    );
    expect(plan.summary.blocked).toBeGreaterThan(0);
    expect(plan.actions.flatMap((a) => a.blockedBy.map((f) => f.code))).toContain('ProtectedByOtherVault');
    expect(validate(plan)).toEqual([]);
  });

  it("accepts a register and a protect that leave the VM's agent to apply", () => {
    const plan = JSON.parse(JSON.stringify(fullPlan()));
    for (const a of plan.actions.filter((x: any) => x.kind === 'register' || x.kind === 'protect')) a.agentCheckAtApply = true;
    expect(validate(plan)).toEqual([]);
  });

  it('accepts an empty plan', () => {
    expect(validate(planProtection(makeSpec(), makeObservation({ policies: [makeObservedPolicy('daily')] })))).toEqual([]);
  });

  const broken: { reason: string; mutate: (p: Record<string, any>) => void; error: RegExp }[] = [
    { reason: 'another format version', mutate: (p) => (p.formatVersion = 2), error: /formatVersion/ },
    { reason: 'an unknown action kind', mutate: (p) => (p.actions[0].kind = 'deleteVault'), error: /kind/ },
    { reason: 'an unknown top-level member', mutate: (p) => (p.extra = true), error: /additional/ },
    { reason: 'a fingerprint that is not sha256 hex', mutate: (p) => (p.stateFingerprint = 'abc'), error: /stateFingerprint/ },
    { reason: 'a policy action without settings', mutate: (p) => delete p.actions[0].policy, error: /policy/ },
    { reason: 'a VM action without its VM', mutate: (p) => delete p.actions.find((a: any) => a.kind === 'protect').target.vmId, error: /vmId/ },
    { reason: 'an unregister without its container', mutate: (p) => delete p.actions.find((a: any) => a.kind === 'unregister').target.containerName, error: /containerName/ },
    { reason: 'a register without its container', mutate: (p) => delete p.actions.find((a: any) => a.kind === 'register').target.containerName, error: /containerName/ },
    {
      reason: 'a deletion without its protected item',
      mutate: (p) => delete p.actions.find((a: any) => a.kind === 'stopProtectionDeleteData').target.protectedItemName,
      error: /protectedItemName/,
    },
    { reason: 'an unknown pre-flight code', mutate: (p) => (p.actions.find((a: any) => a.blockedBy.length).blockedBy[0].code = 'Nope'), error: /code/ },
    { reason: "a change of policy that leaves the VM's agent to apply", mutate: (p) => (p.actions.find((a: any) => a.kind === 'changePolicy').agentCheckAtApply = true), error: /must NOT be valid/ },
    { reason: 'an agent check at apply that is not true', mutate: (p) => (p.actions.find((a: any) => a.kind === 'register').agentCheckAtApply = false), error: /agentCheckAtApply|const/ },
    { reason: 'an hourly interval Azure does not offer', mutate: (p) => (p.actions.find((a: any) => a.policy?.schedule.frequency === 'Hourly').policy.schedule.intervalHours = 5), error: /schedule/ },
  ];
  it.each(broken)('rejects $reason', ({ mutate, error }) => {
    const plan = JSON.parse(JSON.stringify(fullPlan()));
    mutate(plan);
    const errors = validate(plan);
    expect(errors.join('\n')).toMatch(error);
  });
});
