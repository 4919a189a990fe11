// Dispatch is data: a table from (method, path template, api-version) to a handler. Literal path
// segments match case-insensitively (the spec itself mixes "/Subscriptions/" and "/subscriptions/").
import { ArmErrors } from './errors.js';
import type { World } from './world.js';

export interface HandlerResult {
  readonly status: number;
  readonly body?: unknown;
  /** The body as JSON text, when the handler had to serialize it already (to measure it): sent instead of `body`. */
  readonly json?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RequestContext {
  readonly method: string;
  /** The request's path as received (still URL-encoded). */
  readonly path: string;
  /** Decoded path parameters named as in the template. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: unknown;
  readonly world: World;
  readonly apiVersion: string;
  /** Absolute URL of this request's path with a query (for nextLink and LRO headers). */
  link(path: string, query?: Record<string, string>): string;
}

export type BodyRule = 'none' | 'optional' | 'required';

export interface Route {
  readonly operationId: string;
  readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'PATCH';
  readonly template: string;
  /** Empty: no api-version (admin endpoints). */
  readonly apiVersions: readonly string[];
  readonly body: BodyRule;
  readonly handler: (ctx: RequestContext) => HandlerResult;
}

interface CompiledRoute extends Route {
  readonly segments: readonly { readonly literal?: string; readonly param?: string }[];
  readonly literals: number;
}

export interface RouteMatch {
  readonly route: Route;
  readonly params: Record<string, string>;
}

export class Router {
  private readonly routes: CompiledRoute[];

  constructor(routes: readonly Route[]) {
    this.routes = routes
      .map((r) => {
        const segments = r.template
          .split('/')
          .filter(Boolean)
          .map((s) => (s.startsWith('{') && s.endsWith('}') ? { param: s.slice(1, -1) } : { literal: s.toLowerCase() }));
        return { ...r, segments, literals: segments.filter((s) => s.literal !== undefined).length };
      })
      // The most specific template wins when a parameter segment could also match a literal one.
      .sort((a, b) => b.literals - a.literals);
  }

  /** Finds the route; throws the ARM error a client should see when there is none. */
  match(method: string, pathname: string, apiVersion: string | null): RouteMatch {
    const parts = pathname.split('/').filter(Boolean);
    const candidates: RouteMatch[] = [];
    for (const route of this.routes) {
      if (route.method !== method || route.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < parts.length && ok; i++) {
        const seg = route.segments[i];
        let value: string;
        try {
          value = decodeURIComponent(parts[i]);
        } catch {
          value = parts[i];
        }
        if (seg.literal !== undefined) ok = value.toLowerCase() === seg.literal;
        else params[seg.param!] = value;
      }
      if (ok) candidates.push({ route, params });
    }
    if (candidates.length === 0) throw ArmErrors.notImplemented(method, pathname);
    const first = candidates[0];
    if (first.route.apiVersions.length === 0) return first;
    if (apiVersion === null || apiVersion === '') throw ArmErrors.missingApiVersion();
    const exact = candidates.find((c) => c.route.apiVersions.includes(apiVersion));
    if (!exact) throw ArmErrors.invalidApiVersion(apiVersion, first.route.apiVersions);
    return exact;
  }
}
