import type { Env } from '../env';
import type { SiteConfig } from '../objects/site';

/**
 * Per-isolate cache of site configs. The visitor path reads from here; the site object is asked
 * at most once per TTL per isolate, so a dashboard change is live within TTL_MS everywhere.
 */
export const TTL_MS = 5_000;

interface Entry {
  value: Promise<SiteConfig | null>;
  expires: number;
}

const cache = new Map<string, Entry>();

export function siteStub(env: Env, key: string) {
  return env.SITES.get(env.SITES.idFromName(key));
}

export function getSiteConfig(env: Env, key: string, now = Date.now()): Promise<SiteConfig | null> {
  const hit = cache.get(key);
  if (hit && hit.expires > now) return hit.value;
  const value = siteStub(env, key)
    .config()
    .catch((err: unknown) => {
      cache.delete(key); // do not cache a failure
      throw err;
    });
  cache.set(key, { value, expires: now + TTL_MS });
  return value;
}

/** Called after an admin write in this isolate so its own next read is fresh. */
export function invalidateSiteConfig(key: string): void {
  cache.delete(key);
}
