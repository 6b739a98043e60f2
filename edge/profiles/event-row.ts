import type { Props } from '../../protocol/events';
import type { StoredEvent } from '../objects/profile';

/** An event as a profile's SQLite `events` table holds it. */
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
