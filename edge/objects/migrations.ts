/**
 * Versioned schema migrations for a SQLite-backed Durable Object. The version an object's storage
 * is at lives in its synchronous KV (`ctx.storage.kv`: SQLite's `PRAGMA user_version` is not
 * allowed in Durable Objects), so an object that is up to date runs no DDL when it wakes: one KV
 * read, and nothing else. Pending migrations run in order in one transaction, so a failure leaves
 * the storage at the version it had.
 */
export interface Migration {
  /** 1, 2, 3 …: each migration moves the storage from version − 1 to this one. */
  version: number;
  /** What it does, for the log of an object being migrated. */
  name: string;
  up(sql: SqlStorage): void;
}

/** The KV key holding the storage's schema version (absent: version 0, nothing migrated yet). */
export const SCHEMA_VERSION_KEY = 'schemaVersion';

/** What migrating needs of `ctx.storage`: a narrow type, so tests can count what runs. */
export type MigratableStorage = Pick<DurableObjectStorage, 'sql' | 'kv' | 'transactionSync'>;

export function schemaVersion(storage: Pick<DurableObjectStorage, 'kv'>): number {
  return storage.kv.get<number>(SCHEMA_VERSION_KEY) ?? 0;
}

/** The newest version of a migration list. */
export const latestVersion = (migrations: readonly Migration[]) => migrations.reduce((v, m) => Math.max(v, m.version), 0);

/**
 * Brings the storage up to the newest migration; returns how many ran (0 when it was up to date).
 * `fresh`, when given, makes the newest schema directly in an object that holds no table yet, so
 * a new object (the common case: a first-time visitor) does not replay history.
 */
export function migrate(storage: MigratableStorage, migrations: readonly Migration[], fresh?: (sql: SqlStorage) => void): number {
  const current = schemaVersion(storage);
  const pending = migrations.filter((m) => m.version > current).sort((a, b) => a.version - b.version);
  if (pending.length === 0) return 0;
  const empty = fresh && current === 0 && storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' LIMIT 1").toArray().length === 0;
  storage.transactionSync(() => {
    if (empty) fresh(storage.sql);
    else for (const m of pending) m.up(storage.sql);
    storage.kv.put(SCHEMA_VERSION_KEY, pending[pending.length - 1]!.version);
  });
  return empty ? 1 : pending.length;
}

/**
 * An object's SQL storage with its schema up to date: migrated on first use (once per instance,
 * not on every wake), and again after `reset()` (the storage was deleted).
 */
export class Schema {
  private ready = false;

  constructor(
    private readonly storage: MigratableStorage,
    private readonly migrations: readonly Migration[],
  ) {}

  get sql(): SqlStorage {
    if (!this.ready) {
      migrate(this.storage, this.migrations);
      this.ready = true;
    }
    return this.storage.sql;
  }

  /** Whether this instance has brought the schema up to date yet. */
  get made(): boolean {
    return this.ready;
  }

  reset(): void {
    this.ready = false;
  }
}
