// Recovery points of a protected item: list (BMSRPQueryObject $filter) and get.
import type { RequestContext, Route } from '../dispatch.js';
import { ArmErrors } from '../errors.js';
import type { ProtectedItem, Vault } from '../model.js';
import { parseFilter, parseFilterDate } from '../odata.js';
import { page } from '../paging.js';
import { itemId, renderRecoveryPoint } from '../render.js';
import { itemKey } from '../store.js';
import { BACKUP_API, I, ok, requireVault, vmFromPath } from './common.js';

function requireItem(ctx: RequestContext): { vault: Vault; item: ProtectedItem } {
  const vault = requireVault(ctx);
  const { vmId, resourceGroup, vmName } = vmFromPath(ctx);
  const item = ctx.world.store.getItem(vault.id, vmId);
  if (!item) throw ArmErrors.notFound(itemId(vault, resourceGroup, vmName));
  return { vault, item };
}

export const recoveryPointRoutes: Route[] = [
  {
    operationId: 'RecoveryPoints_List',
    method: 'GET',
    template: `${I}/recoveryPoints`,
    apiVersions: BACKUP_API,
    body: 'none',
    handler: (ctx) => {
      const { vault, item } = requireItem(ctx);
      const f = parseFilter(ctx.query.get('$filter'), [
        'startDate',
        'endDate',
        'restorePointQueryType',
        'extendedInfo',
        'moveReadyRPOnly',
        'includeSoftDeletedRP',
      ]);
      const from = f.has('startDate') ? parseFilterDate('startDate', f.get('startDate')!) : Number.MIN_SAFE_INTEGER;
      const to = f.has('endDate') ? parseFilterDate('endDate', f.get('endDate')!) : Number.MAX_SAFE_INTEGER;
      const points = ctx.world.store.listRecoveryPoints(itemKey(item.vaultId, item.vmId)).filter((rp) => {
        const t = Date.parse(rp.time);
        return t >= from && t <= to;
      });
      const now = ctx.world.nowMs();
      return page(ctx, points, (rp) => renderRecoveryPoint(vault, item, rp, now));
    },
  },
  {
    operationId: 'RecoveryPoints_Get',
    method: 'GET',
    template: `${I}/recoveryPoints/{recoveryPointId}`,
    apiVersions: BACKUP_API,
    body: 'none',
    handler: (ctx) => {
      const { vault, item } = requireItem(ctx);
      const rp = ctx.world.store.listRecoveryPoints(itemKey(item.vaultId, item.vmId)).find((p) => p.name === ctx.params.recoveryPointId);
      if (!rp) throw ArmErrors.notFound(`${itemId(vault, item.resourceGroup, item.vmName)}/recoveryPoints/${ctx.params.recoveryPointId}`);
      return ok(renderRecoveryPoint(vault, item, rp, ctx.world.nowMs()));
    },
  },
];
