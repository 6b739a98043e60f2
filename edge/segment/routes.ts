import { Hono, type Context } from 'hono';
import { Event, SiteKey } from '../../protocol/events';
import { formatIssues } from '../../protocol/issues';
import { MAX_FUTURE_SKEW_MS } from '../../protocol/limits';
import { SEGMENT_TYPES, SegmentBatch, SegmentMessage, type SegmentResponse } from '../../protocol/segment';
import type { AppEnv } from '../env';
import { enrichEvent } from '../enrich/page';
import { parseWith, readJson } from '../http/body';
import { ApiError } from '../http/errors';
import { limitWriteKey } from '../http/rate-limit';
import type { SiteConfig } from '../objects/site';
import { getSiteConfig } from '../sites/config-cache';
import { ingestPerson, type PersonMessage } from './ingest';
import { groupByPerson } from './people';
import { mapMessage } from './map';

/**
 * Segment-spec ingestion: POST /v1/batch, /v1/track, /v1/page, /v1/identify, /v1/alias (and
 * /v1/screen) with HTTP Basic auth, the write key being the site key. Server to server: no CORS.
 * Answers 200 `{success: true, accepted, duplicates, rejected}`; a message that cannot be taken is
 * listed in `rejected` and never drops the others; nothing valid at all is a 400.
 */
export const segment = new Hono<AppEnv>();

/** Segment's own limits: 500 KB per batch, 32 KB per message. */
const MAX_BATCH_BYTES = 500 * 1024;
const MAX_MESSAGE_BYTES = 32 * 1024;

/**
 * The body as JSON within `max` bytes. Some Segment libraries gzip their batches
 * (`Content-Encoding: gzip`); the limit then applies to the inflated bytes, so a small bomb cannot
 * grow past it.
 */
function readSegmentJson(req: Request, max: number): Promise<unknown> {
  const encoding = req.headers.get('content-encoding')?.trim().toLowerCase();
  if (!encoding || encoding === 'identity') return readJson(req, max);
  if (encoding !== 'gzip' || !req.body) throw new ApiError(415, 'unsupported_encoding', `Content-Encoding: only gzip is accepted, not "${encoding.slice(0, 20)}"`);
  const headers = new Headers(req.headers);
  headers.delete('content-length');
  const inflated = new Request(req.url, { method: 'POST', headers, body: req.body.pipeThrough(new DecompressionStream('gzip')) });
  return readJson(inflated, max).catch((err: unknown) => {
    if (err instanceof ApiError) throw err;
    throw new ApiError(400, 'bad_request', 'body is not valid gzip');
  });
}

/** The site named by the write key: Basic auth (`base64(writeKey + ":")`), else `writeKey` in the body. */
async function authenticate(c: Context<AppEnv>, bodyKey: string | undefined): Promise<{ site: string; config: SiteConfig }> {
  const header = c.req.header('authorization') ?? '';
  let key = bodyKey;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (basic?.[1]) {
    try {
      key = atob(basic[1]).split(':')[0];
    } catch {
      key = undefined;
    }
  }
  const refuse = (message: string) => {
    c.header('WWW-Authenticate', 'Basic realm="attune", charset="UTF-8"');
    return new ApiError(401, 'invalid_write_key', message);
  };
  if (!key) throw refuse('missing write key: send Authorization: Basic base64("<site key>:")');
  if (!SiteKey.safeParse(key).success) throw refuse('the write key is not a site key');
  const config = await getSiteConfig(c.env, key);
  if (!config) throw refuse(`no site has the write key "${key.slice(0, 63)}"`);
  // Counted per existing site only, so unknown keys never make counters.
  await limitWriteKey(c, key);
  return { site: key, config };
}

