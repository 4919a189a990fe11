// Microsoft.Compute (api-version 2024-07-01, what @azure/arm-compute 22.2 sends): VMs list / get /
// instanceView, the backup extension (create, update, delete), and the power and delete LROs tests use
// for out-of-band changes.
import { BACKUP_EXTENSION_PUBLISHER, backupExtensionType } from '../backupExtension.js';
import type { HandlerResult, RequestContext, Route } from '../dispatch.js';
import { ArmErrors } from '../errors.js';
import type { Operation, Vm, VmExtension } from '../model.js';
import { pageWindow } from '../paging.js';
import { extensionFailure, isBackupExtension, requestBlocker } from '../preconditions.js';
import { renderExtension, renderInstanceView, renderVm, vmArmId } from '../render.js';
import { bodyObject, checkSubscription, COMPUTE_API, ok, requireOperation, subscriptionOfId, VMS } from './common.js';

function requireVm(ctx: RequestContext): Vm {
  const id = vmArmId(checkSubscription(ctx), ctx.params.resourceGroupName, ctx.params.vmName);
  const vm = ctx.world.store.getVm(id);
  if (!vm) throw ArmErrors.notFound(id);
  return vm;
}

function operationUrl(ctx: RequestContext, vm: Vm, op: Operation): string {
  return ctx.link(`/subscriptions/${subscriptionOfId(vm.id)}/providers/Microsoft.Compute/locations/${vm.location}/operations/${op.id}`);
}

/** Compute's LRO answer: Azure-AsyncOperation to poll; Retry-After as configured. */
function computeAccepted(ctx: RequestContext, vm: Vm, op: Operation, status = 202, body?: unknown): HandlerResult {
  return {
    status,
    body,
    headers: { 'azure-asyncoperation': operationUrl(ctx, vm, op), 'retry-after': String(ctx.world.options.retryAfterSeconds) },
  };
}

/** Target key for "one Compute operation per VM at a time". */
function computeTarget(vm: Vm): string {
  return `compute|${vm.id.toLowerCase()}`;
}

function inProgressOn(ctx: RequestContext, vm: Vm): void {
  if (ctx.world.store.runningOperation(computeTarget(vm))) throw ArmErrors.computeConflict(vm.name);
}

const EXTENSION = `${VMS}/extensions/{vmExtensionName}`;

function requireExtension(ctx: RequestContext, vm: Vm): VmExtension {
  const extension = vm.extensions[ctx.params.vmExtensionName];
  if (!extension) throw ArmErrors.notFound(`${vm.id}/extensions/${ctx.params.vmExtensionName}`);
  return extension;
}

/** PATCH: version and upgrade settings change in place; publisher and type name another extension. */
function updateExtension(ctx: RequestContext): HandlerResult {
  const vm = requireVm(ctx);
  const existing = requireExtension(ctx, vm);
  const p = (bodyObject(ctx).properties ?? {}) as Record<string, unknown>;
  for (const property of ['publisher', 'type'] as const) {
    if (p[property] !== undefined && p[property] !== existing[property]) throw ArmErrors.propertyChangeNotAllowed(property);
  }
  inProgressOn(ctx, vm);
  const extension: VmExtension = {
    ...existing,
    typeHandlerVersion: typeof p.typeHandlerVersion === 'string' ? p.typeHandlerVersion : existing.typeHandlerVersion,
    autoUpgradeMinorVersion: typeof p.autoUpgradeMinorVersion === 'boolean' ? p.autoUpgradeMinorVersion : existing.autoUpgradeMinorVersion,
    provisioningState: 'Updating',
  };
  const updated: Vm = { ...vm, extensions: { ...vm.extensions, [existing.name]: extension } };
  ctx.world.store.putVm(updated);
  const op = ctx.world.startOperation({ kind: 'extension', target: computeTarget(vm), args: { vmId: vm.id, extensionName: existing.name } });
  return computeAccepted(ctx, vm, op, 200, renderExtension(updated, existing.name));
}

