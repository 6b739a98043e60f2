import type { Env } from '../env';
import { siteIndexStub } from '../objects/stubs';
import { getSiteConfig } from './config-cache';
import { IsolateCache } from './isolate-cache';

/**
 * Per-isolate cache of every origin some site allows. A CORS preflight carries no write key (a
 * browser never sends Authorization on one), so the Segment routes cannot know the site yet: they
 * answer a preflight only for an origin that some site allows; the request itself is then checked
 * against its own site's origins. Rebuilt at most once per TTL from the site list.
 */
const TTL_MS = 60_000;

const cache = new IsolateCache<Set<string>>(TTL_MS, 1);

async function build(env: Env): Promise<Set<string>> {
  const keys = await siteIndexStub(env).list();
  const configs = await Promise.all(keys.map((k) => getSiteConfig(env, k).catch(() => null)));
  return new Set(configs.flatMap((c) => c?.site.origins ?? []));
}

export async function originKnown(env: Env, origin: string, now = Date.now()): Promise<boolean> {
  return (await cache.get('origins', () => build(env), now)).has(origin);
}

/** A site's origins changed: the next preflight rebuilds the set. */
export function invalidateKnownOrigins(): void {
  cache.clear();
}
