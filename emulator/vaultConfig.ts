// A vault's safety settings: its backup config (`backupconfig/vaultconfig`: soft delete and enhanced security),
// its storage config (`backupstorageconfig/vaultstorageconfig`: redundancy and Cross Region Restore) and the
// immutability of the vault resource. Soft delete decides what deleting a protected item does: keep its data for
// the retention period, or delete it at once. Each write answers Azure's refusal when a rule forbids it.
import { ArmErrors } from './errors.js';
import type { ImmutabilityState, SoftDeleteState, StorageType, Vault, VaultBackupConfig, VaultStorageConfig } from './model.js';
import type { Store } from './store.js';

/** A new vault's config: soft delete and enhanced security on, deleted data kept 14 days. */
export const DEFAULT_VAULT_CONFIG: VaultBackupConfig = {
  softDeleteFeatureState: 'Enabled',
  enhancedSecurityState: 'Enabled',
  softDeleteRetentionPeriodInDays: 14,
};

const SOFT_DELETE_STATES: readonly SoftDeleteState[] = ['Enabled', 'Disabled', 'AlwaysON'];
const RETENTION_DAYS = { min: 14, max: 180 } as const;

export function vaultConfigOf(vault: Vault): VaultBackupConfig {
  return vault.backupConfig ?? DEFAULT_VAULT_CONFIG;
}

/** Days a deleted item's data is kept; undefined when soft delete is off and the data goes at once. */
export function softDeleteDays(vault: Vault): number | undefined {
  const config = vaultConfigOf(vault);
  return config.softDeleteFeatureState === 'Disabled' ? undefined : config.softDeleteRetentionPeriodInDays;
}

/** The config a PUT or PATCH asks for: the fields it carries change, the others stay. Throws Azure's refusal. */
export function nextVaultConfig(vault: Vault, written: Record<string, unknown>): VaultBackupConfig {
  const current = vaultConfigOf(vault);
  const { softDeleteFeatureState, enhancedSecurityState, softDeleteRetentionPeriodInDays } = written;
  if (softDeleteFeatureState !== undefined && !SOFT_DELETE_STATES.includes(softDeleteFeatureState as SoftDeleteState)) {
    throw ArmErrors.invalidBody(`properties.softDeleteFeatureState must be one of ${SOFT_DELETE_STATES.join(', ')}.`);
  }
  if (enhancedSecurityState !== undefined && enhancedSecurityState !== 'Enabled' && enhancedSecurityState !== 'Disabled') {
    throw ArmErrors.invalidBody("properties.enhancedSecurityState must be 'Enabled' or 'Disabled'.");
  }
  if (
    softDeleteRetentionPeriodInDays !== undefined &&
    (!Number.isInteger(softDeleteRetentionPeriodInDays) ||
      (softDeleteRetentionPeriodInDays as number) < RETENTION_DAYS.min ||
      (softDeleteRetentionPeriodInDays as number) > RETENTION_DAYS.max)
  ) {
    throw ArmErrors.badRequest(`properties.softDeleteRetentionPeriodInDays must be ${RETENTION_DAYS.min} to ${RETENTION_DAYS.max} days.`);
  }
  const next: VaultBackupConfig = {
    softDeleteFeatureState: (softDeleteFeatureState as SoftDeleteState | undefined) ?? current.softDeleteFeatureState,
    enhancedSecurityState: (enhancedSecurityState as VaultBackupConfig['enhancedSecurityState'] | undefined) ?? current.enhancedSecurityState,
    softDeleteRetentionPeriodInDays: (softDeleteRetentionPeriodInDays as number | undefined) ?? current.softDeleteRetentionPeriodInDays,
  };
  // Always-on soft delete is irreversible.
  if (current.softDeleteFeatureState === 'AlwaysON' && next.softDeleteFeatureState !== 'AlwaysON') throw ArmErrors.softDeleteAlwaysOn(vault.name);
  return next;
}

/** A new vault's storage: geo-redundant, Cross Region Restore off (Azure Backup's "Create and configure a Recovery Services vault"). */
export const DEFAULT_STORAGE_CONFIG: VaultStorageConfig = { storageType: 'GeoRedundant', crossRegionRestore: false };

const STORAGE_TYPES: readonly StorageType[] = ['LocallyRedundant', 'ZoneRedundant', 'GeoRedundant'];
const IMMUTABILITY_STATES: readonly ImmutabilityState[] = ['Disabled', 'Unlocked', 'Locked'];

export function storageConfigOf(vault: Vault): VaultStorageConfig {
  return vault.storageConfig ?? DEFAULT_STORAGE_CONFIG;
}

export function immutabilityOf(vault: Vault): ImmutabilityState {
  return vault.immutability ?? 'Disabled';
}

/** Azure locks the storage model once the first machine is registered with the vault (or an item protected in it). */
export function storageLocked(vault: Vault, store: Store): boolean {
  return store.listContainers(vault.id).length > 0 || store.listItems(vault.id).length > 0;
}

/**
 * The storage config a PUT or PATCH asks for (`storageModelType` or `storageType`, `crossRegionRestoreFlag`), `locked`
 * when the vault holds a registration or an item (storageLocked). Throws Azure's refusal.
 */
export function nextStorageConfig(vault: Vault, locked: boolean, written: Record<string, unknown>): VaultStorageConfig {
  const current = storageConfigOf(vault);
  const type = written.storageModelType ?? written.storageType;
  if (type !== undefined && !STORAGE_TYPES.includes(type as StorageType)) {
    throw ArmErrors.invalidBody(`properties.storageModelType must be one of ${STORAGE_TYPES.join(', ')}.`);
  }
  const flag = written.crossRegionRestoreFlag;
  if (flag !== undefined && typeof flag !== 'boolean') throw ArmErrors.invalidBody('properties.crossRegionRestoreFlag must be true or false.');
  const next: VaultStorageConfig = {
    storageType: (type as StorageType | undefined) ?? current.storageType,
    crossRegionRestore: (flag as boolean | undefined) ?? current.crossRegionRestore,
  };
  // Cross Region Restore "can't be reverted to GRS or LRS after the protection starts": its storage model is locked too.
  if (locked && (next.storageType !== current.storageType || (current.crossRegionRestore && !next.crossRegionRestore))) throw ArmErrors.storageModelLocked();
  if (next.crossRegionRestore && next.storageType !== 'GeoRedundant') throw ArmErrors.crossRegionRestoreNotSupported(next.storageType);
  return next;
}

/** The immutability a vault PATCH asks for (`properties.securitySettings.immutabilitySettings.state`); undefined when it asks none. */
export function nextImmutability(vault: Vault, written: Record<string, unknown>): ImmutabilityState | undefined {
  const security = written.securitySettings as { immutabilitySettings?: { state?: unknown } } | undefined;
  const state = security?.immutabilitySettings?.state;
  if (state === undefined) return undefined;
  if (!IMMUTABILITY_STATES.includes(state as ImmutabilityState)) {
    throw ArmErrors.invalidBody(`properties.securitySettings.immutabilitySettings.state must be one of ${IMMUTABILITY_STATES.join(', ')}.`);
  }
  // "Once you enable this lock, it makes immutability setting for the vault irreversible."
  if (immutabilityOf(vault) === 'Locked' && state !== 'Locked') throw ArmErrors.immutabilityLocked();
  return state as ImmutabilityState;
}
