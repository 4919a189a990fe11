// checkSelectionConflicts: conflicts that only the VMs the selectors match can reveal.
import { describe, expect, test } from 'vitest';
import { vmArmId } from '../../provider/core/index.js';
import { checkSelectionConflicts, resolveSpecFile } from '../../provider/spec/index.js';

const SUB = '6f1c2a7e-3b1d-4c55-9d1e-0a9b8c7d6e5f';
const vm = (rg: string, name: string) => vmArmId(SUB, rg, name);
const FILE = 'examples/spec-selectors.yaml';

interface Case {
  readonly reason: string;
  readonly selected: Record<string, string[]>;
  /** `code@LINE:COL` of every diagnostic. */
  readonly expected: readonly string[];
}

const cases: readonly Case[] = [
  {
    reason: 'disjoint selections do not conflict',
    selected: { production: [vm('rg-web', 'web-01'), vm('rg-app', 'app-01')], development: [vm('rg-dev', 'dev-01')] },
    expected: [],
  },
  {
    reason: 'a VM both rules select, with different policies, is a conflict placed on the later rule',
    selected: { production: [vm('rg-dev', 'dev-01')], development: [vm('rg-dev', 'dev-01')] },
    expected: ['PolicyConflict@31:5'],
  },
  {
    reason: 'ARM ids compare case-insensitively',
    selected: { production: [vm('RG-DEV', 'DEV-01')], development: [vm('rg-dev', 'dev-01')] },
    expected: ['PolicyConflict@31:5'],
  },
  {
    reason: 'a VM listed twice by one rule is one selection',
    selected: { production: [vm('rg-web', 'web-01'), vm('rg-web', 'web-01')] },
    expected: [],
  },
  {
    reason: 'a selected VM that the spec also stops protecting',
    selected: { development: [vm('rg-dev', 'dev-01'), vm('rg-dev', 'dev-02')] },
    expected: ['StopConflict@31:5'],
  },
];

describe('checkSelectionConflicts', () => {
  test.each(cases)('$reason', async ({ selected, expected }) => {
    const { spec } = await resolveSpecFile(FILE);
    const diagnostics = checkSelectionConflicts(spec!, new Map(Object.entries(selected)));
    expect(diagnostics.map((d) => `${d.code}@${d.location?.line}:${d.location?.col}`)).toEqual(expected);
    for (const d of diagnostics) expect(d).toMatchObject({ severity: 'error', location: { file: FILE } });
  });

  test('the message names both rules and policies, and where the first rule is', async () => {
    const { spec } = await resolveSpecFile(FILE);
    const [d] = checkSelectionConflicts(spec!, new Map([['production', [vm('rg-dev', 'dev-01')]], ['development', [vm('rg-dev', 'dev-01')]]]));
    expect(d.message).toBe(
      `VM ${vm('rg-dev', 'dev-01')} is selected by rule "production" (${FILE}:22:5) with policy "nightly" and by rule "development" with policy "weekly-0600"`,
    );
  });
});
