// Helpers every handler family shares: resolving the vault and VM a path names, and ARM's 202 answer.
import type { HandlerResult, RequestContext } from '../dispatch.js';
import { ArmErrors } from '../errors.js';
import type { Vault, Vm } from '../model.js';
import { parseBackupName, vmArmId } from '../render.js';

export const BACKUP_API = ['2023-06-01'] as const;
export const VAULTS_API = ['2023-04-01'] as const;
export const COMPUTE_API = ['2024-07-01'] as const;

export const V = '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.RecoveryServices/vaults/{vaultName}';
export const C = `${V}/backupFabrics/{fabricName}/protectionContainers/{containerName}`;
export const I = `${C}/protectedItems/{protectedItemName}`;
export const VMS = '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute/virtualMachines/{vmName}';

export function checkSubscription(ctx: RequestContext): void {
  if (ctx.params.subscriptionId.toLowerCase() !== ctx.world.subscriptionId.toLowerCase()) throw ArmErrors.subscriptionNotFound(ctx.params.subscriptionId);
}

export function requireVault(ctx: RequestContext): Vault {
  checkSubscription(ctx);
  const id = `/subscriptions/${ctx.world.subscriptionId}/resourceGroups/${ctx.params.resourceGroupName}/providers/Microsoft.RecoveryServices/vaults/${ctx.params.vaultName}`;
  const vault = ctx.world.store.getVault(id);
  if (!vault) throw ArmErrors.notFound(id);
  if (ctx.params.fabricName !== undefined && ctx.params.fabricName.toLowerCase() !== 'azure') throw ArmErrors.notFound(`${id}/backupFabrics/${ctx.params.fabricName}`);
  return vault;
}

/** The VM a container or protected item name refers to: its ARM id, and the VM when it still exists. */
export function vmFromBackupName(ctx: RequestContext, name: string): { vmId: string; resourceGroup: string; vmName: string; vm?: Vm } {
  const parsed = parseBackupName(name);
  if (!parsed) throw ArmErrors.badRequest(`'${name}' is not an Azure VM container or item name (expected e.g. 'IaasVMContainer;iaasvmcontainerv2;{rg};{vm}').`);
  const vmId = vmArmId(ctx.world.subscriptionId, parsed.resourceGroup, parsed.vmName);
  const vm = ctx.world.store.getVm(vmId);
  return { vmId: vm?.id ?? vmId, resourceGroup: vm?.resourceGroup ?? parsed.resourceGroup, vmName: vm?.name ?? parsed.vmName, vm };
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

/** Target key for "one operation per VM at a time". */
export function vmTarget(vmId: string): string {
  return `vm|${vmId.toLowerCase()}`;
}
