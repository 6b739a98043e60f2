import type { StoredEvent } from '../objects/profile';

/** Where a profile's export page stopped: the last event's sort key. */
export interface ExportCursor {
  ts: number;
  receivedAt: number;
  id: string;
}

interface Row extends Record<string, SqlStorageValue> {
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

/**
 * One page of a profile's events with `from <= ts <= to`, oldest first (ts, then time received,
 * then id), after `cursor`: keyset pagination, so each page is an index range read however deep.
 */
export function exportPage(sql: SqlStorage, from: number, to: number, cursor: ExportCursor | null, limit: number): StoredEvent[] {
  const rows = cursor
    ? sql.exec<Row>(
        `SELECT * FROM events WHERE ts <= ? AND (ts, received_at, id) > (?, ?, ?) AND ts >= ?
         ORDER BY ts, received_at, id LIMIT ?`,
        to, cursor.ts, cursor.receivedAt, cursor.id, from, limit,
      )
    : sql.exec<Row>('SELECT * FROM events WHERE ts >= ? AND ts <= ? ORDER BY ts, received_at, id LIMIT ?', from, to, limit);
  return rows.toArray().map((r) => ({
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
    props: r.props ? (JSON.parse(r.props) as StoredEvent['props']) : null,
  }));
}
