import * as z from 'zod';

/**
 * The Segment HTTP Tracking API shapes Attune accepts (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/),
 * as the real libraries send them: any optional field may also be an explicit `null` (Segment's
 * Python library always sends `"userId": null` or `"anonymousId": null`), ids may be numbers,
 * times ISO 8601 or epoch ms. Loose where Segment is loose (unknown fields are dropped, not
 * refused), strict where Attune needs it. Each message of a batch is validated on its own.
 */

/** An optional field that a library may also send as `null`: both mean "not given". */
const opt = <T extends z.ZodType>(s: T) => s.nullish().transform((v) => v ?? undefined);

const Id = z.union([z.string().min(1).max(256), z.number().finite().transform(String)]);
/** An optional id: `null` and `""` (which some libraries send for "none") both mean not given. */
const optId = z.union([z.literal(''), Id]).nullish().transform((v) => (v === '' || v == null ? undefined : v));
const Time = z.union([z.string().max(64), z.number().finite()]);
const Text = z.string().max(2048);
const Bag = z.record(z.string(), z.unknown());

/** `context.page` of analytics.js and the properties of a page call. */
export const SegmentPage = z.object({ url: opt(Text), path: opt(Text), title: opt(Text), referrer: opt(Text), search: opt(Text) });

/** `context.library`: which client sent the message (shown with rejections). */
export const SegmentLibrary = z.object({ name: opt(z.string().max(100)), version: opt(z.string().max(50)) }).loose();

export const SegmentContext = z
  .object({
    page: opt(SegmentPage),
    library: opt(SegmentLibrary),
    locale: opt(z.string().max(35)),
    timezone: opt(z.string().max(64)),
    userAgent: opt(z.string().max(1024)),
  })
  .loose();

const Base = z.object({
  messageId: optId,
  anonymousId: optId,
  userId: optId,
  /** When it happened (ISO 8601 or epoch ms); else originalTimestamp corrected by sentAt, else now. */
  timestamp: opt(Time),
  originalTimestamp: opt(Time),
  sentAt: opt(Time),
  receivedAt: opt(Time),
  context: opt(SegmentContext),
  properties: opt(Bag),
  traits: opt(Bag),
  integrations: opt(Bag),
});

export const SegmentTrack = Base.extend({ type: z.literal('track'), event: z.string().min(1).max(200) });
export const SegmentPageCall = Base.extend({ type: z.literal('page'), name: opt(z.string().max(200)), category: opt(z.string().max(200)) });
export const SegmentScreen = Base.extend({ type: z.literal('screen'), name: opt(z.string().max(200)), category: opt(z.string().max(200)) });
export const SegmentIdentify = Base.extend({ type: z.literal('identify') });
export const SegmentAlias = Base.extend({ type: z.literal('alias'), previousId: Id, userId: Id });
/** A user's account or company: its id and traits become the user's `groupId` and `group.*` traits. */
export const SegmentGroup = Base.extend({ type: z.literal('group'), groupId: Id });

/** The rule every message must keep; a rejection names it. */
export const NEEDS_AN_ID = 'a message needs a userId or an anonymousId';

export const SegmentMessage = z
  .discriminatedUnion('type', [SegmentTrack, SegmentPageCall, SegmentScreen, SegmentIdentify, SegmentAlias, SegmentGroup])
  .refine((m) => m.userId !== undefined || m.anonymousId !== undefined, { message: NEEDS_AN_ID, path: ['userId'] });

/** POST /v1/batch (and /v1/b, /v1/import). `batch` items are validated one by one, so one bad message never drops the rest. */
export const SegmentBatch = z.object({
  batch: z.array(z.unknown()).min(1).max(2500),
  sentAt: opt(Time),
  context: opt(SegmentContext),
  integrations: opt(Bag),
  messageId: optId,
  writeKey: opt(z.string().max(256)),
});

/** The message types, each also a single-message route (`/v1/track`, …). */
export const SEGMENT_TYPES = SegmentMessage.options.map((o) => o.shape.type.value);
export type SegmentType = (typeof SEGMENT_TYPES)[number];

export type SegmentMessage = z.infer<typeof SegmentMessage>;
export type SegmentBatch = z.infer<typeof SegmentBatch>;

export interface SegmentResponse {
  success: true;
  accepted: number;
  duplicates: number;
  rejected: { index: number; messageId?: string; error: string }[];
}
