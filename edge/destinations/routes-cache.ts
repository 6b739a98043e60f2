import type { DestinationRoute } from '../../protocol/destinations';
import type { Env } from '../env';
import { destinationHub } from '../objects/stubs';

/**
 * Per-isolate cache of each site's destination routes (the enabled destinations' filters), like the
 * site-config cache: visitor requests read it, the hub is asked at most once per TTL per isolate and
 * in the background once known, so a change is live everywhere within about two TTLs.
 */
const TTL_MS = 5_000;
const cache = new Map<string, { value: Promise<DestinationRoute[]>; expires: number }>();

export function destinationRoutes(env: Env, site: string, now = Date.now()): Promise<DestinationRoute[]> {
  const hit = cache.get(site);
  if (hit && hit.expires > now) return hit.value;
  const fresh = destinationHub(env, site).routes();
  if (!hit) {
    const value = fresh.catch((err: unknown) => {
      // Never fail a visitor's request over webhooks: none this time, asked again next time.
      console.error('destinations: routes unavailable', err);
      if (cache.get(site)?.value === value) cache.delete(site);
      return [];
    });
    cache.set(site, { value, expires: now + TTL_MS });
    return value;
  }
  // Stale while revalidating: only an isolate's first request for a site waits on the hub.
  hit.expires = now + TTL_MS;
  fresh.then(
    (routes) => {
      if (cache.get(site) === hit) cache.set(site, { value: Promise.resolve(routes), expires: Date.now() + TTL_MS });
    },
    (err: unknown) => console.error('destinations: routes refresh failed, keeping the last known', err),
  );
  return hit.value;
}

/** After an admin write in this isolate, so its own next read is fresh. */
export function invalidateDestinationRoutes(site: string): void {
  cache.delete(site);
}
