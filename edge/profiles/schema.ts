/**
 * The profile object's SQLite schema, as versioned migrations (edge/objects/migrations.ts). Every
 * table the object holds is created here and nowhere else. A migration, once released, never
 * changes: a new column or table is a new migration at the end of the list.
 */
import type { Migration } from '../objects/migrations';

/**
 * Version 1 is the schema objects had before versions were recorded, written so that it also
 * completes such an object: tables are created only where missing, and objects from before merges
 * recorded what they added get that column.
 */
const BASELINE = `
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
  id TEXT PRIMARY KEY, type TEXT NOT NULL, name TEXT, ts INTEGER NOT NULL, received_at INTEGER NOT NULL,
  anonymous_id TEXT NOT NULL, url TEXT, path TEXT, title TEXT, referrer TEXT, context TEXT, props TEXT
);
CREATE INDEX IF NOT EXISTS events_ts ON events (ts, received_at);
CREATE INDEX IF NOT EXISTS events_name_ts ON events (type, name, ts);
CREATE TABLE IF NOT EXISTS identifiers (type TEXT NOT NULL, value TEXT NOT NULL, first_seen INTEGER NOT NULL, PRIMARY KEY (type, value));
CREATE TABLE IF NOT EXISTS traits (k TEXT PRIMARY KEY, v TEXT NOT NULL, set_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS assignments (experience TEXT PRIMARY KEY, variant TEXT, assigned_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS merges (
  from_profile TEXT PRIMARY KEY, merged_at INTEGER NOT NULL, events_added INTEGER NOT NULL, added_identifiers TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS touches (
  anonymous_id TEXT NOT NULL, ts INTEGER NOT NULL, url TEXT, referrer TEXT, params TEXT, PRIMARY KEY (anonymous_id, ts)
);
CREATE TABLE IF NOT EXISTS split_anon (anonymous_id TEXT PRIMARY KEY, profile_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS no_merge (profile_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS exposures (experience TEXT PRIMARY KEY, variant TEXT NOT NULL, ts INTEGER NOT NULL, source TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS conversions (
  experience TEXT NOT NULL, goal TEXT NOT NULL, variant TEXT NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL, source TEXT NOT NULL,
  PRIMARY KEY (experience, goal)
);
CREATE TABLE IF NOT EXISTS stat_outbox (key TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dest_outbox (key TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS memberships (audience TEXT PRIMARY KEY, since INTEGER NOT NULL);
`;

/** The newest schema, made at once in a new object (it must equal the migrations' result: a test checks). */
const CURRENT = BASELINE.replace(
  'CREATE TABLE IF NOT EXISTS traits (k TEXT PRIMARY KEY, v TEXT NOT NULL, set_at INTEGER NOT NULL);',
  "CREATE TABLE traits (k TEXT NOT NULL, source TEXT NOT NULL DEFAULT '', v TEXT NOT NULL, set_at INTEGER NOT NULL, PRIMARY KEY (k, source));\n" +
    'CREATE TABLE browsers (anonymous_id TEXT PRIMARY KEY, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, verified INTEGER NOT NULL DEFAULT 0);',
);

/** Counting for reports (edge/profiles/counting.ts): where traffic last counted the person, saved funnels' progress, events not yet counted. */
const TRAFFIC = `
CREATE TABLE traffic_seen (
  cell TEXT PRIMARY KEY, day TEXT NOT NULL, prev_day TEXT NOT NULL, day_visit INTEGER NOT NULL,
  hour TEXT NOT NULL, prev_hour TEXT NOT NULL, hour_visit INTEGER NOT NULL
);
CREATE TABLE funnel_progress (funnel TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE uncounted (id TEXT PRIMARY KEY);
`;

export function freshProfileSchema(sql: SqlStorage): void {
  sql.exec(CURRENT + TRAFFIC);
}

export const PROFILE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'baseline: timeline, identity, sessions, experiments, outboxes',
    up(sql) {
      sql.exec(BASELINE);
      const cols = sql.exec<{ name: string }>('PRAGMA table_info(merges)').toArray().map((c) => c.name);
      if (!cols.includes('added_identifiers')) sql.exec("ALTER TABLE merges ADD COLUMN added_identifiers TEXT NOT NULL DEFAULT '[]'");
    },
  },
  {
    version: 2,
    name: 'browsers with what each contributed: verified flags, and traits by source',
    up(sql) {
      sql.exec(`
        CREATE TABLE browsers (
          anonymous_id TEXT PRIMARY KEY, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, verified INTEGER NOT NULL DEFAULT 0
        );
        INSERT OR IGNORE INTO browsers (anonymous_id, first_seen, last_seen)
          SELECT value, first_seen, COALESCE((SELECT CAST(v AS INTEGER) FROM meta WHERE k = 'lastSeen'), first_seen)
          FROM identifiers WHERE type = 'anonymous';
        CREATE TABLE traits_v2 (k TEXT NOT NULL, source TEXT NOT NULL DEFAULT '', v TEXT NOT NULL, set_at INTEGER NOT NULL, PRIMARY KEY (k, source));
        INSERT INTO traits_v2 (k, source, v, set_at) SELECT k, '', v, set_at FROM traits;
        DROP TABLE traits;
        ALTER TABLE traits_v2 RENAME TO traits;
      `);
    },
  },
  {
    version: 3,
    name: 'counting for reports: traffic cells a visitor was last counted in, saved funnels, events to count',
    up(sql) {
      sql.exec(TRAFFIC);
    },
  },
];
