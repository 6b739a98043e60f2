import type { Env } from '../env';
import type { SiteConfig } from '../objects/site';
import { siteStub } from '../objects/stubs';
import { IsolateCache } from './isolate-cache';

/**
 * Per-isolate cache of site configs. The visitor path reads from here; the site object is asked
 * at most once per TTL per isolate (a stale config serves while one request refreshes it), so a
 * dashboard change is live within about TTL_MS everywhere.
 */
export const TTL_MS = 5_000;
/** Site keys come from requests (any string that looks like a key): a flood of unknown ones must not grow this without end. */
export const MAX_ENTRIES = 1_000;

const cache = new IsolateCache<SiteConfig | null>(TTL_MS, MAX_ENTRIES);

export function getSiteConfig(env: Env, key: string, now = Date.now()): Promise<SiteConfig | null> {
  return cache.get(key, () => siteStub(env, key).config(), now);
}

/** How many configs this isolate holds (tests). */
export function cachedSiteConfigs(): number {
  return cache.size;
}

/** Called after an admin write in this isolate so its own next read is fresh. */
export function invalidateSiteConfig(key: string): void {
  cache.delete(key);
}
