/**
 * The producer side of the activity feed: ingest sends each accepted batch to the `attune-feed`
 * queue, and the queue's consumer (consumer.ts) writes up to 100 batches to the site's feed in
 * one call, so a busy site's one feed object is not written once per request.
 */
import type { FeedEvent } from '../../protocol/events';
import type { Env } from '../env';

/** One accepted batch (or a slice of one), the events already carrying the profile they landed in. */
export interface FeedMessage {
  site: string;
  events: FeedEvent[];
}

/** The queue refuses messages over 128 KB; this leaves room for the envelope. */
export const MAX_FEED_MESSAGE_BYTES = 100_000;

const encoder = new TextEncoder();
const bytes = (value: unknown) => encoder.encode(JSON.stringify(value)).length;

/** An event too large for a message on its own travels without its props (as webhooks do), then without its page. */
function slim(e: FeedEvent, room: number): FeedEvent {
  const noProps: FeedEvent = { ...e, props: { truncated: true } };
  if (bytes(noProps) <= room) return noProps;
  return { ...noProps, url: null, path: null, title: null, referrer: null, context: null };
}

/**
 * The messages for one accepted batch: one, unless it would exceed the queue's message limit,
 * in which case it is split in order into messages under the limit, so none is refused.
 */
export function feedMessages(site: string, events: FeedEvent[]): FeedMessage[] {
  if (events.length === 0) return [];
  const whole: FeedMessage = { site, events };
  if (bytes(whole) <= MAX_FEED_MESSAGE_BYTES) return [whole];
  const room = MAX_FEED_MESSAGE_BYTES - bytes({ site, events: [] });
  const out: FeedMessage[] = [];
  let chunk: FeedEvent[] = [];
  let size = 0;
  for (const e of events) {
    const item = bytes(e) > room ? slim(e, room) : e;
    const n = bytes(item) + 1; // and the comma between events
    if (chunk.length > 0 && size + n > room) {
      out.push({ site, events: chunk });
      chunk = [];
      size = 0;
    }
    chunk.push(item);
    size += n;
  }
  if (chunk.length > 0) out.push({ site, events: chunk });
  return out;
}

/**
 * Sends an accepted batch to the feed's queue. Best effort: the events are already stored in
 * their profile, so a failed send is logged and never fails (or delays) the request.
 */
export async function sendToFeed(env: Env, site: string, events: FeedEvent[]): Promise<void> {
  try {
    await Promise.all(feedMessages(site, events).map((m) => env.FEED_QUEUE.send(m, { contentType: 'json' })));
  } catch (err) {
    console.error('activity feed: queue send failed', err);
  }
}
