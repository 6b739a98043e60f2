import { DurableObject } from 'cloudflare:workers';
import { DEFAULT_IDENTIFIER_LIMITS, type Experience, type ExperienceInput, type Site, type SiteInput, type SitePatch } from '../../protocol/admin';
import type { Env } from '../env';

/** A site's settings and experiences as the decision path reads them. */
export interface SiteConfig {
  site: Site;
  /** Every experience, in priority order (oldest first). */
  experiences: Experience[];
  /** Bumped on every change so isolates can tell a stale cache. */
  version: number;
}

type StoredSite = SiteInput & { createdAt: number; updatedAt: number };

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS experiences (id TEXT PRIMARY KEY, body TEXT NOT NULL, created_at INTEGER NOT NULL);
`;

/**
 * One object per site holding its settings and experiences. Only the admin API writes here; the
 * hot path reads a cached copy (see sites/config-cache.ts), never this object per request.
 */
export class SiteObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(SCHEMA);
  }

  create(input: SiteInput, now: number): Site | null {
    if (this.stored()) return null;
    const stored: StoredSite = { ...input, createdAt: now, updatedAt: now };
    this.ctx.storage.transactionSync(() => {
      this.put('site', stored);
      this.bump();
    });
    return publicSite(stored);
  }

  get(): Site | null {
    const s = this.stored();
    return s ? publicSite(s) : null;
  }

  update(patch: SitePatch, now: number): Site | null {
    const s = this.stored();
    if (!s) return null;
    const next: StoredSite = { ...s, ...stripUndefined(patch), updatedAt: now };
    this.ctx.storage.transactionSync(() => {
      this.put('site', next);
      this.bump();
    });
    return publicSite(next);
  }

  /** The identity-verification secret; stays inside the edge. */
  verificationSecret(): string | null {
    return this.stored()?.verificationSecret ?? null;
  }

  config(): SiteConfig | null {
    const s = this.stored();
    if (!s) return null;
    return { site: publicSite(s), experiences: this.listExperiences(), version: this.version() };
  }

  listExperiences(): Experience[] {
    return this.sql
      .exec<{ body: string }>('SELECT body FROM experiences ORDER BY created_at, id')
      .toArray()
      .map((r) => JSON.parse(r.body) as Experience);
  }

  getExperience(id: string): Experience | null {
    const row = this.sql.exec<{ body: string }>('SELECT body FROM experiences WHERE id = ?', id).toArray()[0];
    return row ? (JSON.parse(row.body) as Experience) : null;
  }

  /** Returns null when the id is taken. */
  createExperience(input: ExperienceInput & { id: string }, now: number): Experience | null {
    if (this.getExperience(input.id)) return null;
    const exp: Experience = { ...input, id: input.id, createdAt: now, updatedAt: now };
    this.ctx.storage.transactionSync(() => {
      this.sql.exec('INSERT INTO experiences (id, body, created_at) VALUES (?, ?, ?)', exp.id, JSON.stringify(exp), now);
      this.bump();
    });
    return exp;
  }

  /** Replaces an experience's editable fields; id and createdAt stay. */
  replaceExperience(id: string, input: ExperienceInput, now: number): Experience | null {
    const prev = this.getExperience(id);
    if (!prev) return null;
    const exp: Experience = { ...input, id, createdAt: prev.createdAt, updatedAt: now };
    this.ctx.storage.transactionSync(() => {
      this.sql.exec('UPDATE experiences SET body = ? WHERE id = ?', JSON.stringify(exp), id);
      this.bump();
    });
    return exp;
  }

  deleteExperience(id: string): boolean {
    let deleted = false;
    this.ctx.storage.transactionSync(() => {
      deleted = this.sql.exec('DELETE FROM experiences WHERE id = ?', id).rowsWritten > 0;
      if (deleted) this.bump();
    });
    return deleted;
  }

  private stored(): StoredSite | null {
    const row = this.sql.exec<{ v: string }>("SELECT v FROM kv WHERE k = 'site'").toArray()[0];
    return row ? (JSON.parse(row.v) as StoredSite) : null;
  }

  private put(k: string, v: unknown): void {
    this.sql.exec('INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)', k, JSON.stringify(v));
  }

  private version(): number {
    const row = this.sql.exec<{ v: string }>("SELECT v FROM kv WHERE k = 'version'").toArray()[0];
    return row ? Number(JSON.parse(row.v)) : 0;
  }

  private bump(): void {
    this.put('version', this.version() + 1);
  }
}

function publicSite(s: StoredSite): Site {
  const { verificationSecret, ...rest } = s;
  // Sites stored before a setting existed get its default.
  return { ...rest, identifierLimits: rest.identifierLimits ?? DEFAULT_IDENTIFIER_LIMITS, verificationSecretSet: verificationSecret !== null };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
