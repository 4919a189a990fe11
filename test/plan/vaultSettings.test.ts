// The planner's vaultSettings action: one change per declared setting that differs, weakening changes marked,
// and the changes Azure refuses blocked with Azure's code and the remedy. Drift reports the same differences.
import { describe, expect, it } from 'vitest';
import {
  oneVaultEstate,
  vaultArmId,
  type EstateObservation,
  type Observation,
  type VaultSettingValues,
  type VaultSettings,
  type VaultSettingsAction,
  type VaultSpec,
} from '../../provider/core/index.js';
import { detectDrift, detectEstateDrift } from '../../provider/drift/index.js';
import { planEstate, planProtection, weakeningChanges } from '../../provider/plan/index.js';
import { loc, makeObservation, makeProtectedItem, makeRule, makeSpec, makeVault, makeVm, pick, SUB, VAULT_NAME, VAULT_RG } from './fixtures.js';

const DEFAULTS: VaultSettingValues = { softDelete: 'on', immutability: 'disabled', storageRedundancy: 'GeoRedundant', crossRegionRestore: false };
const web1 = makeVm({ name: 'web-01', resourceGroup: 'rg-web' });

function specWith(settings: VaultSettings) {
  const target = { subscriptionId: SUB, vault: { resourceGroup: VAULT_RG, name: VAULT_NAME }, settings, source: loc(2, 1) };
  return makeSpec({ target, ...oneVaultEstate(target), rules: [makeRule('web', 'daily', { vms: [pick('rg-web', 'web-01', 22)] })] });
}

function observed(settings: Partial<VaultSettingValues> | undefined, o: Partial<Observation> = {}): Observation {
  const base = makeObservation();
  return makeObservation({ vault: { ...base.vault, ...(settings ? { settings: { ...DEFAULTS, ...settings } } : {}) }, vms: [web1], ...o });
}

function settingsAction(settings: VaultSettings, obs: Observation): VaultSettingsAction | undefined {
  return planProtection(specWith(settings), obs).actions.find((a): a is VaultSettingsAction => a.kind === 'vaultSettings');
}

const protectedVault = (settings: Partial<VaultSettingValues>) =>
  observed(settings, { vms: [{ ...web1, registered: true, backupExtension: true, protectable: false }], protectedItems: [makeProtectedItem(web1)] });

describe('planning vault settings', () => {
  it.each([
    { reason: 'settings that match plan nothing', declared: { softDelete: 'on', storageRedundancy: 'GeoRedundant' }, seen: {}, changes: [], weakens: [] },
    { reason: 'settings left out are not managed', declared: {}, seen: { softDelete: 'off', immutability: 'locked' }, changes: [], weakens: [] },
    {
      reason: 'stronger settings are plain changes',
      declared: { softDelete: 'alwaysOn', immutability: 'unlocked', crossRegionRestore: true },
      seen: {},
      changes: ['crossRegionRestore false -> true', 'softDelete on -> alwaysOn', 'immutability disabled -> unlocked'],
      weakens: [],
    },
    { reason: 'soft delete on -> off weakens', declared: { softDelete: 'off' }, seen: {}, changes: ['softDelete on -> off'], weakens: ['softDelete'] },
    { reason: 'immutability unlocked -> disabled weakens', declared: { immutability: 'disabled' }, seen: { immutability: 'unlocked' }, changes: ['immutability unlocked -> disabled'], weakens: ['immutability'] },
    { reason: 'Cross Region Restore on -> off weakens', declared: { crossRegionRestore: false }, seen: { crossRegionRestore: true }, changes: ['crossRegionRestore true -> false'], weakens: ['crossRegionRestore'] },
    { reason: 'storage redundancy is a choice, not a weakening', declared: { storageRedundancy: 'LocallyRedundant' }, seen: {}, changes: ['storageRedundancy GeoRedundant -> LocallyRedundant'], weakens: [] },
  ] as const)('$reason', ({ declared, seen, changes, weakens }) => {
    const action = settingsAction(declared, observed(seen));
    expect(action?.changes.map((c) => `${c.setting} ${String(c.from)} -> ${String(c.to)}`) ?? []).toEqual(changes);
    expect(action?.changes.filter((c) => c.weakens).map((c) => c.setting) ?? []).toEqual(weakens);
    expect(action?.blockedBy ?? []).toEqual([]);
  });

  it.each([
    { reason: 'redundancy cannot change once the vault protects an item', declared: { storageRedundancy: 'ZoneRedundant' }, seen: {}, code: 'StorageRedundancyLocked', azure: 'StorageModelModifyError' },
    { reason: 'Cross Region Restore cannot be turned off once the vault protects an item', declared: { crossRegionRestore: false }, seen: { crossRegionRestore: true }, code: 'StorageRedundancyLocked', azure: 'StorageModelModifyError' },
    { reason: 'always-on soft delete cannot be turned off', declared: { softDelete: 'on' }, seen: { softDelete: 'alwaysOn' }, code: 'SoftDeleteAlwaysOn', azure: 'BMSUserErrorSoftDeleteStateAlwaysOn' },
    { reason: 'locked immutability cannot be unlocked', declared: { immutability: 'unlocked' }, seen: { immutability: 'locked' }, code: 'ImmutabilityLocked', azure: 'UserErrorUnsupportedVaultImmutabilityStateChange' },
    { reason: 'Cross Region Restore needs GeoRedundant', declared: { crossRegionRestore: true }, seen: { storageRedundancy: 'LocallyRedundant' }, code: 'CrossRegionRestoreNeedsGeoRedundant', azure: 'UserErrorCrossRegionRestoreNotSupported' },
  ] as const)('blocked: $reason', ({ declared, seen, code, azure }) => {
    const action = settingsAction(declared, protectedVault(seen))!;
    expect(action.blockedBy.map((f) => [f.code, f.azureErrorCode])).toEqual([[code, azure]]);
    expect(action.blockedBy[0].remedy.length).toBeGreaterThan(20);
  });

  it('an empty vault changes its redundancy first: registering and protecting wait for it', () => {
    const plan = planProtection(specWith({ storageRedundancy: 'LocallyRedundant' }), observed({}));
    expect(plan.actions.map((a) => `${a.kind}${a.dependsOn.length ? ` after ${a.dependsOn.map((d) => d.split(':')[0]).join(',')}` : ''}`)).toEqual([
      'vaultSettings',
      'createPolicy',
      'register after vaultSettings',
      'protect after vaultSettings,createPolicy,register',
    ]);
  });

  it('weakeningChanges lists only the unblocked changes that weaken', () => {
    const weak = planProtection(specWith({ softDelete: 'off', immutability: 'unlocked' }), observed({}));
    expect(weakeningChanges(weak).map((w) => w.change.setting)).toEqual(['softDelete']);
    const blocked = planProtection(specWith({ softDelete: 'off' }), observed({ softDelete: 'alwaysOn' }));
    expect(weakeningChanges(blocked)).toEqual([]);
  });

  it('a vault that reports no settings plans nothing for them', () => {
    expect(settingsAction({ softDelete: 'off' }, observed(undefined))).toBeUndefined();
  });
});

