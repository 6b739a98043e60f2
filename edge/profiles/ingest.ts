import type { Event } from '../../protocol/events';
import { destinationRoutes } from '../destinations/routes-cache';
import type { Env } from '../env';
import type { SiteConfig } from '../objects/site';
import type { StoredEvent } from '../objects/profile';
import { attributionSettings } from '../sites/attribution-settings';
import { aliasProfile, linkIdentifiers, onLiveProfile } from './resolve';

export interface IngestRequest {
  site: string;
  anonymousId: string;
  /** The profile to start at: from a token, the anonymous id, or a known user id. */
  start: string;
  events: Event[];
  /** Where the site requires it: the user ids whose identify was signed. */
  verification: { verifiedUsers: string[] } | null;
  now: number;
}

/**
 * Stores one browser's (or one server call's) events: into the live profile, with what the site's
 * experiments, attribution and destinations need worked out there; then joins identifiers and
 * aliases the events named; then feeds the live feed without holding up the caller. Shared by
 * /v1/collect and the Segment-spec routes, so both ingest the same way.
 */
export async function ingestEvents(
  env: Env,
  ctx: { waitUntil(p: Promise<unknown>): void },
  config: SiteConfig,
  req: IngestRequest,
): Promise<{ accepted: StoredEvent[]; duplicates: number; profileId: string }> {
  const routes = await destinationRoutes(env, req.site);
  const live = await onLiveProfile(env, req.site, req.start, async (stub, profileId) =>
    await stub.ingest({
      site: req.site,
      retentionDays: config.site.retentionDays,
      limits: config.site.identifierLimits,
      verification: req.verification,
      profileId,
      anonymousId: req.anonymousId,
      receivedAt: req.now,
      events: req.events,
      goals: config.experiences
        .filter((e) => (e.status === 'running' || e.status === 'paused') && e.goals.length > 0)
        .map((e) => ({ experience: e.id, goals: e.goals })),
      attribution: attributionSettings(config),
      destinations: routes.length > 0 ? { routes, audiences: config.audiences } : undefined,
    }),
  );
  const { accepted, duplicates, link, aliases } = live.result;
  const limits = config.site.identifierLimits;
  // An identify naming a known user, email or phone joins this browser to that person's profile.
  let profileId = link.length ? await linkIdentifiers(env, req.site, live.profileId, link, req.now, limits) : live.profileId;
  for (const previousId of aliases) profileId = await aliasProfile(env, req.site, profileId, previousId, req.now, limits);
  if (accepted.length > 0) {
    // The live feed is best effort and never holds up the request.
    const feed = env.FEEDS.get(env.FEEDS.idFromName(req.site));
    ctx.waitUntil(
      feed.append(accepted.map((e) => ({ ...e, profileId }))).catch((err: unknown) => console.error('activity feed append failed', err)),
    );
  }
  return { accepted, duplicates, profileId };
}
