import { DurableObject } from 'cloudflare:workers';
import type { Event, Props } from '../../protocol/events';
import type { Assignment } from '../engine/assign';
import { eventNeeds, matches, type RuleContext } from '../engine/rules';
import type { Audience, Rule } from '../../protocol/audience';
import { limitFor, type IdentifierLimits } from '../engine/merge-plan';
import { identifiersOf, isCustomType, MAX_ALIASES_PER_BATCH, MAX_CUSTOM_TYPES, type Identifier } from '../profiles/identifiers';
import { absorb, exportProfile, restore, split, type MergeData, type Row } from '../profiles/merge-store';
import type { Env } from '../env';
import { toStoredEvent, type EventRow } from '../profiles/event-row';
import { evaluateDecision, type DecisionInput, type Evaluated } from '../decisions/evaluate';
import { funnelProgress, type FunnelStep } from '../measure/funnel';
import { MEASURE_SCHEMA, clearIncrements, enqueue, measureEvent, pendingIncrements, type ExperienceGoals, type OutboxItem } from '../profiles/measure-store';
import { attributeEvent, type AttributionSettings } from '../profiles/attribution-store';
import { statsShard } from './experience-stats';
import { shardOf } from './shards';
import { attributionShard } from './attribution-stats';
import type { DestinationRoute } from '../../protocol/destinations';
import { exportPage, type ExportCursor } from '../export/profile-page';
import { DESTINATION_SCHEMA, DESTINATION_TABLES, flushDestinations, hasPendingMessages, recordMembership, routeEvent, wantsAudienceChanges } from '../destinations/outbox';

/** What the activity feed and the API show of a stored event. */
export interface StoredEvent {
  id: string;
  type: Event['type'];
  name: string | null;
  ts: number;
  receivedAt: number;
  anonymousId: string;
  url: string | null;
  path: string | null;
  title: string | null;
  referrer: string | null;
  /** Language, time zone and viewport of the page. */
  context: { lang?: string; tz?: string; vw?: number; vh?: number } | null;
  props: Props | null;
}

export interface IngestInput {
  site: string;
  /** The site's retention: events older than this many days are purged by the object's alarm. */
  retentionDays: number;
  /** How many identifiers of each type this profile may hold. */
  limits: IdentifierLimits;
  /** Set where the site requires verification: the user ids whose identify was signed. */
  verification: { verifiedUsers: string[] } | null;
  profileId: string;
  anonymousId: string;
  receivedAt: number;
  events: Event[];
  /** Goals of the site's experiences that count conversions (running or paused). */
  goals?: ExperienceGoals[];
  /** The site's conversion events and attribution settings. */
  attribution?: AttributionSettings;
  /** The site's enabled webhook destinations, and its audiences for entered/exited messages. */
  destinations?: { routes: DestinationRoute[]; audiences: Audience[] };
}

export interface ProfileSnapshot {
  profileId: string;
  site: string;
  identifiers: { type: string; value: string; firstSeen: number }[];
  traits: Props;
  firstSeen: number;
  lastSeen: number;
  eventCount: number;
  assignments: { experience: string; variant: string | null; assignedAt: number }[];
  /** Profiles merged into this one. */
  merges: { from: string; mergedAt: number; eventsAdded: number }[];
  /** Sessions and where they came from (landing page, referrer, campaign params), newest first. */
  touches: { ts: number; anonymousId: string; url: string | null; referrer: string | null; params: Props | null }[];
  /** The visitor's last consent choice, if the site asked. */
  consent: string | null;
  /** Events per name per UTC day over the last 30 days, for time-window rules. */
  counts: { name: string; day: string; n: number }[];
}

