import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
// @ts-expect-error: plain ESM script shared with `npm start`; its shape is declared below.
import { freePort as freePortUntyped } from '../../scripts/edge-server.mjs';

const freePort = freePortUntyped as () => Promise<number>;

/**
 * A recording, fault-injecting HTTP proxy in front of the local edge. The fixture pages load the tag
 * from the proxy, so every request the tag makes goes through it — including sendBeacon requests
 * sent while a page unloads, which Chromium sends outside Playwright's request interception and
 * events (page.route / page.on('request') never see a beacon fired on pagehide during navigation).
 * Blocking here therefore blocks beacons too, like a real network failure.
 */
export interface ProxiedRequest {
  seq: number;
  method: string;
  path: string;
  /** Raw request body as the browser sent it. */
  body: string;
  /** The Sec-Fetch-Mode header: 'no-cors' for sendBeacon with a text body, 'cors' for the tag's fetch. */
  mode?: string;
  /** The `site` and `anonymousId` of a /v1/* JSON body, and the event ids of a collect batch. */
  site?: string;
  anonymousId?: string;
  ids: string[];
  /** What the proxy did: passed it on to the edge, failed the connection, or answered itself. */
  outcome: 'forwarded' | 'aborted' | 'fulfilled';
  /** The status the browser got (0 when aborted); undefined while in flight. */
  status?: number;
}

export type Intercept =
  | { abort: true }
  | { status: number; headers?: Record<string, string>; body?: string }
  | { delayMs: number };

/** Decides what to do with a request; undefined forwards it untouched. */
export type Interceptor = (req: ProxiedRequest) => Intercept | undefined;

export interface EdgeProxy {
  /** Where the fixture pages load the tag from (the tag then talks to this origin). */
  url: string;
  /** Every request seen since the last reset, in arrival order. */
  requests: ProxiedRequest[];
  /** Installs (or with null removes) the interceptor. */
  intercept(fn: Interceptor | null): void;
  /** Forgets recorded requests and removes the interceptor. */
  reset(): void;
  stop(): Promise<void>;
}

const HOP = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'accept-encoding', 'content-length', 'upgrade']);

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function describe(entry: ProxiedRequest): void {
  if (!entry.path.startsWith('/v1/') || !entry.body) return;
  try {
    const parsed = JSON.parse(entry.body) as { site?: unknown; anonymousId?: unknown; events?: { id?: unknown }[] };
    if (typeof parsed.site === 'string') entry.site = parsed.site;
    if (typeof parsed.anonymousId === 'string') entry.anonymousId = parsed.anonymousId;
    if (Array.isArray(parsed.events)) entry.ids = parsed.events.map((e) => String(e.id));
  } catch {
    /* not JSON: recorded as is */
  }
}

export async function startEdgeProxy(edgeUrl: string): Promise<EdgeProxy> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let requests: ProxiedRequest[] = [];
  let interceptor: Interceptor | null = null;
  let seq = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const entry: ProxiedRequest = {
      seq: seq++,
      method: req.method ?? 'GET',
      path: new URL(req.url ?? '/', url).pathname,
      body: body.toString('utf8'),
      ids: [],
      outcome: 'forwarded',
      mode: typeof req.headers['sec-fetch-mode'] === 'string' ? req.headers['sec-fetch-mode'] : undefined,
    };
    describe(entry);
    const log = requests;
    log.push(entry);
    let action = interceptor ? interceptor(entry) : undefined;
    if (action && 'delayMs' in action) {
      const ms = action.delayMs;
      await new Promise((r) => setTimeout(r, ms));
      action = undefined;
    }
    if (action && 'abort' in action) {
      entry.outcome = 'aborted';
      entry.status = 0;
      req.socket.destroy();
      return;
    }
    if (action && 'status' in action) {
      entry.outcome = 'fulfilled';
      entry.status = action.status;
      const origin = req.headers.origin;
      res.writeHead(action.status, {
        'Content-Type': 'application/json',
        ...(origin ? { 'Access-Control-Allow-Origin': origin } : {}),
        ...action.headers,
      });
      res.end(action.body ?? '');
      return;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k) && typeof v === 'string') headers[k] = v;
    try {
      const upstream = await fetch(edgeUrl + (req.url ?? '/'), {
        method: entry.method,
        headers,
        body: entry.method === 'GET' || entry.method === 'HEAD' ? undefined : new Uint8Array(body),
        redirect: 'manual',
      });
      const out = Buffer.from(await upstream.arrayBuffer());
      const resHeaders: Record<string, string> = {};
      upstream.headers.forEach((v, k) => {
        if (!HOP.has(k) && k !== 'content-encoding') resHeaders[k] = v;
      });
      entry.status = upstream.status;
      res.writeHead(upstream.status, resHeaders);
      res.end(out);
    } catch {
      entry.status = 0;
      res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end('proxy: edge unreachable');
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });

  return {
    url,
    get requests() {
      return requests;
    },
    intercept(fn) {
      interceptor = fn;
    },
    reset() {
      requests = [];
      interceptor = null;
    },
    stop() {
      return new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

export const collectsOf = (reqs: ProxiedRequest[]) => reqs.filter((r) => r.path === '/v1/collect' && r.method === 'POST');
export const decidesOf = (reqs: ProxiedRequest[]) => reqs.filter((r) => r.path === '/v1/decide' && r.method === 'POST');
