// The HTTPS server and its fixed request pipeline: auth, faults (latency, throttling, internal errors),
// dispatch, deserialize, handler (with the world brought up to date first), serialize, error.
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Credentials } from './credentials.js';
import { Router, type HandlerResult, type RequestContext, type Route } from './dispatch.js';
import { ArmError, ArmErrors } from './errors.js';
import { FaultInjector } from './faults.js';
import { adminRoutes } from './handlers/admin.js';
import { backupStatusRoutes } from './handlers/backupStatus.js';
import { computeRoutes } from './handlers/compute.js';
import { containerRoutes } from './handlers/containers.js';
import { jobRoutes } from './handlers/jobs.js';
import { policyRoutes } from './handlers/policies.js';
import { protectedItemRoutes } from './handlers/protectedItems.js';
import { recoveryPointRoutes } from './handlers/recoveryPoints.js';
import { RESOURCE_GRAPH_PATH, resourceGraphRoutes } from './handlers/resourceGraph.js';
import { vaultRoutes } from './handlers/vaults.js';
import type { World } from './world.js';

export const ROUTES: readonly Route[] = [
  ...vaultRoutes,
  ...computeRoutes,
  ...containerRoutes,
  ...protectedItemRoutes,
  ...policyRoutes,
  ...jobRoutes,
  ...recoveryPointRoutes,
  ...backupStatusRoutes,
  ...resourceGraphRoutes,
  ...adminRoutes,
];

const MAX_BODY = 4 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) reject(ArmErrors.invalidBody('The request body is larger than 4 MiB.'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1].trim());
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

const SUBSCRIPTION = /^\/subscriptions\/([^/]+)/i;

/** The subscription ARM charges a request to; requests outside one share a bucket of their own. */
function subscriptionOf(pathname: string): string {
  return SUBSCRIPTION.exec(pathname)?.[1] ?? '';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A failure no handler turned into an ARM error is a bug in the emulator: say so on stderr. */
function warnUnexpected(e: unknown): void {
  process.emitWarning(`vmbackup emulator: ${(e as Error).stack ?? e}`);
}

/** The ARM requests a server has answered since it started (the admin endpoints are not counted). */
export interface RequestTally {
  /** GETs and Resource Graph queries. */
  reads: number;
  writes: number;
  /** Requests answered 429 by ARM's buckets. */
  throttled: number;
}

export interface ServerHandle {
  readonly server: Server;
  readonly port: number;
  readonly requests: Readonly<RequestTally>;
  close(): Promise<void>;
}

export async function listen(world: World, creds: Credentials, port: number): Promise<ServerHandle> {
  const router = new Router(ROUTES);
  const faults = new FaultInjector(world.store);
  const requests: RequestTally = { reads: 0, writes: 0, throttled: 0 };
  let base = '';

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const headers: Record<string, string> = {
      'x-ms-request-id': requestId,
      'x-ms-correlation-request-id': String(req.headers['x-ms-correlation-request-id'] ?? requestId),
    };
    let result: HandlerResult;
    try {
      // 1. auth: nothing else is revealed to a caller without the token.
      if (!tokenMatches(req.headers.authorization, creds.token)) throw ArmErrors.unauthorized();
      const url = new URL(req.url ?? '/', base);
      const method = (req.method ?? 'GET').toUpperCase();
      const isAdmin = url.pathname.toLowerCase().startsWith('/admin/');
      // 2. faults (never on the admin endpoints, so a test can always turn them off).
      if (!isAdmin) {
        const settings = world.store.faults();
        if (settings.latencyMs) await sleep(settings.latencyMs);
        // A Resource Graph query is a POST that only reads.
        const isQuery = url.pathname.toLowerCase() === RESOURCE_GRAPH_PATH;
        const isWrite = method !== 'GET' && !isQuery;
        requests[isWrite ? 'writes' : 'reads'] += 1;
        const verdict = faults.check(settings, isWrite, subscriptionOf(url.pathname));
        Object.assign(headers, verdict.headers);
        if (verdict.error) {
          if (verdict.error.status === 429) requests.throttled += 1;
          throw verdict.error;
        }
      }
      // 3. dispatch
      const { route, params } = router.match(method, url.pathname, url.searchParams.get('api-version'));
      // 4. deserialize
      const raw = await readBody(req);
      let body: unknown;
      if (raw.trim() !== '') {
        if (route.body === 'none') throw ArmErrors.invalidBody(`${route.operationId} takes no request body.`);
        try {
          body = JSON.parse(raw);
        } catch {
          throw ArmErrors.invalidBody('The request body is not valid JSON.');
        }
      } else if (route.body === 'required') {
        throw ArmErrors.invalidBody(`${route.operationId} needs a JSON request body.`);
      }
      const apiVersion = url.searchParams.get('api-version') ?? '';
      const path = url.pathname
        .split('/')
        .map((s) => {
          try {
            return decodeURIComponent(s);
          } catch {
            return s;
          }
        })
        .join('/');
      const ctx: RequestContext = {
        method,
        path,
        params,
        query: url.searchParams,
        body,
        world,
        apiVersion,
        link: (p, query) => {
          // Keys stay literal ("$skipToken", "$filter") as ARM writes them; values are encoded.
          const pairs = Object.entries({ ...(apiVersion ? { 'api-version': apiVersion } : {}), ...(query ?? {}) });
          const qs = pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
          return `${base}${p.split('/').map(encodeURIComponent).join('/')}${qs ? `?${qs}` : ''}`;
        },
      };
      // 5. handler: a GET of a world with nothing due reads a snapshot without taking the write lock; otherwise one
      // BEGIN IMMEDIATE transaction brings the world up to date (a GET may have backups to produce) and runs the
      // handler, so the answer reflects a committed state.
      const current = method === 'GET' ? world.store.read(() => (world.isUpToDate() ? route.handler(ctx) : undefined)) : undefined;
      result =
        current ??
        world.store.transaction(() => {
          world.tick();
          return route.handler(ctx);
        });
    } catch (e) {
      // 7. error: one ARM shape for every failure.
      const err = e instanceof ArmError ? e : ArmErrors.unexpected((e as Error).message);
      if (!(e instanceof ArmError)) warnUnexpected(e);
      result = { status: err.status, body: err.toBody(), headers: err.headers };
    }
    // 6. serialize
    let now = Date.now();
    try {
      now = world.nowMs();
    } catch {
      // The store may be closing; the real time will do for the Date header.
    }
    const out: Record<string, string> = { ...headers, ...(result.headers ?? {}), date: new Date(now).toUTCString() };
    if (result.json !== undefined || result.body !== undefined) {
      const text = result.json ?? JSON.stringify(result.body);
      out['content-type'] = 'application/json; charset=utf-8';
      out['content-length'] = String(Buffer.byteLength(text));
      res.writeHead(result.status, out);
      res.end(text);
    } else {
      out['content-length'] = '0';
      res.writeHead(result.status, out);
      res.end();
    }
  }

  const server = createServer({ key: creds.key, cert: creds.cert, keepAlive: true }, (req, res) => {
    handle(req, res).catch((e) => {
      warnUnexpected(e);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  // Idle connections stay open a minute, not Node's 5 s: a client that plans thousands of VMs between two requests
  // does not see its connection closed under it (its event loop busy, the close unread) and answered with a reset.
  // The emulator's own choice; the headers timeout stays above it, as Node requires.
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  base = `https://127.0.0.1:${actual}`;
  return {
    server,
    port: actual,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
