// A vault's backup config (`backupconfig/vaultconfig`): soft delete and enhanced security. Soft delete
// decides what deleting a protected item does: keep its data for the retention period, or delete it at once.
import { ArmErrors } from './errors.js';
import type { SoftDeleteState, Vault, VaultBackupConfig } from './model.js';

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
