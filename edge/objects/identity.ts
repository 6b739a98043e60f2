import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';

/**
 * One identifier (a user id, an email hash, a phone hash) of one site, and the profile that first
 * claimed it. One object per identifier: the directory is sharded as finely as it can be, so no
 * request ever waits on a shared directory object. The recorded owner may since have merged into
 * another profile; readers follow the profile's forward, so the entry never needs rewriting.
 */
export class IdentityObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS owner (k INTEGER PRIMARY KEY CHECK (k = 1), profile_id TEXT NOT NULL, claimed_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS joined (profile_id TEXT PRIMARY KEY, joined_at INTEGER NOT NULL);
    `);
  }

  /**
   * The owner, claiming the identifier for `profileId` when nobody has. Serialised by the object.
   * `refused` when more than `maxProfiles` profiles have tried to join through it: a shared or
   * bogus identifier (test@test.com) must not collapse everyone into one profile.
   */
  claim(profileId: string, now: number, maxProfiles: number): { owner: string; refused: boolean } {
    this.sql.exec('INSERT OR IGNORE INTO owner (k, profile_id, claimed_at) VALUES (1, ?, ?)', profileId, now);
    const known = this.sql.exec('SELECT 1 FROM joined WHERE profile_id = ?', profileId).toArray().length > 0;
    const count = this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM joined').one().n;
    if (!known && count >= maxProfiles) return { owner: this.owner()!, refused: true };
    this.sql.exec('INSERT OR IGNORE INTO joined (profile_id, joined_at) VALUES (?, ?)', profileId, now);
    return { owner: this.owner()!, refused: false };
  }

  owner(): string | null {
    return this.sql.exec<{ profile_id: string }>('SELECT profile_id FROM owner').toArray()[0]?.profile_id ?? null;
  }

  /** Forgets the owner (the profile was erased): the identifier is free again. */
  release(): void {
    this.sql.exec('DELETE FROM owner');
    this.sql.exec('DELETE FROM joined');
  }
}
