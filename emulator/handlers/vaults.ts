// Microsoft.RecoveryServices vaults get / list (api-version 2023-04-01, what @azure/arm-recoveryservices 5.4 sends),
// and the vault's backup config (soft delete, enhanced security) at the Backup api-version.
import type { RequestContext, Route } from '../dispatch.js';
import { page } from '../paging.js';
import { renderVault, renderVaultConfig } from '../render.js';
import { nextVaultConfig } from '../vaultConfig.js';
import { BACKUP_API, bodyObject, checkSubscription, ok, requireVault, V, VAULTS_API } from './common.js';

/** PUT and PATCH alike change only the fields they carry. */
function writeVaultConfig(ctx: RequestContext) {
  const vault = requireVault(ctx);
  const written = (bodyObject(ctx).properties ?? {}) as Record<string, unknown>;
  const updated = { ...vault, backupConfig: nextVaultConfig(vault, written) };
  ctx.world.store.putVault(updated);
  return ok(renderVaultConfig(updated));
}

const VAULT_CONFIG = `${V}/backupconfig/vaultconfig`;

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
];
