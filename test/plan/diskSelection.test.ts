// The planner and drift with a rule's disk selection: a new protection carries it in its protect action, only a
// different selection on an active protection is a changeDisks, OS disk only is never confused with every disk,
// a LUN the VM lacks is a pre-flight finding that names the VM and the LUNs, and so is any selection on the
// classic profile (the guide's preview backs up every disk). The other cases plan on the modern profile.
import { describe, expect, it } from 'vitest';
import { detectDrift, detectEstateDrift } from '../../provider/drift/index.js';
import { planEstate, planProtection } from '../../provider/plan/index.js';
import type { DiskSelection, EstateObservation, Observation, ProtectionRule } from '../../provider/core/index.js';
import { schemaValidator } from './schemaValidation.js';
import { loc, makeVault, makeObservation, makeObservedPolicy, makeProtectedItem, makeRule, makeSpec, makeVm, pick } from './fixtures.js';

const db = makeVm({ name: 'db-01', resourceGroup: 'rg-data', dataDisks: 3, registered: true, backupExtension: true });
const daily = makeObservedPolicy('daily');

function ruleWith(disks?: DiskSelection): ProtectionRule {
  return { ...makeRule('data', 'daily', { vms: [pick('rg-data', 'db-01', 22)] }), ...(disks ? { disks, disksSource: loc(24, 12) } : {}) };
}

const protectedWith = (disks?: DiskSelection, policyName = 'daily'): Observation =>
  makeObservation({ profile: 'modern',  vms: [db], policies: [daily, makeObservedPolicy('weekly')], protectedItems: [makeProtectedItem(db, { policyName, ...(disks ? { disks } : {}) })] });

const OS_ONLY: DiskSelection = { kind: 'osOnly' };
const ALL: DiskSelection = { kind: 'all' };

