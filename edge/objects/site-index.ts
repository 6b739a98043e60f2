import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';

/**
 * The list of sites and which site each proxy-mode host belongs to. A single object is fine: it
 * is written when a site is created or edited; the visitor path reads hosts through a per-isolate
 * cache (sites/host-cache.ts), at most once per host per TTL.
 */
export class SiteIndex extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec('CREATE TABLE IF NOT EXISTS sites (key TEXT PRIMARY KEY, created_at INTEGER NOT NULL)');
    this.sql.exec('CREATE TABLE IF NOT EXISTS hosts (host TEXT PRIMARY KEY, site TEXT NOT NULL)');
  }

  /** Gives `site` exactly these proxy hosts; returns the first host another site holds (and changes nothing). */
  setHosts(site: string, hosts: string[]): string | null {
    for (const h of hosts) {
      const owner = this.sql.exec<{ site: string }>('SELECT site FROM hosts WHERE host = ?', h).toArray()[0];
      if (owner && owner.site !== site) return h;
    }
    this.ctx.storage.transactionSync(() => {
      this.sql.exec('DELETE FROM hosts WHERE site = ?', site);
      for (const h of hosts) this.sql.exec('INSERT INTO hosts (host, site) VALUES (?, ?)', h, site);
    });
    return null;
  }

  siteForHost(host: string): string | null {
    return this.sql.exec<{ site: string }>('SELECT site FROM hosts WHERE host = ?', host).toArray()[0]?.site ?? null;
  }

  add(key: string, now: number): void {
    this.sql.exec('INSERT OR IGNORE INTO sites (key, created_at) VALUES (?, ?)', key, now);
  }

  list(): string[] {
    return this.sql.exec<{ key: string }>('SELECT key FROM sites ORDER BY created_at, key').toArray().map((r) => r.key);
  }
}
