import type { DestinationRoute } from '../../protocol/destinations';
import type { Env } from '../env';
import { destinationHub } from '../objects/destination-hub';

/**
 * Per-isolate cache of each site's destination routes (the enabled destinations' filters), like the
 * site-config cache: visitor requests read it, the hub is asked at most once per TTL per isolate,
 * so a new or changed destination is live everywhere within TTL_MS.
 */
const TTL_MS = 5_000;
const cache = new Map<string, { value: Promise<DestinationRoute[]>; expires: number }>();

export function destinationRoutes(env: Env, site: string, now = Date.now()): Promise<DestinationRoute[]> {
  const hit = cache.get(site);
  if (hit && hit.expires > now) return hit.value;
  const value = destinationHub(env, site)
    .routes()
    .catch((err: unknown) => {
      // Never fail a visitor's request over webhooks: no routes this time, asked again next time.
      cache.delete(site);
      console.error('destinations: routes unavailable', err);
      return [];
    });
  cache.set(site, { value, expires: now + TTL_MS });
  return value;
}

/** After an admin write in this isolate, so its own next read is fresh. */
export function invalidateDestinationRoutes(site: string): void {
  cache.delete(site);
}
