import { DurableObject } from 'cloudflare:workers';
import { SITE_DEFAULTS } from '../../protocol/admin';
import type { Rule } from '../../protocol/audience';
import type { DestinationRoute } from '../../protocol/destinations';
import type { StoredEvent } from '../../protocol/events';
import type { ProfileSnapshot } from '../../protocol/profile';
import { evaluateDecision, type DecisionInput, type Evaluated } from '../decisions/evaluate';
import { recordMembership, wantsAudienceChanges } from '../destinations/outbox';
import type { RuleContext } from '../engine/rules';
import { matches } from '../engine/rules';
import type { Env } from '../env';
import { funnelProgress, type FunnelStep } from '../measure/funnel';
import type { ExportCursor } from '../profiles/event-store';
import type { Identifier } from '../profiles/identifiers';
import { absorb, exportProfile, mergesOf, restore, split, type MergeData, type Returned } from '../profiles/merge-store';
import { recordBatch, type IngestInput, type IngestResult } from '../profiles/record';
import { lastFields, ruleContext } from '../profiles/rule-context';
import { scopeFor } from '../profiles/scope';
import { snapshotOf } from '../profiles/snapshot';
import { holdsData, openStores, type ProfileStores } from '../profiles/stores';
import { schemaVersion } from './migrations';
import type { Assignment } from '../engine/assign';
import type { DigestData, DigestNeeds } from '../engine/digest';
import { profileDigest } from '../profiles/digest-source';
import { absorbCounting, countPending, exportCounting, scheduleCount } from '../profiles/counting';

export type { IngestInput } from '../profiles/record';

/** A decision the worker asks of the profile (edge/decisions/visitor.ts). */
export type DecideCall = DecisionInput & {
  destinations?: DestinationRoute[];
  /** What the answer's digest must cover; without it, no digest. */
  needs?: DigestNeeds;
  /** Assignments the edge made from an earlier digest: taken in where the profile has none. */
  adopt?: Assignment[];
};

/** A profile that was merged away answers with where it went instead of acting. */
export interface Forward {
  forward: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** How often a decision alone moves lastSeen: a visitor deciding page after page writes once a minute. */
const TOUCH_EVERY_MS = 60_000;

/**
 * One visitor's live profile: a thin shell over the stores in edge/profiles/, each owning one
 * concern of the object's SQLite storage. Every write happens inside this single-threaded object,
 * so dedupe and stickiness need no cross-object coordination.
 */
export class ProfileObject extends DurableObject<Env> {
  private opened: ProfileStores | null = null;

  /** The stores, with the schema brought up to date the first time (and again after an erase). */
  private get s(): ProfileStores {
    return (this.opened ??= openStores(this.ctx, this.env));
  }

  /** The stores when the object holds anything; null for a new or erased one, which a read leaves as it is. */
  private existing(): ProfileStores | null {
    return this.opened ?? (schemaVersion(this.ctx.storage) > 0 || holdsData(this.ctx) ? this.s : null);
  }

  /** Where this profile forwards: merged away, or (for a browser an unmerge gave back) to another profile. */
  private forwardFor(anonymousId?: string): Forward | null {
    const s = this.existing();
    const to = s && (s.meta.get('forwardedTo') ?? (anonymousId ? s.identity.splitTo(anonymousId) : null));
    return to ? { forward: to } : null;
  }

  /**
   * Stores a batch in order, stopping after an event that gives the profile a new identifier (the
   * caller links it and sends the rest). Events whose id is already stored count as duplicates.
   */
  async ingest(input: IngestInput): Promise<(IngestResult & { digest?: DigestData }) | Forward> {
    const forward = this.forwardFor(input.anonymousId);
    if (forward) return forward;
    const s = this.s;
    const out = this.ctx.storage.transactionSync(() => {
      if (input.adopt?.length) s.assignments.adopt(input.adopt, input.receivedAt);
      return recordBatch(s, input);
    });
    await scheduleCount(this.ctx.storage, this.env, out.accepted.length > 0, input.receivedAt + DAY_MS);
    s.outbox.sendSoon();
    return input.needs ? { ...out, digest: profileDigest(s, input.anonymousId, input.needs, input.receivedAt) } : out;
  }