describe('planning a disk selection', () => {
  it('a new protection carries the selection in its protect action', () => {
    const plan = planProtection(makeSpec({ rules: [ruleWith(OS_ONLY)] }), makeObservation({ profile: 'modern',  vms: [db], policies: [daily] }));
    expect(plan.actions).toMatchObject([{ kind: 'protect', disks: OS_ONLY, blockedBy: [] }]);
  });

  it('a new protection of every disk carries no selection', () => {
    const plan = planProtection(makeSpec({ rules: [ruleWith()] }), makeObservation({ profile: 'modern',  vms: [db], policies: [daily] }));
    expect(plan.actions).toHaveLength(1);
    expect(plan.actions[0]).not.toHaveProperty('disks');
  });

  it.each([
    { reason: 'OS disk only as declared', declared: OS_ONLY, seen: OS_ONLY },
    { reason: 'every disk, declared by writing no disks:', declared: undefined, seen: ALL },
    { reason: 'every disk, with the item reporting no exclusion', declared: undefined, seen: undefined },
    { reason: 'the same LUNs', declared: { kind: 'include', luns: [0, 2] } as DiskSelection, seen: { kind: 'include', luns: [0, 2] } as DiskSelection },
  ])('$reason: nothing to do, no drift', ({ declared, seen }) => {
    const spec = makeSpec({ rules: [ruleWith(declared)] });
    expect(planProtection(spec, protectedWith(seen)).actions).toEqual([]);
    expect(detectDrift(spec, protectedWith(seen)).findings.filter((f) => f.category === 'disksChanged')).toEqual([]);
  });

  it.each([
    { reason: 'OS disk only declared, every disk seen', declared: OS_ONLY, seen: ALL, words: 'disks: all, rule "data" declares OS only' },
    { reason: 'every disk declared, OS disk only seen', declared: undefined, seen: OS_ONLY, words: 'disks: OS only, rule "data" declares all' },
    { reason: 'other LUNs', declared: { kind: 'include', luns: [0] } as DiskSelection, seen: { kind: 'exclude', luns: [1] } as DiskSelection, words: 'all except LUN 1, rule "data" declares LUN 0' },
  ])('$reason: changeDisks at the disks: line (else the pick), and drift says so', ({ declared, seen, words }) => {
    const spec = makeSpec({ rules: [ruleWith(declared)] });
    const plan = planProtection(spec, protectedWith(seen));
    expect(plan.actions).toMatchObject([{ kind: 'changeDisks', disks: declared ?? ALL, fromDisks: seen, target: { policyName: 'daily' }, blockedBy: [] }]);
    expect(plan.summary.byKind).toEqual({ changeDisks: 1 });
    const findings = detectDrift(spec, protectedWith(seen)).findings;
    expect(findings).toMatchObject([{ category: 'disksChanged', message: expect.stringContaining(words), source: { line: declared ? 24 : 22 } }]);
  });

  it('plans and drift reports with selections validate against their schemas', () => {
    const [validPlan, validDrift] = [schemaValidator('plan.schema.json'), schemaValidator('drift-report.schema.json')];
    const spec = makeSpec({ rules: [ruleWith({ kind: 'exclude', luns: [2] })] });
    expect(validPlan(planProtection(spec, protectedWith(OS_ONLY)))).toEqual([]);
    expect(validPlan(planProtection(spec, makeObservation({ profile: 'modern',  vms: [db], policies: [daily] })))).toEqual([]);
    expect(validDrift(detectDrift(spec, protectedWith(OS_ONLY)))).toEqual([]);
    const forged = JSON.parse(JSON.stringify(planProtection(spec, protectedWith(OS_ONLY))));
    delete forged.actions[0].fromDisks;
    forged.actions[0].disks = { kind: 'include', luns: [] };
    expect(validPlan(forged).join('\n')).toMatch(/fromDisks/);
    expect(validPlan(forged).join('\n')).toMatch(/luns/);
  });

  it('another policy and other disks: one changePolicy that writes the disks too', () => {
    const plan = planProtection(makeSpec({ rules: [ruleWith(OS_ONLY)] }), protectedWith(ALL, 'weekly'));
    expect(plan.actions).toMatchObject([{ kind: 'changePolicy', fromPolicyName: 'weekly', disks: OS_ONLY }]);
    expect(plan.actions[0].reason).toContain('its disks change from all to OS only');
  });

  it('a LUN the VM has no data disk at blocks the action, naming the VM and the LUNs', () => {
    const plan = planProtection(makeSpec({ rules: [ruleWith({ kind: 'exclude', luns: [1, 5, 7] })] }), makeObservation({ profile: 'modern',  vms: [db], policies: [daily] }));
    expect(plan.summary.blocked).toBe(1);
    expect(plan.actions[0].blockedBy).toEqual([
      {
        code: 'DiskLunNotFound',
        message: 'rule "data" selects LUN 5, 7 of VM rg-data/db-01, which has no data disk there (its data disks: LUN 0, 1, 2)',
        remedy: expect.stringContaining('osOnly: true'),
        azureErrorCode: 'UserErrorInvalidDiskLun',
      },
    ]);
    const change = planProtection(makeSpec({ rules: [ruleWith({ kind: 'include', luns: [3] })] }), protectedWith(OS_ONLY));
    expect(change.actions).toMatchObject([{ kind: 'changeDisks', blockedBy: [{ code: 'DiskLunNotFound' }] }]);
  });

  it('the LUNs Compute lists are the ones checked, whatever their numbers', () => {
    const sparse = { ...db, dataDisks: 2, dataDiskLuns: [0, 4] };
    const plan = planProtection(makeSpec({ rules: [ruleWith({ kind: 'include', luns: [4] })] }), makeObservation({ profile: 'modern',  vms: [sparse], policies: [daily] }));
    expect(plan.actions[0].blockedBy).toEqual([]);
  });

  it('an estate plans each vault with its rules\' selections: in sync when the item matches, changeDisks when not', () => {
    const vault = { subscriptionId: db.id.split('/')[2], resourceGroup: 'rg-backup', name: 'vault-weu' };
    const spec = makeSpec({
      form: 'estate',
      vaults: [vault],
      scope: { subscriptions: [vault.subscriptionId], resourceGroups: [] },
      rules: [ruleWith(OS_ONLY)],
    });
    const estate = (seen: DiskSelection): EstateObservation => {
      const observation = { ...protectedWith(seen), vault: makeVault() };
      return { observedAt: observation.observedAt, profile: observation.profile, vms: [db], apiCalls: {}, vaults: [{ vault, observation }] };
    };
    expect(planEstate(spec, estate(OS_ONLY)).actions).toEqual([]);
    expect(detectEstateDrift(spec, estate(OS_ONLY)).findings).toEqual([]);
    expect(planEstate(spec, estate(ALL)).actions).toMatchObject([{ kind: 'changeDisks', disks: OS_ONLY, source: { line: 24 } }]);
  });

  it('the classic profile blocks a new protection and a change of disks with any selection, naming the VM and the remedy', () => {
    const classic = (o: Partial<Observation>) => makeObservation({ ...o, profile: 'classic' });
    const plan = planProtection(makeSpec({ rules: [ruleWith(OS_ONLY)] }), classic({ vms: [db], policies: [daily] }));
    expect(plan.summary.blocked).toBe(1);
    expect(plan.actions[0]).toMatchObject({ kind: 'protect', blockedBy: [
      {
        code: 'SelectiveDisksUnsupported',
        message: 'rule "data" selects disks of VM rg-data/db-01, but the classic profile has no selective disk backup: it backs up every disk of a VM',
        remedy: expect.stringContaining('modern profile'),
        azureErrorCode: 'UserErrorSelectiveDiskBackupNotSupported',
      },
    ] });
    const seen = protectedWith(ALL);
    const change = planProtection(makeSpec({ rules: [ruleWith({ kind: 'exclude', luns: [9] })] }), { ...seen, profile: 'classic' });
    expect(change.actions).toMatchObject([{ kind: 'changeDisks', blockedBy: [{ code: 'SelectiveDisksUnsupported' }] }]);
    expect(planProtection(makeSpec({ rules: [ruleWith()] }), classic({ vms: [db], policies: [daily] })).actions[0].blockedBy).toEqual([]);
  });
});
