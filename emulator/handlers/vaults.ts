// Microsoft.RecoveryServices vaults get / list / PATCH (api-version 2023-04-01, what @azure/arm-recoveryservices 5.4
// sends; the PATCH changes immutability), and the vault's backup config (soft delete, enhanced security) and storage
// config (redundancy, Cross Region Restore) at the Backup api-version.
import type { RequestContext, Route } from '../dispatch.js';
import { page } from '../paging.js';
import { renderStorageConfig, renderVault, renderVaultConfig } from '../render.js';
import { nextImmutability, nextStorageConfig, nextVaultConfig, storageLocked } from '../vaultConfig.js';
import { BACKUP_API, bodyObject, checkSubscription, ok, requireVault, V, VAULTS_API } from './common.js';

/** PUT and PATCH alike change only the fields they carry. */
function writeVaultConfig(ctx: RequestContext) {
  const vault = requireVault(ctx);
  const written = (bodyObject(ctx).properties ?? {}) as Record<string, unknown>;
  const updated = { ...vault, backupConfig: nextVaultConfig(vault, written) };
  ctx.world.store.putVault(updated);
  return ok(renderVaultConfig(updated));
}

/** PUT answers the config, PATCH answers 204 (as the spec declares each). */
function writeStorageConfig(ctx: RequestContext, answer: 'config' | 'none') {
  const vault = requireVault(ctx);
  const written = (bodyObject(ctx).properties ?? {}) as Record<string, unknown>;
  // Writing the storage config adds no registration nor item: the vault is as locked after as before.
  const locked = storageLocked(vault, ctx.world.store);
  const updated = { ...vault, storageConfig: nextStorageConfig(vault, locked, written) };
  ctx.world.store.putVault(updated);
  return answer === 'config' ? ok(renderStorageConfig(updated, locked)) : { status: 204 };
}

/** A vault PATCH changes the immutability it carries; the other properties it may carry are not modelled and stay. */
function patchVault(ctx: RequestContext) {
  const vault = requireVault(ctx);
  const immutability = nextImmutability(vault, (bodyObject(ctx).properties ?? {}) as Record<string, unknown>);
  const updated = immutability === undefined ? vault : { ...vault, immutability };
  ctx.world.store.putVault(updated);
  return ok(renderVault(updated));
}

const VAULT_CONFIG = `${V}/backupconfig/vaultconfig`;
const STORAGE_CONFIG = `${V}/backupstorageconfig/vaultstorageconfig`;

export const vaultRoutes: Route[] = [
  {
    operationId: 'Vaults_ListBySubscriptionId',
    method: 'GET',
    template: '/subscriptions/{subscriptionId}/providers/Microsoft.RecoveryServices/vaults',
    apiVersions: VAULTS_API,
    body: 'none',
    handler: (ctx) => {
      return page(ctx, ctx.world.store.listVaults(undefined, checkSubscription(ctx)), renderVault);
    },
  },
  {
    operationId: 'Vaults_ListByResourceGroup',
    method: 'GET',
    template: '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.RecoveryServices/vaults',
    apiVersions: VAULTS_API,
    body: 'none',
    handler: (ctx) => {
      return page(ctx, ctx.world.store.listVaults(ctx.params.resourceGroupName, checkSubscription(ctx)), renderVault);
    },
  },
  {
    operationId: 'Vaults_Get',
    method: 'GET',
    template: V,
    apiVersions: VAULTS_API,
    body: 'none',
    handler: (ctx) => ok(renderVault(requireVault(ctx))),
  },
  {
    operationId: 'BackupResourceVaultConfigs_Get',
    method: 'GET',
    template: VAULT_CONFIG,
    apiVersions: BACKUP_API,
    body: 'none',
    handler: (ctx) => ok(renderVaultConfig(requireVault(ctx))),
  },
  { operationId: 'BackupResourceVaultConfigs_Put', method: 'PUT', template: VAULT_CONFIG, apiVersions: BACKUP_API, body: 'required', handler: writeVaultConfig },
  { operationId: 'BackupResourceVaultConfigs_Update', method: 'PATCH', template: VAULT_CONFIG, apiVersions: BACKUP_API, body: 'required', handler: writeVaultConfig },
  { operationId: 'Vaults_Update', method: 'PATCH', template: V, apiVersions: VAULTS_API, body: 'required', handler: patchVault },
  {
    operationId: 'BackupResourceStorageConfigsNonCRR_Get',
    method: 'GET',
    template: STORAGE_CONFIG,
    apiVersions: BACKUP_API,
    body: 'none',
    handler: (ctx) => {
      const vault = requireVault(ctx);
      return ok(renderStorageConfig(vault, storageLocked(vault, ctx.world.store)));
    },
  },
  {
    operationId: 'BackupResourceStorageConfigsNonCRR_Update',
    method: 'PUT',
    template: STORAGE_CONFIG,
    apiVersions: BACKUP_API,
    body: 'required',
    handler: (ctx) => writeStorageConfig(ctx, 'config'),
  },
  {
    operationId: 'BackupResourceStorageConfigsNonCRR_patch',
    method: 'PATCH',
    template: STORAGE_CONFIG,
    apiVersions: BACKUP_API,
    body: 'required',
    handler: (ctx) => writeStorageConfig(ctx, 'none'),
  },
];
