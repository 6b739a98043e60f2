/**
 * Destinations inside a profile object. Which of the person's events and audience changes go to
 * which webhook destination is decided here, in the same transaction that stores the event (or
 * records the membership), into an outbox table; the object then sends the outbox to the queue
 * and deletes what the queue took. A failed send stays in the outbox for the object's alarm, so
 * nothing is lost between the profile and the queue (the experiment counters' outbox pattern).
 */
import { momentOf, type DestinationRoute, type MomentName, type WebhookPayload, type WebhookPerson } from '../../protocol/destinations';
import type { StoredEvent } from '../../protocol/events';
import { BrowserStore } from '../profiles/browser-store';
import { IdentityStore } from '../profiles/identity-store';
import type { DestinationMessage } from './message';

/** What ingest and decide get from the site for routing: the enabled destinations. */
export interface DestinationContext {
  site: string;
  routes: DestinationRoute[];
}

/** A queue's sendBatch takes at most 100 messages and 256 KB; one message at most 128 KB. */
const SEND_BATCH = 100;
const SEND_BYTES = 200 * 1024;
/** Larger events travel without their props (marked `truncated`), so one can never block the outbox. */
const MAX_MESSAGE_BYTES = 100 * 1024;

export function wantsAudienceChanges(routes: readonly DestinationRoute[]): boolean {
  return routes.some((r) => r.audiences !== null);
}

function put(sql: SqlStorage, msg: DestinationMessage): void {
  sql.exec('INSERT OR IGNORE INTO dest_outbox (key, body) VALUES (?, ?)', `${msg.destination}\n${msg.payload.id}`, JSON.stringify(msg));
}

function hearsEvent(r: DestinationRoute, e: StoredEvent): boolean {
  const f = r.events;
  if (!f) return false;
  if (f.types.length > 0 && !f.types.includes(e.type)) return false;
  return f.names.length === 0 || (e.name !== null && f.names.includes(e.name));
}

/** Who the person is, as a moment's receiver needs it to follow up: read from the profile once per event. */
function personOf(sql: SqlStorage, e: StoredEvent): WebhookPerson {
  const identity = new IdentityStore(sql);
  return { identifiers: identity.known(), traits: identity.traits(), verified: new BrowserStore(sql).isVerified(e.anonymousId) };
}

/** What a moment adds to an event's webhook: its name, the experience and variant, the button and the person. */
function momentFields(moment: MomentName, e: StoredEvent, person: WebhookPerson): Pick<WebhookPayload, 'moment' | 'experience' | 'button' | 'person'> {
  const p = e.props ?? {};
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const slot = text(p.slot);
  const label = text(p.label);
  const url = text(p.url);
  return {
    moment,
    experience: { id: text(p.experience) ?? '', variant: text(p.variant) ?? null, ...(slot !== undefined && { slot }) },
    ...(moment === 'overlay.clicked' && { button: { label: label ?? '', ...(url !== undefined && { url }) } }),
    person,
  };
}

/**
 * Puts a newly stored event in the outbox of every destination that hears it: by its `events`
 * filter, or as one of its `moments` — then the webhook also says which moment, experience,
 * variant and button, and who the person is. One message per event and destination either way.
 */
export function routeEvent(sql: SqlStorage, ctx: DestinationContext, profileId: string, e: StoredEvent, now: number): void {
  const moment = momentOf(e);
  let person: WebhookPerson | undefined;
  for (const r of ctx.routes) {
    const asMoment = moment !== null && (r.moments ?? []).includes(moment);
    if (!asMoment && !hearsEvent(r, e)) continue;
    const payload: WebhookPayload = {
      id: `evt_${profileId}_${e.id}`, type: 'event', site: ctx.site, destination: r.id, createdAt: now, profileId,
      event: { ...e },
      ...(asMoment && momentFields(moment, e, (person ??= personOf(sql, e)))),
    };
    if (JSON.stringify(payload).length > MAX_MESSAGE_BYTES) payload.event = { ...e, props: { truncated: true } };
    if (payload.person && JSON.stringify(payload).length > MAX_MESSAGE_BYTES) payload.person = { ...payload.person, traits: { truncated: true } };
    put(sql, { site: ctx.site, destination: r.id, payload });
  }
}

