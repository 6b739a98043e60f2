import { openDB, type DBSchema } from 'idb';
import { OUTBOX_FLAG, type Delivery, type OutboxModule, type Queued } from './types';

/**
 * Durable delivery, imported only after a send failed or an earlier page left events behind, so a
 * normal page view never pays for it. Every unsent event sits in IndexedDB (through idb) until the
 * edge acknowledged it; retries back off exponentially with jitter and honour Retry-After.
 *
 * Two tabs never send the same stored event: each event is claimed by one tab, inside a readwrite
 * transaction (IndexedDB serialises those across tabs). A tab holds a Web Lock named after its id
 * for as long as it lives (the id survives reloads through sessionStorage), so a claim is honoured
 * while its tab's lock is held and taken over once the tab is gone. Without Web Locks a claim
 * expires after CLAIM_MS.
 */
interface Stored extends Queued {
  /** the claiming tab ('' = free) and when it claimed */
  c: string;
  at: number;
  /** approximate size in bytes (JSON length) */
  b: number;
}

interface OutboxDB extends DBSchema {
  events: { key: string; value: Stored; indexes: { ts: number } };
}

/** The part of an idb object store the outbox uses; an in-memory stand-in has the same shape. */
interface Store {
  put(s: Stored): unknown;
  delete(id: string): unknown;
  clear(): unknown;
  count(): Promise<number>;
  /** All events, oldest first. */
  index(name: 'ts'): { getAll(): Promise<Stored[]> };
}

/** Bounds: the oldest events go first past these, and the loss is reported, never silent. */
const MAX_EVENTS = 1000;
const MAX_BYTES = 2e6;
const CLAIM_MS = 12e4;

export const open: OutboxModule['open'] = async ({ site_: site, post_: post, beacon_: beacon, debug_: debug, rid_: rid, save_: save }) => {
  let tab = rid();
  try {
    // One id per tab that survives reloads, so a reloaded page knows its own stored events.
    sessionStorage.setItem('_attune_tab', (tab = sessionStorage.getItem('_attune_tab') || tab));
  } catch {}
  // Private modes and blocked storage make indexedDB throw (even synchronously) or fail to open:
  // then events wait in this page's memory, behind the same interface.
  const db = await Promise.resolve()
    .then(() =>
      openDB<OutboxDB>('attune:' + site, 1, {
        upgrade: (db) => void db.createObjectStore('events', { keyPath: 'e.id' }).createIndex('ts', 'e.ts'),
      }),
    )
    .catch((err) => debug('IndexedDB unavailable; the outbox keeps events in memory', err));
  let memory: Record<string, Stored> = {};
  const all = async () => Object.values(memory).sort((x, y) => x.e.ts - y.e.ts);
  const inMemory: Store = {
    put: (s) => (memory[s.e.id] = s),
    delete: (id) => delete memory[id],
    clear: () => (memory = {}),
    count: async () => (await all()).length,
    index: () => ({ getAll: all }),
  };
  /** One readwrite transaction: `done` settles once it committed. */
  const tx = (): { store: Store; done?: Promise<void> } => (db ? db.transaction('events', 'readwrite') : { store: inMemory });

  const lock = (id: string) => 'attune-tab:' + id;
  const locks = navigator.locks;
  // Held until the page goes away: other tabs read it as "this tab is alive". Taken before the
  // first claim, so no tab can see this tab's claims without seeing its lock.
  if (locks) await new Promise<void>((held) => void locks.request(lock(tab), () => (held(), new Promise(() => {}))));

  let dropped = 0;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout>;
  let inflight: Promise<void> | 0 = 0;
  let claimed: Queued[] = []; // what this tab last claimed, for a synchronous beacon on pagehide

  /** Claims what this tab may send (its own, free, or its dead tab's), oldest first, and returns it. */
  const claimNow = async (): Promise<Queued[]> => {
    const now = Date.now();
    const live = locks && new Set((await locks.query()).held!.map((l) => l.name));
    const t = tx();
    const out = (await t.store.index('ts').getAll()).filter((s) => !s.c || s.c == tab || (live ? !live.has(lock(s.c)) : now - s.at > CLAIM_MS));
    for (const s of out) t.store.put({ ...s, c: tab, at: now });
    await t.done;
    return out;
  };

  // Claims are made one tab at a time, so the set of live tabs a claim looks at cannot go stale.
  const claim = () => (locks ? locks.request('attune-claim:' + site, claimNow) : claimNow());

  const add = async (q: Queued) => {
    const t = tx();
    t.store.put({ ...q, c: tab, at: Date.now(), b: JSON.stringify(q.e).length });
    // Oldest first: what goes when the bounds are hit.
    const stored = await t.store.index('ts').getAll();
    let count = stored.length;
    let bytes = stored.reduce((n, x) => n + x.b, 0);
    for (const x of stored) if (count > MAX_EVENTS || bytes > MAX_BYTES) count--, (bytes -= x.b), dropped++, t.store.delete(x.e.id);
    await t.done;
  };

  const schedule = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(flush, ms);
  };

  const flush = (): Promise<void> =>
    (inflight ||= (async () => {
      clearTimeout(timer);
      let items = (claimed = await claim());
      if (dropped && items[0]) {
        // The bound was hit while offline: say so in the data instead of losing events silently.
        items.push({ a: items[0].a, e: { id: rid(), type: 'signal', name: 'outbox_overflow', ts: Date.now(), props: { dropped } } });
        dropped = 0;
      }
      while (items[0]) {
        const [batch, wait] = await post(items);
        if (wait != 0) {
          // Retry-After when given (capped at 5 min), else 1 s, 2 s, 4 s … 60 s with ±50% jitter.
          return schedule(wait >= 0 ? Math.min(wait, 3e5) : Math.min(6e4, 500 * 2 ** ++failures) * (0.5 + Math.random()));
        }
        failures = 0;
        const t = tx();
        for (const q of batch) t.store.delete(q.e.id);
        await t.done;
        claimed = items = items.filter((q) => !batch.includes(q));
      }
      if (!(await tx().store.count())) save(OUTBOX_FLAG, null);
    })().finally(() => (inflight = 0)));

  return {
    push_: (q) => void add(q).then(() => schedule(1e3)),
    flush_: flush,
    beacon_() {
      // A last try; the events stay stored until a later page sees them acknowledged.
      if (claimed[0]) beacon(claimed);
    },
    clear_: () => void tx().store.clear(),
  } satisfies Delivery;
};
