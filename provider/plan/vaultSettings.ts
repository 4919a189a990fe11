// A vault's own safety settings: what the spec declares against what the vault reports, one change per setting
// that differs. Pure. A change that lowers the protection of backup data is marked `weakens` (apply needs
// --allow-weaker-vault-settings); a change Azure refuses is a pre-flight finding with Azure's code and the remedy.
import {
  type Observation,
  type Plan,
  type PreflightFinding,
  type VaultSettingChange,
  type VaultSettingName,
  type VaultSettings,
  type VaultSettingValues,
  type VaultSettingsAction,
} from '../core/index.js';
import { preflightFinding } from './preflight.js';

/** Settings in the order they are compared, written and reported. */
const VAULT_SETTING_NAMES: readonly VaultSettingName[] = ['storageRedundancy', 'crossRegionRestore', 'softDelete', 'immutability'];

/** How strongly each value protects backup data, weakest first; storage redundancy is a choice of durability, not of safety. */
const STRENGTH: { readonly [K in Exclude<VaultSettingName, 'storageRedundancy'>]: readonly VaultSettingValues[K][] } = {
  softDelete: ['off', 'on', 'alwaysOn'],
  immutability: ['disabled', 'unlocked', 'locked'],
  crossRegionRestore: [false, true],
};

function weakens<K extends VaultSettingName>(setting: K, from: VaultSettingValues[K], to: VaultSettingValues[K]): boolean {
  if (setting === 'storageRedundancy') return false;
  const order = STRENGTH[setting as Exclude<VaultSettingName, 'storageRedundancy'>] as readonly unknown[];
  return order.indexOf(to) < order.indexOf(from);
}

/** The declared settings that differ from the observed ones, in VAULT_SETTING_NAMES order. */
export function vaultSettingChanges(declared: VaultSettings | undefined, observed: VaultSettingValues | undefined): VaultSettingChange[] {
  if (!declared || !observed) return [];
  const changes: VaultSettingChange[] = [];
  for (const setting of VAULT_SETTING_NAMES) {
    const to = declared[setting];
    const from = observed[setting];
    if (to === undefined || to === from) continue;
    const source = declared.sources?.[setting];
    changes.push({ setting, from, to, weakens: weakens(setting, from, to), ...(source ? { source } : {}) } as VaultSettingChange);
  }
  return changes;
}

/** "softDelete on -> off" */
export function describeSettingChange(c: VaultSettingChange): string {
  return `${c.setting} ${String(c.from)} -> ${String(c.to)}`;
}

/** The vault holds an item or a registration: Azure then locks its storage redundancy. */
function storageLocked(obs: Observation): boolean {
  return obs.protectedItems.length > 0 || obs.vms.some((vm) => vm.registered);
}

/** Why Azure would refuse these changes, each finding with Azure's code and the remedy. */
export function vaultSettingFindings(changes: readonly VaultSettingChange[], observed: VaultSettingValues, obs: Observation): PreflightFinding[] {
  const vault = `${obs.vault.resourceGroup}/${obs.vault.name}`;
  const findings: PreflightFinding[] = [];
  const to = <K extends VaultSettingName>(setting: K): VaultSettingValues[K] =>
    (changes.find((c) => c.setting === setting)?.to as VaultSettingValues[K] | undefined) ?? observed[setting];
  for (const c of changes) {
    if (c.setting === 'storageRedundancy' && storageLocked(obs)) {
      findings.push(preflightFinding('StorageRedundancyLocked', `vault ${vault} protects items, so its storage redundancy stays ${String(c.from)}`));
    } else if (c.setting === 'crossRegionRestore' && c.to === false && storageLocked(obs)) {
      findings.push(preflightFinding('StorageRedundancyLocked', `vault ${vault} protects items, so its Cross Region Restore cannot be turned off`));
    } else if (c.setting === 'softDelete' && c.from === 'alwaysOn') {
      findings.push(preflightFinding('SoftDeleteAlwaysOn', `soft delete of vault ${vault} is always on, which cannot be undone`));
    } else if (c.setting === 'immutability' && c.from === 'locked') {
      findings.push(preflightFinding('ImmutabilityLocked', `immutability of vault ${vault} is locked, which cannot be undone`));
    }
  }
  if (to('crossRegionRestore') && to('storageRedundancy') !== 'GeoRedundant' && changes.some((c) => c.setting === 'crossRegionRestore' || c.setting === 'storageRedundancy')) {
    findings.push(
      preflightFinding('CrossRegionRestoreNeedsGeoRedundant', `Cross Region Restore on vault ${vault} needs GeoRedundant storage, not ${to('storageRedundancy')}`),
    );
  }
  return findings;
}

/** The unblocked changes of a plan that weaken a vault's settings: apply runs them only with --allow-weaker-vault-settings. */
export function weakeningChanges(plan: Plan): { action: VaultSettingsAction; change: VaultSettingChange }[] {
  return plan.actions.flatMap((a) =>
    a.kind === 'vaultSettings' && a.blockedBy.length === 0 ? a.changes.filter((c) => c.weakens).map((change) => ({ action: a, change })) : [],
  );
}
