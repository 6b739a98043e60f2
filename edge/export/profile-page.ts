import type { StoredEvent } from '../objects/profile';
import { toStoredEvent, type EventRow } from '../profiles/event-row';

/** Where a profile's export page stopped: the last event's sort key. */
export interface ExportCursor {
  ts: number;
  receivedAt: number;
  id: string;
}

/**
 * One page of a profile's events with `from <= ts <= to`, oldest first (ts, then time received,
 * then id), after `cursor`: keyset pagination, so each page is an index range read however deep.
 */
export function exportPage(sql: SqlStorage, from: number, to: number, cursor: ExportCursor | null, limit: number): StoredEvent[] {
  const rows = cursor
    ? sql.exec<EventRow>(
        `SELECT * FROM events WHERE ts <= ? AND (ts, received_at, id) > (?, ?, ?) AND ts >= ?
         ORDER BY ts, received_at, id LIMIT ?`,
        to, cursor.ts, cursor.receivedAt, cursor.id, from, limit,
      )
    : sql.exec<EventRow>('SELECT * FROM events WHERE ts >= ? AND ts <= ? ORDER BY ts, received_at, id LIMIT ?', from, to, limit);
  return rows.toArray().map(toStoredEvent);
}
