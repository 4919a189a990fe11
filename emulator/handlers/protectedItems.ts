// Protected items: protect / change policy / stop retaining data (PUT), stop and delete data (DELETE,
// soft delete keeps it 14 days), the on-demand backup, their operationsStatus / operationResults,
// the vault-level backupOperations and the protected items list.
import type { HandlerResult, RequestContext, Route } from '../dispatch.js';
import { diskExclusionOf } from '../disks.js';
import { ArmErrors } from '../errors.js';
import type { Operation, Policy, ProtectedItem, Vault } from '../model.js';
import { filterEq, parseFilter } from '../odata.js';
import { page } from '../paging.js';
import { policyBlocker, protectFailure, requestBlocker } from '../preconditions.js';
import { supportOf } from '../supportMatrix.js';
import { onDemandExpiryRange } from '../schedule.js';
import { itemId, protectedItemName, renderItem, renderOperationStatus } from '../render.js';
import { parseArmPath } from '../armPath.js';
import { checkVaultVmRoom } from '../vaultLimits.js';
import { accepted, BACKUP_API, bodyObject, containerNameMatches, I, ok, refuseOtherSubscription, refuseWhileItemBusy, requireOperation, requireVault, startUserJob, throwIfFailed, V, vmFromPath, vmTarget } from './common.js';

function itemAccepted(ctx: RequestContext, vault: Vault, rg: string, vm: string, op: Operation): HandlerResult {
  const base = itemId(vault, rg, vm);
  return accepted(ctx, ctx.link(`${base}/operationResults/${op.id}`), ctx.link(`${base}/operationsStatus/${op.id}`));
}

function requireItem(ctx: RequestContext, vault: Vault): ProtectedItem {
  const { vmId } = vmFromPath(ctx);
  const item = ctx.world.store.getItem(vault.id, vmId);
  if (!item) throw ArmErrors.notFound(`${vault.id}/backupFabrics/Azure/protectionContainers/${ctx.params.containerName}/protectedItems/${ctx.params.protectedItemName}`);
  return item;
}

function policyShape(policy: Policy): { name: string; policyType: string } {
  return { name: policy.name, policyType: String(policy.properties.policyType ?? 'V1') };
}

