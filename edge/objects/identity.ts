import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import { Schema, schemaVersion, type Migration } from './migrations';

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'owner and the profiles that joined through the identifier',
    up(sql) {
      sql.exec(`
        CREATE TABLE IF NOT EXISTS owner (k INTEGER PRIMARY KEY CHECK (k = 1), profile_id TEXT NOT NULL, claimed_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS joined (profile_id TEXT PRIMARY KEY, joined_at INTEGER NOT NULL);
      `);
    },
  },
];

/**
 * One identifier (a user id, an email hash, a phone hash) of one site, and the profile that first
 * claimed it. One object per identifier: the directory is sharded as finely as it can be, so no
 * request ever waits on a shared directory object. The recorded owner may since have merged into
 * another profile; readers follow the profile's forward, so the entry never needs rewriting.
 */
export class IdentityObject extends DurableObject<Env> {
  private readonly schema = new Schema(this.ctx.storage, MIGRATIONS);

  private get sql(): SqlStorage {
    return this.schema.sql;
  }

  /**
   * The owner, claiming the identifier for `profileId` when nobody has. Serialised by the object.
   * `refused` when more than `maxProfiles` profiles have tried to join through it: a shared or
   * bogus identifier (test@test.com) must not collapse everyone into one profile.
   */
  claim(profileId: string, now: number, maxProfiles: number): { owner: string; refused: boolean } {
    const sql = this.sql;
    sql.exec('INSERT OR IGNORE INTO owner (k, profile_id, claimed_at) VALUES (1, ?, ?)', profileId, now);
    const known = sql.exec('SELECT 1 FROM joined WHERE profile_id = ?', profileId).toArray().length > 0;
    const count = sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM joined').one().n;
    if (!known && count >= maxProfiles) return { owner: this.owner()!, refused: true };
    sql.exec('INSERT OR IGNORE INTO joined (profile_id, joined_at) VALUES (?, ?)', profileId, now);
    return { owner: this.owner()!, refused: false };
  }

  /** Who claimed the identifier; null when nobody has (a read of an unclaimed identifier creates nothing). */
  owner(): string | null {
    if (!this.schema.made && schemaVersion(this.ctx.storage) === 0 && !this.holdsTables()) return null;
    return this.sql.exec<{ profile_id: string }>('SELECT profile_id FROM owner').toArray()[0]?.profile_id ?? null;
  }

  /** Forgets the identifier entirely (its person was erased): the storage goes as a whole, and the identifier is free again. */
  async release(): Promise<void> {
    await this.ctx.storage.deleteAll();
    this.schema.reset();
  }

  /** Objects from before schema versions were recorded hold the tables without a version. */
  private holdsTables(): boolean {
    return this.ctx.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'owner'").toArray().length > 0;
  }
}
