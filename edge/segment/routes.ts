import { Hono } from 'hono';
import { SEGMENT_TYPES, SegmentBatch } from '../../protocol/segment';
import type { AppEnv } from '../env';
import { parseWith } from '../http/body';
import { ApiError } from '../http/errors';
import { corsHeaders } from '../http/origin';
import { originKnown } from '../sites/origin-cache';
import { handleMessages } from './handle';
import { MAX_BATCH_BYTES, MAX_MESSAGE_BYTES, SEGMENT_REQUEST_HEADERS, authenticate, basicKey, bodyKey, readSegmentJson } from './request';

/**
 * Segment-spec ingestion, for server and browser libraries alike:
 * - POST /v1/batch (also /v1/b, Segment's browser library batching, and /v1/import, Ruby's);
 * - one message: /v1/track, /page, /identify, /alias, /screen, /group and the browser library's
 *   short routes /v1/t, /p, /i, /a, /s, /g; /v1/m (its metrics) is accepted and ignored;
 * - the write key (the site key) in HTTP Basic auth or as `writeKey` in the body; any Content-Type
 *   (browser libraries post text/plain); CORS for the site's allowed origins, preflights included.
 * Answers 200 `{success: true, accepted, duplicates, rejected}`; a message that cannot be taken is
 * listed in `rejected` and never drops the others; nothing valid at all is a 400 with the list.
 */
export const segment = new Hono<AppEnv>();

const BATCH_PATHS = ['/batch', '/b', '/import'];
const SINGLE_PATHS = SEGMENT_TYPES.flatMap((type) => [[`/${type}`, type], [`/${type[0]}`, type]] as const);
const ALL_PATHS = [...BATCH_PATHS, ...SINGLE_PATHS.map(([p]) => p), '/m'];

/** A preflight names no site: it is answered for an origin some site allows (the request itself is checked against its own). */
for (const path of ALL_PATHS) {
  segment.options(path, async (c) => {
    const origin = c.req.header('origin');
    const headers = origin && (await originKnown(c.env, origin).catch(() => false)) ? corsHeaders(origin, SEGMENT_REQUEST_HEADERS) : {};
    return new Response(null, { status: 204, headers });
  });
}

/** The browser library's own metrics: nothing Attune keeps. */
segment.post('/m', (c) => {
  const origin = c.req.header('origin');
  return c.json({ success: true }, 200, origin ? { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' } : {});
});

for (const path of BATCH_PATHS) {
  segment.post(path, async (c) => {
    // With an Authorization header the key is checked before the body is read.
    const early = basicKey(c) ? await authenticate(c, basicKey(c)) : null;
    const raw = await readSegmentJson(c.req.raw, MAX_BATCH_BYTES);
    const { site, config } = early ?? (await authenticate(c, bodyKey(raw)));
    const body = parseWith(SegmentBatch, raw);
    return handleMessages(c, { route: `/v1${path}`, site, config, raw: body.batch, batch: { sentAt: body.sentAt, context: body.context } });
  });
}

/** The single-message routes: the path names the type (a body `type` must agree). */
for (const [path, type] of SINGLE_PATHS) {
  segment.post(path, async (c) => {
    const early = basicKey(c) ? await authenticate(c, basicKey(c)) : null;
    const raw = await readSegmentJson(c.req.raw, MAX_MESSAGE_BYTES);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ApiError(400, 'bad_request', 'body: expected a JSON object');
    const { site, config } = early ?? (await authenticate(c, bodyKey(raw)));
    if ('type' in raw && raw.type !== type) throw new ApiError(400, 'bad_request', `type: is "${String(raw.type).slice(0, 20)}" but this is /v1${path}`);
    const { writeKey: _k, ...message } = raw as Record<string, unknown>;
    return handleMessages(c, { route: `/v1${path}`, site, config, raw: [{ ...message, type }], batch: {}, single: true });
  });
}
