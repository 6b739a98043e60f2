import type { Event } from '../../protocol/events';
import type { Env } from '../env';
import type { SiteConfig } from '../objects/site';
import { identityStub } from '../objects/stubs';
import { profileIdForAnonymous } from '../profiles/address';
import { ingestEvents } from '../profiles/ingest';
import { followForward } from '../profiles/resolve';
import { runsOf } from './people';
import type { VisitFacts } from '../profiles/traffic-store';

/** One message of a Segment request, mapped and validated. */
export interface PersonMessage {
  /** The Attune anonymous id it belongs to (derived from the user id for userId-only messages). */
  anonymousId: string;
  /** The message named only a user id: it belongs to that user's profile when there is one. */
  userOnly: boolean;
  userId?: string;
  event: Event;
  /** Device, browser and OS from context.userAgent, for the visits its page calls start. */
  visit?: VisitFacts;
}

/**
 * Stores one person's messages of a Segment request, in order, the way /v1/collect does for the
 * tag. Consecutive messages from the same browser (or, server-side, naming only the same user id)
 * go as one batch: into the profile of the anonymous id, or for userId-only messages the profile
 * that user id belongs to — else a profile of its own that claims the user id, so that a browser
 * identifying later merges into it. Unsigned, so on a site that requires verification they stay
 * claims: they never reach the verified profile.
 */
export async function ingestPerson(
  env: Env,
  ctx: { waitUntil(p: Promise<unknown>): void },
  config: SiteConfig,
  site: string,
  messages: PersonMessage[],
  now: number,
): Promise<{ accepted: number; duplicates: number }> {
  // Segment-spec calls carry no signature: every user id they name is a claim.
  const verification = { required: config.site.verificationRequired, verifiedUsers: [] };
  let accepted = 0;
  let duplicates = 0;
  const named = messages.map((m) => ({ ...m, anonymousId: m.userOnly ? undefined : m.anonymousId, attune: m.anonymousId }));
  for (const run of runsOf(named)) {
    const first = run[0]!;
    let start = await profileIdForAnonymous(site, first.attune);
    if (first.userOnly && first.userId && !verification.required) {
      const owner = await identityStub(env, site, { type: 'user', value: first.userId }).owner();
      if (owner) start = await followForward(env, site, owner);
    }
    const res = await ingestEvents(env, ctx, config, { site, anonymousId: first.attune, start, events: run.map((m) => m.event), verification, now, visit: first.visit });
    accepted += res.stored;
    duplicates += res.duplicates;
  }
  return { accepted, duplicates };
}
