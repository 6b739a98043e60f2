import * as z from 'zod';
import { MAX_EVENTS_PER_BATCH, MAX_PROFILE_TOKEN, MAX_PROPS, MAX_STRING } from './limits';

/** Keys that would reach an object's prototype if copied naively. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export const SiteKey = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be 1-63 lower-case letters, digits, "-" or "_"');

/** Ids made by the tag (anonymous ids, event ids): URL-safe, long enough to be unique. */
export const ClientId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8-64 characters of A-Z a-z 0-9 _ -');

const PropKey = z
  .string()
  .min(1)
  .max(128)
  .refine((k) => !FORBIDDEN_KEYS.has(k), 'is a reserved key');

const PropValue = z.union([z.string().max(MAX_STRING), z.number().finite(), z.boolean(), z.null()]);

/** Own keys are checked before the record parse, which would otherwise drop `__proto__` silently. */
const noReservedKeys = z.custom<unknown>(
  (v) => !(v && typeof v === 'object' && Object.keys(v).some((k) => FORBIDDEN_KEYS.has(k))),
  'has a reserved key (__proto__, constructor or prototype)',
);

export const Props = noReservedKeys.pipe(
  z.record(PropKey, PropValue).refine((p) => Object.keys(p).length <= MAX_PROPS, `at most ${MAX_PROPS} properties`),
);

export const PageContext = z.object({
  url: z.string().max(MAX_STRING),
  path: z.string().max(MAX_STRING).optional(),
  // Titles are display text: a long one is cut to 512, not a reason to lose the event (never
  // inside a surrogate pair, which would leave half an emoji).
  title: z.string().max(MAX_STRING).transform((t) => t.slice(0, 512).replace(/[\uD800-\uDBFF]$/, '')).optional(),
  referrer: z.string().max(MAX_STRING).optional(),
  lang: z.string().max(35).optional(),
  tz: z.string().max(64).optional(),
  vw: z.number().int().min(0).max(100_000).optional(),
  vh: z.number().int().min(0).max(100_000).optional(),
});

export const EventType = z.enum(['page', 'track', 'identify', 'signal', 'consent']);

export const Event = z.object({
  id: ClientId,
  type: EventType,
  /** Event name for track/signal; optional for page. */
  name: z.string().min(1).max(200).optional(),
  /** Client time, epoch milliseconds. */
  ts: z.number().int().min(1_500_000_000_000),
  props: Props.optional(),
  page: PageContext.optional(),
  userId: z.string().min(1).max(256).optional(),
  traits: Props.optional(),
  /** identify only: HMAC-SHA256(site secret, userId) made by the site's server, hex. */
  signature: z.string().max(256).optional(),
  /** identify only, Segment's alias: an earlier id (anonymous id or user id) of the same person. */
  previousId: z.string().min(1).max(256).optional(),
});

/**
 * The envelope is validated as a whole; events are validated one by one afterwards so that
 * one bad event never drops its valid neighbours.
 */
export const CollectBatch = z.object({
  site: SiteKey,
  anonymousId: ClientId,
  profileToken: z.string().max(MAX_PROFILE_TOKEN).optional(),
  events: z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_BATCH),
});

export type SiteKey = z.infer<typeof SiteKey>;
export type Props = z.infer<typeof Props>;
export type PageContext = z.infer<typeof PageContext>;
export type EventType = z.infer<typeof EventType>;
export type Event = z.infer<typeof Event>;
export type CollectBatch = Omit<z.infer<typeof CollectBatch>, 'events'> & { events: Event[] };

export interface EventRejection {
  index: number;
  id?: string;
  error: string;
}

export interface CollectResponse {
  accepted: number;
  duplicates: number;
  rejected: EventRejection[];
  profileToken: string;
  /** 1: the site declares slots by selector or runs page experiences, so the tag asks for decisions on every page. */
  p?: 1;
}

/**
 * One event of a profile's timeline as the admin API, the activity feed, webhooks and the export
 * show it (the edge's SQLite row, decoded). The one definition everything imports.
 */
export interface StoredEvent {
  id: string;
  type: EventType;
  name: string | null;
  ts: number;
  /** When the edge received it (epoch ms). */
  receivedAt: number;
  anonymousId: string;
  url: string | null;
  path: string | null;
  title: string | null;
  referrer: string | null;
  /** Language, time zone and viewport of the page; for page views also the request's country, region, device, browser and OS. */
  context: {
    lang?: string; tz?: string; vw?: number; vh?: number;
    country?: string; region?: string; device?: string; browser?: string; os?: string;
  } | null;
  props: Props | null;
}

/** A stored event in the site's activity feed (and the live socket): with the profile it landed in. */
export interface FeedEvent extends StoredEvent {
  profileId: string;
}
