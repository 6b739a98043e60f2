import type { Context } from 'hono';
import type { Env } from '../env';
import { adminAccessStub } from '../objects/stubs';
import { ApiError } from './errors';
import { externalAddress, ipKey } from './rate-limit';

/**
 * Throttling of admin authentication per client address: after AUTH_FAILURES wrong tokens (admin
 * API bearer or dashboard sign-in) within AUTH_WINDOW_S, every attempt from that address — right
 * token or not — is answered 429 until the window has room again, so guessing cannot tell a right
 * guess by its answer. Keyed by the same HMAC of the address as the rate limits; requests without
 * an external address (this machine: `wrangler dev`, the tests, the seeder) are not throttled.
 */
async function keyOf(env: Env, req: Request): Promise<string | null> {
  const ip = externalAddress(req);
  return ip ? `auth:${await ipKey(env, ip)}` : null;
}

function refuse<E extends WithEnv>(c: Context<E>, seconds: number): never {
  c.header('Retry-After', String(seconds));
  throw new ApiError(429, 'rate_limited', `too many wrong admin tokens from this address: retry after ${seconds} seconds`, { limit: 'auth', retryAfter: seconds });
}

type WithEnv = { Bindings: Env };

/** Seconds this request's address must wait before it may authenticate again (0: it may now). */
export async function throttledFor<E extends WithEnv>(c: Context<E>): Promise<number> {
  const key = await keyOf(c.env, c.req.raw);
  return key ? await adminAccessStub(c.env).blockedFor(key, Date.now()) : 0;
}

/** Throws 429 (with Retry-After) when this address is blocked. */
export async function refuseIfThrottled<E extends WithEnv>(c: Context<E>): Promise<void> {
  const seconds = await throttledFor(c);
  if (seconds > 0) refuse(c, seconds);
}

/** Records a wrong token from this address (a no-op for local requests); returns how long it is now blocked. */
export async function recordAuthFailure<E extends WithEnv>(c: Context<E>): Promise<number> {
  const key = await keyOf(c.env, c.req.raw);
  return key ? await adminAccessStub(c.env).failed(key, Date.now()) : 0;
}
