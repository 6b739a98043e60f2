import * as z from 'zod';
import { EventType, type StoredEvent } from './events';

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
  /** Deliveries tried per message before it becomes a dead letter. */
  maxAttempts: z.number().int().min(1).max(20),
});

const needsSomething = (d: { events?: unknown; audiences?: unknown }) => d.events != null || d.audiences != null;
const NOTHING = { message: 'set events or audiences (or both): a destination that hears nothing is a mistake', path: ['events'] };

export const DestinationInput = DestinationFields.extend({
  id: Slug.optional(),
  enabled: DestinationFields.shape.enabled.default(true),
  events: DestinationFields.shape.events.default(null),
  audiences: DestinationFields.shape.audiences.default(null),
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
}

/** An event as webhooks (and the NDJSON export) carry it: the stored event of the profile's timeline. */
export type WebhookEvent = StoredEvent;

/** The JSON body every webhook carries. `id` is the idempotency key (also in X-Attune-Idempotency-Key). */
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
}