/** A profile that was merged away answers with where it went instead of acting. */
export interface Forward {
  forward: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_RETENTION_DAYS = 395;
/** How soon a failed delivery of experiment counters is tried again. */
const RETRY_MS = 10_000;

/** Visits further apart than this start a new session. */
const SESSION_GAP_MS = 30 * 60 * 1000;
/** How often a decision alone moves lastSeen: a visitor deciding page after page writes once a minute. */
const TOUCH_EVERY_MS = 60_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
  id TEXT PRIMARY KEY, type TEXT NOT NULL, name TEXT, ts INTEGER NOT NULL, received_at INTEGER NOT NULL,
  anonymous_id TEXT NOT NULL, url TEXT, path TEXT, title TEXT, referrer TEXT, context TEXT, props TEXT
);
CREATE INDEX IF NOT EXISTS events_ts ON events (ts, received_at);
CREATE INDEX IF NOT EXISTS events_name_ts ON events (type, name, ts);
CREATE TABLE IF NOT EXISTS identifiers (type TEXT NOT NULL, value TEXT NOT NULL, first_seen INTEGER NOT NULL, PRIMARY KEY (type, value));
CREATE TABLE IF NOT EXISTS traits (k TEXT PRIMARY KEY, v TEXT NOT NULL, set_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS assignments (experience TEXT PRIMARY KEY, variant TEXT, assigned_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS merges (
  from_profile TEXT PRIMARY KEY, merged_at INTEGER NOT NULL, events_added INTEGER NOT NULL, added_identifiers TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS touches (
  anonymous_id TEXT NOT NULL, ts INTEGER NOT NULL, url TEXT, referrer TEXT, params TEXT, PRIMARY KEY (anonymous_id, ts)
);
CREATE TABLE IF NOT EXISTS split_anon (anonymous_id TEXT PRIMARY KEY, profile_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS no_merge (profile_id TEXT PRIMARY KEY);
`;

/**
 * One visitor's live profile. Owns the timeline (deduplicated by event id), identifiers, traits and
 * sticky experiment assignments. Every write happens inside this single-threaded object, so dedupe
 * and stickiness need no cross-object coordination.
 */
export class ProfileObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(SCHEMA);
    this.sql.exec(MEASURE_SCHEMA);
    this.sql.exec(DESTINATION_SCHEMA);
    // Objects created before merges recorded what they added get the column (local dev state).
    const cols = this.sql.exec<{ name: string }>('PRAGMA table_info(merges)').toArray().map((c) => c.name);
    if (!cols.includes('added_identifiers')) this.sql.exec("ALTER TABLE merges ADD COLUMN added_identifiers TEXT NOT NULL DEFAULT '[]'");
  }

  /**
   * Stores a batch. Events whose id is already stored count as duplicates and change nothing.
   * Returns the identifiers its identify events named, for the caller to link, or a forward.
   */
  async ingest(
    input: IngestInput,
  ): Promise<{ accepted: StoredEvent[]; duplicates: number; link: Identifier[]; aliases: string[] } | Forward> {
    const forward = this.forwardedTo() ?? this.splitTo(input.anonymousId);
    if (forward) return { forward };
    this.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES ('retentionDays', ?)", String(input.retentionDays));
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(input.receivedAt + DAY_MS);
    const accepted: StoredEvent[] = [];
    const link: Identifier[] = [];
    const aliases: string[] = [];
    let duplicates = 0;
    this.ctx.storage.transactionSync(() => {
      this.touch(input.site, input.profileId, input.anonymousId, input.receivedAt);
      for (const e of input.events) {
        const named = identifiersOf(e);
        const trusted = input.verification
          ? named.filter((id) => id.type === 'user' && input.verification!.verifiedUsers.includes(id.value))
          : named;
        const tooManyTypes = new Set<Identifier>();
        const allowed = this.admit(trusted, input.limits, tooManyTypes);
        const refused = named
          .filter((id) => !allowed.includes(id))
          .map((id) =>
            !trusted.includes(id)
              ? `${id.type}: unverified claim`
              : tooManyTypes.has(id)
                ? `${id.type}: at most ${MAX_CUSTOM_TYPES} custom identifier types per profile`
                : `${id.type}: limit of ${limitFor(input.limits, id.type)} reached`,
          );
        const row: StoredEvent = {
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
          context: e.page ? { lang: e.page.lang, tz: e.page.tz, vw: e.page.vw, vh: e.page.vh } : null,
          // An identify keeps who it named in the timeline; its traits are hashed already.
          // A refused identifier stays on record with its reason, and joins nothing.
          props:
            e.type === 'identify'
              ? { ...e.traits, ...e.props, ...(e.userId && { userId: e.userId }), ...(refused[0] && { refused: refused.join('; ') }) }
              : (e.props ?? null),
        };
        if (!this.insertEvent(row)) {
          duplicates++;
          continue;
        }
        accepted.push(row);
        measureEvent(this.sql, input.profileId, row, input.goals ?? []);
        attributeEvent(this.sql, input.profileId, row, input.attribution, (item) => enqueue(this.sql, item));
        if (e.type === 'identify') this.applyIdentify(e, allowed, input.receivedAt), link.push(...allowed);
        // An alias joins an earlier identity, with the same trust as the user id it names.
        // Each earlier id once, and a few per batch: every alias is looked up and maybe merged, one after another.
        const earlier = e.previousId;
        const alias = earlier && e.userId && allowed.some((id) => id.type === 'user' && id.value === e.userId);
        if (alias && !aliases.includes(earlier) && aliases.length < MAX_ALIASES_PER_BATCH) aliases.push(earlier);
        if (e.type === 'consent' && typeof e.props?.state === 'string') {
          this.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES ('consent', ?)", e.props.state);
        }
        if (e.type === 'page' && row.path) {
          const repeat = this.repeatView(row);
          if (repeat) accepted.push(repeat);
        }
      }
      const dest = input.destinations && { site: input.site, routes: input.destinations.routes };
      if (dest && dest.routes.length > 0 && accepted.length > 0) {
        for (const row of accepted) routeEvent(this.sql, dest, input.profileId, row, input.receivedAt);
        const audiences = input.destinations?.audiences ?? [];
        if (wantsAudienceChanges(dest.routes) && audiences.length > 0) {
          // Membership as decide would see it, with the request fields of the last decision.
          const context = this.ruleContext(JSON.parse(this.meta().lastFields ?? '{}') as Record<string, unknown>, input.receivedAt, audiences.map((a) => a.rule));
          const members = audiences.filter((a) => matches(a.rule, context)).map((a) => a.id);
          recordMembership(this.sql, dest, input.profileId, audiences.map((a) => a.id), members, input.receivedAt);
        }
      }
    });
    this.sendIncrements();
    this.sendDestinations();
    return { accepted, duplicates, link, aliases };
  }

  /** Sends the experiment-counter outbox now, without holding up the caller; the alarm retries. */
  private sendIncrements(): void {
    if (pendingIncrements(this.sql, 1).length === 0) return;
    this.ctx.waitUntil(
      this.flushIncrements().catch(async (err: unknown) => {
        console.error('experiment counters: flush failed, will retry', err);
        const at = await this.ctx.storage.getAlarm();
        const soon = Date.now() + RETRY_MS;
        if (at === null || at > soon) await this.ctx.storage.setAlarm(soon);
      }),
    );
  }

  /** Sends the destination outbox to the queue without holding up the caller; the alarm retries. */
  private sendDestinations(): void {
    if (!hasPendingMessages(this.sql)) return;
    this.ctx.waitUntil(
      flushDestinations(this.sql, this.env.DESTINATION_QUEUE).catch(async (err: unknown) => {
        console.error('destinations: queue send failed, will retry', err);
        const at = await this.ctx.storage.getAlarm();
        const soon = Date.now() + RETRY_MS;
        if (at === null || at > soon) await this.ctx.storage.setAlarm(soon);
      }),
    );
  }

  /** Delivers pending increments to their experiment shards; each leaves the outbox once acknowledged. */
  async flushIncrements(): Promise<number> {
    const site = this.meta().site;
    let sent = 0;
    for (let batch = pendingIncrements(this.sql); site && batch.length > 0; batch = pendingIncrements(this.sql)) {
      const groups = new Map<string, OutboxItem[]>();
      for (const i of batch) {
        const k = i.kind === 'attribution' ? `attribution\n${shardOf(i.profile)}` : `${i.experience}\n${shardOf(i.profile)}`;
        groups.set(k, [...(groups.get(k) ?? []), i]);
      }
      await Promise.all(
        [...groups.values()].map(async (items) => {
          const first = items[0]!;
          if (first.kind === 'attribution') {
            await attributionShard(this.env, site, shardOf(first.profile)).apply(items.filter((i) => i.kind === 'attribution'));
          } else {
            await statsShard(this.env, site, first.experience, shardOf(first.profile)).apply(items.filter((i) => i.kind !== 'attribution'));
          }
          clearIncrements(this.sql, items.map((i) => i.key));
          sent += items.length;
        }),
      );
    }
    return sent;
  }

  /** Daily retention sweep: drops events older than the site's retention, while any are left. */
  override async alarm(): Promise<void> {
    try {
      await this.flushIncrements();
      await flushDestinations(this.sql, this.env.DESTINATION_QUEUE);
    } catch (err) {
      console.error('experiment counters: flush failed, will retry', err);
      await this.ctx.storage.setAlarm(Date.now() + RETRY_MS);
      return;
    }
    const days = Number(this.meta().retentionDays ?? DEFAULT_RETENTION_DAYS);
    this.sql.exec('DELETE FROM events WHERE ts < ?', Date.now() - days * DAY_MS);
    const left = this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM events').one().n;
    if (left > 0) await this.ctx.storage.setAlarm(Date.now() + DAY_MS);
  }

  /**
   * Events per name per UTC day since `since`. Derived from the timeline itself, so merges,
   * unmerges and retention never leave it out of step.
   */
  /** Events per day for some names since `since` (what event-count rules read). */
  private countsOf(names: readonly string[], since: number): { name: string; day: string; n: number }[] {
    return this.sql
      .exec<{ name: string; day: string; n: number }>(
        `SELECT COALESCE(name, type) AS name, date(ts / 1000, 'unixepoch') AS day, COUNT(*) AS n
         FROM events WHERE ts >= ? AND COALESCE(name, type) IN (${names.map(() => '?').join(', ')}) GROUP BY 1, 2`,
        since, ...names,
      )
      .toArray();
  }

  counts(since: number): { name: string; day: string; n: number }[] {
    return this.sql
      .exec<{ name: string; day: string; n: number }>(
        `SELECT COALESCE(name, type) AS name, date(ts / 1000, 'unixepoch') AS day, COUNT(*) AS n
         FROM events WHERE ts >= ? GROUP BY 1, 2 ORDER BY 2, 1`,
        since,
      )
      .toArray();
  }

  /** The profile a browser was given back to by an unmerge, if it was. */
  private splitTo(anonymousId: string): string | null {
    return this.sql.exec<{ profile_id: string }>('SELECT profile_id FROM split_anon WHERE anonymous_id = ?', anonymousId).toArray()[0]?.profile_id ?? null;
  }

  /** Profiles an unmerge separated from this one: they never merge with it again on their own. */
  separatedFrom(): string[] {
    return this.sql.exec<{ profile_id: string }>('SELECT profile_id FROM no_merge').toArray().map((r) => r.profile_id);
  }

  /** The profiles merged into this one, oldest first. */
  mergedFrom(): string[] {
    return this.sql.exec<{ from_profile: string }>('SELECT from_profile FROM merges ORDER BY merged_at').toArray().map((r) => r.from_profile);
  }

  /** Unmerge, on the survivor: hands back what `from` brought. Null when no such merge is recorded. */
  split(from: string, history: string[]): { events: Row[]; touches: Row[] } | null {
    const out = this.ctx.storage.transactionSync(() => split(this.sql, from, history));
    return out && { events: out.events, touches: out.touches };
  }

  /** Unmerge, on the profile given back: it lives again with its events and touches. */
  restore(back: { events: Row[]; touches: Row[] }, survivor: string): void {
    this.ctx.storage.transactionSync(() => restore(this.sql, back.events, back.touches, survivor));
  }

  /** Where this profile was merged to, if it was. */
  forwardedTo(): string | null {
    return this.meta().forwardedTo ?? null;
  }

  /**
   * First half of a merge: from now on this profile forwards to `into`, and hands over its data.
   * Retrying with the same survivor hands the data over again (absorbing it is idempotent).
   */
  beginMerge(into: string): { data: MergeData } | Forward {
    const meta = this.meta();
    if (meta.forwardedTo && meta.forwardedTo !== into) return { forward: meta.forwardedTo };
    let data: MergeData | undefined;
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES ('forwardedTo', ?)", into);
      data = exportProfile(this.sql, meta.profileId ?? '', meta);
    });
    return { data: data! };
  }

  /** Second half of a merge, on the survivor. A profile that has itself been merged away forwards. */
  absorb(data: MergeData, now: number): { added: number } | Forward {
    const forward = this.forwardedTo();
    if (forward) return { forward };
    let added = 0;
    this.ctx.storage.transactionSync(() => {
      added = absorb(this.sql, data, now);
    });
    this.sendIncrements(); // retractions, where both profiles had counted the same experience
    return { added };
  }

  /** Decides the requested slots and remembers new assignments so they stay sticky. */
  decide(input: DecisionInput & { destinations?: DestinationRoute[] }): Omit<Evaluated, 'newAssignments'> | Forward {
    const forward = this.forwardedTo() ?? this.splitTo(input.anonymousId);
    if (forward) return { forward };
    // Membership is computed here, inside the profile, so an event sent a moment ago counts.
    // Built only when audiences or placeholders need it: traits and counts cost SQL reads.
    let ctx: RuleContext | undefined;
    const context = () => (ctx ??= this.ruleContext(input.fields, input.now, input.audiences.map((a) => a.rule)));
    const assignments = new Map<string, Assignment>();
    for (const row of this.sql.exec<{ experience: string; variant: string | null }>('SELECT experience, variant FROM assignments')) {
      assignments.set(row.experience, { experience: row.experience, variant: row.variant });
    }
    const { newAssignments, ...out } = evaluateDecision(input, context, assignments);
    const fields = JSON.stringify(input.fields);
    const wantsChanges = input.destinations && wantsAudienceChanges(input.destinations);
    // A returning browser's repeat decision usually changes nothing worth storing: no write then,
    // so the answer is not held behind the storage output gate.
    if (!wantsChanges && newAssignments.length === 0 && this.recentlyDecided(input.anonymousId, fields, input.now)) return out;
    this.ctx.storage.transactionSync(() => {
      this.touch(input.site, input.profileId, input.anonymousId, input.now);
      // The request's side of the context, so audience estimates can evaluate geo/device rules later.
      this.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES ('lastFields', ?)", fields);
      for (const a of newAssignments) {
        this.sql.exec(
          // An assignment is only new when the stored one is missing or names a variant that no
          // longer exists, so replacing here never moves a sticky visitor.
          `INSERT INTO assignments (experience, variant, assigned_at) VALUES (?, ?, ?)
           ON CONFLICT (experience) DO UPDATE SET variant = excluded.variant, assigned_at = excluded.assigned_at`,
          a.experience, a.variant, input.now,
        );
      }
      // Audience entered / exited for the destinations that want them, from this same decision.
      if (input.destinations && wantsChanges) {
        const dest = { site: input.site, routes: input.destinations };
        recordMembership(this.sql, dest, input.profileId, input.audiences.map((a) => a.id), out.audiences, input.now);
      }
    });
    this.sendDestinations();
    return out;
  }

  /**
   * Whether a decision for this browser, with these request fields, was stored under a minute ago:
   * then storing this one would only move lastSeen (which moves at most once a minute this way).
   */
  private recentlyDecided(anonymousId: string, fields: string, now: number): boolean {
    const meta = this.meta();
    return (
      !!meta.profileId && meta.lastFields === fields && now - Number(meta.lastSeen) < TOUCH_EVERY_MS &&
      this.sql.exec("SELECT 1 FROM identifiers WHERE type = 'anonymous' AND value = ?", anonymousId).toArray().length > 0
    );
  }

  /**
   * Whether this person is in an audience now, for size estimates: the profile's data with the
   * request fields of its last decision. Null when the object holds no profile or forwards.
   */
  inAudience(rule: Rule, now: number): boolean | null {
    const meta = this.meta();
    if (!meta.profileId || this.forwardedTo()) return null;
    const fields = meta.lastFields ? (JSON.parse(meta.lastFields) as Record<string, unknown>) : {};
    return matches(rule, this.ruleContext(fields, now, [rule]));
  }

  /**
   * How far this person got through a funnel: the time they reached each step (in order, within
   * the window), from their events between `from` and `to`. Null when the object holds no profile.
   */
  funnel(steps: FunnelStep[], windowMs: number, from: number, to: number): number[] | null {
    if (!this.meta().profileId || this.forwardedTo()) return null;
    const events = this.sql
      .exec<{ type: string; name: string | null; path: string | null; ts: number }>(
        'SELECT type, name, path, ts FROM events WHERE ts >= ? AND ts <= ? ORDER BY ts', from, to,
      )
      .toArray();
    return funnelProgress(steps, events, windowMs);
  }

  /**
   * The profile's part of the decision context, joined to the request's fields. Event counts are
   * read only for the names and window `rules` count over (often none).
   */
  private ruleContext(fields: Record<string, unknown>, now: number, rules: readonly Rule[]): RuleContext {
    const needs = eventNeeds(rules);
    const meta = this.meta();
    const traits: Record<string, unknown> = {};
    for (const t of this.sql.exec<{ k: string; v: string }>('SELECT k, v FROM traits')) traits[t.k] = JSON.parse(t.v) as unknown;
    const sessions = this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM touches').one().n;
    const sessionSignals = this.sql
      .exec<{ name: string }>("SELECT DISTINCT name FROM events WHERE type = 'signal' AND ts >= ?", Number(meta.sessionStart ?? now))
      .toArray()
      .map((r) => r.name);
    const exposures = this.sql.exec<{ experience: string }>('SELECT experience FROM assignments WHERE variant IS NOT NULL').toArray().map((r) => r.experience);
    return {
      fields: { ...fields, traits, isNew: sessions <= 1, sessionCount: sessions, exposures },
      counts: needs ? this.countsOf(needs.names, now - needs.days * DAY_MS) : [],
      sessionSignals,
      lastSeen: meta.lastSeen ? Number(meta.lastSeen) : null,
      now,
    };
  }

  /** Everything the admin API shows about this person, or null when the object holds nothing. */
  snapshot(): ProfileSnapshot | null {
    const meta = this.meta();
    if (!meta.profileId || !meta.site) return null;
    const traits: Props = {};
    for (const t of this.sql.exec<{ k: string; v: string }>('SELECT k, v FROM traits ORDER BY k')) {
      traits[t.k] = JSON.parse(t.v) as Props[string];
    }
    const count = this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM events').one().n;
    return {
      profileId: meta.profileId,
      site: meta.site,
      identifiers: this.sql
        .exec<{ type: string; value: string; first_seen: number }>(
          'SELECT type, value, first_seen FROM identifiers ORDER BY first_seen, type, value',
        )
        .toArray()
        .map((r) => ({ type: r.type, value: r.value, firstSeen: r.first_seen })),
      traits,
      firstSeen: Number(meta.firstSeen),
      lastSeen: Number(meta.lastSeen),
      eventCount: count,
      assignments: this.sql
        .exec<{ experience: string; variant: string | null; assigned_at: number }>(
          'SELECT experience, variant, assigned_at FROM assignments ORDER BY assigned_at, experience',
        )
        .toArray()
        .map((r) => ({ experience: r.experience, variant: r.variant, assignedAt: r.assigned_at })),
      consent: meta.consent ?? null,
      touches: this.sql
        .exec<{ anonymous_id: string; ts: number; url: string | null; referrer: string | null; params: string | null }>(
          'SELECT * FROM touches ORDER BY ts DESC LIMIT 50',
        )
        .toArray()
        .map((t) => ({ ts: t.ts, anonymousId: t.anonymous_id, url: t.url, referrer: t.referrer, params: t.params ? (JSON.parse(t.params) as Props) : null })),
      counts: this.counts(Date.now() - 30 * DAY_MS),
      merges: this.sql
        .exec<{ from_profile: string; merged_at: number; events_added: number }>('SELECT * FROM merges ORDER BY merged_at, from_profile')
        .toArray()
        .map((r) => ({ from: r.from_profile, mergedAt: r.merged_at, eventsAdded: r.events_added })),
    };
  }

  /**
   * Erases everything this object holds (right to be forgotten). Returns what the caller must
   * erase elsewhere: the identifiers it claimed, and the profiles merged into it, which keep copies.
   */
  async erase(): Promise<{ identifiers: Identifier[]; mergedFrom: string[] }> {
    await this.ctx.storage.deleteAlarm();
    const identifiers = this.knownIdentifiers();
    const mergedFrom = this.sql.exec<{ from_profile: string }>('SELECT from_profile FROM merges').toArray().map((r) => r.from_profile);
    this.ctx.storage.transactionSync(() => {
      // Pending counter increments stay: they are anonymous aggregates, and the counts stay consistent.
      for (const table of ['events', 'identifiers', 'traits', 'assignments', 'merges', 'touches', 'meta', 'exposures', 'conversions', ...DESTINATION_TABLES]) this.sql.exec(`DELETE FROM ${table}`);
    });
    return { identifiers, mergedFrom };
  }

  /** Export: a page of events between `from` and `to` after `cursor`; null when this object holds no live profile. */
  exportEvents(from: number, to: number, cursor: ExportCursor | null, limit: number): StoredEvent[] | null {
    if (!this.meta().profileId || this.forwardedTo()) return null;
    return exportPage(this.sql, from, to, cursor, limit);
  }

  /** The journey, oldest first, paginated by offset. */
  events(limit: number, offset: number): { events: StoredEvent[]; total: number } {
    const total = this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM events').one().n;
    const rows = this.sql
      .exec<EventRow>('SELECT * FROM events ORDER BY ts, received_at, id LIMIT ? OFFSET ?', limit, offset)
      .toArray();
    return { events: rows.map(toStoredEvent), total };
  }

  /**
   * The `repeat_view` signal: the same path viewed again within the session (visits less than
   * SESSION_GAP_MS apart). Its id derives from the page event's, so a retried batch adds nothing.
   */
  private repeatView(page: StoredEvent): StoredEvent | null {
    const meta = this.meta();
    const last = Number(meta.sessionLast ?? 0);
    const start = page.ts - last > SESSION_GAP_MS ? page.ts : Number(meta.sessionStart ?? page.ts);
    if (start === page.ts) {
      // A new session: its landing page, referrer and campaign parameters are a touch, for attribution.
      this.sql.exec(
        'INSERT OR IGNORE INTO touches (anonymous_id, ts, url, referrer, params) VALUES (?, ?, ?, ?, ?)',
        page.anonymousId, page.ts, page.url, page.referrer, page.props ? JSON.stringify(page.props) : null,
      );
    }
    const set = (k: string, v: number) => this.sql.exec('INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)', k, String(v));
    set('sessionStart', start);
    set('sessionLast', Math.max(last, page.ts));
    const count = this.sql
      .exec<{ n: number }>("SELECT COUNT(*) AS n FROM events WHERE type = 'page' AND path = ? AND ts >= ?", page.path, start)
      .one().n;
    if (count < 2) return null;
    const signal: StoredEvent = { ...page, id: `${page.id}.rv`, type: 'signal', name: 'repeat_view', props: { path: page.path, count } };
    this.insertEvent(signal);
    return signal;
  }

  /** Stores an event unless its id is already stored; says whether it was new. */
  private insertEvent(row: StoredEvent): boolean {
    return (
      this.sql.exec(
        `INSERT OR IGNORE INTO events (id, type, name, ts, received_at, anonymous_id, url, path, title, referrer, context, props)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        row.id, row.type, row.name, row.ts, row.receivedAt, row.anonymousId, row.url, row.path, row.title, row.referrer,
        row.context ? JSON.stringify(row.context) : null, row.props ? JSON.stringify(row.props) : null,
      ).rowsWritten > 0
    );
  }

  private meta(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const r of this.sql.exec<{ k: string; v: string }>('SELECT k, v FROM meta')) out[r.k] = r.v;
    return out;
  }

  private touch(site: string, profileId: string, anonymousId: string, now: number): void {
    const set = (k: string, v: string) => this.sql.exec('INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)', k, v);
    const keep = (k: string, v: string) => this.sql.exec('INSERT OR IGNORE INTO meta (k, v) VALUES (?, ?)', k, v);
    keep('site', site);
    keep('profileId', profileId);
    keep('firstSeen', String(now));
    set('lastSeen', String(now));
    this.sql.exec('INSERT OR IGNORE INTO identifiers (type, value, first_seen) VALUES (?, ?, ?)', 'anonymous', anonymousId, now);
  }

  /**
   * The identifiers this profile may take: those it holds already, and new ones while it is under
   * its per-type limit, so a shared device (a kiosk, a family laptop) cannot collect everyone.
   */
  private admit(ids: Identifier[], limits: IdentifierLimits, tooManyTypes: Set<Identifier>): Identifier[] {
    const counts = this.identifierCounts();
    const customTypes = new Set(Object.keys(counts).filter(isCustomType));
    return ids.filter((id) => {
      const held = this.sql.exec('SELECT 1 FROM identifiers WHERE type = ? AND value = ?', id.type, id.value).toArray().length > 0;
      if (held) return true;
      if (isCustomType(id.type) && !customTypes.has(id.type)) {
        if (customTypes.size >= MAX_CUSTOM_TYPES) return (tooManyTypes.add(id), false);
        customTypes.add(id.type);
      }
      if ((counts[id.type] ?? 0) >= limitFor(limits, id.type)) return false;
      counts[id.type] = (counts[id.type] ?? 0) + 1;
      return true;
    });
  }

  /** How many identifiers of each type the profile holds. */
  private identifierCounts(): Partial<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const r of this.sql.exec<{ type: string; n: number }>('SELECT type, COUNT(*) AS n FROM identifiers GROUP BY type')) out[r.type] = r.n;
    return out;
  }

  /** The known identifiers (all but anonymous ids) the profile holds. */
  knownIdentifiers(): Identifier[] {
    return this.sql
      .exec<{ type: string; value: string }>("SELECT type, value FROM identifiers WHERE type <> 'anonymous'")
      .toArray() as Identifier[];
  }

  private applyIdentify(e: Event, allowed: Identifier[], now: number): void {
    for (const id of allowed) {
      this.sql.exec('INSERT OR IGNORE INTO identifiers (type, value, first_seen) VALUES (?, ?, ?)', id.type, id.value, now);
    }
    for (const [k, v] of Object.entries(e.traits ?? {})) {
      // Newer wins by client time, so a late-arriving old identify cannot overwrite a fresh trait.
      this.sql.exec(
        `INSERT INTO traits (k, v, set_at) VALUES (?, ?, ?)
         ON CONFLICT (k) DO UPDATE SET v = excluded.v, set_at = excluded.set_at WHERE excluded.set_at >= traits.set_at`,
        k, JSON.stringify(v), e.ts,
      );
    }
  }
}
