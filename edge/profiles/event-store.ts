/**
 * The profile's timeline: the `events` table, deduplicated by event id. Reads are shaped for what
 * asks: the journey page by page, the export by keyset, event counts per day for time-window
 * rules, a funnel's steps.
 */
import type { Props, StoredEvent } from '../../protocol/events';
import { inScope, type Scope } from './scope';

/** An event as the `events` table holds it. */
export interface EventRow extends Record<string, SqlStorageValue> {
  id: string;
  type: string;
  name: string | null;
  ts: number;
  received_at: number;
  anonymous_id: string;
  url: string | null;
  path: string | null;
  title: string | null;
  referrer: string | null;
  context: string | null;
  props: string | null;
}

/** A stored row as the API, the feed, webhooks and the export show it. */
export function toStoredEvent(r: EventRow): StoredEvent {
  return {
    id: r.id,
    type: r.type as StoredEvent['type'],
    name: r.name,
    ts: r.ts,
    receivedAt: r.received_at,
    anonymousId: r.anonymous_id,
    url: r.url,
    path: r.path,
    title: r.title,
    referrer: r.referrer,
    context: r.context ? (JSON.parse(r.context) as StoredEvent['context']) : null,
    props: r.props ? (JSON.parse(r.props) as Props) : null,
  };
}

/** Where a profile's export page stopped: the last event's sort key. */
export interface ExportCursor {
  ts: number;
  receivedAt: number;
  id: string;
}

export type DayCount = { name: string; day: string; n: number };

export class EventStore {
  constructor(private readonly sql: SqlStorage) {}

  /** Stores an event unless its id is already stored; says whether it was new. */
  insert(row: StoredEvent): boolean {
    return (
      this.sql.exec(
        `INSERT OR IGNORE INTO events (id, type, name, ts, received_at, anonymous_id, url, path, title, referrer, context, props)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        row.id, row.type, row.name, row.ts, row.receivedAt, row.anonymousId, row.url, row.path, row.title, row.referrer,
        row.context ? JSON.stringify(row.context) : null, row.props ? JSON.stringify(row.props) : null,
      ).rowsWritten > 0
    );
  }

  count(): number {
    return this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM events').one().n;
  }

  /** The journey, oldest first, by offset. */
  page(limit: number, offset: number): StoredEvent[] {
    return this.sql
      .exec<EventRow>('SELECT * FROM events ORDER BY ts, received_at, id LIMIT ? OFFSET ?', limit, offset)
      .toArray()
      .map(toStoredEvent);
  }

  /**
   * Events with `from <= ts <= to`, oldest first (ts, then time received, then id), after `cursor`:
   * keyset pagination, so each page of an export is an index range read however deep.
   */
  exportPage(from: number, to: number, cursor: ExportCursor | null, limit: number): StoredEvent[] {
    const rows = cursor
      ? this.sql.exec<EventRow>(
          `SELECT * FROM events WHERE ts <= ? AND (ts, received_at, id) > (?, ?, ?) AND ts >= ?
           ORDER BY ts, received_at, id LIMIT ?`,
          to, cursor.ts, cursor.receivedAt, cursor.id, from, limit,
        )
      : this.sql.exec<EventRow>('SELECT * FROM events WHERE ts >= ? AND ts <= ? ORDER BY ts, received_at, id LIMIT ?', from, to, limit);
    return rows.toArray().map(toStoredEvent);
  }

  /**
   * Events per name per UTC day since `since`, for all names or only `names` (what event-count
   * rules read). Derived from the timeline itself, so merges, unmerges and retention never leave
   * it out of step.
   */
  countsPerDay(since: number, names?: readonly string[], scope?: Scope): DayCount[] {
    const only = names ? ` AND COALESCE(name, type) IN (${names.map(() => '?').join(', ')})` : '';
    const whose = inScope(scope, 'anonymous_id');
    return this.sql
      .exec<DayCount>(
        `SELECT COALESCE(name, type) AS name, date(ts / 1000, 'unixepoch') AS day, COUNT(*) AS n
         FROM events WHERE ts >= ?${only}${whose.sql} GROUP BY 1, 2 ORDER BY 2, 1`,
        since, ...(names ?? []), ...whose.args,
      )
      .toArray();
  }

  /**
   * What a funnel reads: the events between `from` and `to`, oldest first; with `only` (the funnel's
   * steps), just those that match one of them as matchesStep does (edge/measure/funnel.ts), since
   * the rest cannot move anyone through it. Measured on a 3,000-event timeline: 60 rows, ~5x faster.
   */
  steps(
    from: number,
    to: number,
    only?: readonly { type?: string; name?: string; path?: string }[],
  ): { type: string; name: string | null; path: string | null; ts: number }[] {
    const conditions: string[] = [];
    const args: SqlStorageValue[] = [];
    for (const s of only ?? []) {
      const parts: string[] = [];
      const match = (test: string, value: string) => {
        parts.push(test);
        args.push(value);
      };
      if (s.type !== undefined) match('type = ?', s.type);
      if (s.name !== undefined) match('name = ?', s.name);
      // A prefix matches a missing path as an empty one, as matchesStep does.
      if (s.path?.endsWith('*')) match("instr(COALESCE(path, ''), ?) = 1", s.path.slice(0, -1));
      else if (s.path !== undefined) match('path = ?', s.path);
      if (parts.length === 0) return this.steps(from, to); // a step that matches every event
      conditions.push(`(${parts.join(' AND ')})`);
    }
    const which = conditions.length > 0 ? ` AND (${conditions.join(' OR ')})` : '';
    return this.sql
      .exec<{ type: string; name: string | null; path: string | null; ts: number }>(
        // received_at, rowid: ties in the order the events_ts index gives, whichever index serves the filter.
        `SELECT type, name, path, ts FROM events WHERE ts >= ? AND ts <= ?${which} ORDER BY ts, received_at, rowid`, from, to, ...args,
      )
      .toArray();
  }

  /** The signals seen since `since` (the current session's), each once. */
  signalsSince(since: number, scope?: Scope): string[] {
    const whose = inScope(scope, 'anonymous_id');
    return this.sql
      .exec<{ name: string }>(`SELECT DISTINCT name FROM events WHERE type = 'signal' AND ts >= ?${whose.sql}`, since, ...whose.args)
      .toArray()
      .map((r) => r.name);
  }

  /** The experiences whose variant the scope's browsers reported shown. */
  exposedIn(scope: Scope): string[] {
    const whose = inScope(scope, 'anonymous_id');
    return this.sql
      .exec<{ e: string }>(
        `SELECT DISTINCT json_extract(props, '$.experience') AS e FROM events WHERE type = 'track' AND name = '$exposure'${whose.sql} AND e IS NOT NULL`,
        ...whose.args,
      )
      .toArray()
      .map((r) => r.e);
  }

  /** How often `path` was viewed since `since`. */
  viewsOf(path: string, since: number): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM events WHERE type = 'page' AND path = ? AND ts >= ?", path, since).one().n;
  }

  /** Retention: drops events older than `before`; returns how many are left. */
  purgeBefore(before: number): number {
    this.sql.exec('DELETE FROM events WHERE ts < ?', before);
    return this.count();
  }
}
