import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import type { StoredEvent } from './profile';

export interface FeedItem extends StoredEvent {
  profileId: string;
}

/** How many recent events a site's feed keeps. */
const KEEP = 1000;

/**
 * A site's most recent events, for the dashboard. Written once per accepted batch in
 * `waitUntil`, so no visitor request waits on this per-site object.
 */
export class ActivityFeed extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec('CREATE TABLE IF NOT EXISTS recent (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL)');
  }

  append(items: FeedItem[]): void {
    if (items.length === 0) return;
    this.ctx.storage.transactionSync(() => {
      for (const item of items) this.sql.exec('INSERT INTO recent (body) VALUES (?)', JSON.stringify(item));
      this.sql.exec('DELETE FROM recent WHERE seq <= (SELECT MAX(seq) FROM recent) - ?', KEEP);
    });
  }

  /** Newest first. */
  recent(limit: number): FeedItem[] {
    return this.sql
      .exec<{ body: string }>('SELECT body FROM recent ORDER BY seq DESC LIMIT ?', limit)
      .toArray()
      .map((r) => JSON.parse(r.body) as FeedItem);
  }

  /** Drops the erased profiles' events from the feed too. */
  forget(profileIds: string[]): void {
    for (const id of profileIds) this.sql.exec("DELETE FROM recent WHERE json_extract(body, '$.profileId') = ?", id);
  }
}
