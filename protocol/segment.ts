import { z } from 'zod';

/**
 * The Segment HTTP Tracking API shapes Attune accepts (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/).
 * Loose where Segment is loose (extra fields are kept out, not refused; ids may be numbers), strict
 * where Attune needs it. Each message of a batch is validated on its own.
 */
const Id = z.union([z.string().min(1).max(256), z.number().finite().transform(String)]);
const Time = z.union([z.string().max(64), z.number().finite()]);

/** `context.page` of analytics.js and the properties of a page call. */
export const SegmentPage = z
  .object({
    url: z.string().max(2048),
    path: z.string().max(2048),
    title: z.string().max(2048),
    referrer: z.string().max(2048),
    search: z.string().max(2048),
  })
  .partial();

export const SegmentContext = z
  .object({
    page: SegmentPage.optional(),
    locale: z.string().max(35).optional(),
    timezone: z.string().max(64).optional(),
    userAgent: z.string().max(1024).optional(),
  })
  .loose();

const Base = z.object({
  messageId: z.string().min(1).max(256).optional(),
  anonymousId: Id.optional(),
  userId: Id.optional(),
  /** When it happened (ISO 8601 or epoch ms); else originalTimestamp corrected by sentAt, else now. */
  timestamp: Time.optional(),
  originalTimestamp: Time.optional(),
  sentAt: Time.optional(),
  context: SegmentContext.optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
  traits: z.record(z.string(), z.unknown()).optional(),
  integrations: z.record(z.string(), z.unknown()).optional(),
});

export const SegmentTrack = Base.extend({ type: z.literal('track'), event: z.string().min(1).max(200) });
export const SegmentPageCall = Base.extend({ type: z.literal('page'), name: z.string().max(200).optional(), category: z.string().max(200).optional() });
export const SegmentScreen = Base.extend({ type: z.literal('screen'), name: z.string().max(200).optional() });
export const SegmentIdentify = Base.extend({ type: z.literal('identify') });
export const SegmentAlias = Base.extend({ type: z.literal('alias'), previousId: Id, userId: Id });

export const SegmentMessage = z
  .discriminatedUnion('type', [SegmentTrack, SegmentPageCall, SegmentScreen, SegmentIdentify, SegmentAlias])
  .refine((m) => m.userId !== undefined || m.anonymousId !== undefined, { message: 'needs userId or anonymousId', path: ['userId'] });

/** POST /v1/batch. `batch` items are validated one by one, so one bad message never drops the rest. */
export const SegmentBatch = z.object({
  batch: z.array(z.unknown()).min(1).max(2500),
  sentAt: Time.optional(),
  context: SegmentContext.optional(),
  integrations: z.record(z.string(), z.unknown()).optional(),
  writeKey: z.string().max(256).optional(),
});

/** The message types, each also a single-message route (`/v1/track`, …). */
export const SEGMENT_TYPES = SegmentMessage.options.map((o) => o.shape.type.value);

export type SegmentMessage = z.infer<typeof SegmentMessage>;
export type SegmentBatch = z.infer<typeof SegmentBatch>;

export interface SegmentResponse {
  success: true;
  accepted: number;
  duplicates: number;
  rejected: { index: number; messageId?: string; error: string }[];
}
