// Region-level questions: a VM's backup status, whether protecting it would work, and whether a VM size
// and SKU support backup.
import type { RequestContext, Route } from '../dispatch.js';
import { ArmErrors, type ArmError } from '../errors.js';
import { parseArmPath } from '../armPath.js';
import { protectFailure, requestBlocker } from '../preconditions.js';
import { supportOf } from '../supportMatrix.js';
import { BACKUP_API, bodyObject, checkSubscription, ok, subscriptionOfId, vmTarget } from './common.js';
import { FAILURES } from '../failures.js';
import type { Profile } from '../model.js';

const L = '/Subscriptions/{subscriptionId}/providers/Microsoft.RecoveryServices/locations/{azureRegion}';

function vmOf(ctx: RequestContext, resourceId: unknown) {
  if (typeof resourceId !== 'string') throw ArmErrors.invalidBody('resourceId (the VM ARM id) is required.');
  const vm = ctx.world.store.getVm(resourceId);
  if (!vm) throw ArmErrors.vmDoesNotExist(resourceId);
  return vm;
}

function backupNames(rg: string, vm: string) {
  return { containerName: `iaasvmcontainer;iaasvmcontainerv2;${rg};${vm}`, protectedItemName: `vm;iaasvmcontainerv2;${rg};${vm}` };
}

/**
 * backupValidateFeatures for Azure VM backup: Azure's own example answers DefaultOFF (supported, not turned on
 * when the VM is created) for a Premium SKU; the classic profile keeps the guide's "Premium storage unsupported".
 */
function vmBackupSupport(profile: Profile, vmSku: unknown): 'DefaultOFF' | 'NotSupported' {
  return profile === 'classic' && typeof vmSku === 'string' && /premium/i.test(vmSku) ? 'NotSupported' : 'DefaultOFF';
}

export const backupStatusRoutes: Route[] = [
  {
    operationId: 'BackupStatus_Get',
    method: 'POST',
    template: `${L}/backupStatus`,
    apiVersions: BACKUP_API,
    body: 'required',
    handler: (ctx) => {
      checkSubscription(ctx);
      const body = bodyObject(ctx);
      if (body.resourceType !== undefined && body.resourceType !== 'VM') throw ArmErrors.invalidBody("resourceType must be 'VM'.");
      const vm = vmOf(ctx, body.resourceId);
      const { store } = ctx.world;
      const item = store.itemsOfVm(vm.id).find((i) => i.deferredDeleteAt === undefined);
      const container = store.containersOfVm(vm.id)[0];
      const protecting = store.runningOperation(vmTarget(vm.id))?.kind === 'protect';
      const vaultId = item?.vaultId ?? container?.vaultId;
      return ok({
        protectionStatus: item ? 'Protected' : protecting ? 'Protecting' : 'NotProtected',
        ...(vaultId ? { vaultId, fabricName: 'Azure', ...backupNames(vm.resourceGroup, vm.name) } : {}),
        ...(item?.policyName ? { policyName: item.policyName } : {}),
        registrationStatus: container?.registrationStatus ?? 'NotRegistered',
        errorCode: 'Success',
      });
    },
  },
  {
    operationId: 'ProtectionIntent_Validate',
    method: 'POST',
    template: `${L}/backupPreValidateProtection`,
    apiVersions: BACKUP_API,
    body: 'required',
    handler: (ctx) => {
      checkSubscription(ctx);
      const body = bodyObject(ctx);
      const vm = vmOf(ctx, body.resourceId);
      const { store } = ctx.world;
      const names = backupNames(vm.resourceGroup, vm.name);
      const vaultPath = typeof body.vaultId === 'string' ? parseArmPath(body.vaultId) : {};
      const vault = typeof body.vaultId === 'string' ? store.getVault(`/subscriptions/${vaultPath.subscriptions}/resourceGroups/${vaultPath.resourcegroups}/providers/Microsoft.RecoveryServices/vaults/${vaultPath.vaults}`) : undefined;
      const fail = (code: string, message: string, recommendation: string) => ok({ status: 'Failed', errorCode: code, errorMessage: message, recommendation, ...names });
      const fromError = (e: ArmError) => fail(e.code, e.message, e.message);
      const protectedBy = store.itemsOfVm(vm.id).find((i) => i.deferredDeleteAt === undefined);
      if (protectedBy) {
        return fail('VirtualMachineAlreadyProtected', `VM '${vm.name}' is already protected by vault '${protectedBy.vaultId}'.`, 'Please do not enable protection again.');
      }
      const registeredElsewhere = vault && store.containersOfVm(vm.id).find((c) => c.vaultId.toLowerCase() !== vault.id.toLowerCase());
      if (registeredElsewhere) return fromError(ArmErrors.alreadyRegistered(vm.name, registeredElsewhere.vaultId));
      if (vault && subscriptionOfId(vault.id).toLowerCase() !== subscriptionOfId(vm.id).toLowerCase()) {
        return fromError(ArmErrors.crossSubscription(vm.name, subscriptionOfId(vm.id), vault.id));
      }
      if (vault && vault.location.toLowerCase() !== vm.location.toLowerCase()) return fromError(ArmErrors.vmOtherRegion(vm.name, vm.location, vault.location));
      const blocker = requestBlocker(vm, 'protect', ctx.world.profile);
      if (blocker) return fromError(blocker);
      const registered = vault ? store.getContainer(vault.id, vm.id)?.registrationStatus === 'Registered' : false;
      if (supportOf(ctx.world.profile).explicitRegistration && vault && !registered) return fromError(ArmErrors.vmNotRegistered(vm.name));
      const late = protectFailure(vm, ctx.world.profile);
      if (late) return fail(late.code, late.message, FAILURES[late.code].remedy);
      return ok({ status: 'Succeeded', ...names });
    },
  },
  {
    operationId: 'FeatureSupport_Validate',
    method: 'POST',
    template: `${L}/backupValidateFeatures`,
    apiVersions: BACKUP_API,
    body: 'required',
    handler: (ctx) => {
      checkSubscription(ctx);
      const body = bodyObject(ctx);
      // The spec defines only the Azure VM feature; any other type is one the service cannot judge.
      if (body.featureType !== 'AzureVMResourceBackup') return ok({ supportStatus: 'Invalid' });
      return ok({ supportStatus: vmBackupSupport(ctx.world.profile, body.vmSku) });
    },
  },
];
