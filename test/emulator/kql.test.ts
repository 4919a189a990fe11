// The emulator's KQL subset on its own: what each operator means on rows, and what it refuses.
import { describe, expect, test } from 'vitest';
import { KqlError, parseKql, runKql } from '../../emulator/kql.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const rows = [
  { id: 'a', type: 'microsoft.compute/virtualmachines', name: 'Web-01', properties: { status: 'InProgress', startTime: '2026-05-20T00:00:00Z' } },
  { id: 'b', type: 'microsoft.compute/virtualmachines', name: 'web-02', properties: { status: 'Completed', startTime: '2026-06-01T06:00:00Z' } },
  { id: 'c', type: 'microsoft.recoveryservices/vaults', name: 'vault', properties: { status: 'Completed', startTime: '2026-05-01T00:00:00Z' } },
];
const ids = (q: string) => runKql(parseKql(q), rows, NOW).map((r) => r.id);

describe('KQL subset', () => {
  test.each([
    ["resources | where name == 'web-01'", []],
    ["resources | where name =~ 'web-01'", ['a']],
    ["resources | where name != 'web-02' | order by id asc", ['a', 'c']],
    ["resources | where name !~ 'WEB-02' | order by id asc", ['a', 'c']],
    ["resources | where name in ('web-01', 'web-02')", ['b']],
    ["resources | where name in~ ('web-01', 'web-02') | order by id asc", ['a', 'b']],
    ["resources | where type =~ 'Microsoft.Compute/virtualMachines' and properties.status == 'Completed'", ['b']],
    ["resources | where todatetime(properties.startTime) >= ago(24h) or properties.status == 'InProgress' | order by id asc", ['a', 'b']],
    ["resources | where (name == 'vault' or name == 'web-02') and properties.status == 'Completed' | order by id", ['c', 'b']],
    ['resources | order by name asc', ['a', 'c', 'b']],
  ])('%s', (query, expected) => {
    expect(ids(query)).toEqual(expected);
  });

  test('project names a dotted path with underscores, and a missing value is null', () => {
    expect(runKql(parseKql("resources | where id == 'c' | project id, properties.status, properties.nothing"), rows, NOW)).toEqual([
      { id: 'c', properties_status: 'Completed', properties_nothing: null },
    ]);
  });

  test('summarize packs each group\'s rows as arrays of the named columns, one row per group in first-seen order', () => {
    const q = "resources | summarize rows = make_list(pack_array(id, name, properties.status, properties.nothing)) by type | order by type asc";
    expect(runKql(parseKql(q), rows, NOW)).toEqual([
      { type: 'microsoft.compute/virtualmachines', rows: [['a', 'Web-01', 'InProgress', null], ['b', 'web-02', 'Completed', null]] },
      { type: 'microsoft.recoveryservices/vaults', rows: [['c', 'vault', 'Completed', null]] },
    ]);
  });

  test.each([
    ['resources | take 5', 'InvalidQueryLanguage'],
    ['resources | summarize count() by type', 'InvalidQueryLanguage'],
    ['resources | summarize n = make_set(id) by type', 'InvalidQueryLanguage'],
    ['resources | summarize n = make_list(bag_pack(id)) by type', 'InvalidQueryLanguage'],
    ['resources | summarize n = make_list(pack_array(id)) type', 'ParserFailure'],
    ['resources | extend x = 1', 'InvalidQueryLanguage'],
    ["resources | where name has 'web'", 'InvalidQueryLanguage'],
    ['securityresources', 'InvalidQueryLanguage'],
    ["resources | where name == 'web", 'ParserFailure'],
    ['resources | where', 'ParserFailure'],
    ['resources | where ago(soon) > 1', 'ParserFailure'],
  ])('refuses %s', (query, kind) => {
    expect(() => parseKql(query)).toThrow(KqlError);
    try {
      parseKql(query);
    } catch (e) {
      expect((e as KqlError).kind).toBe(kind);
    }
  });
});