/** PUT I: protect, change policy, stop protection retaining data, or undelete. */
function putItem(ctx: RequestContext): HandlerResult {
  const vault = requireVault(ctx);
  const { store } = ctx.world;
  const { vmId, vm, vmName, resourceGroup } = vmFromPath(ctx);
  const props = (bodyObject(ctx).properties ?? {}) as Record<string, unknown>;
  const type = props.protectedItemType;
  if (type !== 'Microsoft.Compute/virtualMachines' && type !== 'Microsoft.ClassicCompute/virtualMachines') {
    throw ArmErrors.invalidBody(`properties.protectedItemType must be 'Microsoft.Compute/virtualMachines', not '${String(type)}'.`);
  }
  refuseOtherSubscription(vault, props.sourceResourceId);
  if (typeof props.sourceResourceId === 'string' && props.sourceResourceId.toLowerCase() !== vmId.toLowerCase()) {
    throw ArmErrors.badRequest(`sourceResourceId '${props.sourceResourceId}' does not match the item '${ctx.params.protectedItemName}' (VM '${vmId}').`);
  }
  const name = protectedItemName(resourceGroup, vmName);
  const existing = store.getItem(vault.id, vmId);
  const args = { vaultId: vault.id, vmId: vm?.id ?? vmId, vmName, resourceGroup, vmLocation: vm?.location ?? existing?.vmLocation ?? vault.location };

  if (props.isRehydrate === true) {
    if (!existing?.deferredDeleteAt) throw ArmErrors.badRequest(`Item '${name}' is not soft-deleted; there is nothing to undelete.`);
    refuseWhileItemBusy(ctx, vmId, name);
    const op = ctx.world.startOperation({ kind: 'undelete', target: vmTarget(vmId), args });
    return itemAccepted(ctx, vault, resourceGroup, vmName, op);
  }
  if (existing?.deferredDeleteAt) throw ArmErrors.itemSoftDeleted(name);

  if (props.protectionState === 'ProtectionStopped') {
    if (!existing) throw ArmErrors.notFound(itemId(vault, resourceGroup, vmName));
    refuseWhileItemBusy(ctx, vmId, name);
    const job = startUserJob(ctx, { vaultId: vault.id, operation: 'DisableBackup', vmId, vmName, resourceGroup });
    const op = ctx.world.startOperation({ kind: 'stopProtection', target: vmTarget(vmId), jobId: job.id, args });
    return itemAccepted(ctx, vault, resourceGroup, vmName, op);
  }

  if (typeof props.policyId !== 'string' || props.policyId === '') {
    throw ArmErrors.invalidBody("properties.policyId is required to protect a VM (or set protectionState 'ProtectionStopped' to stop protection).");
  }
  const policyPath = parseArmPath(props.policyId);
  const policyName = policyPath.backuppolicies;
  if (!policyName || props.policyId.toLowerCase().indexOf(vault.id.toLowerCase()) !== 0) throw ArmErrors.policyNotFound(props.policyId);
  const policy = store.getPolicy(vault.id, policyName);
  if (!policy) throw ArmErrors.policyNotFound(props.policyId);

  const active = existing && existing.state !== 'ProtectionStopped';
  const current = active && existing.policyName ? store.getPolicy(vault.id, existing.policyName) : undefined;
  const policyProblem = policyBlocker(vm, vmName, policyShape(policy), current && policyShape(current), ctx.world.profile);
  if (policyProblem) throw policyProblem;
  if (!active) {
    // A new protection (or resuming a stopped one): the guide's preconditions apply.
    if (!vm) throw ArmErrors.vmDoesNotExist(vmId);
    const other = store.itemsOfVm(vm.id).find((i) => i.vaultId.toLowerCase() !== vault.id.toLowerCase() && i.deferredDeleteAt === undefined);
    if (other) throw ArmErrors.alreadyProtected(vm.name, other.vaultId);
    if (vm.location.toLowerCase() !== vault.location.toLowerCase()) throw ArmErrors.vmOtherRegion(vm.name, vm.location, vault.location);
    const elsewhere = store.containersOfVm(vm.id).find((c) => c.vaultId.toLowerCase() !== vault.id.toLowerCase());
    if (elsewhere) throw ArmErrors.alreadyRegistered(vm.name, elsewhere.vaultId);
    checkVaultVmRoom(store, vault, vm.id);
    if (supportOf(ctx.world.profile).explicitRegistration && store.getContainer(vault.id, vm.id)?.registrationStatus !== 'Registered') {
      throw ArmErrors.vmNotRegistered(vm.name);
    }
  }
  refuseWhileItemBusy(ctx, vmId, name);
  let failWith: Operation['failWith'];
  if (!active && vm) {
    const blocker = requestBlocker(vm, 'protect', ctx.world.profile);
    if (blocker) throw blocker;
    failWith = protectFailure(vm, ctx.world.profile);
  }
  const diskExclusion = diskExclusionOf(props.extendedProperties, vm);
  // Clearing a selection stays accepted: a classic item has none, and every disk is what it backs up anyway.
  if (diskExclusion && !supportOf(ctx.world.profile).selectiveDiskBackup) throw ArmErrors.selectiveDiskBackupNotSupported(vmName, ctx.world.profile);
  const job = startUserJob(ctx, { vaultId: vault.id, operation: 'ConfigureBackup', vmId, vmName, resourceGroup });
  const op = ctx.world.startOperation({
    kind: 'protect', target: vmTarget(vmId), jobId: job.id, failWith,
    args: { ...args, policyName: policy.name, ...(diskExclusion !== undefined ? { diskExclusion } : {}) },
  });
  return itemAccepted(ctx, vault, resourceGroup, vmName, op);
}