async function handle(
  c: Context<AppEnv>,
  raw: unknown[],
  batch: { sentAt?: string | number; context?: Record<string, unknown> },
  site: string,
  config: SiteConfig,
  single = false,
) {
  // Errors name the field: `batch[3].event: …` in a batch, `event: …` for a single message.
  const at = (index: number) => (single ? '' : `batch[${index}]`);
  const field = (index: number, rest: string) => (single ? rest : `batch[${index}].${rest}`);
  const now = Date.now();
  const rejected: SegmentResponse['rejected'] = [];
  const messages: PersonMessage[] = [];
  const seen = new Set<string>();
  let repeats = 0;
  for (const [index, item] of raw.entries()) {
    const messageId = typeof item === 'object' && item && 'messageId' in item && typeof item.messageId === 'string' ? item.messageId.slice(0, 256) : undefined;
    const reject = (error: string) => rejected.push({ index, ...(messageId && { messageId }), error });
    const parsed = SegmentMessage.safeParse(item);
    if (!parsed.success) {
      reject(formatIssues(parsed.error, at(index)));
      continue;
    }
    const mapped = await mapMessage(parsed.data, batch, now);
    if ('error' in mapped) {
      reject(field(index, mapped.error));
      continue;
    }
    const event = Event.safeParse(mapped.event);
    if (!event.success) {
      reject(formatIssues(event.error, at(index)));
      continue;
    }
    if (event.data.ts > now + MAX_FUTURE_SKEW_MS) {
      reject(field(index, 'timestamp: is more than a day in the future'));
      continue;
    }
    const key = `${mapped.anonymousId}\n${event.data.id}`;
    if (seen.has(key)) {
      repeats++;
      continue;
    }
    seen.add(key);
    messages.push({ anonymousId: mapped.anonymousId, userOnly: mapped.userOnly, userId: mapped.userId, event: enrichEvent(event.data, {}) });
  }
  if (messages.length === 0) throw new ApiError(400, 'no_valid_messages', 'no message is valid', { rejected });

  let accepted = 0;
  let duplicates = repeats;
  // One person's messages in order; a few people at a time (a batch of one server's traffic names many).
  const queue = groupByPerson(messages.map((m) => (m.userOnly ? { userId: m.userId } : { anonymousId: m.anonymousId, userId: m.userId }))).map((g) =>
    g.map((i) => messages[i]!),
  );
  await Promise.all(
    Array.from({ length: Math.min(4, queue.length) }, async () => {
      for (let g = queue.shift(); g; g = queue.shift()) {
        const res = await ingestPerson(c.env, c.executionCtx, config, site, g, now);
        accepted += res.accepted;
        duplicates += res.duplicates;
      }
    }),
  );
  const body: SegmentResponse = { success: true, accepted, duplicates, rejected };
  return c.json(body, 200);
}

segment.post('/batch', async (c) => {
  // With an Authorization header the key is checked before the body is read.
  const early = /^Basic\s/i.test(c.req.header('authorization') ?? '') ? await authenticate(c, undefined) : null;
  const raw = await readSegmentJson(c.req.raw, MAX_BATCH_BYTES);
  const bodyKey = typeof raw === 'object' && raw && 'writeKey' in raw && typeof raw.writeKey === 'string' ? raw.writeKey : undefined;
  const { site, config } = early ?? (await authenticate(c, bodyKey));
  const body = parseWith(SegmentBatch, raw);
  return handle(c, body.batch, { sentAt: body.sentAt, context: body.context }, site, config);
});

/** The single-message endpoints: the path names the type (a body `type` must agree). */
for (const type of SEGMENT_TYPES) {
  segment.post(`/${type}`, async (c) => {
    const early = /^Basic\s/i.test(c.req.header('authorization') ?? '') ? await authenticate(c, undefined) : null;
    const raw = await readSegmentJson(c.req.raw, MAX_MESSAGE_BYTES);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ApiError(400, 'bad_request', 'body: expected a JSON object');
    const bodyKey = 'writeKey' in raw && typeof raw.writeKey === 'string' ? raw.writeKey : undefined;
    const { site, config } = early ?? (await authenticate(c, bodyKey));
    if ('type' in raw && raw.type !== type) throw new ApiError(400, 'bad_request', `type: is "${String(raw.type).slice(0, 20)}" but this is /v1/${type}`);
    const { writeKey: _k, ...message } = raw as Record<string, unknown>;
    return handle(c, [{ ...message, type }], {}, site, config, true);
  });
}
