// Azure Resource Graph's query endpoint (api-version 2024-04-01, what @azure/arm-resourcegraph 5 sends): the
// `resources` and `recoveryservicesresources` tables built from the store, queried in the KQL subset of kql.ts,
// paged with $skipToken and throttled per window as Resource Graph does (README, "Resource Graph").
import { createHash } from 'node:crypto';
import type { HandlerResult, RequestContext, Route } from '../dispatch.js';
import { KqlError, parseKql, runKql, type KqlQuery, type KqlTable, type Row } from '../kql.js';
import type { Vault, Vm } from '../model.js';
import { renderExtension, renderItem, renderJob, renderVault, renderVm } from '../render.js';
import type { World, WorldOptions } from '../world.js';
import { bodyObject } from './common.js';
import { renderStoredPolicy } from './policies.js';

export const RESOURCE_GRAPH_API = ['2024-04-01'] as const;
/** The query endpoint's path, lower case. */
export const RESOURCE_GRAPH_PATH = '/providers/microsoft.resourcegraph/resources';

/** Resource Graph's documented example quota: 15 queries per user per 5-second window. */
export const RESOURCE_GRAPH_QUOTA: NonNullable<WorldOptions['resourceGraphQuota']> = { queries: 15, windowMs: 5000 };

/**
 * The largest answer Resource Graph sends, in bytes: a larger one is refused with ResponsePayloadTooLarge (the limit
 * and the error as Resource Graph answered them in public issue threads; the documentation names neither).
 */
export const RESOURCE_GRAPH_PAYLOAD_LIMIT = 16 * 1024 * 1024;

/** At most 1,000 rows per page, and 1,000 when the caller names no size. */
const MAX_PAGE = 1000;
/** Backup jobs stay queryable in Resource Graph for 14 days. */
const JOB_DAYS_MS = 14 * 86_400_000;

/** The quota window of each world this process serves (the emulator has one user: its token's). */
const windows = new WeakMap<World, { startMs: number; used: number }>();

function quotaOf(world: World): NonNullable<WorldOptions['resourceGraphQuota']> {
  return world.options.resourceGraphQuota ?? RESOURCE_GRAPH_QUOTA;
}

