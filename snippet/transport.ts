import type { CollectResponse } from '../protocol/events';
import { save } from './ids';
import type { Delivery, Post, Queued } from './types';

export const OUTBOX_FLAG = '_attune_ob';
// Characters, not bytes: even all-3-byte UTF-8 stays under the 64 KiB keepalive/sendBeacon budget.
const MAX_CHARS = 2e4;

/**
 * The happy path of delivery: batch in memory, send, forget once the edge answered 202. On the
 * first failure everything is handed to the durable outbox (snippet/outbox.ts, imported lazily),
 * which keeps events in IndexedDB and retries with backoff until they are acknowledged.
 */
export function createPost(endpoint: string, envelope: (a: string) => object, onToken: (t: string, a: string) => void): [Post, (items: Queued[]) => [Queued[], string]] {
  /** The next batch (one anonymous id, within the byte budget) and its body. */
  const take = (items: Queued[]): [Queued[], string] => {
    const batch = items.filter((q) => q.a == items[0]!.a).slice(0, 50);
    let body: string;
    while ((body = JSON.stringify({ ...envelope(batch[0]!.a), events: batch.map((q) => q.e) })).length > MAX_CHARS && batch[1]) batch.length >>= 1;
    return [batch, body];
  };
  const post: Post = async (items) => {
    const [batch, body] = take(items);
    try {
      const res = await fetch(endpoint, { method: 'POST', body, keepalive: true });
      const s = res.status;
      if (s < 300) {
        const r: CollectResponse = await res.json();
        onToken(r.profileToken, batch[0]!.a);
      }
      // 4xx other than 408/429 cannot succeed by resending: drop. Else Retry-After, or back off.
      return [batch, s < 300 || (s < 500 && s != 408 && s != 429) ? 0 : parseFloat(res.headers.get('retry-after')!) * 1e3];
    } catch {
      return [batch, NaN];
    }
  };
  return [post, take];
}

export function createTransport(
  post: Post,
  take: (items: Queued[]) => [Queued[], string],
  endpoint: string,
  durable: () => Promise<Delivery>,
  debug: (...a: unknown[]) => void,
): Delivery & { persist(): void } {
  let queue: Queued[] = [];
  let timer: ReturnType<typeof setTimeout>;
  let inflight: Promise<void> | 0 = 0;
  let outbox: Promise<Delivery | 0> | 0 = 0;
  let failures = 0;
  const schedule = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(flush, ms);
  };
  const drop = (batch: Queued[]) => (queue = queue.filter((q) => !batch.includes(q)));

  const persist = () =>
    (outbox ||= durable().then(
      (o) => (queue.forEach(o.push), (queue = []), o.flush(), o),
      (err) => {
        // No outbox (CSP, private mode): events stay in memory and are retried from here.
        debug('outbox unavailable; events stay in memory', err);
        outbox = 0;
        schedule(Math.min(6e4, 1e3 * 2 ** ++failures));
        return 0;
      },
    ));

  const flush = (): Promise<void> =>
    outbox
      ? outbox.then((o) => void (o && o.flush()))
      : (clearTimeout(timer),
        (inflight ||= (async () => {
          while (queue[0] && !outbox) {
            const [batch, wait] = await post(queue);
            if (wait == 0) drop(batch), (failures = 0);
            else {
              debug('send failed; keeping events in the outbox');
              save(OUTBOX_FLAG, '1');
              await persist();
              break;
            }
          }
        })().finally(() => (inflight = 0))));

  addEventListener('online', () => void flush());

  return {
    push(q) {
      if (outbox) void outbox.then((o) => (o ? o.push(q) : queue.push(q)));
      // Without an outbox while backing off: no send per event, and memory stays bounded.
      else if (failures) queue.push(q) > 1e3 && queue.shift();
      else if (queue.push(q) > 19) void flush();
      else if (!inflight) schedule(1e3);
    },
    flush,
    persist: () => void persist(),
    beacon() {
      if (outbox) return void outbox.then((o) => o && o.beacon());
      if (!queue[0]) return;
      // Overlap with an in-flight fetch is harmless: the edge counts an event id once.
      const [batch, body] = take(queue);
      if (navigator.sendBeacon(endpoint, body)) drop(batch);
    },
    clear() {
      queue = [];
      if (outbox) void outbox.then((o) => o && o.clear());
    },
  };
}
