// Discovery (refreshContainers + its results), protectable items, protection containers, the classic
// profile's register (PUT container, an LRO the SDK polls through its Location), unregister (DELETE
// container) and the soft-deleted containers list.
import type { HandlerResult, RequestContext, Route } from '../dispatch.js';
import { ArmErrors } from '../errors.js';
import { discoveryFailure } from '../failures.js';
import type { Container, Vault, Vm } from '../model.js';
import { filterEq, parseFilter } from '../odata.js';
import { page, pageWindow } from '../paging.js';
import { hasBackupExtension, internalFailure, requestBlocker } from '../preconditions.js';
import { containerName, renderContainer, renderProtectable } from '../render.js';
import { checkVaultVmRoom } from '../vaultLimits.js';
import {
  accepted,
  BACKUP_API,
  bodyObject,
  C,
  containerNameMatches,
  ok,
  refuseOtherSubscription,
  refuseWhileItemBusy,
  requireOperation,
  requireVault,
  startUserJob,
  subscriptionOfId,
  throwIfFailed,
  V,
  vmFromPath,
  vmTarget,
} from './common.js';

function refreshTarget(vault: Vault): string {
  return `refresh|${vault.id.toLowerCase()}`;
}

function refreshAccepted(ctx: RequestContext, vault: Vault, opId: string): HandlerResult {
  return accepted(ctx, ctx.link(`${vault.id}/backupFabrics/Azure/operationResults/${opId}`));
}

/**
 * VMs the vault offers: its region, seen by the last discovery, still there, neither protected anywhere nor
 * registered with another vault (which would refuse to let it go). All of them, or one window read from the store.
 */
export function protectableVms(ctx: RequestContext, vault: Vault, window: { offset?: number; limit?: number } = {}): Vm[] {
  if (vault.discoveredAt === undefined) return [];
  const createdBy = new Date(vault.discoveredAt).toISOString();
  return ctx.world.store.listOfferedVms({ vaultId: vault.id, subscriptionId: subscriptionOfId(vault.id), location: vault.location, createdBy, ...window });
}

/** 202 for a container's register or unregister, with the Location of its operation result. */
function containerAccepted(ctx: RequestContext, vault: Vault, resourceGroup: string, vmName: string, opId: string): HandlerResult {
  return accepted(ctx, ctx.link(`${vault.id}/backupFabrics/Azure/protectionContainers/${containerName(resourceGroup, vmName)}/operationResults/${opId}`));
}

/** Filters of BMSContainerQueryObject, which both container lists take. */
const CONTAINER_FILTERS = ['backupManagementType', 'containerType', 'backupEngineName', 'fabricName', 'status', 'friendlyName'];

