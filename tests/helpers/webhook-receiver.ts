import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Delivery {
  path: string;
  headers: Record<string, string>;
  body: string;
  payload: { id: string; type: string; site: string; destination: string; profileId?: string; event?: { id: string; name: string | null }; audience?: { id: string } };
  /** What the receiver answered. */
  status: number;
}

/**
 * How a receiver checks an Attune webhook (the README shows the same): the `v1` HMAC-SHA256 over
 * `${t}.${body}` with the destination's secret must match, and `t` must be recent, so a captured
 * request replayed later is refused.
 */
export function verifyWebhook(secret: string, body: string, header: string | undefined, nowSeconds = Math.floor(Date.now() / 1000), toleranceSeconds = 300): boolean {
  if (!header) return false;
  const fields = Object.fromEntries(header.split(',').map((p) => p.trim().split('=') as [string, string]));
  const t = Number(fields.t);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds || !fields.v1) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return fields.v1.length === expected.length && timingSafeEqual(Buffer.from(fields.v1), Buffer.from(expected));
}

/**
 * A local webhook receiver on 127.0.0.1. Each path behaves as told by `behave(path, attempt)`:
 * the status to answer (attempt counts per idempotency key). Requests whose signature does not
 * verify get 401; `accepted` holds each idempotency key's payload once (the receiver dedupes).
 */
export async function startReceiver(secrets: () => Record<string, string>, behave: (path: string, attempt: number) => number = () => 200) {
  const all: Delivery[] = [];
  const accepted = new Map<string, Delivery>();
  const attempts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      const path = req.url ?? '/';
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      const key = headers['x-attune-idempotency-key'] ?? '';
      const secret = secrets()[path] ?? '';
      let status: number;
      if (!verifyWebhook(secret, body, headers['x-attune-signature'])) status = 401;
      else {
        const n = (attempts.get(`${path} ${key}`) ?? 0) + 1;
        attempts.set(`${path} ${key}`, n);
        status = behave(path, n);
      }
      const delivery: Delivery = { path, headers, body, payload: JSON.parse(body || '{}') as Delivery['payload'], status };
      all.push(delivery);
      if (status >= 200 && status < 300 && !accepted.has(`${path} ${key}`)) accepted.set(`${path} ${key}`, delivery);
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    all,
    /** Accepted deliveries (once per idempotency key) at a path. */
    accepted: (path: string) => [...accepted.values()].filter((d) => d.path === path),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
