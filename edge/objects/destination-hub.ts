import { DurableObject } from 'cloudflare:workers';
import type { Destination, DestinationInput, DestinationRoute } from '../../protocol/destinations';
import type { DestinationMessage } from '../destinations/message';
import type { Env } from '../env';

/** One delivery attempt as the deliveries log shows it. */
export interface DeliveryRecord {
  key: string;
  type: string;
  attempt: number;
  /** HTTP status of the receiver's answer; 0 when it never answered (network error, timeout). */
  status: number;
  ok: boolean;
  error: string | null;
  durationMs: number;
  at: number;
  /** What happened next: delivered, retry (with the delay), dead_letter. */
  outcome: 'delivered' | 'retry' | 'dead_letter' | 'test';
}

export interface DeadLetter {
  id: string;
  destination: string;
  key: string;
  type: string;
  attempts: number;
  lastError: string | null;
  lastStatus: number;
  at: number;
  message: DestinationMessage;
}

/** What the consumer needs to sign and send; the secret never leaves the edge. */
export interface DeliveryTarget {
  id: string;
  url: string;
  secret: string;
  enabled: boolean;
  maxAttempts: number;
}

/** A stored destination; one saved before moments existed subscribed to none. */
function stored(body: string): Destination {
  const d = JSON.parse(body) as Destination;
  return { ...d, moments: d.moments ?? [] };
}

