// nextLink paging for every list: the $skipToken is an opaque offset, the page size an emulator option.
import type { HandlerResult, RequestContext } from './dispatch.js';
import { ArmErrors } from './errors.js';

function decodeToken(token: string | null): number {
  if (token === null || token === '') return 0;
  const n = Number(Buffer.from(token, 'base64url').toString('utf8').replace(/^o:/, ''));
  if (!Number.isInteger(n) || n < 0) throw ArmErrors.invalidFilter(`$skipToken '${token}' is not one the emulator issued.`);
  return n;
}

/** One page of `items` as `{value, nextLink?}`. */
export function page<T>(ctx: RequestContext, items: readonly T[], render: (item: T) => unknown): HandlerResult {
  return pageWindow(ctx, (offset, limit) => items.slice(offset, offset + limit), render);
}

/** One page read straight from the store: `fetch(offset, limit)` returns at most `limit` items from `offset`. */
export function pageWindow<T>(ctx: RequestContext, fetch: (offset: number, limit: number) => readonly T[], render: (item: T) => unknown): HandlerResult {
  const skip = decodeToken(ctx.query.get('$skipToken'));
  const size = Math.max(1, ctx.world.options.pageSize);
  // One extra item tells whether another page follows.
  const window = fetch(skip, size + 1);
  const body: { value: unknown[]; nextLink?: string } = { value: window.slice(0, size).map(render) };
  if (window.length > size) {
    const query: Record<string, string> = {};
    for (const [k, v] of ctx.query) if (k !== '$skipToken' && k !== 'api-version') query[k] = v;
    query.$skipToken = Buffer.from(`o:${skip + size}`, 'utf8').toString('base64url');
    body.nextLink = ctx.link(ctx.path, query);
  }
  return { status: 200, body };
}