/**
 * Compares the audiences this person is in now (`members`, out of the `evaluated` ones) with the
 * last recorded membership, records the new state and queues `audience.entered` / `audience.exited`
 * for the destinations that want them. Returns the changes. Membership is only tracked while some
 * destination wants audience changes, so a destination added later first hears `entered` for the
 * audiences a person is in when they are next seen.
 */
/** The audiences the profile last recorded being in. */
export const membershipsOf = (sql: SqlStorage): string[] => sql.exec<{ audience: string }>('SELECT audience FROM memberships').toArray().map((r) => r.audience);

export function recordMembership(
  sql: SqlStorage,
  ctx: DestinationContext,
  profileId: string,
  evaluated: readonly string[],
  members: readonly string[],
  now: number,
): { entered: string[]; exited: { audience: string; since: number }[] } {
  const previous = new Map(sql.exec<{ audience: string; since: number }>('SELECT audience, since FROM memberships').toArray().map((r) => [r.audience, r.since]));
  const entered = members.filter((a) => !previous.has(a));
  const exited = [...previous]
    .filter(([a]) => evaluated.includes(a) && !members.includes(a))
    .map(([audience, since]) => ({ audience, since }));
  // Audiences that no longer exist are forgotten without a message.
  for (const a of previous.keys()) if (!evaluated.includes(a)) sql.exec('DELETE FROM memberships WHERE audience = ?', a);
  for (const a of entered) sql.exec('INSERT INTO memberships (audience, since) VALUES (?, ?)', a, now);
  for (const x of exited) sql.exec('DELETE FROM memberships WHERE audience = ?', x.audience);
  const changes: { audience: string; on: 'entered' | 'exited'; since: number }[] = [
    ...entered.map((audience) => ({ audience, on: 'entered' as const, since: now })),
    ...exited.map((x) => ({ audience: x.audience, on: 'exited' as const, since: x.since })),
  ];
  for (const c of changes) {
    for (const r of ctx.routes) {
      const f = r.audiences;
      if (!f || !f.on.includes(c.on) || (f.ids.length > 0 && !f.ids.includes(c.audience))) continue;
      // One key per membership spell: an entry and its exit share `since`, so each is sent once.
      const payload: WebhookPayload = {
        id: `aud_${profileId}_${c.audience}_${c.on}_${c.since}`, type: `audience.${c.on}`, site: ctx.site, destination: r.id,
        createdAt: now, profileId, audience: { id: c.audience },
      };
      put(sql, { site: ctx.site, destination: r.id, payload });
    }
  }
  return { entered, exited };
}

export function hasPendingMessages(sql: SqlStorage): boolean {
  return sql.exec('SELECT 1 FROM dest_outbox LIMIT 1').toArray().length > 0;
}

/** Objects whose outbox is being sent right now: one sender at a time, so a burst sends each row once. */
const sending = new WeakSet<SqlStorage>();

/**
 * Sends the outbox to the queue in batches within the queue's limits (100 messages, 256 KB); each
 * row leaves once the queue took it. Throws on failure (the caller's alarm retries). The loop runs
 * until the outbox is empty, and the check for empty and the release happen in one turn, so rows
 * written meanwhile are either sent by this loop or start a new one.
 */
export async function flushDestinations(sql: SqlStorage, queue: Queue<DestinationMessage> | undefined): Promise<number> {
  if (!queue || sending.has(sql)) return 0;
  sending.add(sql);
  let sent = 0;
  try {
    for (;;) {
      const rows = sql.exec<{ key: string; body: string }>('SELECT key, body FROM dest_outbox LIMIT ?', SEND_BATCH).toArray();
      let bytes = 0;
      const batch = rows.filter((r) => (bytes += r.body.length) <= SEND_BYTES || r === rows[0]);
      if (batch.length === 0) return sent;
      await queue.sendBatch(batch.map((r) => ({ body: JSON.parse(r.body) as DestinationMessage, contentType: 'json' as const })));
      for (const r of batch) sql.exec('DELETE FROM dest_outbox WHERE key = ?', r.key);
      sent += batch.length;
    }
  } finally {
    sending.delete(sql);
  }
}
