import type { Env } from '../env';
import { siteIndexStub } from '../objects/stubs';
import { getSiteConfig } from './config-cache';

/**
 * Per-isolate cache of every origin some site allows. A CORS preflight carries no write key (a
 * browser never sends Authorization on one), so the Segment routes cannot know the site yet: they
 * answer a preflight only for an origin that some site allows; the request itself is then checked
 * against its own site's origins. Rebuilt at most once per TTL from the site list.
 */
const TTL_MS = 60_000;

let cached: { value: Promise<Set<string>>; expires: number } | null = null;

async function build(env: Env): Promise<Set<string>> {
  const keys = await siteIndexStub(env).list();
  const configs = await Promise.all(keys.map((k) => getSiteConfig(env, k).catch(() => null)));
  return new Set(configs.flatMap((c) => c?.site.origins ?? []));
}

export async function originKnown(env: Env, origin: string, now = Date.now()): Promise<boolean> {
  if (!cached || cached.expires <= now) {
    const value = build(env);
    cached = { value, expires: now + TTL_MS };
    value.catch(() => (cached = null));
  }
  return (await cached.value).has(origin);
}

/** A site's origins changed: the next preflight rebuilds the set. */
export function invalidateKnownOrigins(): void {
  cached = null;
}
