import type { FeedEvent } from '../../protocol/events';
import type { Env } from '../env';
import { feedStub } from '../objects/stubs';
import type { FeedMessage } from './producer';

/** A failed append is retried after this many seconds (the feed object may be restarting). */
const RETRY_SECONDS = 2;

function wellFormed(body: unknown): body is FeedMessage {
  const m = body as Partial<FeedMessage> | null;
  return typeof m?.site === 'string' && Array.isArray(m.events);
}

/**
 * The feed's queue consumer: a batch (up to 100 accepted batches) becomes one `append` per site,
 * so a site's feed object takes one write per consumer batch however many requests fed it. The
 * site's messages are acknowledged only after its write, and retried together when it fails;
 * a redelivered message is harmless because `append` skips events it already holds.
 */
export async function consumeFeed(batch: MessageBatch<FeedMessage>, env: Env): Promise<void> {
  const bySite = new Map<string, { messages: Message<FeedMessage>[]; events: FeedEvent[] }>();
  for (const m of batch.messages) {
    if (!wellFormed(m.body)) {
      console.error('activity feed: dropping a malformed message', m.id);
      m.ack();
      continue;
    }
    const group = bySite.get(m.body.site) ?? { messages: [], events: [] };
    group.messages.push(m);
    group.events.push(...m.body.events);
    bySite.set(m.body.site, group);
  }
  await Promise.all(
    [...bySite].map(async ([site, { messages, events }]) => {
      try {
        // In the order they were received (a retried message may arrive after newer ones); stable within a batch.
        await feedStub(env, site).append(events.sort((a, b) => a.receivedAt - b.receivedAt));
        for (const m of messages) m.ack();
      } catch (err) {
        console.error('activity feed: append failed, retrying', site, err);
        for (const m of messages) m.retry({ delaySeconds: RETRY_SECONDS });
      }
    }),
  );
}
