import type { Context, MiddlewareHandler } from 'hono';
import { base64url, hmac } from '../crypto';
import type { AppEnv, Env } from '../env';
import { keyFor } from '../profiles/token';
import { ApiError } from './errors';

/**
 * Rate limits on the public routes, counted by Cloudflare's Workers Rate Limiting binding
 * (`[[ratelimits]]` in wrangler.toml; Miniflare simulates it in `wrangler dev` and the tests):
 *
 * - per client IP, before the body is read: `RATE_LIMIT_IP`, 600 requests a minute by default;
 * - per visitor (site + anonymous id), once the body named them: `RATE_LIMIT_VISITOR`, 120 a minute;
 * - per write key (site) on the Segment-spec routes, once the key is known (from the Basic auth
 *   header before the body is read): `RATE_LIMIT_WRITE_KEY`, 1,000 requests per 10 seconds. A
 *   server sends batches (up to 500 KB each), so this is far above one busy backend, but a write
 *   key is no secret (Segment's browser clients carry it), and one leaked key must not flood the edge.
 *
 * The tag sends a batch every few seconds at most, so real pages stay far below both; an office
 * behind one NAT address has room for dozens of busy visitors. Over a limit the answer is
 * `429 {error:{code:"rate_limited"}}` with `Retry-After`, which the tag honours.
 *
 * Privacy: an IP address is never stored or sent on as is; its counter key is an HMAC of the
 * address (IPv6: its /64) under a key derived from the deploy's secret. Requests without an
 * external client address (`CF-Connecting-IP` missing or loopback: `wrangler dev` on this
 * machine, the benchmarks, the scenario seeder, the test suite) are not limited; Cloudflare sets
 * the real address on every request in production. A limiter that fails lets the request through.
 */

/** The window of the per-IP and per-visitor limiters: wrangler.toml's `period` (Cloudflare allows only 10 or 60). */
export const RATE_LIMIT_PERIOD_S = 60;
/** The window of the per-write-key limiter (`RATE_LIMIT_WRITE_KEY`'s period in wrangler.toml). */
export const WRITE_KEY_PERIOD_S = 10;

export type Limited = 'ip' | 'visitor' | 'write_key';

const PERIOD: Record<Limited, number> = { ip: RATE_LIMIT_PERIOD_S, visitor: RATE_LIMIT_PERIOD_S, write_key: WRITE_KEY_PERIOD_S };
const WHO: Record<Limited, string> = { ip: 'from this address', visitor: 'for this visitor', write_key: 'for this write key' };

/** The address a request came from, or null when it is unknown or this machine (see above). */
export function externalAddress(req: Request): string | null {
  const ip = req.headers.get('cf-connecting-ip')?.trim().toLowerCase();
  if (!ip) return null;
  if (/^127\./.test(ip) || ip === '::1' || /^::ffff:127\./.test(ip)) return null;
  return ip;
}

/** What one client is counted as: an IPv4 address, or an IPv6 address's /64 (one host's usual allocation). */
export function addressBucket(ip: string): string {
  const v4 = /^(?:::ffff:)?(\d{1,3}(?:\.\d{1,3}){3})$/.exec(ip);
  if (v4) return v4[1]!;
  const [head = '', tail = ''] = ip.split('::', 2);
  const left = head ? head.split(':') : [];
  const right = ip.includes('::') && tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':') + '::/64';
}

/** The counter key of an address: an HMAC of its bucket, never the address. */
export async function ipKey(env: Env, ip: string): Promise<string> {
  return `ip:${base64url(new Uint8Array(await hmac(await keyFor(env, 'ratelimit'), addressBucket(ip))).slice(0, 16))}`;
}

function refuse(c: Context<AppEnv>, who: Limited): never {
  const period = PERIOD[who];
  c.header('Retry-After', String(period));
  const message = `too many requests ${WHO[who]}: slow down and retry after the Retry-After seconds`;
  throw new ApiError(429, 'rate_limited', message, { limit: who, retryAfter: period });
}

/** Asks a limiter; an unbound or failing limiter never refuses (fail open: events matter more). */
async function allowed(limiter: RateLimit | undefined, key: string): Promise<boolean> {
  if (!limiter) return true;
  try {
    return (await limiter.limit({ key })).success;
  } catch (err) {
    console.error('rate limiter failed', err);
    return true;
  }
}

/** Whether this request's address is within its per-IP limit (true when it has no external address). */
export async function ipAllowed(env: Env, req: Request): Promise<boolean> {
  const ip = externalAddress(req);
  return !ip || !env.RATE_LIMIT_IP || (await allowed(env.RATE_LIMIT_IP, await ipKey(env, ip)));
}

/**
 * Per-IP limit for a public route, checked before the body is read. CORS preflights are not
 * counted. Over the limit: 429 with Retry-After.
 * @example app.use('/v1/collect', rateLimitByIp());
 */
export function rateLimitByIp(): MiddlewareHandler<AppEnv> {
  return async function rateLimitByIp(c, next) {
    if (c.req.method !== 'OPTIONS' && !(await ipAllowed(c.env, c.req.raw))) refuse(c, 'ip');
    await next();
  };
}

/**
 * Per-visitor limit, called by a route once the body named the site and anonymous id (after the
 * site's origin check, so an allowed origin can read the 429 and its Retry-After). Not applied to
 * requests without an external address, like the per-IP limit.
 */
export async function limitVisitor(c: Context<AppEnv>, site: string, anonymousId: string): Promise<void> {
  if (!externalAddress(c.req.raw)) return;
  if (!(await allowed(c.env.RATE_LIMIT_VISITOR, `visitor:${site}/${anonymousId}`))) refuse(c, 'visitor');
}

/**
 * Per-write-key limit on the Segment-spec routes, called once the key named an existing site.
 * Like the others, not applied to requests without an external address (local senders, tests).
 */
export async function limitWriteKey(c: Context<AppEnv>, site: string): Promise<void> {
  if (!externalAddress(c.req.raw)) return;
  if (!(await allowed(c.env.RATE_LIMIT_WRITE_KEY, `writekey:${site}`))) refuse(c, 'write_key');
}
