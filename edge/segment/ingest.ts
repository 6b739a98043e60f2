import type { Event } from '../../protocol/events';
import { destinationRoutes } from '../destinations/routes-cache';
import type { Env } from '../env';
import type { SiteConfig } from '../objects/site';
import { profileIdForAnonymous } from '../profiles/address';
import { aliasProfile, followForward, identityStub, linkIdentifiers, onLiveProfile } from '../profiles/resolve';
import { attributionSettings } from '../sites/attribution-settings';

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
  const routes = await destinationRoutes(env, site);
  const live = await onLiveProfile(env, site, start, async (stub, profileId) =>
    await stub.ingest({
      site,
      retentionDays: config.site.retentionDays,
      limits: config.site.identifierLimits,
      verification,
      profileId,
      anonymousId: g.anonymousId,
      receivedAt: now,
      events: g.events,
      goals: config.experiences
        .filter((e) => (e.status === 'running' || e.status === 'paused') && e.goals.length > 0)
        .map((e) => ({ experience: e.id, goals: e.goals })),
      attribution: attributionSettings(config),
      destinations: routes.length > 0 ? { routes, audiences: config.audiences } : undefined,
    }),
  );
  const { accepted, duplicates, link, aliases } = live.result;
  const limits = config.site.identifierLimits;
  let profileId = link.length ? await linkIdentifiers(env, site, live.profileId, link, now, limits) : live.profileId;
  for (const previousId of aliases) profileId = await aliasProfile(env, site, profileId, previousId, now, limits);
  if (accepted.length > 0) {
    const feed = env.FEEDS.get(env.FEEDS.idFromName(site));
    ctx.waitUntil(
      feed.append(accepted.map((e) => ({ ...e, profileId }))).catch((err: unknown) => console.error('activity feed append failed', err)),
    );
  }
  return { accepted: accepted.length, duplicates };
}
