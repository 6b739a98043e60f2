import type { Event } from '../../protocol/events';
import type { Env } from '../env';
import type { SiteConfig } from '../objects/site';
import { profileIdForAnonymous } from '../profiles/address';
import { ingestEvents } from '../profiles/ingest';
import { followForward, identityStub } from '../profiles/resolve';

export interface Group {
  anonymousId: string;
  /** The messages named only a user id: they belong to that user's profile when there is one. */
  userOnly: boolean;
  userId?: string;
  events: Event[];
}

/**
 * Stores one person's events from a Segment request, the way /v1/collect does for the tag: into the
 * profile of the anonymous id (or, for server-side calls that name only a user id, the profile
 * that user id already belongs to), then links identifiers and aliases, then feeds the live feed.
 * Identifies carry no signature, so on a site that requires verification they stay claims.
 */
export async function ingestGroup(
  env: Env,
  ctx: { waitUntil(p: Promise<unknown>): void },
  config: SiteConfig,
  site: string,
  g: Group,
  now: number,
): Promise<{ accepted: number; duplicates: number }> {
  const verification = config.site.verificationRequired ? { verifiedUsers: [] } : null;
  let start = await profileIdForAnonymous(site, g.anonymousId);
  if (g.userOnly && g.userId && !verification) {
    const owner = await identityStub(env, site, { type: 'user', value: g.userId }).owner();
    if (owner) start = await followForward(env, site, owner);
  }
  const { accepted, duplicates } = await ingestEvents(env, ctx, config, {
    site,
    anonymousId: g.anonymousId,
    start,
    events: g.events,
    verification,
    now,
  });
  return { accepted: accepted.length, duplicates };
}
