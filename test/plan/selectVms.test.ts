import { describe, expect, it } from 'vitest';
import { findConflicts, rulesSelectingNothing, selectVms } from '../../provider/plan/index.js';
import type { ProtectionRule } from '../../provider/core/index.js';
import { loc, makeObservation, makePolicy, makeProtectedItem, makeRule, makeSpec, makeStop, makeVm, pick, selector, vmId } from './fixtures.js';

const vms = [
  makeVm({ name: 'web-01', resourceGroup: 'rg-web', tags: { env: 'prod', app: 'web' } }),
  makeVm({ name: 'web-02', resourceGroup: 'rg-web', tags: { Env: 'prod', app: 'web' } }),
  makeVm({ name: 'db-01', resourceGroup: 'rg-data', tags: { env: 'prod', tier: 'data' } }),
  makeVm({ name: 'db-01', resourceGroup: 'rg-data-dr', tags: { env: 'dr', tier: 'data' } }),
  makeVm({ name: 'dev-01', resourceGroup: 'rg-dev', tags: { env: 'dev' } }),
  makeVm({ name: 'web-ne-01', resourceGroup: 'rg-web-ne', location: 'northeurope', tags: { env: 'prod', app: 'web' } }),
];

describe('selectVms', () => {
  const cases: { reason: string; rule: ProtectionRule; location?: string; expected: string[] }[] = [
    { reason: 'an explicit pick by resource group and name', rule: makeRule('r', 'daily', { vms: [pick('rg-web', 'web-01')] }), expected: ['rg-web/web-01'] },
    { reason: 'picks are case-insensitive', rule: makeRule('r', 'daily', { vms: [pick('RG-WEB', 'Web-01')] }), expected: ['rg-web/web-01'] },
    {
      reason: 'the resource group tells two VMs of one name apart',
      rule: makeRule('r', 'daily', { vms: [pick('rg-data-dr', 'db-01')] }),
      expected: ['rg-data-dr/db-01'],
    },
    {
      reason: 'a pick by ARM id, whatever its case',
      rule: makeRule('r', 'daily', { vms: [{ id: vmId('rg-data', 'db-01').replace('/subscriptions/', '/Subscriptions/').toUpperCase() }] }),
      expected: ['rg-data/db-01'],
    },
    { reason: 'a selector by resource group', rule: makeRule('r', 'daily', { selector: selector({ resourceGroups: ['rg-web'] }) }), expected: ['rg-web/web-01', 'rg-web/web-02'] },
    { reason: 'a selector by name glob', rule: makeRule('r', 'daily', { selector: selector({ names: ['db-*'] }) }), expected: ['rg-data/db-01', 'rg-data-dr/db-01'] },
    {
      reason: 'tag names are case-insensitive, values exact; all tags must match',
      rule: makeRule('r', 'daily', { selector: selector({ tags: { env: 'prod', app: 'web' } }) }),
      expected: ['rg-web/web-01', 'rg-web/web-02', 'rg-web-ne/web-ne-01'],
    },
    { reason: 'a tag value "*" matches any value', rule: makeRule('r', 'daily', { selector: selector({ tags: { tier: '*' } }) }), expected: ['rg-data/db-01', 'rg-data-dr/db-01'] },
    {
      reason: 'exclusions by tag, name, resource group and VM each drop a VM',
      rule: makeRule('r', 'daily', {
        selector: selector({
          exclude: { tags: { env: 'dev' }, names: ['web-02'], resourceGroups: ['rg-web-ne'], vms: [pick('rg-data-dr', 'db-01')] },
        }),
      }),
      expected: ['rg-data/db-01', 'rg-web/web-01'],
    },
    {
      reason: 'with the vault region given, selectors skip VMs of other regions',
      rule: makeRule('r', 'daily', { selector: selector({ tags: { app: 'web' } }) }),
      location: 'westeurope',
      expected: ['rg-web/web-01', 'rg-web/web-02'],
    },
    {
      reason: 'an explicit pick of another region is kept, so pre-flight can report it',
      rule: makeRule('r', 'daily', { vms: [pick('rg-web-ne', 'web-ne-01')] }),
      location: 'westeurope',
      expected: ['rg-web-ne/web-ne-01'],
    },
    {
      reason: 'picks and a selector together, each VM once',
      rule: makeRule('r', 'daily', { vms: [pick('rg-web', 'web-01')], selector: selector({ resourceGroups: ['rg-web'] }) }),
      expected: ['rg-web/web-01', 'rg-web/web-02'],
    },
    { reason: 'a pick that matches nothing selects nothing', rule: makeRule('r', 'daily', { vms: [pick('rg-web', 'web-99')] }), expected: [] },
  ];
  it.each(cases)('$reason', ({ rule, location, expected }) => {
    const got = selectVms(makeSpec({ rules: [rule] }), vms, { location });
    expect(got.get('r')?.map((v) => `${v.resourceGroup}/${v.name}`)).toEqual(expected);
  });
});

