// Admin endpoints (bearer token required like everything else): the clock and the faults.
import type { Route } from '../dispatch.js';
import { ArmErrors } from '../errors.js';
import { parseDuration } from '../duration.js';
import { parseFaults } from '../faults.js';
import { bodyObject, ok } from './common.js';

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
];
