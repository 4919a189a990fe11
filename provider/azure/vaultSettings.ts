// Writes a vault's safety settings, each through the operation Azure carries it on: storage redundancy and Cross
// Region Restore on the backup storage config (`backupstorageconfig/vaultstorageconfig`), soft delete on the
// backup config (`backupconfig/vaultconfig`), immutability on the vault resource itself (a PATCH).
import type { VaultSettingValues } from '../core/index.js';
import { IMMUTABILITY_STATES, SOFT_DELETE_STATES } from './mapping.js';
import { call, type VaultRef, type WaitOptions } from './operations.js';
import type { Target } from './target.js';

/**
 * Writes `wanted` over `current`: only the operations whose settings change are called. Redundancy comes first
 * (Cross Region Restore needs the geo-redundancy it may bring), immutability last (locking it is for good).
 */
export async function writeVaultSettings(
  target: Target,
  vault: VaultRef,
  current: VaultSettingValues,
  wanted: Partial<VaultSettingValues>,
  opts: WaitOptions = {},
): Promise<void> {
  const differs = (k: keyof VaultSettingValues) => wanted[k] !== undefined && wanted[k] !== current[k];
  const { backup, vaults } = target.clients;
  if (differs('storageRedundancy') || differs('crossRegionRestore')) {
    const storageType = wanted.storageRedundancy ?? current.storageRedundancy;
    const crossRegionRestoreFlag = wanted.crossRegionRestore ?? current.crossRegionRestore;
    await call(target, () => backup.backupResourceStorageConfigsNonCRR.update(vault.name, vault.resourceGroup, { properties: { storageModelType: storageType, storageType, crossRegionRestoreFlag } }), opts);
  }
  if (differs('softDelete')) {
    const softDeleteFeatureState = SOFT_DELETE_STATES[wanted.softDelete!];
    await call(target, () => backup.backupResourceVaultConfigs.update(vault.name, vault.resourceGroup, { properties: { softDeleteFeatureState } }), opts);
  }
  if (differs('immutability')) {
    const state = IMMUTABILITY_STATES[wanted.immutability!];
    await call(
      target,
      () => vaults.vaults.beginUpdateAndWait(vault.resourceGroup, vault.name, { properties: { securitySettings: { immutabilitySettings: { state } } } }, { abortSignal: opts.signal, updateIntervalInMs: target.timing.pollMinMs }),
      opts,
    );
  }
}
