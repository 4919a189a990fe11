// `settings:` on the one-vault target and on each vault of an estate: resolved with the line of every setting,
// unset settings left unmanaged, and bad values or an impossible combination reported where they are written.
import { describe, expect, test } from 'vitest';
import { resolveSpecText } from '../../provider/spec/index.js';

const SUB = '6f1c2a7e-3b1d-4c55-9d1e-0a9b8c7d6e5f';

function oneVault(settings: string): string {
  return `apiVersion: vmbackup/v1
target:
  subscriptionId: ${SUB}
  vault: { resourceGroup: rg-backup, name: vault-weu }
  settings:
${settings}
`;
}

const estate = `apiVersion: vmbackup/v1
scope:
  subscriptions: [${SUB}]
vaults:
  - subscriptionId: ${SUB}
    resourceGroup: rg-backup
    name: vault-weu
  - subscriptionId: ${SUB}
    resourceGroup: rg-backup-ne
    name: vault-neu
    settings:
      softDelete: alwaysOn
      storageRedundancy: ZoneRedundant
`;

const codes = (text: string) => resolveSpecText(text, 'spec.yaml').diagnostics.map((d) => `${d.location?.line}:${d.location?.col} ${d.severity} ${d.code}`);

describe('vault settings in a spec', () => {
  test('the one-vault form resolves each setting with its own line, on the target and its vault', () => {
    const { spec, diagnostics } = resolveSpecText(
      oneVault('    softDelete: on\n    immutability: unlocked\n    storageRedundancy: GeoRedundant\n    crossRegionRestore: true'),
      'spec.yaml',
    );
    expect(diagnostics).toEqual([]);
    const settings = spec!.vaults[0].settings!;
    expect([settings.softDelete, settings.immutability, settings.storageRedundancy, settings.crossRegionRestore]).toEqual(['on', 'unlocked', 'GeoRedundant', true]);
    expect([settings.sources?.softDelete?.line, settings.sources?.immutability?.line, settings.sources?.crossRegionRestore?.line]).toEqual([6, 7, 9]);
    expect(spec!.target.settings).toEqual(settings);
  });

  test('in an estate, each vault has its own settings; a vault without settings manages none', () => {
    const { spec, diagnostics } = resolveSpecText(estate, 'spec.yaml');
    expect(diagnostics).toEqual([]);
    expect(spec!.vaults.map((v) => [v.name, v.settings?.softDelete, v.settings?.storageRedundancy, v.settings?.immutability])).toEqual([
      ['vault-weu', undefined, undefined, undefined],
      ['vault-neu', 'alwaysOn', 'ZoneRedundant', undefined],
    ]);
    expect(spec!.vaults[1].settings?.sources?.softDelete?.line).toBe(12);
  });

  test.each([
    { reason: 'an unknown soft delete state', settings: '    softDelete: sometimes', expected: ['6:17 error InvalidValue'] },
    { reason: 'an unknown setting', settings: '    softDeletes: on', expected: ['6:5 error UnknownKey'] },
    { reason: 'crossRegionRestore written as a string', settings: '    crossRegionRestore: "yes"', expected: ['6:25 error WrongType'] },
    {
      reason: 'Cross Region Restore on a vault that is not geo-redundant',
      settings: '    storageRedundancy: LocallyRedundant\n    crossRegionRestore: true',
      expected: ['7:25 error CrossRegionRestoreNeedsGeoRedundant'],
    },
  ])('refused: $reason', ({ settings, expected }) => {
    expect(codes(oneVault(settings))).toEqual(expected);
  });
});
