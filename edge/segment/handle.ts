import type { Context } from 'hono';
import { Event } from '../../protocol/events';
import { formatIssues } from '../../protocol/issues';
import { MAX_FUTURE_SKEW_MS } from '../../protocol/limits';
import { SegmentMessage, type SegmentResponse } from '../../protocol/segment';
import { enrichEvent } from '../enrich/page';
import { visitFacts } from '../enrich/visit';
import type { AppEnv } from '../env';
import { ApiError } from '../http/errors';
import type { SiteConfig } from '../objects/site';
import { keepRejections } from '../sites/rejections';
import { ingestPerson, type PersonMessage } from './ingest';
import { mapMessage } from './map';
import { groupByPerson } from './people';

export interface SegmentRequest {
  /** The route as sent, for the rejection log. */
  route: string;
  site: string;
  config: SiteConfig;
  raw: unknown[];
  batch: { sentAt?: string | number; context?: Record<string, unknown> };
  /** One message (errors name fields without `batch[i]`). */
  single?: boolean;
}

const libraryOf = (context: unknown): string | null => {
  const lib = (context as { library?: { name?: unknown; version?: unknown } } | null | undefined)?.library;
  return typeof lib?.name === 'string' ? `${lib.name}${typeof lib.version === 'string' ? ` ${lib.version}` : ''}`.slice(0, 100) : null;
};

/**
 * Validates, maps and stores the messages of one request: each on its own (one bad message never
 * drops the others), each person's in order. Refused messages are answered in `rejected` — a 400
 * when none could be taken — and kept in the site's rejection log.
 */
export async function handleMessages(c: Context<AppEnv>, req: SegmentRequest): Promise<Response> {
  // Errors name the field: `batch[3].event: …` in a batch, `event: …` for a single message.
  const at = (index: number) => (req.single ? '' : `batch[${index}]`);
  const field = (index: number, rest: string) => (req.single ? rest : `batch[${index}].${rest}`);
  const now = Date.now();
  const rejected: SegmentResponse['rejected'] = [];
  const libraries: (string | null)[] = [];
  const fallbackLibrary = libraryOf(req.batch.context) ?? ((c.req.header('user-agent') ?? '').split(' ')[0]?.slice(0, 100) || null);
  const messages: PersonMessage[] = [];
  const seen = new Set<string>();
  let repeats = 0;
  for (const [index, item] of req.raw.entries()) {
    const messageId = typeof item === 'object' && item && 'messageId' in item && typeof item.messageId === 'string' ? item.messageId.slice(0, 256) : undefined;
    const reject = (error: string) => {
      rejected.push({ index, ...(messageId && { messageId }), error });
      libraries.push(libraryOf((item as { context?: unknown } | null)?.context) ?? fallbackLibrary);
    };
    const parsed = SegmentMessage.safeParse(item);
    if (!parsed.success) {
      reject(formatIssues(parsed.error, at(index)));
      continue;
    }
    const mapped = await mapMessage(parsed.data, req.batch, now);
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
    // Geo stays unknown: a server's request says where the server is, not the visitor.
    const visit = visitFacts(undefined, mapped.userAgent);
    messages.push({ anonymousId: mapped.anonymousId, userOnly: mapped.userOnly, userId: mapped.userId, event: enrichEvent(event.data, {}), visit });
  }
  if (rejected.length > 0) keepRejections(c, req.site, req.route, rejected.map((r, i) => ({ ...r, library: libraries[i] ?? null })), now);
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
        const res = await ingestPerson(c.env, c.executionCtx, req.config, req.site, g, now);
        accepted += res.accepted;
        duplicates += res.duplicates;
      }
    }),
  );
  const body: SegmentResponse = { success: true, accepted, duplicates, rejected };
  return c.json(body, 200);
}