/** Deliveries kept per destination (the newest). */
const KEEP_DELIVERIES = 200;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS destinations (id TEXT PRIMARY KEY, body TEXT NOT NULL, secret TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (seq INTEGER PRIMARY KEY AUTOINCREMENT, destination TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS deliveries_dest ON deliveries (destination, seq);
CREATE TABLE IF NOT EXISTS dead_letters (id TEXT PRIMARY KEY, destination TEXT NOT NULL, at INTEGER NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS dead_letters_dest ON dead_letters (destination, at);
`;

/**
 * A site's webhook destinations: their settings and signing secrets, the recent deliveries and the
 * dead letters. Never on a visitor's path: profiles read the routes through a per-isolate cache,
 * and the queue consumer asks once per batch.
 */
export class DestinationHub extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(SCHEMA);
  }

  list(): Destination[] {
    return this.sql
      .exec<{ body: string }>('SELECT body FROM destinations ORDER BY created_at, id')
      .toArray()
      .map((r) => stored(r.body));
  }

  get(id: string): Destination | null {
    const row = this.sql.exec<{ body: string }>('SELECT body FROM destinations WHERE id = ?', id).toArray()[0];
    return row ? stored(row.body) : null;
  }

  /** Null when the id is taken. */
  create(input: DestinationInput & { id: string }, secret: string, now: number): Destination | null {
    if (this.get(input.id)) return null;
    const doc: Destination = { ...input, createdAt: now, updatedAt: now };
    this.sql.exec('INSERT INTO destinations (id, body, secret, created_at) VALUES (?, ?, ?, ?)', doc.id, JSON.stringify(doc), secret, now);
    return doc;
  }

  /** Replaces the editable fields; a new secret when given. */
  replace(id: string, fields: Omit<Destination, 'id' | 'createdAt' | 'updatedAt'>, now: number, secret?: string): Destination | null {
    const prev = this.get(id);
    if (!prev) return null;
    const doc: Destination = { ...fields, id, createdAt: prev.createdAt, updatedAt: now };
    this.sql.exec('UPDATE destinations SET body = ? WHERE id = ?', JSON.stringify(doc), id);
    if (secret) this.sql.exec('UPDATE destinations SET secret = ? WHERE id = ?', secret, id);
    return doc;
  }

  /** Deletes the destination with its log; its dead letters go too (nobody can replay them). */
  delete(id: string): boolean {
    return this.ctx.storage.transactionSync(() => {
      const gone = this.sql.exec('DELETE FROM destinations WHERE id = ?', id).rowsWritten > 0;
      this.sql.exec('DELETE FROM deliveries WHERE destination = ?', id);
      this.sql.exec('DELETE FROM dead_letters WHERE destination = ?', id);
      return gone;
    });
  }

  /** The enabled destinations' filters, for profiles to route by. */
  routes(): DestinationRoute[] {
    return this.list()
      .filter((d) => d.enabled)
      .map((d) => ({ id: d.id, events: d.events, audiences: d.audiences, moments: d.moments }));
  }

  targets(ids: string[]): DeliveryTarget[] {
    const out: DeliveryTarget[] = [];
    for (const id of new Set(ids)) {
      const row = this.sql.exec<{ body: string; secret: string }>('SELECT body, secret FROM destinations WHERE id = ?', id).toArray()[0];
      if (!row) continue;
      const d = JSON.parse(row.body) as Destination;
      out.push({ id, url: d.url, secret: row.secret, enabled: d.enabled, maxAttempts: d.maxAttempts });
    }
    return out;
  }

  /** Appends attempts to the log (and dead letters), keeping the newest per destination. */
  record(attempts: { destination: string; delivery: DeliveryRecord; deadLetter?: DeadLetter }[]): void {
    this.ctx.storage.transactionSync(() => {
      const touched = new Set<string>();
      for (const a of attempts) {
        this.sql.exec('INSERT INTO deliveries (destination, body) VALUES (?, ?)', a.destination, JSON.stringify(a.delivery));
        touched.add(a.destination);
        if (a.deadLetter) {
          this.sql.exec(
            'INSERT OR REPLACE INTO dead_letters (id, destination, at, body) VALUES (?, ?, ?, ?)',
            a.deadLetter.id, a.destination, a.deadLetter.at, JSON.stringify(a.deadLetter),
          );
        }
      }
      for (const d of touched) {
        this.sql.exec(
          'DELETE FROM deliveries WHERE destination = ? AND seq <= (SELECT MAX(seq) FROM deliveries WHERE destination = ?) - ?',
          d, d, KEEP_DELIVERIES,
        );
      }
    });
  }

  /** Newest first. */
  deliveries(destination: string, limit: number): DeliveryRecord[] {
    return this.sql
      .exec<{ body: string }>('SELECT body FROM deliveries WHERE destination = ? ORDER BY seq DESC LIMIT ?', destination, limit)
      .toArray()
      .map((r) => JSON.parse(r.body) as DeliveryRecord);
  }

  /** Oldest first; one destination's or the whole site's. */
  deadLetters(destination: string | null, limit: number): DeadLetter[] {
    const rows = destination
      ? this.sql.exec<{ body: string }>('SELECT body FROM dead_letters WHERE destination = ? ORDER BY at, id LIMIT ?', destination, limit)
      : this.sql.exec<{ body: string }>('SELECT body FROM dead_letters ORDER BY at, id LIMIT ?', limit);
    return rows.toArray().map((r) => JSON.parse(r.body) as DeadLetter);
  }

  /** Removes and returns a dead letter, for replay; null when there is none by that id. */
  take(id: string): DeadLetter | null {
    const row = this.sql.exec<{ body: string }>('SELECT body FROM dead_letters WHERE id = ?', id).toArray()[0];
    if (!row) return null;
    this.sql.exec('DELETE FROM dead_letters WHERE id = ?', id);
    return JSON.parse(row.body) as DeadLetter;
  }

  /**
   * Forgets erased people: their dead letters (which carry their events) and the delivery log's
   * entries for their messages (whose keys name the profile).
   */
  forget(profileIds: string[]): void {
    this.ctx.storage.transactionSync(() => {
      for (const id of profileIds) {
        this.sql.exec("DELETE FROM dead_letters WHERE json_extract(body, '$.message.payload.profileId') = ?", id);
        this.sql.exec("DELETE FROM deliveries WHERE instr(json_extract(body, '$.key'), ?) > 0", `_${id}_`);
      }
    });
  }

  /** Puts a dead letter back when its replay could not be queued. */
  restore(letter: DeadLetter): void {
    this.sql.exec('INSERT OR REPLACE INTO dead_letters (id, destination, at, body) VALUES (?, ?, ?, ?)', letter.id, letter.destination, letter.at, JSON.stringify(letter));
  }
}
