import type { Env } from '../env';
import { trafficShard } from '../objects/stubs';
import type { FunnelIncrement } from '../profiles/funnel-store';
import type { TrafficIncrement } from '../profiles/traffic-store';

/** What the traffic shards take: the overview's increments and saved funnels'. */
export type TrafficItem = TrafficIncrement | FunnelIncrement;

/** One increment on its way from a profile's outbox to its site's shard. */
export interface TrafficMessage {
  site: string;
  shard: number;
  item: TrafficItem;
}

/** A failed apply is retried after this many seconds (the shard may be restarting). */
const RETRY_SECONDS = 2;

function wellFormed(body: unknown): body is TrafficMessage {
  const m = body as Partial<TrafficMessage> | null;
  return typeof m?.site === 'string' && typeof m.shard === 'number' && typeof m.item?.key === 'string';
}

/**
 * The traffic queue's consumer: a batch (up to 100 increments) becomes one `apply` per shard, so a
 * shard takes one write per consumer batch however many events fed it. A shard's messages are
 * acknowledged after its write and retried together when it fails; a redelivered increment
 * changes nothing, because the shard remembers the keys it applied.
 */
export async function consumeTraffic(batch: MessageBatch<TrafficMessage>, env: Env): Promise<void> {
  const byShard = new Map<string, Message<TrafficMessage>[]>();
  for (const m of batch.messages) {
    if (!wellFormed(m.body)) {
      console.error('traffic: dropping a malformed message', m.id);
      m.ack();
      continue;
    }
    const k = `${m.body.site}\n${m.body.shard}`;
    byShard.set(k, [...(byShard.get(k) ?? []), m]);
  }
  await Promise.all(
    [...byShard.values()].map(async (messages) => {
      const { site, shard } = messages[0]!.body;
      try {
        await trafficShard(env, site, shard).apply(messages.map((m) => m.body.item));
        for (const m of messages) m.ack();
      } catch (err) {
        console.error('traffic: apply failed, retrying', site, shard, err);
        for (const m of messages) m.retry({ delaySeconds: RETRY_SECONDS });
      }
    }),
  );
}
