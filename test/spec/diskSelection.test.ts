// A rule's `disks:`: exactly one of include, exclude or osOnly, each problem at its line and column with its
// remedy; `include: []` is refused in favour of osOnly (other tools read an empty inclusion list as every disk).
import { describe, expect, test } from 'vitest';
import { resolveSpecText } from '../../provider/spec/index.js';

const SUB = '6f1c2a7e-3b1d-4c55-9d1e-0a9b8c7d6e5f';

/** A one-rule spec whose `disks:` value starts on line 13, column 12. */
function withDisks(disks: string): string {
  return `apiVersion: vmbackup/v1
target:
  subscriptionId: ${SUB}
  vault: { resourceGroup: rg-backup, name: vault-weu }
policies:
  - name: daily
    schedule: { frequency: Daily, time: "10:00" }
    retention: { daily: 30 }
protect:
  - name: data
    policy: daily
    vms: [{ resourceGroup: rg-data, name: db-01 }]
    disks: ${disks}
`;
}

const bad = [
  { reason: 'include and exclude together', disks: '{ include: [0], exclude: [1] }', at: '13:12 AmbiguousDiskSelection', text: 'include and exclude', remedy: 'exactly one of' },
  { reason: 'osOnly with a list', disks: '{ osOnly: true, include: [1] }', at: '13:12 AmbiguousDiskSelection', text: 'include and osOnly', remedy: 'exactly one of' },
  { reason: 'nothing under disks:', disks: '{}', at: '13:12 AmbiguousDiskSelection', text: 'without include, exclude or osOnly', remedy: 'without disks:, every disk is backed up' },
  { reason: 'an empty inclusion list', disks: '{ include: [] }', at: '13:23 EmptyDiskInclusion', text: 'include: []', remedy: 'osOnly: true' },
  { reason: 'osOnly: false', disks: '{ osOnly: false }', at: '13:22 InvalidValue', text: 'must be true', remedy: 'osOnly: true' },
  { reason: 'a LUN beyond 63', disks: '{ exclude: [64] }', at: '13:24 OutOfRange', text: 'at most 63', remedy: '' },
  { reason: 'a LUN written twice', disks: '{ include: [1, 1] }', at: '13:24 DuplicateItem', text: 'lists 1 twice', remedy: 'list each value once' },
  { reason: 'a key that is not a selection', disks: '{ includes: [1] }', at: '13:14 UnknownKey', text: 'includes', remedy: 'did you mean "include"?' },
];

describe('disks: on a rule', () => {
  test.each(bad)('$reason is an error at its place, with a remedy', ({ disks, at, text, remedy }) => {
    const { spec, diagnostics } = resolveSpecText(withDisks(disks), 'spec.yaml');
    expect(spec).toBeUndefined();
    // A rule the schema refuses leaves its policy unused: that warning is beside the point here.
    const errors = diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => `${d.location?.line}:${d.location?.col} ${d.code}`)).toEqual([at]);
    expect(errors[0].message).toContain(text);
    expect(errors[0].remedy ?? '').toContain(remedy);
  });

  test.each([
    { reason: 'OS disk only', disks: '{ osOnly: true }', resolved: { kind: 'osOnly' } },
    { reason: 'an inclusion list, sorted', disks: '{ include: [2, 0] }', resolved: { kind: 'include', luns: [0, 2] } },
    { reason: 'an exclusion list', disks: '{ exclude: [1] }', resolved: { kind: 'exclude', luns: [1] } },
  ])('$reason resolves, located at disks:', ({ disks, resolved }) => {
    const { spec, diagnostics } = resolveSpecText(withDisks(disks), 'spec.yaml');
    expect(diagnostics).toEqual([]);
    expect(spec?.rules[0].disks).toEqual(resolved);
    expect(spec?.rules[0].disksSource).toMatchObject({ file: 'spec.yaml', line: 13 });
  });

  test('a rule without disks: backs up every disk: it resolves with no selection', () => {
    const { spec } = resolveSpecText(withDisks('{ osOnly: true }').replace(/ {4}disks: .*\n/, ''), 'spec.yaml');
    expect(spec?.rules[0].disks).toBeUndefined();
  });
});

describe('disks: and the profile', () => {
  const selections = ['{ osOnly: true }', '{ include: [0] }', '{ exclude: [1] }'];

  test.each(selections)('the classic profile (the guide\'s preview backs up every disk) refuses %s at disks:, naming the remedy', (disks) => {
    const { spec, diagnostics } = resolveSpecText(withDisks(disks), 'spec.yaml', { profile: 'classic' });
    expect(spec).toBeUndefined();
    expect(diagnostics.map((d) => `${d.severity} ${d.location?.line}:${d.location?.col} ${d.code}`)).toEqual(['error 13:12 SelectiveDisksUnsupported']);
    expect(diagnostics[0].message).toBe('rule "data" selects disks, but the classic profile has no selective disk backup: it backs up every disk of a VM');
    expect(diagnostics[0].remedy).toMatch(/remove disks: .*--profile modern/);
  });

  test.each(selections)('the modern profile, and a spec checked without a profile, accept %s', (disks) => {
    for (const opts of [{ profile: 'modern' as const }, {}]) {
      const { spec, diagnostics } = resolveSpecText(withDisks(disks), 'spec.yaml', opts);
      expect(diagnostics).toEqual([]);
      expect(spec?.rules[0].disks).toBeDefined();
    }
  });

  test('the classic profile accepts a rule without disks:', () => {
    const { spec, diagnostics } = resolveSpecText(withDisks('{ osOnly: true }').replace(/ {4}disks: .*\n/, ''), 'spec.yaml', { profile: 'classic' });
    expect(diagnostics).toEqual([]);
    expect(spec?.rules).toHaveLength(1);
  });
});
