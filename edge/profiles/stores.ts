/**
 * The stores a profile object is made of, each owning one concern of its SQLite storage. Opening
 * them brings the schema up to date first (a no-op for an object that is: one KV read).
 */
import type { Env } from '../env';
import { migrate } from '../objects/migrations';
import { AssignmentStore } from './assignment-store';
import { BrowserStore } from './browser-store';
import { EventStore } from './event-store';
import { IdentityStore } from './identity-store';
import { MetaStore } from './meta-store';
import { ProfileOutbox } from './outbox';
import { freshProfileSchema, PROFILE_MIGRATIONS } from './schema';
import { SessionStore } from './session-store';

export interface ProfileStores {
  sql: SqlStorage;
  meta: MetaStore;
  events: EventStore;
  identity: IdentityStore;
  sessions: SessionStore;
  browsers: BrowserStore;
  assignments: AssignmentStore;
  outbox: ProfileOutbox;
}

export function openStores(ctx: DurableObjectState, env: Env): ProfileStores {
  migrate(ctx.storage, PROFILE_MIGRATIONS, freshProfileSchema);
  const sql = ctx.storage.sql;
  const meta = new MetaStore(sql);
  const events = new EventStore(sql);
  const identity = new IdentityStore(sql);
  const browsers = new BrowserStore(sql);
  return {
    sql,
    meta,
    events,
    identity,
    browsers,
    sessions: new SessionStore(sql, meta, events, identity, browsers),
    assignments: new AssignmentStore(sql),
    outbox: new ProfileOutbox(ctx, env, sql, meta),
  };
}

/**
 * Whether the storage holds anything: a new object, or one erased, holds no table. Reads on such
 * an object answer "nothing here" without creating a schema (and so without creating the object).
 */
export function holdsData(ctx: DurableObjectState): boolean {
  return ctx.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").toArray().length > 0;
}
