import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import type { FeedEvent } from '../../protocol/events';
import type { Rejection } from '../../protocol/rejections';
import { ERASED_TABLE, rememberErased, withoutErased } from '../feed/erased';
import { Schema, type Migration } from './migrations';

/** How many recent events a site's feed keeps. */
const KEEP = 1000;
/** How many refused messages it keeps. */
const KEEP_REJECTIONS = 200;
/** The KV key counting `append` calls: the writes the per-site budget is about. */
const APPENDS_KEY = 'appends';
const SEEN_UPSERT = 'INSERT INTO seen (profile_id, last_seen) VALUES (?, ?) ON CONFLICT (profile_id) DO UPDATE SET last_seen = MAX(last_seen, excluded.last_seen)';

const FEED_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'recent events, and who was seen when',
    up(sql) {
      sql.exec('CREATE TABLE IF NOT EXISTS recent (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL)');
      // Who was seen lately: the population audience size estimates sample from.
      sql.exec('CREATE TABLE IF NOT EXISTS seen (profile_id TEXT PRIMARY KEY, last_seen INTEGER NOT NULL)');
      sql.exec('CREATE INDEX IF NOT EXISTS seen_last ON seen (last_seen)');
    },
  },
  {
    version: 2,
    name: 'refused messages',
    up(sql) {
      sql.exec('CREATE TABLE rejections (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL)');
    },
  },
  {
    version: 3,
    name: 'queued appends: one row per event, and erased people',
    up(sql) {
      // The queue delivers at least once: a redelivered event finds its key taken (older rows have none).
      sql.exec('ALTER TABLE recent ADD COLUMN event_key TEXT');
      sql.exec('CREATE UNIQUE INDEX recent_event ON recent (event_key)');
      sql.exec(ERASED_TABLE);
    },
  },
];

/** What a live socket receives: the events of one accepted batch, oldest first. */
export interface LiveMessage {
  events: FeedEvent[];
}

/**
 * A site's most recent events, for the dashboard. Written by the `attune-feed` queue's consumer,
 * one `append` per site for up to 100 accepted batches (edge/feed/), so no visitor request waits
 * on this per-site object and a busy site does not write it once per request.
 *
 * Live: the dashboard's sockets are accepted with the hibernation API (`ctx.acceptWebSocket`),
 * so an idle feed with watchers open is evicted from memory and costs nothing; each append wakes
 * it and broadcasts the batch. Authentication happens before the upgrade reaches the object.
 */
