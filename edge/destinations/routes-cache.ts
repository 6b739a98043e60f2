import type { DestinationRoute } from '../../protocol/destinations';
import type { Env } from '../env';
import { destinationHub } from '../objects/stubs';
import { IsolateCache } from '../sites/isolate-cache';

/**
 * Per-isolate cache of each site's destination routes (the enabled destinations' filters), like the
 * site-config cache: visitor requests read it, the hub is asked at most once per TTL per isolate
 * (a stale list serves while one request refreshes it), so a change is live everywhere within
 * about a TTL. A hub that cannot answer for a site never known gives no routes this time.
 */
const TTL_MS = 5_000;
const cache = new IsolateCache<DestinationRoute[]>(TTL_MS, 1_000);

export function destinationRoutes(env: Env, site: string, now = Date.now()): Promise<DestinationRoute[]> {
  return cache.get(site, () => destinationHub(env, site).routes(), now).catch((err: unknown) => {
    // Never fail a visitor's request over webhooks: none this time, asked again next time.
    console.error('destinations: routes unavailable', err);
    return [];
  });
}

/** After an admin write in this isolate, so its own next read is fresh. */
export function invalidateDestinationRoutes(site: string): void {
  cache.delete(site);
}
