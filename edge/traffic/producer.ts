import { trafficShardOf } from '../objects/shards';
import type { TrafficIncrement } from '../profiles/traffic-store';
import type { TrafficItem, TrafficMessage } from './consumer';

/** Queues take messages up to 128 KB and batches up to 256 KB or 100 messages; these leave room. */
const MAX_MESSAGE_BYTES = 96_000;
const MAX_BATCH_BYTES = 200_000;
const MAX_BATCH_MESSAGES = 100;

const size = (m: TrafficMessage) => JSON.stringify(m).length;

/** An increment too large for one message (a visit through dozens of pages) goes as parts, each keyed on its own. */
export function parts(item: TrafficItem): TrafficItem[] {
  const whole = JSON.stringify(item).length;
  if (item.kind !== 'traffic' || whole <= MAX_MESSAGE_BYTES) return [item];
  const n = Math.ceil(whole / MAX_MESSAGE_BYTES);
  // The visitor counts are per cell and make the bulk; the groups and hour counts travel with the first part.
  const per = Math.ceil(item.visitors.length / n);
  return Array.from({ length: n }, (_, i): TrafficIncrement => ({
    ...item,
    key: `${item.key}#${i}`,
    groups: i === 0 ? item.groups : [],
    visitors: item.visitors.slice(i * per, (i + 1) * per),
    hourVisitors: i === 0 ? item.hourVisitors : [],
  }));
}

/** Sends a profile's traffic increments to the queue, in as few calls as the limits allow. Throws when a send fails. */
export async function sendTraffic(queue: Queue<TrafficMessage>, site: string, items: readonly TrafficItem[]): Promise<void> {
  let batch: { body: TrafficMessage }[] = [];
  let bytes = 0;
  const send = async () => {
    if (batch.length) await queue.sendBatch(batch);
    batch = [];
    bytes = 0;
  };
  for (const item of items) {
    for (const part of parts(item)) {
      const body: TrafficMessage = { site, shard: trafficShardOf(item.profile), item: part };
      const b = size(body);
      if (batch.length >= MAX_BATCH_MESSAGES || bytes + b > MAX_BATCH_BYTES) await send();
      batch.push({ body });
      bytes += b;
    }
  }
  await send();
}
