import type { Env } from '../env';
import { siteIndexStub } from '../objects/stubs';

/**
 * Per-isolate cache of which site serves a host in proxy mode (null: none — the usual answer for
 * the edge's own host, cached too). The index object is asked at most once per host per TTL.
 */
const TTL_MS = 5_000;
const MAX_ENTRIES = 1_000; // hosts come from requests: keep a hostile Host header from growing this

const cache = new Map<string, { value: Promise<string | null>; expires: number }>();

export function siteForHost(env: Env, host: string, now = Date.now()): Promise<string | null> {
  const hit = cache.get(host);
  if (hit && hit.expires > now) return hit.value;
  if (cache.size >= MAX_ENTRIES) cache.clear();
  const value = siteIndexStub(env)
    .siteForHost(host)
    .catch((err: unknown) => {
      cache.delete(host);
      throw err;
    });
  cache.set(host, { value, expires: now + TTL_MS });
  return value;
}

export function invalidateHost(host: string): void {
  cache.delete(host);
}
