/**
 * What leaves the profile: experiment and attribution increments for the counter shards, traffic
 * increments for the traffic queue (and from there its shards), and messages for webhook destinations. Both are written to outbox tables in the same transaction as
 * the event that caused them; `sendSoon` sends them without holding up the caller, and when a send
 * fails the object's alarm tries again shortly — one path for both, so nothing is lost between the
 * profile and the shards or the queue.
 */
import { flushDestinations, hasPendingMessages } from '../destinations/outbox';
import type { Env } from '../env';
import { shardOf } from '../objects/shards';
import { clearIncrements, pendingIncrements, type Increment, type OutboxItem } from './measure-store';
import type { TrafficItem } from '../traffic/consumer';
import type { MetaStore } from './meta-store';
import { attributionShard, statsShard } from '../objects/stubs';
import { sendTraffic } from '../traffic/producer';

/** How soon a failed send is tried again. */
export const RETRY_MS = 10_000;

export class ProfileOutbox {
  /** Set when the profile is erased: a send still under way then neither writes nor asks for a retry. */
  private closed = false;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    private readonly sql: SqlStorage,
    private readonly meta: MetaStore,
  ) {}

  close(): void {
    this.closed = true;
  }

  pending(): boolean {
    return !this.closed && pendingIncrements(this.sql, 1).length > 0 || hasPendingMessages(this.sql);
  }

  /** Sends what waits now, in the background; a failure is retried by the alarm. */
  sendSoon(): void {
    if (!this.pending()) return;
    this.ctx.waitUntil(
      this.flush().catch(async (err: unknown) => {
        if (this.closed) return;
        console.error('profile outbox: send failed, will retry', err);
        await this.retrySoon();
      }),
    );
  }

  /** Sends everything that waits; throws when a send fails (what was sent stays sent). */
  async flush(): Promise<void> {
    if (this.closed) return;
    await this.flushIncrements();
    await flushDestinations(this.sql, this.env.DESTINATION_QUEUE);
  }

  /** Brings the alarm forward to RETRY_MS from now, unless it is due sooner. */
  async retrySoon(): Promise<void> {
    if (this.closed) return;
    const at = await this.ctx.storage.getAlarm();
    const soon = Date.now() + RETRY_MS;
    if (at === null || at > soon) await this.ctx.storage.setAlarm(soon);
  }

  /** Delivers pending increments to their shards; each leaves the outbox once acknowledged. */
  async flushIncrements(): Promise<number> {
    const site = this.meta.get('site');
    let sent = 0;
    for (let batch = pendingIncrements(this.sql); site && batch.length > 0 && !this.closed; batch = pendingIncrements(this.sql)) {
      const groups = new Map<string, OutboxItem[]>();
      for (const i of batch) {
        const k = i.kind === 'traffic' || i.kind === 'funnel' ? 'traffic' : i.kind === 'attribution' ? `attribution\n${shardOf(i.profile)}` : `${i.experience}\n${shardOf(i.profile)}`;
        groups.set(k, [...(groups.get(k) ?? []), i]);
      }
      await Promise.all(
        [...groups.values()].map(async (items) => {
          const first = items[0]!;
          if (first.kind === 'traffic' || first.kind === 'funnel') {
            // Through the queue: its consumer applies many profiles' increments per shard write.
            await sendTraffic(this.env.TRAFFIC_QUEUE, site, items.filter((i): i is TrafficItem => i.kind === 'traffic' || i.kind === 'funnel'));
          } else if (first.kind === 'attribution') {
            await attributionShard(this.env, site, shardOf(first.profile)).apply(items.filter((i) => i.kind === 'attribution'));
          } else {
            await statsShard(this.env, site, first.experience, shardOf(first.profile)).apply(items.filter((i): i is Increment => i.kind === 'exposure' || i.kind === 'conversion'));
          }
          clearIncrements(this.sql, items.map((i) => i.key));
          sent += items.length;
        }),
      );
    }
    return sent;
  }
}
