import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';

/**
 * The list of sites, for the admin API only (never on the visitor path). A single object is
 * fine here: it is written when a site is created and read when a marketer opens the dashboard.
 */
export class SiteIndex extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec('CREATE TABLE IF NOT EXISTS sites (key TEXT PRIMARY KEY, created_at INTEGER NOT NULL)');
  }

  add(key: string, now: number): void {
    this.sql.exec('INSERT OR IGNORE INTO sites (key, created_at) VALUES (?, ?)', key, now);
  }

  list(): string[] {
    return this.sql.exec<{ key: string }>('SELECT key FROM sites ORDER BY created_at, key').toArray().map((r) => r.key);
  }
}
