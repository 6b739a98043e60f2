/**
 * The storage side of a merge, on a profile object's SQLite: what a retiring profile hands over,
 * and how the survivor takes it in. Kept apart from the object class so the class stays a thin
 * shell; every function runs inside the calling object's transaction.
 */
type Row = Record<string, SqlStorageValue>;

export interface MergeData {
  from: string;
  firstSeen: number;
  lastSeen: number;
  events: Row[];
  traits: Row[];
  identifiers: Row[];
  assignments: Row[];
  /** merges the retiring profile had absorbed itself: the history travels with the data */
  merges: Row[];
}

const all = (sql: SqlStorage, query: string) => sql.exec<Row>(query).toArray();

/** Everything a profile holds that the survivor must have. The retiring profile keeps its copy (for unmerge). */
export function exportProfile(sql: SqlStorage, from: string, meta: Record<string, string>): MergeData {
  return {
    from,
    firstSeen: Number(meta.firstSeen),
    lastSeen: Number(meta.lastSeen),
    events: all(sql, 'SELECT * FROM events'),
    traits: all(sql, 'SELECT * FROM traits'),
    identifiers: all(sql, 'SELECT * FROM identifiers'),
    assignments: all(sql, 'SELECT * FROM assignments'),
    merges: all(sql, 'SELECT * FROM merges'),
  };
}

function insertRows(sql: SqlStorage, table: string, rows: Row[], conflict: string): number {
  let written = 0;
  for (const row of rows) {
    const cols = Object.keys(row);
    written += sql.exec(
      `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) ${conflict}`,
      ...cols.map((c) => row[c]),
    ).rowsWritten;
  }
  return written;
}

/**
 * Takes in a retiring profile's data. Idempotent: events are keyed by id, identifiers by value;
 * traits keep the newer value; the survivor's experiment assignments win (visitors stay in the
 * variant the survivor saw). Returns how many events were new here.
 */
export function absorb(sql: SqlStorage, data: MergeData, now: number): number {
  const before = sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM events').one().n;
  insertRows(sql, 'events', data.events, 'ON CONFLICT (id) DO NOTHING');
  insertRows(sql, 'identifiers', data.identifiers, 'ON CONFLICT (type, value) DO NOTHING');
  insertRows(sql, 'assignments', data.assignments, 'ON CONFLICT (experience) DO NOTHING');
  insertRows(sql, 'merges', data.merges, 'ON CONFLICT (from_profile) DO NOTHING');
  insertRows(
    sql,
    'traits',
    data.traits,
    'ON CONFLICT (k) DO UPDATE SET v = excluded.v, set_at = excluded.set_at WHERE excluded.set_at > traits.set_at',
  );
  const added = sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM events').one().n - before;
  sql.exec(
    `UPDATE meta SET v = CAST(MIN(CAST(v AS INTEGER), ?) AS TEXT) WHERE k = 'firstSeen'`,
    data.firstSeen,
  );
  sql.exec(`UPDATE meta SET v = CAST(MAX(CAST(v AS INTEGER), ?) AS TEXT) WHERE k = 'lastSeen'`, data.lastSeen);
  sql.exec('INSERT OR IGNORE INTO merges (from_profile, merged_at, events_added) VALUES (?, ?, ?)', data.from, now, added);
  return added;
}