function itemOperation(ctx: RequestContext): Operation {
  const target = vmTarget(vmFromPath(ctx).vmId);
  return requireOperation(ctx, (op) => op.target === target);
}

/** Operations of the vault-level backupOperations paths: any operation on a VM. */
function vmOperation(ctx: RequestContext): Operation {
  return requireOperation(ctx, (op) => op.target.startsWith('vm|'));
}

function vaultOperationAccepted(ctx: RequestContext, vault: Vault, op: Operation): HandlerResult {
  return accepted(ctx, ctx.link(`${vault.id}/backupOperationResults/${op.id}`), ctx.link(`${vault.id}/backupOperations/${op.id}`));
}

export const protectedItemRoutes: Route[] = [
  { operationId: 'ProtectedItems_CreateOrUpdate', method: 'PUT', template: I, apiVersions: BACKUP_API, body: 'required', handler: putItem },
  {
    operationId: 'ProtectedItems_Get',
    method: 'GET',
    template: I,
    apiVersions: BACKUP_API,
    body: 'none',
    handler: (ctx) => {
      const vault = requireVault(ctx);
      parseFilter(ctx.query.get('$filter'), ['expand']);
      return ok(renderItem(vault, requireItem(ctx, vault), ctx.world.nowMs()));
    },
  },
  {
    operationId: 'ProtectedItems_Delete',
    method: 'DELETE',
    template: I,
    apiVersions: BACKUP_API,
    body: 'none',
    handler: (ctx) => {
      const vault = requireVault(ctx);
      const { vmId, vmName, resourceGroup } = vmFromPath(ctx);
      const item = ctx.world.store.getItem(vault.id, vmId);
      // Deleting what is already gone (or already soft-deleted) succeeds.
      if (!item || item.deferredDeleteAt) return { status: 204 };
      refuseWhileItemBusy(ctx, vmId, protectedItemName(resourceGroup, vmName));
      const job = startUserJob(ctx, { vaultId: vault.id, operation: 'DeleteBackupData', vmId, vmName, resourceGroup });
      const op = ctx.world.startOperation({ kind: 'deleteItem', target: vmTarget(vmId), jobId: job.id, args: { vaultId: vault.id, vmId: item.vmId } });
      return vaultOperationAccepted(ctx, vault, op);
    },
  },
  {
    operationId: 'Backups_Trigger',
    method: 'POST',
    template: `${I}/backup`,
    apiVersions: BACKUP_API,
    body: 'optional',
    handler: (ctx) => {
      const vault = requireVault(ctx);
      const item = requireItem(ctx, vault);
      const name = protectedItemName(item.resourceGroup, item.vmName);
      if (item.state === 'ProtectionStopped' || item.deferredDeleteAt) throw ArmErrors.itemNotProtected(name);
      refuseWhileItemBusy(ctx, item.vmId, name);
      const props = ((ctx.body as Record<string, any> | undefined)?.properties ?? {}) as Record<string, unknown>;
      if (props.objectType !== undefined && props.objectType !== 'IaasVMBackupRequest') {
        throw ArmErrors.invalidBody(`properties.objectType must be 'IaasVMBackupRequest', not '${String(props.objectType)}'.`);
      }
      const range = onDemandExpiryRange(ctx.world.nowMs());
      let expiresMs = range.fallback;
      if (props.recoveryPointExpiryTimeInUTC !== undefined) {
        expiresMs = Date.parse(String(props.recoveryPointExpiryTimeInUTC));
        if (Number.isNaN(expiresMs)) throw ArmErrors.invalidBody('properties.recoveryPointExpiryTimeInUTC must be a date-time.');
        if (expiresMs < range.min || expiresMs > range.max) {
          throw ArmErrors.expiryOutOfRange(String(props.recoveryPointExpiryTimeInUTC), new Date(range.min).toISOString(), new Date(range.max).toISOString());
        }
      }
      const expiresAt = new Date(expiresMs).toISOString();
      const job = startUserJob(ctx, { vaultId: vault.id, operation: 'Backup', vmId: item.vmId, vmName: item.vmName, resourceGroup: item.resourceGroup, backup: { expiresAt } });
      const op = ctx.world.startOperation({ kind: 'backup', target: vmTarget(item.vmId), jobId: job.id, args: { vaultId: vault.id, vmId: item.vmId } });
      return itemAccepted(ctx, vault, item.resourceGroup, item.vmName, op);
    },
  },
  {
    operationId: 'ProtectedItemOperationStatuses_Get',
    method: 'GET',
    template: `${I}/operationsStatus/{operationId}`,
    apiVersions: BACKUP_API,
    body: 'none',
    handler: (ctx) => {
      requireVault(ctx);
      return ok(renderOperationStatus(itemOperation(ctx), 'job'));
    },
  },
  {
    operationId: 'ProtectedItemOperationResults_Get',
    method: 'GET',
    template: `${I}/operationResults/{operationId}`,
    apiVersions: BACKUP_API,
    body: 'none',
    handler: (ctx) => {
      const vault = requireVault(ctx);
      const op = itemOperation(ctx);
      if (op.status === 'InProgress') return itemAccepted(ctx, vault, String(op.args.resourceGroup ?? vmFromPath(ctx).resourceGroup), String(op.args.vmName ?? vmFromPath(ctx).vmName), op);
      throwIfFailed(op);
      const item = ctx.world.store.getItem(vault.id, vmFromPath(ctx).vmId);
      return item ? ok(renderItem(vault, item, ctx.world.nowMs())) : { status: 204 };
    },
  },
  {
    operationId: 'BackupOperationStatuses_Get',
    method: 'GET',
    template: `${V}/backupOperations/{operationId}`,
    apiVersions: BACKUP_API,
    body: 'none',
    handler: (ctx) => {
      requireVault(ctx);
      return ok(renderOperationStatus(vmOperation(ctx), 'job'));
    },
  },
  {
    operationId: 'BackupOperationResults_Get',
    method: 'GET',
    template: `${V}/backupOperationResults/{operationId}`,
    apiVersions: BACKUP_API,
    body: 'none',
    handler: (ctx) => {
      const vault = requireVault(ctx);
      const op = vmOperation(ctx);
      if (op.status === 'InProgress') return vaultOperationAccepted(ctx, vault, op);
      throwIfFailed(op);
      return { status: 204 };
    },
  },
  {
    operationId: 'BackupProtectedItems_List',
    method: 'GET',
    template: `${V}/backupProtectedItems`,
    apiVersions: BACKUP_API,
    body: 'none',
    handler: (ctx) => {
      const vault = requireVault(ctx);
      const f = parseFilter(ctx.query.get('$filter'), [
        'healthState',
        'backupManagementType',
        'itemType',
        'policyName',
        'containerName',
        'backupEngineName',
        'friendlyName',
        'fabricName',
        'backupSetName',
      ]);
      const items = ctx.world.store.listItems(vault.id).filter(
        (i) =>
          filterEq(f, 'backupManagementType', 'AzureIaasVM') &&
          filterEq(f, 'itemType', 'VM') &&
          filterEq(f, 'fabricName', 'Azure') &&
          filterEq(f, 'policyName', i.policyName) &&
          filterEq(f, 'friendlyName', i.vmName) &&
          filterEq(f, 'healthState', i.healthStatus) &&
          containerNameMatches(f, i.resourceGroup, i.vmName) &&
          !f.has('backupEngineName') &&
          !f.has('backupSetName'),
      );
      const now = ctx.world.nowMs();
      return page(ctx, items, (i) => renderItem(vault, i, now));
    },
  },
];