/** DELETE: the extension is gone when the operation ends; deleting a missing one succeeds. */
function deleteExtension(ctx: RequestContext): HandlerResult {
  const vm = requireVm(ctx);
  const existing = vm.extensions[ctx.params.vmExtensionName];
  if (!existing) return { status: 204 };
  inProgressOn(ctx, vm);
  ctx.world.store.putVm({ ...vm, extensions: { ...vm.extensions, [existing.name]: { ...existing, provisioningState: 'Deleting' } } });
  const op = ctx.world.startOperation({ kind: 'extensionDelete', target: computeTarget(vm), args: { vmId: vm.id, extensionName: existing.name } });
  return computeAccepted(ctx, vm, op);
}

function powerRoute(action: 'powerOff' | 'deallocate' | 'start', target: Vm['powerState']): Route {
  return {
    operationId: `VirtualMachines_${action[0].toUpperCase()}${action.slice(1)}`,
    method: 'POST',
    template: `${VMS}/${action}`,
    apiVersions: COMPUTE_API,
    body: 'optional',
    handler: (ctx) => {
      const vm = requireVm(ctx);
      inProgressOn(ctx, vm);
      const op = ctx.world.startOperation({ kind: 'vmPower', target: computeTarget(vm), args: { vmId: vm.id, powerState: target } });
      return computeAccepted(ctx, vm, op);
    },
  };
}

