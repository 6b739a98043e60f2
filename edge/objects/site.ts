import { DurableObject } from 'cloudflare:workers';
import { SITE_DEFAULTS, type Experience, type Site, type SiteInput, type SitePatch, type Slot } from '../../protocol/admin';
import type { Audience } from '../../protocol/audience';
import type { SavedFunnel } from '../../protocol/stats';
import type { Env } from '../env';
import { BANDIT_EVERY_MS, banditAllocation } from '../decisions/bandit-allocation';
import { readExperienceCounts } from './experience-stats';
import { Schema, type Migration } from './migrations';

/** A site's settings and experiences as the decision path reads them. */
export interface SiteConfig {
  site: Site;
  /** Every experience, in priority order (oldest first). */
  experiences: Experience[];
  audiences: Audience[];
  /** The slots the site declared by selector (pages need no data-attune-slot for them). */
  slots: Slot[];
  /** Saved funnels, which every profile counts as its events arrive. */
  funnels: SavedFunnel[];
  /** Bumped on every change so isolates can tell a stale cache. */
  version: number;
}

type StoredSite = SiteInput & { createdAt: number; updatedAt: number };

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'settings, experiences and audiences',
    up(sql) {
      sql.exec(`
        CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS experiences (id TEXT PRIMARY KEY, body TEXT NOT NULL, created_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS audiences (id TEXT PRIMARY KEY, body TEXT NOT NULL, created_at INTEGER NOT NULL);
      `);
    },
  },
  {
    version: 2,
    name: 'slots declared by selector',
    up(sql) {
      sql.exec('CREATE TABLE slots (id TEXT PRIMARY KEY, body TEXT NOT NULL, created_at INTEGER NOT NULL)');
    },
  },
  {
    version: 3,
    name: 'saved funnels',
    up(sql) {
      sql.exec('CREATE TABLE funnels (id TEXT PRIMARY KEY, body TEXT NOT NULL, created_at INTEGER NOT NULL)');
    },
  },
];

/** The documents a site keeps: each kind in a table of its own. */
export type DocKind = 'experiences' | 'audiences' | 'slots' | 'funnels';
const TABLES: Record<DocKind, string> = { experiences: 'experiences', audiences: 'audiences', slots: 'slots', funnels: 'funnels' };
export type StoredDoc = { id: string; createdAt: number; updatedAt: number };

/**
 * One object per site holding its settings and experiences. Only the admin API writes here; the
 * hot path reads a cached copy (see sites/config-cache.ts), never this object per request.
 */
export class SiteObject extends DurableObject<Env> {
  private readonly schema = new Schema(this.ctx.storage, MIGRATIONS);