export class ActivityFeed extends DurableObject<Env> {
  private readonly schema = new Schema(this.ctx.storage, FEED_MIGRATIONS);

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Keep-alives are answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'));
  }

  private get sql(): SqlStorage {
    return this.schema.sql;
  }

  /** Keeps refused messages (newest KEEP_REJECTIONS), for the dashboard's Install page. */
  reject(items: Rejection[]): void {
    if (items.length === 0) return;
    const sql = this.sql; // migrated outside the transaction, so a failed write cannot roll the schema back
    this.ctx.storage.transactionSync(() => {
      for (const r of items) sql.exec('INSERT INTO rejections (body) VALUES (?)', JSON.stringify(r));
      sql.exec('DELETE FROM rejections WHERE seq <= (SELECT MAX(seq) FROM rejections) - ?', KEEP_REJECTIONS);
    });
  }

  /** The most recent rejections, newest first. */
  rejections(limit: number): Rejection[] {
    return this.sql
      .exec<{ body: string }>('SELECT body FROM rejections ORDER BY seq DESC LIMIT ?', limit)
      .toArray()
      .map((r) => JSON.parse(r.body) as Rejection);
  }

  /** A WebSocket upgrade: the caller (the dashboard, after its session and Origin checks) has authorized it. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return new Response('expected a WebSocket upgrade', { status: 426 });
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Watchers only listen; anything but the auto-answered ping is ignored. */
  override async webSocketMessage(): Promise<void> {}

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    // 1005/1006 are reserved: they may be reported but not sent.
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      /* already closed */
    }
  }

  private broadcast(items: FeedEvent[]): void {
    const sockets = this.ctx.getWebSockets();
    if (sockets.length === 0) return;
    const message = JSON.stringify({ events: items } satisfies LiveMessage);
    for (const ws of sockets) {
      try {
        ws.send(message);
      } catch {
        /* a closing socket; its close handler cleans up */
      }
    }
  }

  /** Profiles seen since `since`: how many, and the `sample` most recently seen. */
  recentProfiles(since: number, sample: number): { total: number; sample: string[] } {
    return this.profilesSince(since, sample, 'last_seen DESC');
  }

  /**
   * Profiles seen since `since`: how many, and `n` of them (all when there are no more) picked
   * uniformly at random, in random order — so any first k of them are a uniform sample as well,
   * and none is favoured for having come back lately.
   */
  sampleProfiles(since: number, n: number): { total: number; sample: string[] } {
    return this.profilesSince(since, n, 'random()');
  }

  private profilesSince(since: number, n: number, order: 'last_seen DESC' | 'random()'): { total: number; sample: string[] } {
    const total = this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM seen WHERE last_seen >= ?', since).one().n;
    const sample = this.sql
      .exec<{ profile_id: string }>(`SELECT profile_id FROM seen WHERE last_seen >= ? ORDER BY ${order} LIMIT ?`, since, n)
      .toArray()
      .map((r) => r.profile_id);
    return { total, sample };
  }

  /** Profiles seen since `since`, in id order after `after`: the export walks them page by page. */
  profilesAfter(after: string, since: number, limit: number): string[] {
    return this.sql
      .exec<{ profile_id: string }>('SELECT profile_id FROM seen WHERE profile_id > ? AND last_seen >= ? ORDER BY profile_id LIMIT ?', after, since, limit)
      .toArray()
      .map((r) => r.profile_id);
  }

  /**
   * Adds events, oldest first: `seen` takes each profile's latest, `recent` the newest KEEP that
   * it does not hold yet (a redelivered message's are skipped), and the sockets hear those.
   * Events received before their person was erased are dropped.
   */
  append(items: FeedEvent[]): void {
    const now = Date.now();
    const added: FeedEvent[] = [];
    // Migrated outside the transaction: a failed append must not roll back the schema of a new feed.
    const sql = this.sql;
    this.ctx.storage.transactionSync(() => {
      this.ctx.storage.kv.put(APPENDS_KEY, this.writes() + 1);
      const kept = withoutErased(sql, items, now);
      if (kept.length === 0) return;
      const last = new Map<string, number>();
      for (const e of kept) last.set(e.profileId, Math.max(last.get(e.profileId) ?? 0, e.receivedAt));
      for (const [id, at] of last) sql.exec(SEEN_UPSERT, id, at);
      // Only the newest KEEP can stay, so the older ones of a large append are not written at all.
      for (const e of kept.slice(-KEEP)) {
        const key = `${e.profileId}\n${e.id}`;
        const row = sql.exec('INSERT INTO recent (event_key, body) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING seq', key, JSON.stringify(e));
        if (row.toArray().length > 0) added.push(e);
      }
      sql.exec('DELETE FROM recent WHERE seq <= (SELECT seq FROM recent ORDER BY seq DESC LIMIT 1 OFFSET ?)', KEEP);
    });
    this.broadcast(added);
  }

  /** How many `append` calls this feed has taken (the per-site write budget, for tests and benchmarks). */
  writes(): number {
    return this.ctx.storage.kv.get<number>(APPENDS_KEY) ?? 0;
  }

  /** Newest first. */
  recent(limit: number): FeedEvent[] {
    return this.sql
      .exec<{ body: string }>('SELECT body FROM recent ORDER BY seq DESC LIMIT ?', limit)
      .toArray()
      .map((r) => JSON.parse(r.body) as FeedEvent);
  }

  /**
   * Drops an erased person from the feed: every event of their profiles or their browsers, and
   * their last-seen rows; and remembers them, so their events still in the queue are dropped too.
   */
  forget(profileIds: string[], anonymousIds: string[] = []): void {
    const sql = this.sql;
    this.ctx.storage.transactionSync(() => {
      for (const id of profileIds) {
        sql.exec("DELETE FROM recent WHERE json_extract(body, '$.profileId') = ?", id);
        sql.exec('DELETE FROM seen WHERE profile_id = ?', id);
      }
      for (const id of anonymousIds) sql.exec("DELETE FROM recent WHERE json_extract(body, '$.anonymousId') = ?", id);
      rememberErased(sql, profileIds, anonymousIds, Date.now());
    });
  }
}