/** "hh:mm:ss", rounded up so a client that waits that long finds the window reset. */
function hms(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

/** Takes one query from the window; the headers every answer carries, and whether the query may run. */
function takeQuota(world: World): { allowed: boolean; headers: Record<string, string> } {
  const quota = quotaOf(world);
  const now = world.nowMs();
  let w = windows.get(world);
  if (!w || now - w.startMs >= quota.windowMs || now < w.startMs) {
    w = { startMs: now, used: 0 };
    windows.set(world, w);
  }
  const allowed = w.used < quota.queries;
  if (allowed) w.used += 1;
  return {
    allowed,
    headers: {
      'x-ms-user-quota-remaining': String(quota.queries - w.used),
      'x-ms-user-quota-resets-after': hms(w.startMs + quota.windowMs - now),
    },
  };
}

/** Resource Graph's error shape: a top-level code and message, and details naming what went wrong. */
function graphError(status: number, code: string, message: string, details: readonly { code: string; message: string }[], headers: Record<string, string>): HandlerResult {
  return { status, headers, body: { error: { code, message, details } } };
}

function badQuery(message: string, detail: { code: string; message: string }, headers: Record<string, string>): HandlerResult {
  return graphError(
    400,
    'BadRequest',
    message,
    [{ code: 'InvalidQuery', message: 'Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying.' }, detail],
    headers,
  );
}

const subscriptionOf = (id: string) => id.split('/')[2] ?? '';
const resourceGroupOf = (id: string) => id.split('/')[4] ?? '';

/** The columns every Resource Graph row has; types are lower case whatever the provider writes. */
function row(resource: { id: string; name: string; type: string; location?: string; tags?: unknown; properties: unknown }, lowerCaseGroup: boolean): Row {
  const group = resourceGroupOf(resource.id);
  return {
    id: resource.id,
    name: resource.name,
    type: resource.type.toLowerCase(),
    kind: '',
    location: resource.location ?? '',
    resourceGroup: lowerCaseGroup ? group.toLowerCase() : group,
    subscriptionId: subscriptionOf(resource.id),
    managedBy: '',
    sku: null,
    plan: null,
    properties: resource.properties,
    tags: resource.tags ?? {},
    identity: null,
    zones: null,
    extendedLocation: null,
  };
}

type Rendered = { id: string; name: string; type: string; location?: string; tags?: unknown; properties: Record<string, unknown> };

function vmRows(vm: Vm): Row[] {
  const model = renderVm(vm) as Rendered;
  // Resource Graph's "extended properties" carry the power state of the instance view (nothing else of it here).
  const extended = { instanceView: { powerState: { code: `PowerState/${vm.powerState}`, level: 'Info', displayStatus: `VM ${vm.powerState}` } } };
  const rows = [row({ ...model, properties: { ...model.properties, extended } }, true)];
  for (const name of Object.keys(vm.extensions)) rows.push(row(renderExtension(vm, name) as Rendered, true));
  return rows;
}

/** Every row of a table in the world, before any filter. */
function tableRows(world: World, table: KqlTable): Row[] {
  const store = world.store;
  if (table === 'resources') {
    return [...store.listVms().flatMap(vmRows), ...store.listVaults().map((v) => row(renderVault(v) as Rendered, true))];
  }
  const now = world.nowMs();
  const vaults = new Map<string, Vault>(store.listVaults().map((v) => [v.id.toLowerCase(), v]));
  const rows: Row[] = [];
  for (const item of store.listItems()) {
    const vault = vaults.get(item.vaultId.toLowerCase());
    if (vault) rows.push(row(renderItem(vault, item, now) as Rendered, false));
  }
  for (const policy of store.listPolicies()) {
    const vault = vaults.get(policy.vaultId.toLowerCase());
    if (vault) rows.push(row(renderStoredPolicy(world, vault, policy) as Rendered, false));
  }
  for (const vault of vaults.values()) {
    for (const job of store.listJobs({ vaultId: vault.id, fromMs: now - JOB_DAYS_MS })) rows.push(row(renderJob(vault, job, now) as Rendered, false));
  }
  return rows;
}

interface PageToken {
  readonly offset: number;
  readonly size: number;
  /** The query and scopes the token belongs to. */
  readonly context: string;
  /** The result the first page was cut from. */
  readonly result?: string;
}

/** Results kept for their next pages: those read the snapshot the first page was cut from, without querying again. */
const KEPT_RESULTS = 4;
const results = new WeakMap<World, Map<string, readonly Row[]>>();

function keepResult(world: World, rows: readonly Row[]): string {
  const kept = results.get(world) ?? new Map<string, readonly Row[]>();
  results.set(world, kept);
  const id = world.newId();
  kept.set(id, rows);
  // Maps iterate in insertion order: the first key is the oldest result.
  if (kept.size > KEPT_RESULTS) kept.delete(kept.keys().next().value!);
  return id;
}

/** A result kept for pages that will not be asked for: its page was refused. */
function forgetResult(world: World, id: string): void {
  results.get(world)?.delete(id);
}

function contextOf(query: string, subscriptions: readonly string[] | undefined): string {
  return createHash('sha256').update(JSON.stringify([query, subscriptions ?? null])).digest('base64url').slice(0, 16);
}

function encodeToken(t: PageToken): string {
  return Buffer.from(JSON.stringify(t), 'utf8').toString('base64url');
}

function decodeToken(token: string): PageToken | undefined {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as PageToken;
    return Number.isInteger(t.offset) && t.offset >= 0 && Number.isInteger(t.size) && t.size >= 1 && typeof t.context === 'string' ? t : undefined;
  } catch {
    return undefined;
  }
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((s) => typeof s === 'string');
}

function integerOption(options: Record<string, unknown>, key: string, min: number, max: number): number | undefined | 'invalid' {
  const v = options[key];
  if (v === undefined) return undefined;
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : 'invalid';
}

