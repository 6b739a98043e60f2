import type { Env } from '../env';
import { siteIndexStub } from '../objects/stubs';
import { IsolateCache } from './isolate-cache';

/**
 * Per-isolate cache of which site serves a host in proxy mode (null: none — the usual answer for
 * the edge's own host, cached too). The index object is asked at most once per host per TTL.
 */
const TTL_MS = 5_000;
const MAX_ENTRIES = 1_000; // hosts come from requests: keep a hostile Host header from growing this

const cache = new IsolateCache<string | null>(TTL_MS, MAX_ENTRIES);

export function siteForHost(env: Env, host: string, now = Date.now()): Promise<string | null> {
  return cache.get(host, () => siteIndexStub(env).siteForHost(host), now);
}

export function invalidateHost(host: string): void {
  cache.delete(host);
}
