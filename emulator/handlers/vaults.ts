// Microsoft.RecoveryServices vaults get / list (api-version 2023-04-01, what @azure/arm-recoveryservices 5.4 sends).
import type { Route } from '../dispatch.js';
import { page } from '../paging.js';
import { renderVault } from '../render.js';
import { checkSubscription, ok, requireVault, V, VAULTS_API } from './common.js';

export const vaultRoutes: Route[] = [
  {
    operationId: 'Vaults_ListBySubscriptionId',
    method: 'GET',
    template: '/subscriptions/{subscriptionId}/providers/Microsoft.RecoveryServices/vaults',
    apiVersions: VAULTS_API,
    body: 'none',
    handler: (ctx) => {
      checkSubscription(ctx);
      return page(ctx, ctx.world.store.listVaults(), renderVault);
    },
  },
  {
    operationId: 'Vaults_ListByResourceGroup',
    method: 'GET',
    template: '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.RecoveryServices/vaults',
    apiVersions: VAULTS_API,
    body: 'none',
    handler: (ctx) => {
      checkSubscription(ctx);
      return page(ctx, ctx.world.store.listVaults(ctx.params.resourceGroupName), renderVault);
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
];