describe('findConflicts', () => {
  const obs = makeObservation({ vms });
  const policies = [makePolicy('daily'), makePolicy('weekly', { schedule: { frequency: 'Weekly', time: '06:00', weekDays: ['Sunday'] } })];
  const cases: { reason: string; rules: ProtectionRule[]; stops?: ReturnType<typeof makeStop>[]; expected: { code: string; line: number }[] }[] = [
    {
      reason: 'two rules with different policies picking one VM conflict, reported once, at the first rule',
      rules: [
        makeRule('web', 'daily', { selector: selector({ tags: { app: 'web' } }), line: 20 }),
        makeRule('rg-web', 'weekly', { vms: [pick('rg-web', 'web-02')], line: 30 }),
      ],
      expected: [{ code: 'ConflictingRules', line: 20 }],
    },
    {
      reason: 'two rules with the same policy picking one VM agree',
      rules: [makeRule('a', 'daily', { selector: selector({ tags: { app: 'web' } }) }), makeRule('b', 'daily', { vms: [pick('rg-web', 'web-02')] })],
      expected: [],
    },
    {
      reason: 'a VM both declared and listed under stopProtection conflicts, reported once, at the rule',
      rules: [makeRule('a', 'daily', { vms: [pick('rg-dev', 'dev-01')], line: 20 })],
      stops: [makeStop(pick('rg-dev', 'dev-01'), true, 41)],
      expected: [{ code: 'ConflictingStopProtection', line: 20 }],
    },
    { reason: 'disjoint rules do not conflict', rules: [makeRule('a', 'daily', { vms: [pick('rg-web', 'web-01')] }), makeRule('b', 'weekly', { vms: [pick('rg-dev', 'dev-01')] })], expected: [] },
  ];
  it.each(cases)('$reason', ({ rules, stops, expected }) => {
    const diags = findConflicts(makeSpec({ policies, rules, stopProtection: stops ?? [] }), obs);
    expect(diags.map((d) => ({ code: d.code, line: d.location?.line }))).toEqual(expected);
    for (const d of diags) {
      expect(d.severity).toBe('error');
      expect(d.remedy).toBeTruthy();
      expect(d.location).toEqual(expect.objectContaining({ file: loc(1).file }));
    }
  });

  it('lists the VMs caught between the same two rules in one message', () => {
    const spec = makeSpec({
      policies,
      rules: [makeRule('all-web', 'daily', { selector: selector({ tags: { app: 'web' } }), line: 20 }), makeRule('rg-web', 'weekly', { selector: selector({ resourceGroups: ['rg-web'] }), line: 30 })],
    });
    const diags = findConflicts(spec, obs);
    expect(diags).toHaveLength(1);
    expect(diags[0].message).toMatch(/^VMs rg-web\/web-01, rg-web\/web-02 are picked by rule "all-web" with policy daily and by rule "rg-web" \(policy weekly\)/);
    expect(diags[0].message).toContain('backup.yaml:30');
  });

  it('names the VM and the other rule in the message', () => {
    const spec = makeSpec({
      policies,
      rules: [makeRule('web', 'daily', { vms: [pick('rg-web', 'web-01')], line: 20 }), makeRule('other', 'weekly', { vms: [pick('rg-web', 'web-01')], line: 30 })],
    });
    const [first] = findConflicts(spec, makeObservation({ vms, protectedItems: [makeProtectedItem(vms[0])] }));
    expect(first.message).toContain('rg-web/web-01');
    expect(first.message).toContain('rule "other"');
    expect(first.message).toContain('backup.yaml:30');
  });
});

describe('rulesSelectingNothing', () => {
  const obs = makeObservation({ vms });
  it.each([
    { reason: 'a selector matching no VM warns at its rule', rule: makeRule('typo', 'daily', { selector: selector({ names: ['wbe-*'] }), line: 12 }), expected: [{ line: 12, message: /rule "typo" selects no VM in the vault's region westeurope/ }] },
    {
      reason: 'a selector matching only VMs of another region says so',
      rule: makeRule('ne', 'daily', { selector: selector({ resourceGroups: ['rg-web-ne'] }), line: 14 }),
      expected: [{ line: 14, message: /the VMs it matches are all outside the vault's region westeurope/ }],
    },
    { reason: 'a pick that matches nothing is reported as missing, not here', rule: makeRule('gone', 'daily', { vms: [pick('rg-web', 'web-99')] }), expected: [] },
    { reason: 'a selector that selects a VM is fine', rule: makeRule('web', 'daily', { selector: selector({ tags: { app: 'web' } }) }), expected: [] },
  ])('$reason', ({ rule, expected }) => {
    const diags = rulesSelectingNothing(makeSpec({ rules: [rule] }), obs);
    expect(diags.map((d) => ({ line: d.location?.line, message: d.message }))).toEqual(expected.map((e) => ({ line: e.line, message: expect.stringMatching(e.message) })));
    for (const d of diags) {
      expect(d.severity).toBe('warning');
      expect(d.code).toBe('RuleSelectsNoVm');
      expect(d.remedy).toMatch(/discover|region/);
    }
  });
});
