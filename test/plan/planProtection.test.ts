import { describe, expect, it } from 'vitest';
import { planProtection, type PlanOptions } from '../../provider/plan/index.js';
import type { Observation, Plan, ResolvedSpec } from '../../provider/core/index.js';
import {
  loc,
  makeJob,
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
  vmId,
} from './fixtures.js';

const web1 = makeVm({ name: 'web-01', resourceGroup: 'rg-web' });
const web2 = makeVm({ name: 'web-02', resourceGroup: 'rg-web' });
const app1 = makeVm({ name: 'app-01', resourceGroup: 'rg-app', osType: 'Linux' });
const daily = makeObservedPolicy('daily');
const weekly = makePolicy('weekly', { schedule: { frequency: 'Weekly', time: '06:00', weekDays: ['Sunday'] } }, 12);
const registered = (vm: typeof web1) => ({ ...vm, registered: true, backupExtension: true });

/** One line per action: kind, subject, blocking codes and dependencies, easy to compare in a table. */
function summarize(plan: Plan): string[] {
  return plan.actions.map((a) => {
    const subject = a.target.vmName ? `${a.target.resourceGroup}/${a.target.vmName}` : a.target.policyName;
    const blocked = a.blockedBy.length ? ` blocked[${a.blockedBy.map((b) => b.code).join(',')}]` : '';
    const deps = a.dependsOn.length ? ` after[${a.dependsOn.map((d) => d.split(':')[0]).join(',')}]` : '';
    return `${a.kind} ${subject}${blocked}${deps}`;
  });
}

const oneRule = (o: Partial<ResolvedSpec> = {}) => makeSpec({ rules: [makeRule('web', 'daily', { vms: [pick('rg-web', 'web-01', 22)] })], ...o });

