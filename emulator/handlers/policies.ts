// Backup policies: list, get, createOrUpdate (200 for a new policy or one no item uses; 202 with
// Location / Azure-AsyncOperation when protected items must be updated), delete (an LRO the SDK polls:
// 200 with the polling headers while it runs, 204 when there is nothing to delete). Every answer carries
// the fields Azure fills in itself (policyDefaults.ts).
import type { RequestContext, Route } from '../dispatch.js';
import { ArmErrors } from '../errors.js';
import type { Operation, Policy, Vault } from '../model.js';
import { filterEq, parseFilter } from '../odata.js';
import { page } from '../paging.js';
import { withServerDefaults } from '../policyDefaults.js';
import { validatePolicy } from '../policyRules.js';
import { policyId, renderOperationStatus, renderPolicy } from '../render.js';
import { checkVaultPolicyRoom, spendPolicyWrite } from '../vaultLimits.js';
import type { World } from '../world.js';
import { accepted, BACKUP_API, bodyObject, ok, refuseWhileRunning, requireOperation, requireVault, V } from './common.js';

const P = `${V}/backupPolicies/{policyName}`;

function usage(world: World, vault: Vault, name: string): number {
  return world.store
    .listItems(vault.id)
    .filter((i) => i.policyName?.toLowerCase() === name.toLowerCase() && i.deferredDeleteAt === undefined).length;
}

/** Policies stored before their defaults were filled in (a vault's DefaultPolicy) answer with them too. */
export function renderStoredPolicy(world: World, vault: Vault, p: Policy): unknown {
  return renderPolicy(vault, { ...p, properties: withServerDefaults(p.properties) }, usage(world, vault, p.name));
}

function policyTarget(vault: Vault, name: string): string {
  return `policy|${vault.id.toLowerCase()}|${name.toLowerCase()}`;
}

/** The operation a policy's operationResults / operations path names. */
function policyOperation(ctx: RequestContext, vault: Vault): Operation {
  const target = policyTarget(vault, ctx.params.policyName);
  return requireOperation(ctx, (op) => op.target === target);
}

function policyAccepted(ctx: RequestContext, vault: Vault, name: string, opId: string) {
  const base = policyId(vault, name);
  return accepted(ctx, ctx.link(`${base}/operationResults/${opId}`), ctx.link(`${base}/operations/${opId}`));
}

export const policyRoutes: Route[] = [
  {
    operationId: 'BackupPolicies_List',
    method: 'GET',
    template: `${V}/backupPolicies`,
    apiVersions: BACKUP_API,
    body: 'none',
    handler: (ctx) => {
      const vault = requireVault(ctx);
      const f = parseFilter(ctx.query.get('$filter'), ['backupManagementType', 'fabricName', 'workloadType']);
      const matches = filterEq(f, 'backupManagementType', 'AzureIaasVM') && filterEq(f, 'fabricName', 'Azure') && filterEq(f, 'workloadType', 'VM');
      return page(ctx, matches ? ctx.world.store.listPolicies(vault.id) : [], (p) => renderStoredPolicy(ctx.world, vault, p));
    },
  },
  {
    operationId: 'ProtectionPolicies_Get',
    method: 'GET',
    template: P,
    apiVersions: BACKUP_API,
    body: 'none',
    handler: (ctx) => {
      const vault = requireVault(ctx);
      const p = ctx.world.store.getPolicy(vault.id, ctx.params.policyName);
      if (!p) throw ArmErrors.notFound(policyId(vault, ctx.params.policyName));
      return ok(renderStoredPolicy(ctx.world, vault, p));
    },
  },
  {
    operationId: 'ProtectionPolicies_CreateOrUpdate',
    method: 'PUT',
    template: P,
    apiVersions: BACKUP_API,
    body: 'required',
    handler: (ctx) => {
      const vault = requireVault(ctx);
      const { store } = ctx.world;
      const props = (bodyObject(ctx).properties ?? {}) as Record<string, unknown>;
      const problem = validatePolicy(props, ctx.world.profile);
      if (problem) throw problem;
      refuseWhileRunning(ctx, policyTarget(vault, ctx.params.policyName), ctx.params.policyName);
      const existing = store.getPolicy(vault.id, ctx.params.policyName);
      if (!existing) checkVaultPolicyRoom(store, vault);
      store.putVault(spendPolicyWrite(vault, ctx.world.nowMs()));
      const { protectedItemsCount: _readOnly, ...written } = props;
      const policy: Policy = {
        vaultId: vault.id,
        name: existing?.name ?? ctx.params.policyName,
        properties: withServerDefaults(written, existing?.properties),
        createdAt: existing?.createdAt ?? ctx.world.nowIso(),
      };
      store.putPolicy(policy);
      if (existing && usage(ctx.world, vault, policy.name) > 0) {
        const op = ctx.world.startOperation({ kind: 'policyUpdate', target: policyTarget(vault, policy.name), args: { vaultId: vault.id, policyName: policy.name } });
        return policyAccepted(ctx, vault, policy.name, op.id);
      }
      return ok(renderStoredPolicy(ctx.world, vault, policy));
    },
  },
  {
    operationId: 'ProtectionPolicies_Delete',
    method: 'DELETE',
    template: P,
    apiVersions: BACKUP_API,
    body: 'none',
    handler: (ctx) => {
      const vault = requireVault(ctx);
      const p = ctx.world.store.getPolicy(vault.id, ctx.params.policyName);
      if (!p) return { status: 204 };
      const count = usage(ctx.world, vault, p.name);
      if (count > 0) throw ArmErrors.policyInUse(p.name, count);
      refuseWhileRunning(ctx, policyTarget(vault, p.name), p.name);
      const op = ctx.world.startOperation({ kind: 'policyDelete', target: policyTarget(vault, p.name), args: { vaultId: vault.id, policyName: p.name } });
      // The spec declares only 200 and 204 for this LRO: a 200 carrying the polling headers.
      return { ...policyAccepted(ctx, vault, p.name, op.id), status: 200 };
    },
  },
  {
    operationId: 'ProtectionPolicyOperationResults_Get',
    method: 'GET',
    template: `${P}/operationResults/{operationId}`,
    apiVersions: BACKUP_API,
    body: 'none',
    handler: (ctx) => {
      const vault = requireVault(ctx);
      policyOperation(ctx, vault);
      const p = ctx.world.store.getPolicy(vault.id, ctx.params.policyName);
      if (!p) return { status: 204 };
      return ok(renderStoredPolicy(ctx.world, vault, p));
    },
  },
  {
    operationId: 'ProtectionPolicyOperationStatuses_Get',
    method: 'GET',
    template: `${P}/operations/{operationId}`,
    apiVersions: BACKUP_API,
    body: 'none',
    handler: (ctx) => {
      const vault = requireVault(ctx);
      return ok(renderOperationStatus(policyOperation(ctx, vault), 'jobs'));
    },
  },
];