  /** Counts what arrived for the reports, sends the outbox, drops events past retention; daily while in use. */
  override async alarm(): Promise<void> {
    const s = this.existing();
    if (!s) return; // erased: nothing to send or purge, and nothing to recreate
    const counted = this.ctx.storage.transactionSync(() => countPending(s));
    try {
      await s.outbox.flush();
    } catch (err) {
      console.error('profile outbox: send failed, will retry', err);
      await s.outbox.retrySoon();
      return;
    }
    const days = s.meta.get('retentionDays') ?? SITE_DEFAULTS.retentionDays;
    const purged = s.events.purgeBefore(Date.now() - days * DAY_MS);
    if ((purged > 0 || counted > 0) && (await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + DAY_MS);
  }

  /**
   * Decides the requested slots and remembers new assignments so they stay sticky. With `needs`,
   * answers with the digest the worker decides the next ones from; `adopt` are assignments the edge
   * made from an earlier digest, taken in first.
   */
  decide(input: DecideCall): (Omit<Evaluated, 'newAssignments'> & { digest?: DigestData }) | Forward {
    const forward = this.forwardFor(input.anonymousId);
    if (forward) return forward;
    const s = this.s;
    if (input.adopt?.length) this.ctx.storage.transactionSync(() => s.assignments.adopt(input.adopt!, input.now));
    const out = this.decideNow(input, s);
    return input.needs ? { ...out, digest: profileDigest(s, input.anonymousId, input.needs, input.now) } : out;
  }

  private decideNow(input: DecideCall, s: ProfileStores): Omit<Evaluated, 'newAssignments'> {
    // Membership is computed here, inside the profile, so an event sent a moment ago counts — from
    // what this browser may read of the person (its own contributions unless verified: scope.ts).
    // Built only when audiences or placeholders need it: traits and counts cost SQL reads.
    let ctx: RuleContext | undefined;
    const scope = scopeFor(s.browsers, input.anonymousId);
    const context = () => (ctx ??= ruleContext(s, input.fields, input.now, input.audiences.map((a) => a.rule), scope));
    const { newAssignments, ...out } = evaluateDecision(input, context, s.assignments.all());
    const fields = JSON.stringify(input.fields);
    const wantsChanges = input.destinations && wantsAudienceChanges(input.destinations);
    // A returning browser's repeat decision usually changes nothing worth storing: no write then,
    // so the answer is not held behind the storage output gate.
    if (!wantsChanges && newAssignments.length === 0 && this.recentlyDecided(input.anonymousId, fields, input.now)) return out;
    this.ctx.storage.transactionSync(() => {
      s.sessions.seen(input.site, input.profileId, input.anonymousId, input.now);
      // The request's side of the context, so audience estimates can evaluate geo/device rules later.
      s.meta.set('lastFields', fields);
      s.assignments.put(newAssignments, input.now);
      // Audience entered / exited for the destinations that want them, from this same decision.
      if (input.destinations && wantsChanges) {
        const dest = { site: input.site, routes: input.destinations };
        recordMembership(s.sql, dest, input.profileId, input.audiences.map((a) => a.id), out.audiences, input.now);
      }
    });
    s.outbox.sendSoon();
    return out;
  }

  /** Records assignments the worker made from this profile's digest (in the background, after the page got them). */
  remember(anonymousId: string, assignments: Assignment[], now: number): { ok: true } | Forward {
    const forward = this.forwardFor(anonymousId);
    if (forward) return forward;
    this.ctx.storage.transactionSync(() => this.s.assignments.adopt(assignments, now));
    return { ok: true };
  }

  /** The digest for one browser of this profile, now; null when there is no live profile here. */
  digest(anonymousId: string, needs: DigestNeeds, now: number): DigestData | Forward | null {
    const forward = this.forwardFor(anonymousId);
    if (forward) return forward;
    const s = this.live();
    return s && profileDigest(s, anonymousId, needs, now);
  }

  /**
   * Whether a decision for this browser, with these request fields, was stored under a minute ago:
   * then storing this one would only move lastSeen (which moves at most once a minute this way).
   */
  private recentlyDecided(anonymousId: string, fields: string, now: number): boolean {
    const meta = this.s.meta.all();
    return (
      !!meta.profileId && meta.lastFields === fields && now - (meta.lastSeen ?? 0) < TOUCH_EVERY_MS &&
      this.s.identity.has({ type: 'anonymous', value: anonymousId })
    );
  }

  /** Whether this person is in an audience now, with the request fields of their last decision; null when there is no profile here. */
  inAudience(rule: Rule, now: number): boolean | null {
    const s = this.live();
    return s && matches(rule, ruleContext(s, lastFields(s.meta), now, [rule]));
  }

  /** How far this person got through a funnel (the time they reached each step); null when there is no profile here. */
  funnel(steps: FunnelStep[], windowMs: number, from: number, to: number): number[] | null {
    const s = this.live();
    // Only the events that match a step travel out of SQL: a long timeline costs a few rows, not all of them.
    return s && funnelProgress(steps, s.events.steps(from, to, steps), windowMs);
  }

  /** The stores of a live (not forwarding) profile, or null. */
  private live(): ProfileStores | null {
    const s = this.existing();
    return s?.meta.get('profileId') && !s.meta.get('forwardedTo') ? s : null;
  }

  /** Everything the admin API shows about this person, or null when the object holds nothing. */
  snapshot(): ProfileSnapshot | null {
    const s = this.existing();
    return s && snapshotOf(s, Date.now());
  }

  /**
   * Erases everything this object holds (right to be forgotten): its whole storage, by the
   * platform, after sending the anonymous counter increments it still owed. Returns what the caller
   * must erase elsewhere: the identifiers it claimed, its browsers' ids (for the feed), and the
   * profiles merged into it, which keep copies.
   */
  async erase(): Promise<{ identifiers: Identifier[]; anonymousIds: string[]; mergedFrom: string[] }> {
    const s = this.existing();
    if (!s) return { identifiers: [], anonymousIds: [], mergedFrom: [] };
    const identifiers = s.identity.known();
    const anonymousIds = s.identity.list().filter((i) => i.type === 'anonymous').map((i) => i.value);
    const mergedFrom = this.mergedFrom();
    this.ctx.storage.transactionSync(() => countPending(s)); // the anonymous counts stay; the person goes
    await s.outbox.flushIncrements().catch((err: unknown) => console.error('erase: counter increments could not be sent', err));
    s.outbox.close();
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.opened = null;
    return { identifiers, anonymousIds, mergedFrom };
  }

  /** Export: a page of events between `from` and `to` after `cursor`; null when this object holds no live profile. */
  exportEvents(from: number, to: number, cursor: ExportCursor | null, limit: number): StoredEvent[] | null {
    const s = this.live();
    return s && s.events.exportPage(from, to, cursor, limit);
  }

  /** The journey, oldest first, paginated by offset. */
  events(limit: number, offset: number): { events: StoredEvent[]; total: number } {
    const s = this.existing();
    return s ? { events: s.events.page(limit, offset), total: s.events.count() } : { events: [], total: 0 };
  }

  /** Profiles an unmerge separated from this one: they never merge with it again on their own. */
  separatedFrom(): string[] {
    return this.existing()?.identity.separatedFrom() ?? [];
  }

  /** The profiles merged into this one, oldest first. */
  mergedFrom(): string[] {
    const s = this.existing();
    return s ? mergesOf(s.sql).map((m) => m.from) : [];
  }

  /** The known identifiers (all but anonymous ids) the profile holds. */
  knownIdentifiers(): Identifier[] {
    return this.existing()?.identity.known() ?? [];
  }

  /** Where this profile was merged to, if it was. */
  forwardedTo(): string | null {
    return this.existing()?.meta.get('forwardedTo') ?? null;
  }

  /**
   * First half of a merge: from now on this profile forwards to `into`, and hands over its data.
   * Retrying with the same survivor hands the data over again (absorbing it is idempotent).
   */
  beginMerge(into: string): { data: MergeData } | Forward {
    const s = this.s;
    const meta = s.meta.all();
    if (meta.forwardedTo && meta.forwardedTo !== into) return { forward: meta.forwardedTo };
    const out = this.ctx.storage.transactionSync(() => {
      // Counted up to now, so the survivor carries on from exactly what the counters hold.
      countPending(s);
      s.meta.set('forwardedTo', into);
      return { data: { ...exportProfile(s.sql, meta.profileId ?? '', meta), counting: exportCounting(s) } };
    });
    s.outbox.sendSoon();
    return out;
  }

  /** Second half of a merge, on the survivor. A profile that has itself been merged away forwards. */
  absorb(data: MergeData, now: number): { added: number } | Forward {
    const forward = this.forwardFor();
    if (forward) return forward;
    const s = this.s;
    const added = this.ctx.storage.transactionSync(() => {
      countPending(s); // its own events first: the other profile's were counted where they came from
      const n = absorb(s.sql, data, now);
      absorbCounting(s, data.from, data.counting, now);
      return n;
    });
    s.outbox.sendSoon(); // retractions, where both profiles had counted the same experience or funnel
    return { added };
  }

  /** Unmerge, on the survivor: hands back what `from`'s browsers sent. Null when no such merge is recorded. */
  split(from: string, history: string[]): Omit<Returned, 'anonymousIds'> | null {
    const out = this.ctx.storage.transactionSync(() => split(this.s.sql, from, history));
    return out && { events: out.events, touches: out.touches, browsers: out.browsers, traits: out.traits };
  }

  /** Unmerge, on the profile given back: it lives again with what its browsers sent. */
  restore(back: Omit<Returned, 'anonymousIds'>, survivor: string): void {
    this.ctx.storage.transactionSync(() => restore(this.s.sql, back, survivor));
  }
}
