/**
 * What the activity feed remembers of erased people, so that their events still in the feed's
 * queue when they were erased are dropped on arrival instead of reappearing after the erasure.
 * Only events received before the erasure are dropped: the same browser coming back later is a
 * new visit and shows up again.
 */
import type { FeedEvent } from '../../protocol/events';

/** Longer than a message can wait in the queue (retries included). */
export const ERASED_KEEP_MS = 7 * 24 * 3_600_000;
/** Allowance for the clock of the edge that stamped `receivedAt` against this object's. */
const SKEW_MS = 5_000;

const profileKey = (id: string) => `p:${id}`;
const browserKey = (id: string) => `a:${id}`;

export const ERASED_TABLE = 'CREATE TABLE IF NOT EXISTS erased (key TEXT PRIMARY KEY, at INTEGER NOT NULL)';

/** Records an erasure (call inside the transaction that forgets the person's rows). */
export function rememberErased(sql: SqlStorage, profileIds: readonly string[], anonymousIds: readonly string[], now: number): void {
  sql.exec('DELETE FROM erased WHERE at < ?', now - ERASED_KEEP_MS);
  const upsert = 'INSERT INTO erased (key, at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET at = excluded.at';
  for (const id of profileIds) sql.exec(upsert, profileKey(id), now);
  for (const id of anonymousIds) sql.exec(upsert, browserKey(id), now);
}

/** The events not received before their profile or browser was erased (all of them, nearly always: one read). */
export function withoutErased(sql: SqlStorage, events: FeedEvent[], now: number): FeedEvent[] {
  const since = now - ERASED_KEEP_MS;
  if (sql.exec('SELECT 1 FROM erased WHERE at >= ? LIMIT 1', since).toArray().length === 0) return events;
  const erasedAt = new Map<string, number>();
  const at = (key: string) => {
    let t = erasedAt.get(key);
    if (t === undefined) {
      t = sql.exec<{ at: number }>('SELECT at FROM erased WHERE key = ? AND at >= ?', key, since).toArray()[0]?.at ?? -Infinity;
      erasedAt.set(key, t);
    }
    return t;
  };
  return events.filter((e) => e.receivedAt > Math.max(at(profileKey(e.profileId)), at(browserKey(e.anonymousId))) + SKEW_MS);
}