describe('drift of vault settings', () => {
  it('reports each setting that differs as its own finding, at the line of that setting', () => {
    const settings: VaultSettings = { softDelete: 'on', crossRegionRestore: true, sources: { softDelete: loc(6, 5), crossRegionRestore: loc(8, 5) } };
    const obs = protectedVault({ softDelete: 'off', crossRegionRestore: false });
    const report = detectDrift(specWith(settings), { ...obs, policies: [] });
    const found = report.findings.filter((f) => f.category === 'vaultSettings');
    expect(found.map((f) => [f.subject.kind, f.subject.name, f.expected, f.actual, f.source?.line])).toEqual([
      ['vault', VAULT_NAME, 'crossRegionRestore: true', 'crossRegionRestore: false', 8],
      ['vault', VAULT_NAME, 'softDelete: on', 'softDelete: off', 6],
    ]);
    expect(report.findings[0].category).toBe('vaultSettings');
  });
});

describe('vault settings in an estate', () => {
  const plain: VaultSpec = { subscriptionId: SUB, resourceGroup: 'rg-backup', name: 'vault-weu' };
  const managed: VaultSpec = { subscriptionId: SUB, resourceGroup: 'rg-backup', name: 'vault-neu', settings: { immutability: 'locked', sources: { immutability: loc(12, 21) } } };
  const spec = makeSpec({
    form: 'estate',
    target: { subscriptionId: SUB, vault: { resourceGroup: plain.resourceGroup, name: plain.name } },
    vaults: [plain, managed],
    scope: { subscriptions: [SUB], resourceGroups: [] },
    rules: [],
  });
  const obs: EstateObservation = {
    observedAt: '2025-03-10T12:00:00.000Z',
    profile: 'modern',
    vms: [],
    apiCalls: {},
    vaults: [plain, managed].map((v, i) => ({
      vault: v,
      observation: makeObservation({
        vault: { ...makeVault({ id: vaultArmId(SUB, v.resourceGroup, v.name), name: v.name, location: i === 0 ? 'westeurope' : 'northeurope' }), settings: DEFAULTS },
      }),
    })),
  };

  it('each declared vault plans its own settings, tagged with its vault; a vault without settings plans none', () => {
    const plan = planEstate(spec, obs);
    const settings = plan.actions.filter((a): a is VaultSettingsAction => a.kind === 'vaultSettings');
    expect(settings.map((a) => [a.vault, a.changes.map((c) => `${c.setting} ${String(c.to)}`)])).toEqual([[`${SUB}/rg-backup/vault-neu`, ['immutability locked']]]);
  });

  it('drift names the vault the setting differs in, at the line of the setting', () => {
    const found = detectEstateDrift(spec, obs).findings.filter((f) => f.category === 'vaultSettings');
    expect(found.map((f) => [f.subject.name, f.source?.line])).toEqual([['vault-neu', 12]]);
  });
});
