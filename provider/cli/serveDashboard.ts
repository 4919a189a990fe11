// `vmbackup dashboard --serve`: a loopback HTTP server for the live page and the JSON it polls.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DashboardData } from '../core/index.js';
import { renderDashboard } from '../render/index.js';

export const DASHBOARD_JSON_PATH = '/api/dashboard.json';

export interface DashboardServerOptions {
  /** Reads the world afresh; called for the page and for every poll. */
  load(): Promise<DashboardData>;
  /** Port to listen on; default 0 (an ephemeral port). */
  port?: number;
  /** Interface to listen on; default 127.0.0.1, since the page has no access control. */
  host?: string;
  /** Seconds between the page's refreshes; default 30. */
  refreshSeconds?: number;
}

export interface DashboardServer {
  /** e.g. http://127.0.0.1:53211/ */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

// Inline script and style only; the page may fetch nothing but its own origin.
const PAGE_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function send(res: ServerResponse, status: number, type: string, body: string, head: boolean, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    ...extra,
  });
  res.end(head ? undefined : body);
}

export async function serveDashboard(opts: DashboardServerOptions): Promise<DashboardServer> {
  const refreshSeconds = opts.refreshSeconds ?? 30;
  // Polls from several tabs share one read of the world instead of each starting its own.
  let inFlight: Promise<DashboardData> | undefined;
  const load = (): Promise<DashboardData> => {
    inFlight ??= opts.load().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      send(res, 405, 'text/plain; charset=utf-8', 'Only GET and HEAD are served.\n', head, { allow: 'GET, HEAD' });
      return;
    }
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === DASHBOARD_JSON_PATH) {
      try {
        send(res, 200, 'application/json; charset=utf-8', renderDashboard(await load(), 'json'), head);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        send(res, 502, 'application/json; charset=utf-8', `${JSON.stringify({ error: { code: 'DashboardLoadFailed', message } })}\n`, head);
      }
      return;
    }
    if (path === '/' || path === '/index.html') {
      try {
        const page = renderDashboard(await load(), 'html', { liveUrl: DASHBOARD_JSON_PATH, refreshSeconds });
        send(res, 200, 'text/html; charset=utf-8', page, head, { 'content-security-policy': PAGE_CSP });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        send(res, 502, 'text/plain; charset=utf-8', `Could not read the vault: ${message}\n`, head);
      }
      return;
    }
    send(res, 404, 'text/plain; charset=utf-8', `Not found: ${path}. The dashboard is at / and its data at ${DASHBOARD_JSON_PATH}.\n`, head);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `${err instanceof Error ? err.message : String(err)}\n`, false);
      else res.destroy();
    });
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Browsers keep polling connections alive; without this close() would wait for them.
        server.closeAllConnections();
      }),
  };
}
