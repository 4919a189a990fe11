// Helpers every handler family shares: resolving the vault, VM and operation a path names, refusing a
// second operation on a busy target, and ARM's 202 answer.
import type { HandlerResult, RequestContext } from '../dispatch.js';
import { ENDS_WITH_OPERATION } from '../effects.js';
import { parseArmPath } from '../armPath.js';
import { ArmErrors } from '../errors.js';
import type { Job, Operation, Vault, Vm } from '../model.js';
import { filterEq, type Filter } from '../odata.js';
import { containerName, parseBackupName, vmArmId } from '../render.js';

export { vmTarget } from '../store.js';

export const BACKUP_API = ['2023-06-01'] as const;
export const VAULTS_API = ['2023-04-01'] as const;
export const COMPUTE_API = ['2024-07-01'] as const;

export const V = '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.RecoveryServices/vaults/{vaultName}';
export const C = `${V}/backupFabrics/{fabricName}/protectionContainers/{containerName}`;
export const I = `${C}/protectedItems/{protectedItemName}`;
export const VMS = '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute/virtualMachines/{vmName}';

/** The subscription the path names, as the world spells it; ARM's 404 when the world has no such subscription. */
export function checkSubscription(ctx: RequestContext): string {
  const subscription = ctx.world.subscription(ctx.params.subscriptionId);
  if (!subscription) throw ArmErrors.subscriptionNotFound(ctx.params.subscriptionId);
  return subscription;
}

/** The subscription part of an ARM id. */
export function subscriptionOfId(id: string): string {
  return parseArmPath(id).subscriptions ?? '';
}

export function requireVault(ctx: RequestContext): Vault {
  const subscription = checkSubscription(ctx);
  const id = `/subscriptions/${subscription}/resourceGroups/${ctx.params.resourceGroupName}/providers/Microsoft.RecoveryServices/vaults/${ctx.params.vaultName}`;
  const vault = ctx.world.store.getVault(id);
  if (!vault) throw ArmErrors.notFound(id);
  if (ctx.params.fabricName !== undefined && ctx.params.fabricName.toLowerCase() !== 'azure') throw ArmErrors.notFound(`${id}/backupFabrics/${ctx.params.fabricName}`);
  return vault;
}

/**
 * The VM a container or protected item name refers to, in the vault's subscription (the name carries none):
 * its ARM id, and the VM when it still exists.
 */
export function vmFromBackupName(ctx: RequestContext, name: string): { vmId: string; resourceGroup: string; vmName: string; vm?: Vm } {
  const parsed = parseBackupName(name);
  if (!parsed) throw ArmErrors.badRequest(`'${name}' is not an Azure VM container or item name (expected e.g. 'IaasVMContainer;iaasvmcontainerv2;{rg};{vm}').`);
  const vmId = vmArmId(checkSubscription(ctx), parsed.resourceGroup, parsed.vmName);
  const vm = ctx.world.store.getVm(vmId);
  return { vmId: vm?.id ?? vmId, resourceGroup: vm?.resourceGroup ?? parsed.resourceGroup, vmName: vm?.name ?? parsed.vmName, vm };
}

/**
 * A vault protects VMs of its own subscription only: a VM id (a body's sourceResourceId or virtualMachineId)
 * of another subscription is refused.
 */
export function refuseOtherSubscription(vault: Vault, vmId: unknown): void {
  if (typeof vmId !== 'string') return;
  const vmSubscription = subscriptionOfId(vmId);
  if (vmSubscription.toLowerCase() === subscriptionOfId(vault.id).toLowerCase()) return;
  throw ArmErrors.crossSubscription(parseArmPath(vmId).virtualmachines ?? vmId, vmSubscription, vault.id);
}

/** The item and container names in one path must name the same VM. */
export function vmFromPath(ctx: RequestContext): ReturnType<typeof vmFromBackupName> {
  const fromContainer = vmFromBackupName(ctx, ctx.params.containerName);
  if (ctx.params.protectedItemName !== undefined) {
    const fromItem = vmFromBackupName(ctx, ctx.params.protectedItemName);
    if (fromItem.vmId.toLowerCase() !== fromContainer.vmId.toLowerCase()) {
      throw ArmErrors.badRequest(`Container '${ctx.params.containerName}' and item '${ctx.params.protectedItemName}' name different VMs.`);
    }
  }
  return fromContainer;
}

/** ARM's 202 for a long-running operation (SUBSET.md section 3). */
export function accepted(ctx: RequestContext, location: string | undefined, asyncOperation?: string): HandlerResult {
  const headers: Record<string, string> = { 'retry-after': String(ctx.world.options.retryAfterSeconds) };
  if (location) headers.location = location;
  if (asyncOperation) headers['azure-asyncoperation'] = asyncOperation;
  return { status: 202, headers };
}

export function ok(body: unknown): HandlerResult {
  return { status: 200, body };
}

export function bodyObject(ctx: RequestContext): Record<string, any> {
  const b = ctx.body;
  if (b === null || typeof b !== 'object' || Array.isArray(b)) throw ArmErrors.invalidBody('The request body must be a JSON object.');
  return b as Record<string, any>;
}

/** Azure Backup's 409 while another operation or job (a scheduled backup too) runs on the VM's item. */
export function refuseWhileItemBusy(ctx: RequestContext, vmId: string, name: string): void {
  if (ctx.world.itemBusy(vmId)) throw ArmErrors.operationInProgress(name);
}

/** Azure Backup's 409 while another operation runs on the same target. */
export function refuseWhileRunning(ctx: RequestContext, target: string, name: string): void {
  if (ctx.world.store.runningOperation(target)) throw ArmErrors.operationInProgress(name);
}

/** The operation a status or result path names; 404 unless it belongs to what the path addresses. */
export function requireOperation(ctx: RequestContext, belongs: (op: Operation) => boolean): Operation {
  const op = ctx.world.store.getOperation(ctx.params.operationId);
  if (!op || !belongs(op)) throw ArmErrors.notFound(ctx.params.operationId);
  return op;
}

/** An operation result answers the operation's own error once it has failed. */
export function throwIfFailed(op: Operation): void {
  if (op.status === 'Failed' && op.failWith) throw ArmErrors.operationFailed(op.failWith.code, op.failWith.message);
}

/** The job a user's request starts; it ends with the operation it belongs to. */
export function startUserJob(ctx: RequestContext, init: Pick<Job, 'vaultId' | 'operation' | 'vmId' | 'vmName' | 'resourceGroup' | 'backup'>): Job {
  return ctx.world.startJob({ ...init, dueMs: ENDS_WITH_OPERATION, isUserTriggered: true });
}

/** `containerName eq` matches a VM's container by its full name or without the type prefix, as Azure does. */
export function containerNameMatches(f: Filter, rg: string, vmName: string): boolean {
  return !f.has('containerName') || [containerName(rg, vmName), `iaasvmcontainerv2;${rg};${vmName}`].some((n) => filterEq(f, 'containerName', n));
}
