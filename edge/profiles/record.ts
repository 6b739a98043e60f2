/**
 * Recording a batch in a profile, in order. Each event is stored once (by id) and, in the same
 * transaction, what it means is worked out here: identifiers it names, traits, consent, sessions
 * and repeat views, experiment exposures and conversions, attribution credits, and the messages
 * for webhook destinations.
 *
 * An event that gives the profile a new identifier (an identify, or any message naming a user id)
 * ends the call: the caller links the identifier — maybe merging this profile into the person's —
 * and sends the rest of the batch to the profile the browser is now, so the events after it
 * belong to the person, exactly as they were sent.
 */
import type { Audience } from '../../protocol/audience';
import type { DestinationRoute } from '../../protocol/destinations';
import type { Event, StoredEvent } from '../../protocol/events';
import { recordMembership, routeEvent, wantsAudienceChanges } from '../destinations/outbox';
import type { Assignment } from '../engine/assign';
import type { DigestNeeds } from '../engine/digest';
import type { IdentifierLimits } from '../engine/merge-plan';
import { matches } from '../engine/rules';
import { attributeEvent, type AttributionSettings } from './attribution-store';
import { identifiersOf, uniqueIdentifiers, type Identifier } from './identifiers';
import { enqueue, measureEvent, type ExperienceGoals } from './measure-store';
import { lastFields, ruleContext } from './rule-context';
import { VERIFIED_SOURCE } from './scope';
import type { ProfileStores } from './stores';
import type { VisitFacts } from './traffic-store';
import { markUncounted, rememberCounting, type CountingSettings } from './counting';

/** What the site's server vouched for in a batch (see edge/profiles/verify.ts). */
export interface Verification {
  /** The site requires it: only signed user ids may join profiles. */
  required: boolean;
  /** The user ids whose identify carries a valid signature. */
  verifiedUsers: string[];
}

export interface IngestInput {
  site: string;
  /** The site's retention: events older than this many days are purged by the object's alarm. */
  retentionDays: number;
  /** How many identifiers of each type this profile may hold. */
  limits: IdentifierLimits;
  /** The user ids whose identify the site's server signed, and whether only those may join profiles. */
  verification: Verification;
  profileId: string;
  anonymousId: string;
  receivedAt: number;
  events: Event[];
  /** How many aliases (earlier ids to join) this request may still follow. */
  aliasBudget: number;
  /** Goals of the site's experiences that count conversions (running or paused). */
  goals?: ExperienceGoals[];
  /** The site's conversion events and attribution settings. */
  attribution?: AttributionSettings;
  /** The site's enabled webhook destinations, and its audiences for entered/exited messages. */
  destinations?: { routes: DestinationRoute[]; audiences: Audience[] };
  /** What the answer's digest (edge/engine/digest.ts) must cover; without it, no digest. */
  needs?: DigestNeeds;
  /** Assignments the edge made from the browser's digest (its first page in proxy mode): taken in where the profile has none. */
  adopt?: Assignment[];
  /** Where the request came from and on what (country, device, …): for the visits its page views start. */
  visit?: VisitFacts;
  /** What the profile's counting for reports needs of the site (goals, own hosts, saved funnels). */
  counting?: CountingSettings;
}

export interface IngestResult {
  accepted: StoredEvent[];
  duplicates: number;
  /** Identifiers for the caller to link to this profile. */
  link: Identifier[];
  /** Earlier ids (Segment's alias) for the caller to join. */
  aliases: string[];
  /** How many of the input's events this call handled: the caller sends the rest after linking. */
  handled: number;
}

/** The stored row of an event. An identify keeps who it named in the timeline (its traits are hashed already). */
function rowOf(e: Event, input: IngestInput, refused: string[]): StoredEvent {
  return {
    id: e.id,
    type: e.type,
    name: e.name ?? null,
    ts: e.ts,
    receivedAt: input.receivedAt,
    anonymousId: input.anonymousId,
    url: e.page?.url ?? null,
    path: e.page?.path ?? null,
    title: e.page?.title ?? null,
    referrer: e.page?.referrer ?? null,
    // A page view keeps where the request came from and on what (never the address): its visit's geo and device.
    context: e.page ? { lang: e.page.lang, tz: e.page.tz, vw: e.page.vw, vh: e.page.vh, ...(e.type === 'page' && input.visit) } : null,
    // A refused identifier stays on record with its reason, and joins nothing.
    props:
      e.type === 'identify'
        ? { ...e.traits, ...e.props, ...(e.userId && { userId: e.userId }), ...(refused[0] && { refused: refused.join('; ') }) }
        : (e.props ?? null),
  };
}

