import * as z from 'zod';
import { EventType, type Props, type StoredEvent } from './events';
import { OVERLAY_CLICK, OVERLAY_DISMISS } from './triggers';

const Slug = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be 1-63 lower-case letters, digits, "-" or "_"');

/** Where webhooks go: http(s) only, no credentials in the URL (they would show in the admin API). */
export const WebhookUrl = z
  .string()
  .max(2048)
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password;
    } catch {
      return false;
    }
  }, 'must be an absolute http(s) URL without user name or password');

/**
 * Which events a destination hears. An event is sent when its type is in `types` (empty: any
 * type) and its name is in `names` (empty: any name).
 */
export const EventFilter = z.object({
  types: z.array(EventType).max(EventType.options.length).default([]),
  names: z.array(z.string().min(1).max(200)).max(100).default([]),
});

/**
 * Moments: what the tag records about experiences, by a name a destination subscribes to
 * (`moments: ["overlay.clicked"]`) so another channel can carry the conversation on — a CRM
 * emails the person who pressed an overlay's button. Each is a `track` event of the tag's; this
 * table is the one place a moment's name meets its event name.
 */
export const MOMENTS = {
  /** A variant was actually shown (each time, per page view): `{slot, experience, variant}`. */
  'experience.shown': { event: '$exposure', label: 'Experience shown' },
  /** An overlay's button was pressed: `{experience, variant, label, url?}`. */
  'overlay.clicked': { event: OVERLAY_CLICK, label: 'Overlay clicked' },
  /** An overlay was closed without a button: `{experience, variant}`. */
  'overlay.dismissed': { event: OVERLAY_DISMISS, label: 'Overlay dismissed' },
} as const satisfies Record<string, { event: string; label: string }>;

export type MomentName = keyof typeof MOMENTS;
export const MOMENT_NAMES = Object.keys(MOMENTS) as [MomentName, ...MomentName[]];

export const Moment = z.enum(MOMENT_NAMES, {
  error: (issue) => `unknown moment ${JSON.stringify(issue.input)}: expected one of ${MOMENT_NAMES.join(', ')}`,
});

/** The moment a stored event is, or null: a `track` event of a moment's name about an experience. */
export function momentOf(e: Pick<StoredEvent, 'type' | 'name' | 'props'>): MomentName | null {
  if (e.type !== 'track' || typeof e.props?.experience !== 'string') return null;
  return MOMENT_NAMES.find((m) => MOMENTS[m].event === e.name) ?? null;
}

/** Which audience changes a destination hears: entries and/or exits of `ids` (empty: every audience). */
export const AudienceFilter = z.object({
  ids: z.array(Slug).max(100).default([]),
  on: z.array(z.enum(['entered', 'exited'])).min(1).max(2).default(['entered', 'exited']),
});

const DestinationFields = z.object({
  name: z.string().min(1).max(200),
  url: WebhookUrl,
  enabled: z.boolean(),
  /** Events to send; null sends none. */
  events: EventFilter.nullable(),
  /** Audience entered / exited messages to send; null sends none. */
  audiences: AudienceFilter.nullable(),
  /**
   * Moments to send (experience.shown, overlay.clicked, overlay.dismissed), each with its
   * experience, variant, button and the person's identifiers and traits; empty sends none.
   */
  moments: z
    .array(Moment)
    .max(MOMENT_NAMES.length)
    .refine((m) => new Set(m).size === m.length, 'names a moment twice')
    .describe(`Moments to send: ${MOMENT_NAMES.join(', ')}; each webhook names its moment, experience, variant (and button) and the person's identifiers and traits. Empty sends none.`),
  /** Deliveries tried per message before it becomes a dead letter. */
  maxAttempts: z.number().int().min(1).max(20),
});

const needsSomething = (d: { events?: unknown; audiences?: unknown; moments?: readonly unknown[] }) =>
  d.events != null || d.audiences != null || (d.moments?.length ?? 0) > 0;
const NOTHING = { message: 'set events or audiences (or both), or pick moments: a destination that hears nothing is a mistake', path: ['events'] };

export const DestinationInput = DestinationFields.extend({
  id: Slug.optional(),
  enabled: DestinationFields.shape.enabled.default(true),
  events: DestinationFields.shape.events.default(null),
  audiences: DestinationFields.shape.audiences.default(null),
  moments: DestinationFields.shape.moments.default([]),
  maxAttempts: DestinationFields.shape.maxAttempts.default(8),
}).refine(needsSomething, NOTHING);

/** PATCH body: any field; `rotateSecret: true` makes a new signing secret, shown once in the answer. */
export const DestinationPatch = DestinationFields.partial().extend({ rotateSecret: z.boolean().optional() });

export type DestinationInput = z.infer<typeof DestinationInput>;
export type DestinationPatch = z.infer<typeof DestinationPatch>;
export type EventFilter = z.infer<typeof EventFilter>;
export type AudienceFilter = z.infer<typeof AudienceFilter>;

/** A destination as the admin API shows it. The secret is never shown again after create. */
export interface Destination extends Omit<DestinationInput, 'id'> {
  id: string;
  createdAt: number;
  updatedAt: number;
}

/** What a profile needs to route its events and audience changes: the enabled destinations' filters. */
export interface DestinationRoute {
  id: string;
  events: EventFilter | null;
  audiences: AudienceFilter | null;
  /** The moments it subscribed to (absent on routes of an older edge: none). */
  moments?: MomentName[];
}

/** An event as webhooks (and the NDJSON export) carry it: the stored event of the profile's timeline. */
export type WebhookEvent = StoredEvent;

/** Who a moment's person is, for a receiver to follow up (email them): as the admin API shows the profile. */
export interface WebhookPerson {
  /** The known identifiers: user ids, SHA-256 (hex) of emails and phones as the tag hashed them, custom ids; never anonymous ids. */
  identifiers: { type: string; value: string }[];
  /** Every trait as last set (from any source); `{truncated: true}` when they would not fit the message. */
  traits: Props;
  /** Whether the browser the event came from sent an identify signed by the site's server (its user id is more than a claim). */
  verified: boolean;
}

/** What a moment is about: the experience and its variant, and for an overlay, the slot it filled. */
export interface WebhookExperience {
  id: string;
  variant: string | null;
  slot?: string;
}

/**
 * The JSON body every webhook carries. `id` is the idempotency key (also in X-Attune-Idempotency-Key).
 * An event a destination hears as one of its `moments` also carries `moment`, `experience`,
 * `button` (overlay.clicked) and `person`; one it hears only through `events` carries none of them.
 */
export interface WebhookPayload {
  id: string;
  type: 'event' | 'audience.entered' | 'audience.exited' | 'test';
  site: string;
  destination: string;
  /** When the message was made (epoch ms); the signature's timestamp is the send time. */
  createdAt: number;
  profileId?: string;
  event?: WebhookEvent;
  audience?: { id: string };
  moment?: MomentName;
  experience?: WebhookExperience;
  /** The overlay button pressed (overlay.clicked). */
  button?: { label: string; url?: string };
  person?: WebhookPerson;
}