function query(ctx: RequestContext): HandlerResult {
  const { allowed, headers } = takeQuota(ctx.world);
  if (!allowed) {
    return graphError(
      429,
      'RateLimiting',
      `The user's query quota of ${quotaOf(ctx.world).queries} per ${quotaOf(ctx.world).windowMs / 1000} s is spent.`,
      [{ code: 'RateLimiting', message: `Client application has been throttled and should not attempt to repeat the request until an amount of time has elapsed. Retry after ${headers['x-ms-user-quota-resets-after']}.` }],
      headers,
    );
  }
  const body = bodyObject(ctx);
  if (typeof body.query !== 'string' || body.query.trim() === '') return badQuery('The request body needs a query string.', { code: 'MissingQuery', message: 'query is required.' }, headers);
  const subscriptions: unknown = body.subscriptions;
  if (subscriptions !== undefined && !isStringList(subscriptions)) {
    return badQuery('subscriptions must be an array of subscription ids.', { code: 'InvalidSubscriptions', message: 'subscriptions must be strings.' }, headers);
  }
  if (body.managementGroups !== undefined || body.facets !== undefined) {
    return badQuery('The emulator answers subscription and tenant queries without facets.', { code: 'UnsupportedScope', message: 'managementGroups and facets are not served.' }, headers);
  }
  const options = (body.options ?? {}) as Record<string, unknown>;
  if (options.resultFormat !== undefined && options.resultFormat !== 'objectArray') {
    return badQuery("The emulator answers in the objectArray format only.", { code: 'UnsupportedResultFormat', message: `resultFormat '${String(options.resultFormat)}' is not served.` }, headers);
  }
  const top = integerOption(options, '$top', 1, MAX_PAGE);
  const skip = integerOption(options, '$skip', 0, Number.MAX_SAFE_INTEGER);
  if (top === 'invalid' || skip === 'invalid') return badQuery('$top must be 1 to 1000 and $skip at least 0.', { code: 'InvalidPaging', message: '$top or $skip is out of range.' }, headers);

  let parsed: KqlQuery;
  try {
    parsed = parseKql(body.query);
  } catch (e) {
    if (!(e instanceof KqlError)) throw e;
    return badQuery(`The query is outside the emulator's KQL subset: ${e.message}.`, { code: e.kind, message: e.message }, headers);
  }
  const context = contextOf(body.query, subscriptions);
  let offset = skip ?? 0;
  let size = top ?? MAX_PAGE;
  let result: string | undefined;
  if (typeof options.$skipToken === 'string') {
    const token = decodeToken(options.$skipToken);
    if (!token || token.context !== context) {
      return badQuery('The $skipToken does not belong to this query and these subscriptions.', { code: 'InvalidSkipToken', message: 'Send the token with the query and scopes that returned it.' }, headers);
    }
    // $top and $skip sent beside a token override the size and offset it holds.
    offset = skip ?? token.offset;
    size = top ?? token.size;
    result = token.result;
  }

  // A token whose result is no longer kept (another process, or many queries since) runs the query again.
  let rows = result === undefined ? undefined : results.get(ctx.world)?.get(result);
  if (!rows) {
    const scope = subscriptions && subscriptions.length > 0 ? new Set(subscriptions.map((s) => s.toLowerCase())) : undefined;
    const inScope = tableRows(ctx.world, parsed.table).filter((r) => !scope || scope.has(String(r.subscriptionId).toLowerCase()));
    rows = runKql(parsed, inScope, ctx.world.nowMs());
    result = undefined;
  }
  const data = rows.slice(offset, offset + size);
  const more = offset + data.length < rows.length;
  const kept = more && result === undefined ? keepResult(ctx.world, rows) : undefined;
  const next = more ? encodeToken({ offset: offset + data.length, size, context, result: result ?? kept }) : undefined;
  // Serialized once: measured against the payload limit, then sent as it is.
  const json = JSON.stringify({
    totalRecords: rows.length,
    count: data.length,
    resultTruncated: 'false',
    ...(next ? { $skipToken: next } : {}),
    data,
    facets: [],
  });
  const bytes = Buffer.byteLength(json);
  const limit = ctx.world.options.resourceGraphPayloadLimit ?? RESOURCE_GRAPH_PAYLOAD_LIMIT;
  if (bytes > limit) {
    if (kept) forgetResult(ctx.world, kept);
    // Resource Graph names the size and the limit, and asks for smaller pages.
    return graphError(400, 'BadRequest', 'The response is larger than Resource Graph sends.', [
      { code: 'ResponsePayloadTooLarge', message: `Response payload size is ${bytes}, and has exceeded the limit of ${limit}. Please consider querying less data at a time and make paginated call if needed.` },
    ], headers);
  }
  return { status: 200, headers, json };
}

export const resourceGraphRoutes: Route[] = [
  {
    operationId: 'Resources',
    method: 'POST',
    template: RESOURCE_GRAPH_PATH,
    apiVersions: RESOURCE_GRAPH_API,
    body: 'required',
    handler: query,
  },
];
