// Admin endpoints (bearer token required like everything else): the clock, the faults, and the failures of
// the guide that tests switch on for a VM or a vault after the world was seeded.
import type { RequestContext, Route } from '../dispatch.js';
import { ArmErrors } from '../errors.js';
import { parseDuration } from '../duration.js';
import { parseFaults } from '../faults.js';
import { BACKUP_FAILURE_CODES } from '../failures.js';
import { backupFailureProblem } from '../fleet.js';
import type { BackupFailure } from '../model.js';
import { vmArmId } from '../render.js';
import { bodyObject, ok } from './common.js';

const BACKUP_FAILURES = Object.keys(BACKUP_FAILURE_CODES) as BackupFailure[];

/** The one setting a PATCH body may hold; anything else is refused. */
function onlySetting(ctx: RequestContext, key: string): unknown {
  const body = bodyObject(ctx);
  const unknown = Object.keys(body).filter((k) => k !== key);
  if (unknown.length > 0 || !(key in body)) throw ArmErrors.invalidBody(`The body sets '${key}' and nothing else.`);
  return body[key];
}

export const adminRoutes: Route[] = [
  {
    operationId: 'Admin_GetClock',
    method: 'GET',
    template: '/admin/clock',
    apiVersions: [],
    body: 'none',
    handler: (ctx) => ok({ now: ctx.world.nowIso(), offsetMs: ctx.world.store.clockOffsetMs() }),
  },
  {
    operationId: 'Admin_AdvanceClock',
    method: 'POST',
    template: '/admin/clock/advance',
    apiVersions: [],
    body: 'required',
    handler: (ctx) => {
      const body = bodyObject(ctx);
      let ms: number;
      try {
        ms = parseDuration(body.duration as string | number);
      } catch (e) {
        throw ArmErrors.invalidBody(`duration: ${(e as Error).message}`);
      }
      ctx.world.advance(ms);
      return ok({ now: ctx.world.nowIso(), offsetMs: ctx.world.store.clockOffsetMs() });
    },
  },
  {
    operationId: 'Admin_GetFaults',
    method: 'GET',
    template: '/admin/faults',
    apiVersions: [],
    body: 'none',
    handler: (ctx) => ok(ctx.world.store.faults()),
  },
  {
    operationId: 'Admin_PutFaults',
    method: 'PUT',
    template: '/admin/faults',
    apiVersions: [],
    body: 'required',
    handler: (ctx) => {
      const faults = parseFaults(ctx.body);
      ctx.world.store.setFaults(faults);
      return ok(faults);
    },
  },
  {
    operationId: 'Admin_PatchVirtualMachine',
    method: 'PATCH',
    template: '/admin/virtualMachines/{resourceGroupName}/{vmName}',
    apiVersions: [],
    body: 'required',
    handler: (ctx) => {
      const value = onlySetting(ctx, 'backupFailure');
      if (value !== null && !BACKUP_FAILURES.includes(value as BackupFailure)) {
        throw ArmErrors.invalidBody(`backupFailure must be null or one of ${BACKUP_FAILURES.join(', ')}.`);
      }
      const { store } = ctx.world;
      // The path names no subscription: the VM of that resource group and name in any subscription of the world.
      const ids = ctx.world.subscriptions.map((s) => vmArmId(s, ctx.params.resourceGroupName, ctx.params.vmName));
      const vm = ids.map((id) => store.getVm(id)).find((v) => v !== undefined);
      if (!vm) throw ArmErrors.notFound(ids[0]);
      const { backupFailure: _previous, ...rest } = vm;
      const next = value === null ? rest : { ...rest, backupFailure: value as BackupFailure };
      const problem = backupFailureProblem(next);
      if (problem) throw ArmErrors.invalidBody(problem);
      store.putVm(next);
      return ok({ id: vm.id, backupFailure: value });
    },
  },
  {
    operationId: 'Admin_PatchVault',
    method: 'PATCH',
    template: '/admin/vaults/{resourceGroupName}/{vaultName}',
    apiVersions: [],
    body: 'required',
    handler: (ctx) => {
      const value = onlySetting(ctx, 'discoveryFailure');
      if (typeof value !== 'boolean') throw ArmErrors.invalidBody('discoveryFailure must be true or false.');
      const { store } = ctx.world;
      const vault = store.listVaults(ctx.params.resourceGroupName).find((v) => v.name.toLowerCase() === ctx.params.vaultName.toLowerCase());
      if (!vault) throw ArmErrors.notFound(`vault ${ctx.params.resourceGroupName}/${ctx.params.vaultName}`);
      store.putVault({ ...vault, discoveryFailure: value });
      return ok({ id: vault.id, discoveryFailure: value });
    },
  },
];