/** Runs inside the object's transaction. */
export function recordBatch(s: ProfileStores, input: IngestInput): IngestResult {
  s.meta.set('retentionDays', input.retentionDays);
  s.sessions.seen(input.site, input.profileId, input.anonymousId, input.receivedAt);
  if (input.counting) rememberCounting(s.meta, input.counting);
  const out: IngestResult = { accepted: [], duplicates: 0, link: [], aliases: [], handled: 0 };
  const { required, verifiedUsers } = input.verification;
  const trusted = (id: Identifier) => !required || (id.type === 'user' && verifiedUsers.includes(id.value));
  for (const e of input.events) {
    out.handled++;
    const named = identifiersOf(e);
    const admission = s.identity.admit(named, trusted, input.limits);
    const row = rowOf(e, input, admission.refused);
    if (!s.events.insert(row)) {
      out.duplicates++;
      continue;
    }
    out.accepted.push(row);
    measureEvent(s.sql, input.profileId, row, input.goals ?? []);
    attributeEvent(s.sql, input.profileId, row, input.attribution, (item) => enqueue(s.sql, item));
    markUncounted(s.sql, row.id);
    for (const id of admission.allowed) s.identity.add(id, input.receivedAt);
    if (e.type === 'identify') {
      // Signed for a user the profile now holds: this browser is the person's, verified. Otherwise
      // its identify is a claim, and its traits stay its own (scope.ts).
      const signed = !!e.userId && verifiedUsers.includes(e.userId) && admission.allowed.some((id) => id.type === 'user' && id.value === e.userId);
      if (signed) s.browsers.verify(input.anonymousId, input.receivedAt);
      s.identity.setTraits(e.traits ?? {}, e.ts, signed ? VERIFIED_SOURCE : input.anonymousId);
      // Linking an identifier the profile holds again is how a claim lost to a failure is made good.
      out.link.push(...admission.allowed);
    }
    if (e.type === 'consent' && typeof e.props?.state === 'string') s.meta.set('consent', e.props.state);
    if (e.type === 'page') {
      const repeat = s.sessions.pageViewed(row);
      if (repeat) out.accepted.push(repeat);
    }
    // An alias joins an earlier identity, with the same trust as the user id it names.
    const alias = e.previousId && e.userId && admission.allowed.some((id) => id.type === 'user' && id.value === e.userId);
    if (alias && input.aliasBudget > 0) out.aliases.push(e.previousId!);
    if (admission.fresh.length > 0 || out.aliases.length > 0) {
      out.link.push(...admission.allowed);
      break;
    }
  }
  out.link = uniqueIdentifiers(out.link);
  routeDestinations(s, input, out.accepted);
  return out;
}

/** Queues the accepted events for the destinations that want them, and audience changes as decide would see them. */
function routeDestinations(s: ProfileStores, input: IngestInput, accepted: StoredEvent[]): void {
  const dest = input.destinations && { site: input.site, routes: input.destinations.routes };
  if (!dest || dest.routes.length === 0 || accepted.length === 0) return;
  for (const row of accepted) routeEvent(s.sql, dest, input.profileId, row, input.receivedAt);
  const audiences = input.destinations?.audiences ?? [];
  if (!wantsAudienceChanges(dest.routes) || audiences.length === 0) return;
  // Membership as decide would see it, with the request fields of the last decision.
  const context = ruleContext(s, lastFields(s.meta), input.receivedAt, audiences.map((a) => a.rule));
  const members = audiences.filter((a) => matches(a.rule, context)).map((a) => a.id);
  recordMembership(s.sql, dest, input.profileId, audiences.map((a) => a.id), members, input.receivedAt);
}
