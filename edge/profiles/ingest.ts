import type { Event, StoredEvent } from '../../protocol/events';
import { goalsOf } from '../../protocol/experience-target';
import type { Assignment } from '../engine/assign';
import type { DigestData } from '../engine/digest';
import { needsOf } from '../decisions/digest-needs';
import { destinationRoutes } from '../destinations/routes-cache';
import type { Env } from '../env';
import { sendToFeed } from '../feed/producer';
import type { SiteConfig } from '../objects/site';
import { attributionSettings } from '../sites/attribution-settings';
import { MAX_ALIASES_PER_BATCH } from './identifiers';
import type { Verification } from './record';
import { aliasProfile, linkIdentifiers, onLiveProfile } from './resolve';
import type { VisitFacts } from './traffic-store';
import { countingOf } from '../sites/counting-settings';

export interface IngestRequest {
  site: string;
  anonymousId: string;
  /** The profile to start at: from a token, the anonymous id, or a known user id. */
  start: string;
  events: Event[];
  /** The user ids whose identify was signed, and whether the site requires it. */
  verification: Verification;
  now: number;
  /** Answer with the browser's next digest (the tag's batches); server calls need none. */
  digest?: boolean;
  /** Assignments the edge made from the browser's digest that no profile recorded yet. */
  adopt?: Assignment[];
  /** Country, region, device, browser and OS of the request, for the visits it starts. */
  visit?: VisitFacts;
}

/**
 * Stores one browser's (or one server call's) events, in order: into the live profile, with what
 * the site's experiments, attribution and destinations need worked out there. When an event names
 * a new identifier, the profile stops after it; the identifier is linked here (which may merge the
 * browser into the person's profile) and the rest of the batch goes to the profile the browser is
 * now, so an identify is in effect for every event after it. Then the live feed is fed without
 * holding up the caller. Shared by /v1/collect and the Segment-spec routes, so both ingest the same way.
 */
export async function ingestEvents(
  env: Env,
  ctx: { waitUntil(p: Promise<unknown>): void },
  config: SiteConfig,
  req: IngestRequest,
): Promise<{ accepted: StoredEvent[]; stored: number; duplicates: number; profileId: string; digest: DigestData | null }> {
  const routes = await destinationRoutes(env, req.site);
  const needs = req.digest && (config.experiences.length > 0 || config.audiences.length > 0) ? needsOf(config, routes) : undefined;
  const limits = config.site.identifierLimits;
  const accepted: StoredEvent[] = [];
  let duplicates = 0;
  let aliasBudget = MAX_ALIASES_PER_BATCH;
  let profileId = req.start;
  let digest: { of: string; data: DigestData } | null = null;
  let adopt = req.adopt;
  for (let rest = req.events; rest.length > 0; ) {
    const events = rest;
    const live = await onLiveProfile(env, req.site, profileId, async (stub, id) =>
      await stub.ingest({
        site: req.site,
        retentionDays: config.site.retentionDays,
        limits,
        verification: req.verification,
        profileId: id,
        anonymousId: req.anonymousId,
        receivedAt: req.now,
        events,
        aliasBudget,
        goals: config.experiences
          .filter((e) => (e.status === 'running' || e.status === 'paused') && goalsOf(e).length > 0)
          .map((e) => ({ experience: e.id, goals: goalsOf(e) })),
        attribution: attributionSettings(config),
        destinations: routes.length > 0 ? { routes, audiences: config.audiences } : undefined,
        needs,
        adopt,
        visit: req.visit,
        counting: countingOf(config),
      }),
    );
    adopt = undefined;
    if (live.result.digest) digest = { of: live.profileId, data: live.result.digest };
    const { link, aliases, handled } = live.result;
    accepted.push(...live.result.accepted);
    duplicates += live.result.duplicates;
    // A known user, email or phone joins this browser to that person's profile.
    profileId = link.length ? await linkIdentifiers(env, req.site, live.profileId, link, req.now, limits) : live.profileId;
    for (const previousId of aliases) profileId = await aliasProfile(env, req.site, profileId, previousId, req.now, limits);
    aliasBudget -= aliases.length;
    rest = events.slice(Math.max(handled, 1));
  }
  if (accepted.length > 0) {
    // The live feed is best effort and never holds up the request; its queue batches the writes.
    ctx.waitUntil(sendToFeed(env, req.site, accepted.map((e) => ({ ...e, profileId }))));
  }
  // An identify merged the browser into another profile after its last answer: that one's digest.
  if (needs && digest?.of !== profileId) {
    const now = await onLiveProfile(env, req.site, profileId, async (stub) => ({ data: await stub.digest(req.anonymousId, needs, req.now) }));
    profileId = now.profileId;
    digest = now.result.data && !('forward' in now.result.data) ? { of: profileId, data: now.result.data } : null;
  }
  // What the sender sent and is now stored; the signals the edge derived (repeat views) are not theirs to count.
  const sent = new Set(req.events.map((e) => e.id));
  return { accepted, stored: accepted.filter((e) => sent.has(e.id)).length, duplicates, profileId, digest: digest?.data ?? null };
}
