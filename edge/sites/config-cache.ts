import type { Env } from '../env';
import type { SiteConfig } from '../objects/site';
import { siteStub } from '../objects/stubs';

/**
 * Per-isolate cache of site configs. The visitor path reads from here; the site object is asked
 * at most once per TTL per isolate, so a dashboard change is live within TTL_MS everywhere.
 */
export const TTL_MS = 5_000;
/** Site keys come from requests (any string that looks like a key): a flood of unknown ones must not grow this without end. */
export const MAX_ENTRIES = 1_000;

interface Entry {
  value: Promise<SiteConfig | null>;
  expires: number;
}

const cache = new Map<string, Entry>();

export function getSiteConfig(env: Env, key: string, now = Date.now()): Promise<SiteConfig | null> {
  const hit = cache.get(key);
  if (hit && hit.expires > now) return hit.value;
  if (cache.size >= MAX_ENTRIES) cache.clear();
  const value = siteStub(env, key)
    .config()
    .catch((err: unknown) => {
      cache.delete(key); // do not cache a failure
      throw err;
    });
  cache.set(key, { value, expires: now + TTL_MS });
  return value;
}

/** How many configs this isolate holds (tests). */
export function cachedSiteConfigs(): number {
  return cache.size;
}

/** Called after an admin write in this isolate so its own next read is fresh. */
export function invalidateSiteConfig(key: string): void {
  cache.delete(key);
}
