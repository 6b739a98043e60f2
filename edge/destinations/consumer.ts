import { sha256Hex } from '../crypto';
import type { Env } from '../env';
import { type DeadLetter, type DeliveryRecord } from '../objects/destination-hub';
import { deliver } from './deliver';
import { backoffSeconds, type DestinationMessage } from './message';
import { destinationHub } from '../objects/stubs';

const DEFAULT_RETRY_SECONDS = 10;

/**
 * The queue consumer. Each message is one webhook: delivered (ack), retried with exponential
 * backoff through the queue's own delay (`retry({ delaySeconds })`), or — after the destination's
 * `maxAttempts` — kept as a dead letter in the site's hub and acknowledged. Every attempt is logged.
 * Messages for a deleted or disabled destination are dropped.
 */
export async function consumeDestinations(batch: MessageBatch<DestinationMessage>, env: Env): Promise<void> {
  const base = Number(env.DESTINATION_RETRY_SECONDS ?? DEFAULT_RETRY_SECONDS);
  const retryBase = Number.isFinite(base) && base >= 0 ? base : DEFAULT_RETRY_SECONDS;
  const bySite = new Map<string, Message<DestinationMessage>[]>();
  for (const m of batch.messages) {
    const site = m.body?.site;
    if (typeof site !== 'string' || !m.body.payload?.id) {
      console.error('destinations: dropping a malformed message', m.id);
      m.ack();
      continue;
    }
    bySite.set(site, [...(bySite.get(site) ?? []), m]);
  }
  await Promise.all(
    [...bySite].map(async ([site, messages]) => {
      const hub = destinationHub(env, site);
      const targets = new Map((await hub.targets(messages.map((m) => m.body.destination))).map((t) => [t.id, t]));
      const log: { destination: string; delivery: DeliveryRecord; deadLetter?: DeadLetter }[] = [];
      // Dead letters are acknowledged only once the hub has them, so none is lost between the two.
      const afterRecord: Message<DestinationMessage>[] = [];
      await Promise.all(
        messages.map(async (m) => {
          const target = targets.get(m.body.destination);
          if (!target?.enabled) return m.ack();
          const attempt = m.attempts;
          const res = await deliver(env, target, m.body, attempt);
          const base = { key: m.body.payload.id, type: m.body.payload.type, attempt, ...res, at: Date.now() };
          if (res.ok) {
            m.ack();
            log.push({ destination: target.id, delivery: { ...base, outcome: 'delivered' } });
          } else if (attempt >= target.maxAttempts) {
            afterRecord.push(m);
            const id = `dl_${(await sha256Hex(`${target.id}\n${m.body.payload.id}`)).slice(0, 20)}`;
            const deadLetter: DeadLetter = {
              id, destination: target.id, key: m.body.payload.id, type: m.body.payload.type, attempts: attempt,
              lastError: res.error, lastStatus: res.status, at: Date.now(), message: m.body,
            };
            log.push({ destination: target.id, delivery: { ...base, outcome: 'dead_letter' }, deadLetter });
          } else {
            m.retry({ delaySeconds: backoffSeconds(attempt, retryBase) });
            log.push({ destination: target.id, delivery: { ...base, outcome: 'retry' } });
          }
        }),
      );
      try {
        if (log.length) await hub.record(log);
        for (const m of afterRecord) m.ack();
      } catch (err) {
        console.error('destinations: could not record deliveries', err);
        for (const m of afterRecord) m.retry({ delaySeconds: retryBase });
      }
    }),
  );
}