export const containerRoutes: Route[] = [
  {
    operationId: 'ProtectionContainers_Refresh',
    method: 'POST',
    template: `${V}/backupFabrics/{fabricName}/refreshContainers`,
    apiVersions: BACKUP_API,
    body: 'optional',
    handler: (ctx) => {
      const vault = requireVault(ctx);
      parseFilter(ctx.query.get('$filter'), ['backupManagementType']);
      if (ctx.world.store.runningOperation(refreshTarget(vault))) throw ArmErrors.discoveryInProgress(vault.name);
      const failWith = vault.discoveryFailure ? discoveryFailure(vault.name) : undefined;
      const op = ctx.world.startOperation({ kind: 'refresh', target: refreshTarget(vault), failWith, args: { vaultId: vault.id } });
      return refreshAccepted(ctx, vault, op.id);
    },
  },
  {
    operationId: 'ProtectionContainerRefreshOperationResults_Get',
    method: 'GET',
    template: `${V}/backupFabrics/{fabricName}/operationResults/{operationId}`,
    apiVersions: BACKUP_API,
    body: 'none',
    handler: (ctx) => {
      const vault = requireVault(ctx);
      const op = requireOperation(ctx, (o) => o.target === refreshTarget(vault));
      if (op.status === 'InProgress') return refreshAccepted(ctx, vault, op.id);
      throwIfFailed(op);
      return { status: 204 };
    },
  },
  {
    operationId: 'BackupProtectableItems_List',
    method: 'GET',
    template: `${V}/backupProtectableItems`,
    apiVersions: BACKUP_API,
    body: 'none',
    handler: (ctx) => {
      const vault = requireVault(ctx);
      const f = parseFilter(ctx.query.get('$filter'), ['backupManagementType', 'workloadType', 'containerName', 'status', 'friendlyName']);
      const render = (vm: Vm) => renderProtectable(vault, vm);
      // Every offered VM has these; a filter that asks otherwise matches none.
      if (!(filterEq(f, 'backupManagementType', 'AzureIaasVM') && filterEq(f, 'workloadType', 'VM') && filterEq(f, 'status', 'NotProtected'))) return page(ctx, [], render);
      // A filter on the VM reads the whole list; without one, each page is a window of the store.
      if (f.has('friendlyName') || f.has('containerName')) {
        return page(ctx, protectableVms(ctx, vault).filter((vm) => filterEq(f, 'friendlyName', vm.name) && containerNameMatches(f, vm.resourceGroup, vm.name)), render);
      }
      return pageWindow(ctx, (offset, limit) => protectableVms(ctx, vault, { offset, limit }), render);
    },
  },
  {
    operationId: 'BackupProtectionContainers_List',
    method: 'GET',
    template: `${V}/backupProtectionContainers`,
    apiVersions: BACKUP_API,
    body: 'none',
    handler: (ctx) => {
      const vault = requireVault(ctx);
      const f = parseFilter(ctx.query.get('$filter'), CONTAINER_FILTERS);
      const containers = ctx.world.store.listContainers(vault.id).filter(
        (c) =>
          filterEq(f, 'backupManagementType', 'AzureIaasVM') &&
          (!f.has('containerType') || ['IaasVMContainer', 'Microsoft.Compute/virtualMachines'].some((t) => filterEq(f, 'containerType', t))) &&
          filterEq(f, 'fabricName', 'Azure') &&
          filterEq(f, 'status', c.registrationStatus) &&
          filterEq(f, 'friendlyName', c.vmName) &&
          !f.has('backupEngineName'),
      );
      return page(ctx, containers, (c) => renderContainer(vault, c));
    },
  },
  {
    operationId: 'ProtectionContainers_Get',
    method: 'GET',
    template: C,
    apiVersions: BACKUP_API,
    body: 'none',
    handler: (ctx) => {
      const vault = requireVault(ctx);
      const { vmId } = vmFromPath(ctx);
      const c = ctx.world.store.getContainer(vault.id, vmId);
      if (!c) throw ArmErrors.notFound(`${vault.id}/backupFabrics/Azure/protectionContainers/${ctx.params.containerName}`);
      return ok(renderContainer(vault, c));
    },
  },
  {
    operationId: 'ProtectionContainers_Register',
    method: 'PUT',
    template: C,
    apiVersions: BACKUP_API,
    body: 'required',
    handler: (ctx) => {
      const vault = requireVault(ctx);
      const { store } = ctx.world;
      const { vmId, vm, vmName, resourceGroup } = vmFromPath(ctx);
      const props = (bodyObject(ctx).properties ?? {}) as Record<string, unknown>;
      if (props.backupManagementType !== undefined && props.backupManagementType !== 'AzureIaasVM') {
        throw ArmErrors.badRequest(`The vmbackup emulator registers only Azure VMs (backupManagementType 'AzureIaasVM'), not '${String(props.backupManagementType)}'.`);
      }
      if (props.containerType !== undefined && !['Microsoft.Compute/virtualMachines', 'IaasVMContainer'].includes(String(props.containerType))) {
        throw ArmErrors.badRequest(`containerType must be 'Microsoft.Compute/virtualMachines', not '${String(props.containerType)}'.`);
      }
      refuseOtherSubscription(vault, props.virtualMachineId);
      refuseOtherSubscription(vault, props.sourceResourceId);
      if (!vm) throw ArmErrors.vmDoesNotExist(vmId);
      if (vm.location.toLowerCase() !== vault.location.toLowerCase()) throw ArmErrors.vmOtherRegion(vm.name, vm.location, vault.location);
      const elsewhere = store.containersOfVm(vm.id).find((c) => c.vaultId.toLowerCase() !== vault.id.toLowerCase());
      if (elsewhere) throw ArmErrors.alreadyRegistered(vm.name, elsewhere.vaultId);
      const existing = store.getContainer(vault.id, vm.id);
      if (existing?.registrationStatus === 'Registered') return ok(renderContainer(vault, existing));
      checkVaultVmRoom(store, vault, vm.id);
      refuseWhileItemBusy(ctx, vm.id, containerName(resourceGroup, vmName));
      const blocker = requestBlocker(vm, 'register', ctx.world.profile);
      if (blocker) throw blocker;
      if (!hasBackupExtension(vm)) throw ArmErrors.extensionMissing(vm.name);
      const job = startUserJob(ctx, { vaultId: vault.id, operation: 'Register', vmId: vm.id, vmName: vm.name, resourceGroup: vm.resourceGroup });
      const op = ctx.world.startOperation({
        kind: 'register',
        target: vmTarget(vm.id),
        jobId: job.id,
        failWith: internalFailure(vm, ctx.world.profile),
        args: { vaultId: vault.id, vmId: vm.id, vmName: vm.name, resourceGroup: vm.resourceGroup },
      });
      return containerAccepted(ctx, vault, resourceGroup, vmName, op.id);
    },
  },
  {
    operationId: 'ProtectionContainers_Unregister',
    method: 'DELETE',
    template: C,
    apiVersions: BACKUP_API,
    body: 'none',
    handler: (ctx) => {
      const vault = requireVault(ctx);
      const { store } = ctx.world;
      const { vmId, vmName, resourceGroup } = vmFromPath(ctx);
      // Unregistering what is not registered succeeds.
      if (!store.getContainer(vault.id, vmId)) return { status: 204 };
      const name = containerName(resourceGroup, vmName);
      refuseWhileItemBusy(ctx, vmId, name);
      // A VM's container holds its one item; protected, stopped or soft-deleted, the item keeps it registered.
      if (store.getItem(vault.id, vmId)) throw ArmErrors.containerHasDatasources(name);
      const job = startUserJob(ctx, { vaultId: vault.id, operation: 'UnRegister', vmId, vmName, resourceGroup });
      const op = ctx.world.startOperation({ kind: 'unregister', target: vmTarget(vmId), jobId: job.id, args: { vaultId: vault.id, vmId } });
      return containerAccepted(ctx, vault, resourceGroup, vmName, op.id);
    },
  },
  {
    operationId: 'DeletedProtectionContainers_List',
    method: 'GET',
    template: `${V}/backupDeletedProtectionContainers`,
    apiVersions: BACKUP_API,
    body: 'none',
    handler: (ctx) => {
      const vault = requireVault(ctx);
      parseFilter(ctx.query.get('$filter'), CONTAINER_FILTERS);
      // Containers go soft-deleted only for workloads that group several items (SQL, SAP HANA, Azure Files);
      // an Azure VM's container holds one item, which is soft-deleted itself, so the list holds no VM container.
      return page(ctx, [] as Container[], (c) => renderContainer(vault, c));
    },
  },
  {
    operationId: 'ProtectionContainerOperationResults_Get',
    method: 'GET',
    template: `${C}/operationResults/{operationId}`,
    apiVersions: BACKUP_API,
    body: 'none',
    handler: (ctx) => {
      const vault = requireVault(ctx);
      const { vmId } = vmFromPath(ctx);
      const op = requireOperation(ctx, (o) => (o.kind === 'register' || o.kind === 'unregister') && o.target === vmTarget(vmId));
      if (op.status === 'InProgress') return accepted(ctx, ctx.link(ctx.path));
      throwIfFailed(op);
      const c = ctx.world.store.getContainer(vault.id, vmId);
      return c ? ok(renderContainer(vault, c)) : { status: 204 };
    },
  },
];