describe('planProtection', () => {
  const cases: { reason: string; spec: ResolvedSpec; obs: Observation; opts?: PlanOptions; expected: string[] }[] = [
    {
      reason: 'a declared policy missing from the vault is created, and protection waits for it',
      spec: oneRule(),
      obs: makeObservation({ vms: [web1] }),
      expected: ['createPolicy daily', 'register rg-web/web-01', 'protect rg-web/web-01 after[createPolicy,register]'],
    },
    {
      reason: 'a policy whose settings changed out of band is updated; protect needs no policy dependency',
      spec: oneRule(),
      obs: makeObservation({ vms: [registered(web1)], policies: [makeObservedPolicy('daily', makePolicySettings({ retention: { dailyDays: 7 } }))] }),
      expected: ['updatePolicy daily', 'protect rg-web/web-01'],
    },
    {
      reason: 'policy names compare case-insensitively and equal settings written differently are the same',
      spec: oneRule(),
      obs: makeObservation({
        vms: [web1],
        policies: [{ ...makeObservedPolicy('DAILY', makePolicySettings({ schedule: { frequency: 'Daily', time: '10:00:00' }, timeZone: 'utc' })) }],
      }),
      expected: ['register rg-web/web-01', 'protect rg-web/web-01 after[register]'],
    },
    {
      reason: 'a vault policy vmbackup cannot read is rewritten',
      spec: oneRule(),
      obs: makeObservation({ vms: [registered(web1)], policies: [{ ...makeObservedPolicy('daily'), settings: undefined }] }),
      expected: ['updatePolicy daily', 'protect rg-web/web-01'],
    },
    {
      reason: 'classic profile: an unregistered VM is registered before it is protected',
      spec: oneRule(),
      obs: makeObservation({ vms: [web1], policies: [daily] }),
      expected: ['register rg-web/web-01', 'protect rg-web/web-01 after[register]'],
    },
    {
      reason: 'modern profile: protect registers implicitly',
      spec: oneRule(),
      obs: makeObservation({ vms: [web1], policies: [daily] }),
      opts: { profile: 'modern' },
      expected: ['protect rg-web/web-01'],
    },
    {
      reason: 'a registered VM with its extension is only protected',
      spec: oneRule(),
      obs: makeObservation({ vms: [registered(web1)], policies: [daily] }),
      expected: ['protect rg-web/web-01'],
    },
    {
      reason: 'a registered VM whose extension was removed is registered again',
      spec: oneRule(),
      obs: makeObservation({ vms: [{ ...web1, registered: true }], policies: [daily] }),
      expected: ['register rg-web/web-01', 'protect rg-web/web-01 after[register]'],
    },
    {
      reason: 'a protected VM with another policy changes policy, after the new policy is created',
      spec: makeSpec({ policies: [makePolicy('daily'), weekly], rules: [makeRule('web', 'weekly', { vms: [pick('rg-web', 'web-01')] })] }),
      obs: makeObservation({ vms: [registered(web1)], policies: [daily], protectedItems: [makeProtectedItem(web1, { policyName: 'daily' })] }),
      expected: ['createPolicy weekly', 'changePolicy rg-web/web-01 after[createPolicy]'],
    },
    {
      reason: 'stopped protection is resumed by protect, without registering again',
      spec: oneRule(),
      obs: makeObservation({ vms: [web1], policies: [daily], protectedItems: [makeProtectedItem(web1, { protectionState: 'ProtectionStopped' })] }),
      expected: ['protect rg-web/web-01'],
    },
    {
      reason: 'a stopProtection entry stops an active protection, retaining data',
      spec: makeSpec({ stopProtection: [makeStop(pick('rg-web', 'web-01'))] }),
      obs: makeObservation({ vms: [web1], policies: [daily], protectedItems: [makeProtectedItem(web1)] }),
      expected: ['stopProtection rg-web/web-01'],
    },
    {
      reason: 'stopping protection that is already stopped does nothing',
      spec: makeSpec({ stopProtection: [makeStop(pick('rg-web', 'web-01'))] }),
      obs: makeObservation({ vms: [web1], policies: [daily], protectedItems: [makeProtectedItem(web1, { protectionState: 'ProtectionStopped' })] }),
      expected: [],
    },
    {
      reason: 'retainData: false deletes the data, even of a protection already stopped',
      spec: makeSpec({ stopProtection: [makeStop(pick('rg-web', 'web-01'), false), makeStop(pick('rg-web', 'web-02'), false)] }),
      obs: makeObservation({
        vms: [web1, web2],
        policies: [daily],
        protectedItems: [makeProtectedItem(web1), makeProtectedItem(web2, { protectionState: 'ProtectionStopped' })],
      }),
      expected: ['stopProtectionDeleteData rg-web/web-01', 'stopProtectionDeleteData rg-web/web-02'],
    },
    {
      reason: 'a stopProtection entry reaches the backups of a VM that was deleted',
      spec: makeSpec({ stopProtection: [makeStop(pick('rg-web', 'web-01'))] }),
      obs: makeObservation({ vms: [], policies: [daily], protectedItems: [makeProtectedItem(web1, { protectionState: 'ProtectionError' })] }),
      expected: ['stopProtection rg-web/web-01'],
    },
    {
      reason: 'a stopProtection entry whose item is gone while the VM is still registered unregisters it',
      spec: makeSpec({ stopProtection: [makeStop(pick('rg-web', 'web-01'), false)] }),
      obs: makeObservation({ vms: [registered(web1)], policies: [daily] }),
      expected: ['unregister rg-web/web-01'],
    },
    {
      reason: 'a soft-deleted item keeps the VM registered: nothing to do until the soft-delete period ends',
      spec: makeSpec({ stopProtection: [makeStop(pick('rg-web', 'web-01'), false)] }),
      obs: makeObservation({ vms: [registered(web1)], policies: [daily], protectedItems: [makeProtectedItem(web1, { softDeleted: true, protectionState: 'ProtectionStopped' })] }),
      expected: [],
    },
    {
      reason: 'a stopped item retaining data keeps the VM registered too',
      spec: makeSpec({ stopProtection: [makeStop(pick('rg-web', 'web-01'))] }),
      obs: makeObservation({ vms: [registered(web1)], policies: [daily], protectedItems: [makeProtectedItem(web1, { protectionState: 'ProtectionStopped' })] }),
      expected: [],
    },
    {
      reason: 'a registered VM without an item that no stopProtection entry names stays registered',
      spec: makeSpec(),
      obs: makeObservation({ vms: [registered(web1)], policies: [daily] }),
      expected: [],
    },
    {
      reason: 'a declared VM another vault protects is blocked, register and protect alike',
      spec: oneRule(),
      obs: makeObservation({ vms: [{ ...web1, protectable: false, otherVault: makeOtherVault() }], policies: [daily] }),
      expected: ['register rg-web/web-01 blocked[ProtectedByOtherVault]', 'protect rg-web/web-01 blocked[ProtectedByOtherVault] after[register]'],
    },
    {
      reason: 'modern profile: a declared VM registered with another vault is blocked too',
      spec: oneRule(),
      obs: makeObservation({ vms: [{ ...web1, protectable: false, otherVault: makeOtherVault('NotProtected') }], policies: [daily] }),
      opts: { profile: 'modern' },
      expected: ['protect rg-web/web-01 blocked[ProtectedByOtherVault]'],
    },
    {
      reason: 'undeclared protections are only reported by default',
      spec: makeSpec(),
      obs: makeObservation({ vms: [web1], policies: [daily], protectedItems: [makeProtectedItem(web1)] }),
      expected: [],
    },
    {
      reason: 'undeclared protections are stopped, retaining data, when the spec opts in',
      spec: oneRule({ undeclared: 'stop' }),
      obs: makeObservation({
        vms: [registered(web1), web2],
        policies: [daily],
        protectedItems: [makeProtectedItem(web1), makeProtectedItem(web2), makeProtectedItem(app1, { protectionState: 'ProtectionStopped' })],
      }),
      expected: ['stopProtection rg-web/web-02'],
    },
    {
      reason: 'a pick that matches no VM becomes a blocked protect with VmNotFound',
      spec: makeSpec({ rules: [makeRule('web', 'daily', { vms: [pick('rg-web', 'web-99'), { id: vmId('rg-gone', 'vm-x') }] })] }),
      obs: makeObservation({ vms: [web1], policies: [daily] }),
      expected: ['protect rg-gone/vm-x blocked[VmNotFound]', 'protect rg-web/web-99 blocked[VmNotFound]'],
    },
    {
      reason: 'a blocked register blocks the protect that depends on it',
      spec: oneRule(),
      obs: makeObservation({ vms: [{ ...web1, powerState: 'deallocated' }], policies: [daily] }),
      expected: ['register rg-web/web-01 blocked[VmNotRunning]', 'protect rg-web/web-01 blocked[VmNotRunning] after[register]'],
    },
    {
      reason: 'a registered VM is protected only when it passes the same checks, as the service checks them again',
      spec: makeSpec({ rules: [makeRule('web', 'daily', { vms: [pick('rg-web', 'web-01'), pick('rg-web', 'web-02')] })] }),
      obs: makeObservation({
        vms: [{ ...registered(web1), powerState: 'deallocated' }, { ...registered(web2), storageSku: 'Premium_LRS' }],
        policies: [daily],
      }),
      expected: ['protect rg-web/web-01 blocked[VmNotRunning]', 'protect rg-web/web-02 blocked[PremiumStorageUnsupported]'],
    },
    {
      reason: 'modern profile: pre-flight findings block protect directly',
      spec: oneRule(),
      obs: makeObservation({ vms: [{ ...web1, agentVersion: undefined }], policies: [daily] }),
      opts: { profile: 'modern' },
      expected: ['protect rg-web/web-01 blocked[AgentMissing]'],
    },
    {
      reason: 'a job in progress on the VM blocks its registration',
      spec: oneRule(),
      obs: makeObservation({ vms: [web1], policies: [daily], jobs: [makeJob({ vmName: 'web-01', vmId: web1.id, status: 'InProgress', operation: 'ConfigureBackup' })] }),
      expected: ['register rg-web/web-01 blocked[OperationInProgress]', 'protect rg-web/web-01 blocked[OperationInProgress] after[register]'],
    },
    {
      reason: 'VMs in conflict get no action',
      spec: makeSpec({
        policies: [makePolicy('daily'), weekly],
        rules: [makeRule('a', 'daily', { vms: [pick('rg-web', 'web-01')] }), makeRule('b', 'weekly', { vms: [pick('rg-web', 'web-01')] })],
      }),
      obs: makeObservation({ vms: [registered(web1)], policies: [daily, makeObservedPolicy('weekly', weekly)] }),
      expected: [],
    },
    {
      reason: 'order: policies by name first, then VMs by resource group and name, register before protect',
      spec: makeSpec({
        policies: [weekly, makePolicy('daily')],
        rules: [
          makeRule('web', 'weekly', { selector: selector({ resourceGroups: ['rg-web'] }) }),
          makeRule('app', 'daily', { vms: [pick('rg-app', 'app-01')] }),
        ],
      }),
      obs: makeObservation({ vms: [web2, app1, web1] }),
      expected: [
        'createPolicy daily',
        'createPolicy weekly',
        'register rg-app/app-01',
        'protect rg-app/app-01 after[createPolicy,register]',
        'register rg-web/web-01',
        'protect rg-web/web-01 after[createPolicy,register]',
        'register rg-web/web-02',
        'protect rg-web/web-02 after[createPolicy,register]',
      ],
    },
  ];
  it.each(cases)('$reason', ({ spec, obs, opts, expected }) => {
    const plan = planProtection(spec, obs, opts);
    expect(summarize(plan)).toEqual(expected);
    for (const a of plan.actions) {
      expect(a.reason.length).toBeGreaterThan(0);
      for (const dep of a.dependsOn) expect(plan.actions.map((x) => x.id)).toContain(dep);
    }
  });

  it('plans nothing for a vault that matches the spec (idempotence)', () => {
    const spec = makeSpec({
      policies: [makePolicy('daily'), weekly],
      rules: [makeRule('web', 'daily', { selector: selector({ resourceGroups: ['rg-web'] }) }), makeRule('app', 'weekly', { vms: [pick('rg-app', 'app-01')] })],
      stopProtection: [makeStop(pick('rg-old', 'old-01'))],
    });
    const old = makeVm({ name: 'old-01', resourceGroup: 'rg-old' });
    const obs = makeObservation({
      vms: [registered(web1), registered(web2), registered(app1), old],
      policies: [daily, makeObservedPolicy('weekly', weekly)],
      protectedItems: [
        makeProtectedItem(web1, { protectionState: 'IRPending' }),
        makeProtectedItem(web2, { protectionState: 'ProtectionError', healthStatus: 'ActionRequired' }),
        makeProtectedItem(app1, { policyName: 'weekly' }),
        makeProtectedItem(old, { protectionState: 'ProtectionStopped' }),
      ],
    });
    const plan = planProtection(spec, obs);
    expect(plan.actions).toEqual([]);
    expect(plan.summary).toEqual({ toApply: 0, blocked: 0, byKind: {} });
  });

  it('fills the plan header, ids, targets and sources', () => {
    const spec = oneRule();
    const plan = planProtection(spec, makeObservation({ vms: [web1, { ...web2, dataDisks: 9 }] }), { now: new Date('2025-03-11T00:00:00Z') });
    expect(plan).toMatchObject({
      formatVersion: 1,
      createdAt: '2025-03-11T00:00:00.000Z',
      spec: { file: 'backup.yaml', digest: 'sha256:0000' },
      target: { subscriptionId: spec.target.subscriptionId, vaultResourceGroup: 'rg-backup', vaultName: 'vault-weu' },
      summary: { toApply: 3, blocked: 0, byKind: { createPolicy: 1, register: 1, protect: 1 } },
    });
    expect(plan.stateFingerprint).toMatch(/^[0-9a-f]{64}$/);
    const [create, register, protect] = plan.actions;
    expect(create).toMatchObject({ id: 'createPolicy:daily', source: loc(5), policy: makePolicySettings() });
    expect(register).toMatchObject({ id: `register:${web1.id}`, target: { vmId: web1.id, containerName: 'IaasVMContainer;iaasvmcontainerv2;rg-web;web-01' } });
    expect(protect).toMatchObject({
      id: `protect:${web1.id}`,
      source: loc(22, 9),
      dependsOn: ['createPolicy:daily', `register:${web1.id}`],
      target: { policyName: 'daily', protectedItemName: 'VM;iaasvmcontainerv2;rg-web;web-01' },
    });
  });

  it('counts blocked actions apart from those to apply', () => {
    const plan = planProtection(oneRule(), makeObservation({ vms: [{ ...web1, nicCount: 2 }], policies: [daily] }));
    expect(plan.summary).toEqual({ toApply: 0, blocked: 2, byKind: { register: 1, protect: 1 } });
    expect(plan.actions[0].blockedBy[0]).toMatchObject({ code: 'MultipleNicsUnsupported', azureErrorCode: 'BackUpOperationFailedV2' });
  });

  it('carries previous settings and the change in updatePolicy and the old policy in changePolicy', () => {
    const spec = makeSpec({ policies: [makePolicy('daily'), weekly], rules: [makeRule('web', 'weekly', { vms: [pick('rg-web', 'web-01')] })] });
    const old = makePolicySettings({ schedule: { frequency: 'Daily', time: '22:00' } });
    const plan = planProtection(
      spec,
      makeObservation({ vms: [web1], policies: [makeObservedPolicy('daily', old), makeObservedPolicy('weekly', weekly)], protectedItems: [makeProtectedItem(web1)] }),
    );
    const update = plan.actions.find((a) => a.kind === 'updatePolicy');
    expect(update?.previousPolicy).toEqual(old);
    // The reason reads in the change's direction: from what the vault holds to what the spec says.
    expect(update?.reason).toContain('schedule: daily at 22:00 UTC -> daily at 10:00 UTC');
    expect(plan.actions.find((a) => a.kind === 'changePolicy')).toMatchObject({ fromPolicyName: 'daily', target: { policyName: 'weekly' } });
  });

  it('says a retention cut is a cut, in the words of its change lines', () => {
    const spec = makeSpec({ policies: [makePolicy('daily', { retention: { dailyDays: 1 } })] });
    const plan = planProtection(spec, makeObservation({ policies: [makeObservedPolicy('daily', makePolicySettings({ retention: { dailyDays: 30 } }))] }));
    expect(plan.actions.map((a) => a.reason)).toEqual(['policy daily differs: daily retention: 30 days -> 1 day']);
  });

  it('is deterministic: the same inputs in another order give the same plan', () => {
    const spec = makeSpec({ rules: [makeRule('all', 'daily', { selector: selector() })] });
    const vms = [web1, web2, app1, makeVm({ name: 'b', resourceGroup: 'rg-a' })];
    const a = planProtection(spec, makeObservation({ vms }));
    const b = planProtection(spec, makeObservation({ vms: [...vms].reverse() }));
    expect(b).toEqual(a);
  });
});