  private get sql(): SqlStorage {
    return this.schema.sql;
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

  /** The identity-verification secret: read by the edge to check signatures, and by the admin API's verification route. */
  verificationSecret(): string | null {
    return this.stored()?.verificationSecret ?? null;
  }

  config(): SiteConfig | null {
    const s = this.stored();
    if (!s) return null;
    return {
      site: publicSite(s),
      experiences: this.listDocs('experiences'),
      audiences: this.listDocs('audiences'),
      slots: this.listDocs('slots'),
      funnels: this.listDocs('funnels'),
      version: this.version(),
    };
  }

  /** Every document of a kind, oldest first (experiences: that is their priority order). */
  listDocs<T extends StoredDoc>(kind: DocKind): T[] {
    return this.sql
      .exec<{ body: string }>(`SELECT body FROM ${TABLES[kind]} ORDER BY created_at, id`)
      .toArray()
      .map((r) => JSON.parse(r.body) as T);
  }

  getDoc<T extends StoredDoc>(kind: DocKind, id: string): T | null {
    const row = this.sql.exec<{ body: string }>(`SELECT body FROM ${TABLES[kind]} WHERE id = ?`, id).toArray()[0];
    return row ? (JSON.parse(row.body) as T) : null;
  }

  /** Returns null when the id is taken. */
  createDoc<T extends StoredDoc>(kind: DocKind, input: Omit<T, 'createdAt' | 'updatedAt'>, now: number): T | null {
    if (this.getDoc(kind, input.id)) return null;
    const doc = { ...input, createdAt: now, updatedAt: now } as T;
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(`INSERT INTO ${TABLES[kind]} (id, body, created_at) VALUES (?, ?, ?)`, doc.id, JSON.stringify(doc), now);
      this.bump();
    });
    return doc;
  }

  /** Replaces a document's editable fields; id and createdAt stay. */
  replaceDoc<T extends StoredDoc>(kind: DocKind, id: string, input: Omit<T, 'id' | 'createdAt' | 'updatedAt'>, now: number): T | null {
    const prev = this.getDoc(kind, id);
    if (!prev) return null;
    // A bandit's learned split is the edge's, not the marketer's: an edit keeps it.
    const learned = (prev as { allocation?: unknown }).allocation;
    const doc = { ...(learned !== undefined && { allocation: learned }), ...input, id, createdAt: prev.createdAt, updatedAt: now } as T;
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(`UPDATE ${TABLES[kind]} SET body = ? WHERE id = ?`, JSON.stringify(doc), id);
      this.bump();
    });
    return doc;
  }

  deleteDoc(kind: DocKind, id: string): boolean {
    return this.ctx.storage.transactionSync(() => {
      const deleted = this.sql.exec(`DELETE FROM ${TABLES[kind]} WHERE id = ?`, id).rowsWritten > 0;
      if (deleted) this.bump();
      return deleted;
    });
  }

  /**
   * Recomputes the split of running bandit experiences (or just `only`) from their counters and
   * stores it on the experience; isolates pick it up with the config. Returns the new weights.
   */
  async reallocate(now: number, only?: string): Promise<Record<string, Record<string, number> | null>> {
    const site = this.stored();
    const out: Record<string, Record<string, number> | null> = {};
    if (!site) return out;
    const bandits = this.listDocs<Experience>('experiences').filter((e) => e.mode === 'bandit' && (only ? e.id === only : e.status === 'running'));
    for (const exp of bandits) {
      const allocation = banditAllocation(exp, await readExperienceCounts(this.env, site.key, exp.id), now);
      out[exp.id] = allocation?.weights ?? null;
      if (!allocation) continue;
      const current = this.getDoc<Experience>('experiences', exp.id);
      if (!current) continue; // deleted meanwhile
      this.ctx.storage.transactionSync(() => {
        this.sql.exec('UPDATE experiences SET body = ? WHERE id = ?', JSON.stringify({ ...current, allocation }), exp.id);
        this.bump();
      });
    }
    return out;
  }

  /** Keeps the bandit alarm running while a bandit experience runs. */
  async scheduleBandits(now: number): Promise<void> {
    const running = this.listDocs<Experience>('experiences').some((e) => e.mode === 'bandit' && e.status === 'running');
    if (running && (await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(now + BANDIT_EVERY_MS);
  }

  override async alarm(): Promise<void> {
    await this.reallocate(Date.now());
    await this.scheduleBandits(Date.now());
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
  return {
    ...rest,
    identifierLimits: rest.identifierLimits ?? SITE_DEFAULTS.identifierLimits,
    holdout: rest.holdout ?? SITE_DEFAULTS.holdout,
    proxyHosts: rest.proxyHosts ?? SITE_DEFAULTS.proxyHosts,
    goals: rest.goals ?? SITE_DEFAULTS.goals,
    attribution: rest.attribution ?? SITE_DEFAULTS.attribution,
    overlays: rest.overlays ?? SITE_DEFAULTS.overlays,
    proxyDecideMs: rest.proxyDecideMs ?? SITE_DEFAULTS.proxyDecideMs,
    verificationSecretSet: verificationSecret !== null,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