export const computeRoutes: Route[] = [
  {
    operationId: 'VirtualMachines_ListAll',
    method: 'GET',
    template: '/subscriptions/{subscriptionId}/providers/Microsoft.Compute/virtualMachines',
    apiVersions: COMPUTE_API,
    body: 'none',
    handler: (ctx) => {
      const subscriptionId = checkSubscription(ctx);
      if (ctx.query.get('$filter')) throw ArmErrors.invalidFilter("The vmbackup emulator supports no $filter on VirtualMachines_ListAll ('virtualMachineScaleSet/id' is not modelled).");
      const statusOnly = ctx.query.get('statusOnly') === 'true';
      const now = ctx.world.nowIso();
      return pageWindow(
        ctx,
        (offset, limit) => ctx.world.store.listVms({ subscriptionId, offset, limit }),
        (vm) => renderVm(vm, statusOnly ? renderInstanceView(vm, now) : undefined),
      );
    },
  },
  {
    operationId: 'VirtualMachines_List',
    method: 'GET',
    template: '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute/virtualMachines',
    apiVersions: COMPUTE_API,
    body: 'none',
    handler: (ctx) => {
      const subscriptionId = checkSubscription(ctx);
      return pageWindow(ctx, (offset, limit) => ctx.world.store.listVms({ subscriptionId, resourceGroup: ctx.params.resourceGroupName, offset, limit }), (vm) => renderVm(vm));
    },
  },
  {
    operationId: 'VirtualMachines_Get',
    method: 'GET',
    template: VMS,
    apiVersions: COMPUTE_API,
    body: 'none',
    handler: (ctx) => {
      const vm = requireVm(ctx);
      const expand = ctx.query.get('$expand');
      return ok(renderVm(vm, expand?.toLowerCase() === 'instanceview' ? renderInstanceView(vm, ctx.world.nowIso()) : undefined));
    },
  },
  {
    operationId: 'VirtualMachines_InstanceView',
    method: 'GET',
    template: `${VMS}/instanceView`,
    apiVersions: COMPUTE_API,
    body: 'none',
    handler: (ctx) => ok(renderInstanceView(requireVm(ctx), ctx.world.nowIso())),
  },
  powerRoute('powerOff', 'stopped'),
  powerRoute('deallocate', 'deallocated'),
  powerRoute('start', 'running'),
  {
    operationId: 'VirtualMachines_Delete',
    method: 'DELETE',
    template: VMS,
    apiVersions: COMPUTE_API,
    body: 'none',
    handler: (ctx) => {
      const vm = ctx.world.store.getVm(vmArmId(checkSubscription(ctx), ctx.params.resourceGroupName, ctx.params.vmName));
      if (!vm) return { status: 204 };
      inProgressOn(ctx, vm);
      const op = ctx.world.startOperation({ kind: 'vmDelete', target: computeTarget(vm), args: { vmId: vm.id } });
      return computeAccepted(ctx, vm, op);
    },
  },
  {
    operationId: 'VirtualMachineExtensions_CreateOrUpdate',
    method: 'PUT',
    template: EXTENSION,
    apiVersions: COMPUTE_API,
    body: 'required',
    handler: (ctx) => {
      const vm = requireVm(ctx);
      const body = bodyObject(ctx);
      const p = (body.properties ?? {}) as Record<string, unknown>;
      const name = ctx.params.vmExtensionName;
      if (p.publisher !== BACKUP_EXTENSION_PUBLISHER || typeof p.type !== 'string' || !isBackupExtension(p.type)) {
        throw ArmErrors.badRequest(
          "The vmbackup emulator installs only the backup extension: publisher 'Microsoft.Azure.RecoveryServices', properties.type 'VMSnapshot' (Windows) or 'VMSnapshotLinux' (Linux) (typePropertiesType in @azure/arm-compute).",
        );
      }
      const wanted = backupExtensionType(vm.os);
      if (p.type !== wanted) throw ArmErrors.badRequest(`VM '${vm.name}' runs ${vm.os}: its backup extension type is '${wanted}', not '${p.type}'.`);
      const existing = vm.extensions[name];
      if (existing?.provisioningState === 'Succeeded') return ok(renderExtension(vm, name));
      inProgressOn(ctx, vm);
      const blocker = requestBlocker(vm, 'extension', ctx.world.profile);
      if (blocker) throw blocker;
      const extension = {
        name,
        publisher: p.publisher,
        type: p.type,
        typeHandlerVersion: typeof p.typeHandlerVersion === 'string' ? p.typeHandlerVersion : '1.0',
        autoUpgradeMinorVersion: p.autoUpgradeMinorVersion !== false,
        provisioningState: 'Creating' as const,
      };
      const updated: Vm = { ...vm, extensions: { ...vm.extensions, [name]: extension } };
      ctx.world.store.putVm(updated);
      const fail = extensionFailure(vm, ctx.world.profile);
      const op = ctx.world.startOperation({
        kind: 'extension',
        target: computeTarget(vm),
        args: { vmId: vm.id, extensionName: name },
        failWith: fail,
      });
      return computeAccepted(ctx, vm, op, existing ? 200 : 201, renderExtension(updated, name));
    },
  },
  { operationId: 'VirtualMachineExtensions_Update', method: 'PATCH', template: EXTENSION, apiVersions: COMPUTE_API, body: 'required', handler: updateExtension },
  { operationId: 'VirtualMachineExtensions_Delete', method: 'DELETE', template: EXTENSION, apiVersions: COMPUTE_API, body: 'none', handler: deleteExtension },
  {
    operationId: 'VirtualMachineExtensions_Get',
    method: 'GET',
    template: EXTENSION,
    apiVersions: COMPUTE_API,
    body: 'none',
    handler: (ctx) => {
      const vm = requireVm(ctx);
      return ok(renderExtension(vm, requireExtension(ctx, vm).name));
    },
  },
  {
    operationId: 'VirtualMachineExtensions_List',
    method: 'GET',
    template: `${VMS}/extensions`,
    apiVersions: COMPUTE_API,
    body: 'none',
    handler: (ctx) => {
      const vm = requireVm(ctx);
      return ok({ value: Object.keys(vm.extensions).map((n) => renderExtension(vm, n)) });
    },
  },
  {
    operationId: 'ComputeOperations_Get',
    method: 'GET',
    template: '/subscriptions/{subscriptionId}/providers/Microsoft.Compute/locations/{location}/operations/{operationId}',
    apiVersions: COMPUTE_API,
    body: 'none',
    handler: (ctx) => {
      checkSubscription(ctx);
      const op = requireOperation(ctx, (o) => o.target.startsWith('compute|'));
      return ok({
        name: op.id,
        status: op.status,
        startTime: op.startTime,
        ...(op.endTime ? { endTime: op.endTime } : {}),
        ...(op.status === 'Failed' && op.failWith ? { error: { code: op.failWith.code, message: op.failWith.message } } : {}),
      });
    },
  },
];
