/**
 * Segment spec → Attune events, pure (WebCrypto only, for hashing). A Segment message becomes one
 * Attune event in the profile of its anonymous id:
 * - `messageId` is the event id (hashed into the id alphabet when it does not fit), so a retried
 *   message counts once;
 * - `track` → track (`event` is the name), `page`/`screen` → page (`name` kept, `context.page` and
 *   the page properties become the page context), `identify` → identify (emails and phones in
 *   traits are normalised and SHA-256 hashed, as the tag does in the browser), `alias` → identify
 *   with `previousId`, which joins the earlier identity, `group` → identify with the traits
 *   `groupId` and `group.<trait>`;
 * - nested properties are flattened to dotted keys (`product.sku`), arrays become JSON text.
 */
import { ClientId } from '../../protocol/events';
import type { SegmentMessage } from '../../protocol/segment';
import { MAX_STRING } from '../../protocol/limits';
import { sha256Hex } from '../crypto';
import { hashPersonalTraits } from '../enrich/pii';

type Scalar = string | number | boolean | null;
const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);
const PAGE_KEYS = new Set(['url', 'path', 'title', 'referrer', 'search']);

export interface Mapped {
  /** The Attune anonymous id the event belongs to (the Segment one when it fits the alphabet). */
  anonymousId: string;
  /** True when the message named only a userId: the profile is found through that user. */
  userOnly: boolean;
  userId?: string;
  /** Not validated yet: the caller parses it with the same Event schema as /v1/collect. */
  event: Record<string, unknown>;
  /** context.userAgent: the device, browser and OS of the visit a page call starts. */
  userAgent?: string;
}

const fits = (s: string) => ClientId.safeParse(s).success;
const short = async (prefix: string, s: string) => `${prefix}${(await sha256Hex(s)).slice(0, 40)}`;

/** Epoch ms of a Segment time (ISO 8601 string or epoch ms), or NaN. */
export function parseTime(t: string | number | undefined): number {
  if (t === undefined) return NaN;
  return typeof t === 'number' ? t : Date.parse(t);
}

/**
 * When it happened: `timestamp` as given; else `originalTimestamp` corrected for the client's clock
 * by `sentAt` (Segment's own rule: receivedAt − (sentAt − originalTimestamp)); else now.
 */
export function eventTime(m: SegmentMessage, batchSentAt: string | number | undefined, now: number): number | string {
  if (m.timestamp !== undefined) {
    const t = parseTime(m.timestamp);
    return Number.isFinite(t) ? Math.round(t) : 'timestamp: is not an ISO 8601 date or epoch milliseconds';
  }
  const original = parseTime(m.originalTimestamp);
  const sent = parseTime(m.sentAt ?? batchSentAt);
  if (Number.isFinite(original)) return Math.round(Number.isFinite(sent) ? now - (sent - original) : original);
  return now;
}

/** Flattens nested properties into dotted keys; arrays and deep objects become JSON text. */
export function flatten(input: Record<string, unknown> | undefined, prefix = '', depth = 0, out: Record<string, Scalar> = {}): Record<string, Scalar> {
  for (const [k, v] of Object.entries(input ?? {})) {
    if (RESERVED.has(k) || v === undefined) continue;
    const key = `${prefix}${k}`.slice(0, 128);
    if (v === null || typeof v === 'boolean' || typeof v === 'string') out[key] = typeof v === 'string' ? v.slice(0, MAX_STRING) : v;
    else if (typeof v === 'number') out[key] = Number.isFinite(v) ? v : null;
    else if (typeof v === 'object' && !Array.isArray(v) && depth < 2) flatten(v as Record<string, unknown>, `${key}.`, depth + 1, out);
    else out[key] = JSON.stringify(v).slice(0, MAX_STRING);
  }
  return out;
}

/** One Segment message as an Attune event, or the reason it cannot be one. */
export async function mapMessage(
  m: SegmentMessage,
  batch: { sentAt?: string | number; context?: Record<string, unknown> },
  now: number,
): Promise<Mapped | { error: string }> {
  const ts = eventTime(m, batch.sentAt, now);
  if (typeof ts === 'string') return { error: ts };
  const userId = m.userId !== undefined ? String(m.userId) : undefined;
  const anon = m.anonymousId !== undefined ? String(m.anonymousId) : undefined;
  const anonymousId = anon ? (fits(anon) ? anon : await short('sa_', `anon\n${anon}`)) : await short('su_', `user\n${userId}`);
  const id = m.messageId ? (fits(m.messageId) ? m.messageId : await short('sm_', m.messageId)) : `sr_${crypto.randomUUID().replace(/-/g, '')}`;

  const context = { ...(batch.context as SegmentMessage['context']), ...m.context };
  const props = m.properties ?? {};
  const pageSource = { ...context.page, ...(m.type === 'page' ? pick(props, PAGE_KEYS) : {}) };
  const url = typeof pageSource.url === 'string' && pageSource.url ? pageSource.url : undefined;
  const page = url
    ? {
        url,
        ...(typeof pageSource.path === 'string' && { path: pageSource.path }),
        ...(typeof pageSource.title === 'string' && { title: pageSource.title }),
        ...(typeof pageSource.referrer === 'string' && pageSource.referrer && { referrer: pageSource.referrer }),
        ...(context.locale && { lang: context.locale }),
        ...(context.timezone && { tz: context.timezone }),
      }
    : undefined;
  const base = { id, ts, ...(page && { page }), ...(userId && { userId }) };
  const userAgent = typeof context.userAgent === 'string' ? context.userAgent : undefined;
  const out = (event: Record<string, unknown>): Mapped => ({ anonymousId, userOnly: !anon, userId, event: { ...base, ...event }, ...(userAgent && { userAgent }) });
  const withProps = (p: Record<string, Scalar>) => (Object.keys(p).length ? { props: p } : {});

  switch (m.type) {
    case 'track':
      return out({ type: 'track', name: m.event, ...withProps(flatten(props)) });
    case 'page':
    case 'screen': {
      const rest = flatten(omit(props, PAGE_KEYS));
      if (m.type === 'page' && m.category) rest.category = m.category;
      if (m.type === 'screen') rest.screen = true;
      return out({ type: 'page', ...(m.name && { name: m.name }), ...withProps(rest) });
    }
    case 'identify': {
      const traits = await hashPersonalTraits(flatten(m.traits));
      return out({ type: 'identify', ...(Object.keys(traits).length && { traits }) });
    }
    case 'alias':
      return out({ type: 'identify', previousId: String(m.previousId) });
    case 'group': {
      // The account a user belongs to: its id and traits become the person's groupId and group.* traits.
      const traits = await hashPersonalTraits({ groupId: m.groupId, ...flatten(m.traits, 'group.') });
      return out({ type: 'identify', traits });
    }
  }
}

function pick(o: Record<string, unknown>, keys: Set<string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => keys.has(k)));
}

function omit(o: Record<string, unknown>, keys: Set<string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !keys.has(k)));
}
