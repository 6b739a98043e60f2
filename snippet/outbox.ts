import { OUTBOX_FLAG_KEY } from '../protocol/storage';
import { debug } from './debug';
import type { Delivery, MoreModule, Queued } from './types';

/**
 * Durable delivery, imported only after a send failed or an earlier page left events behind, so a
 * normal page view never pays for it. Every unsent event sits in IndexedDB until the edge
 * acknowledged it; retries back off exponentially with jitter and honour Retry-After.
 *
 * Two tabs never send the same stored event at once: a tab reads, sends and deletes stored events
 * only while it holds the site's exclusive Web Lock, which the browser hands to one tab at a time
 * and frees when a tab goes away. Whatever the holder did not get acknowledged is still stored for
 * the next holder; the edge counts an event id once, so a retry after a lost answer is harmless.
 * Where IndexedDB cannot be opened (private modes, blocked storage) `open` rejects and the core
 * keeps events in the page's memory instead.
 *
 * IndexedDB is used directly, through the two promise helpers below, rather than through idb: its
 * proxy wrapping cost 740 B gzip, an eighth of the whole tag's 6 KB budget, for the six calls made
 * here. As with idb, a transaction stays open across the `await` of one of its own requests.
 */
interface Stored extends Queued {
  /** approximate size in bytes (JSON length) */
  b: number;
}

/** The one store: events by id (`e.id`), with the `ts` index (`e.ts`) to read them oldest first. */
const STORE = 'events';

/** A request's result, or its error. */
const result = <T>(r: IDBRequest<T>) =>
  new Promise<T>((ok, fail) => {
    r.onsuccess = () => ok(r.result);
    r.onerror = () => fail(r.error);
  });

/** Resolves once the transaction committed (idb's `tx.done`): only then is a delete durable. */
const committed = (t: IDBTransaction) =>
  new Promise<void>((ok, fail) => {
    t.oncomplete = () => ok();
    t.onerror = t.onabort = () => fail(t.error);
  });

/** Bounds: the oldest events go first past these, and the loss is reported, never silent. */
const MAX_EVENTS = 1000;
const MAX_BYTES = 2e6;

export const open: MoreModule['o'] = async (t) => {
  const { post_: post, beacon_: beacon, rid_: rid, save_: save } = t;
  const site = t.data_.site!;
  let db: IDBDatabase;
  try {
    // Private modes and blocked storage make indexedDB throw, even synchronously, or fail to open.
    const req = indexedDB.open('attune:' + site, 1);
    req.onupgradeneeded = () => void req.result.createObjectStore(STORE, { keyPath: 'e.id' }).createIndex('ts', 'e.ts');
    db = await result(req);
  } catch (err) {
    debug(t, 'IndexedDB unavailable', err); // events wait in memory
    throw err;
  }
  const tx = () => db.transaction(STORE, 'readwrite');
  const oldestFirst = (t = tx()) => result<Stored[]>(t.objectStore(STORE).index('ts').getAll());
  const locks = navigator.locks;

  let dropped = 0;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | 0 = 0;
  let inflight: Promise<void> | 0 = 0;
  let holding: Queued[] = []; // what this tab read under the lock and has not seen acknowledged

  const add = async (q: Queued) => {
    save(OUTBOX_FLAG_KEY, '1'); // a later page sends what this one could not
    const t = tx();
    const store = t.objectStore(STORE);
    const done = committed(t);
    store.put({ ...q, b: JSON.stringify(q.e).length } satisfies Stored);
    const stored = await oldestFirst(t);
    let count = stored.length;
    let bytes = stored.reduce((n, x) => n + x.b, 0);
    for (const x of stored) if (count > MAX_EVENTS || bytes > MAX_BYTES) count--, (bytes -= x.b), dropped++, store.delete(x.e.id);
    await done;
  };

  const schedule = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(flush, ms);
  };

  /** Sends what is stored, oldest first, holding the lock; returns how long to wait before retrying (0: all sent). */
  const drain = async (): Promise<number> => {
    let items: Queued[];
    // Read again after each round: events stored meanwhile (by this tab or another) go too.
    while ((items = holding = await oldestFirst())[0]) {
      if (dropped) {
        // The bound was hit while offline: say so in the data instead of losing events silently.
        items.push({ a: items[0].a, e: { id: rid(), type: 'signal', name: 'outbox_overflow', ts: Date.now(), props: { dropped } } });
        dropped = 0;
      }
      while (items[0]) {
        const [batch, res] = await post(items);
        if (res != 0) {
          // Retry-After when given (capped at 5 min; 0 too is a retry, never "done"), else 1 s, 2 s,
          // 4 s … 60 s with ±50% jitter.
          const wait = (res && parseFloat(res.headers.get('retry-after')!) * 1e3) || NaN;
          return wait >= 0 ? Math.min(wait, 3e5) : Math.min(6e4, 500 * 2 ** ++failures) * (0.5 + Math.random());
        }
        failures = 0;
        const t = tx();
        for (const q of batch) t.objectStore(STORE).delete(q.e.id);
        await committed(t);
        holding = items = items.filter((q) => !batch.includes(q));
      }
    }
    save(OUTBOX_FLAG_KEY, null);
    return 0;
  };

  const flush = (): Promise<void> => (
    clearTimeout(timer),
    (timer = 0),
    (inflight ||= (async () => {
      const wait = await (locks ? locks.request('attune:' + site, drain) : drain()).finally(() => (holding = []));
      if (wait) schedule(wait);
    })().finally(() => (inflight = 0)))
  );

  return {
    // A new event waits at most a second, and never cuts a backoff or a Retry-After short.
    push_: (q) => void add(q).then(() => timer || schedule(1e3)),
    flush_: flush,
    // A last try, only by the tab holding the lock (no other tab is sending these); the events stay
    // stored until a later page sees them acknowledged.
    beacon_: () => holding[0] && beacon(holding),
    clear_: () => void tx().objectStore(STORE).clear(),
  } satisfies Delivery;
};
