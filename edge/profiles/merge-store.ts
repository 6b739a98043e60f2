/**
 * The storage side of a merge, on a profile object's SQLite: what a retiring profile hands over,
 * and how the survivor takes it in. Kept apart from the object class so the class stays a thin
 * shell; every function runs inside the calling object's transaction.
 */
import { absorbMeasure, exportMeasure, type MeasureData } from './measure-store';
import type { Meta } from './meta-store';
import type { CountingData } from './counting';

export type Row = Record<string, SqlStorageValue>;

/** What an unmerge hands back to the restored profile: what its browsers sent. */
export interface Returned {
  events: Row[];
  touches: Row[];
  browsers: Row[];
  traits: Row[];
  anonymousIds: string[];
}

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
  touches: Row[];
  /** Its browsers, with which were verified (absent from senders before browsers were recorded). */
  browsers?: Row[];
  /** Experiment exposures and conversions, so the person counts once (absent from older senders). */
  measure?: MeasureData;
  /** Where traffic counting last counted the person, their visits, saved funnels' progress (absent from older senders). */
  counting?: CountingData;
}

const all = (sql: SqlStorage, query: string) => sql.exec<Row>(query).toArray();

/** Everything a profile holds that the survivor must have. The retiring profile keeps its copy (for unmerge). */
export function exportProfile(sql: SqlStorage, from: string, meta: Partial<Meta>): MergeData {
  return {
    from,
    firstSeen: meta.firstSeen ?? 0,
    lastSeen: meta.lastSeen ?? 0,
    events: all(sql, 'SELECT * FROM events'),
    traits: all(sql, 'SELECT * FROM traits'),
    identifiers: all(sql, 'SELECT * FROM identifiers'),
    assignments: all(sql, 'SELECT * FROM assignments'),
    merges: all(sql, 'SELECT * FROM merges'),
    touches: all(sql, 'SELECT * FROM touches'),
    browsers: all(sql, 'SELECT * FROM browsers'),
    measure: exportMeasure(sql),
  };
}

/** Browsers, each once: seen from the first time either profile saw it to the last, verified if either says so. */
function insertBrowsers(sql: SqlStorage, rows: Row[]): void {
  insertRows(
    sql,
    'browsers',
    rows,
    `ON CONFLICT (anonymous_id) DO UPDATE SET first_seen = MIN(first_seen, excluded.first_seen),
     last_seen = MAX(last_seen, excluded.last_seen), verified = MAX(verified, excluded.verified)`,
  );
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
  // What the merge brought in, so an unmerge takes exactly that back out.
  const addedIds = data.identifiers.filter((row) => insertRows(sql, 'identifiers', [row], 'ON CONFLICT (type, value) DO NOTHING') > 0);
  insertRows(sql, 'assignments', data.assignments, 'ON CONFLICT (experience) DO NOTHING');
  insertRows(sql, 'merges', data.merges, 'ON CONFLICT (from_profile) DO NOTHING');
  insertRows(sql, 'touches', data.touches ?? [], 'ON CONFLICT (anonymous_id, ts) DO NOTHING');
  // Traits stay with their source (a browser's claim, or signed): a merge never lets one overwrite another's.
  insertRows(
    sql,
    'traits',
    data.traits,
    'ON CONFLICT (k, source) DO UPDATE SET v = excluded.v, set_at = excluded.set_at WHERE excluded.set_at > traits.set_at',
  );
  insertBrowsers(sql, data.browsers ?? []);
  absorbMeasure(sql, data.from, data.measure);
  const added = sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM events').one().n - before;
  sql.exec(
    `UPDATE meta SET v = CAST(MIN(CAST(v AS INTEGER), ?) AS TEXT) WHERE k = 'firstSeen'`,
    data.firstSeen,
  );
  sql.exec(`UPDATE meta SET v = CAST(MAX(CAST(v AS INTEGER), ?) AS TEXT) WHERE k = 'lastSeen'`, data.lastSeen);
  sql.exec(
    'INSERT OR IGNORE INTO merges (from_profile, merged_at, events_added, added_identifiers) VALUES (?, ?, ?, ?)',
    data.from, now, added, JSON.stringify(addedIds.map((r) => ({ type: r.type, value: r.value }))),
  );
  return added;
}

/** The merges this profile absorbed, oldest first. */
export function mergesOf(sql: SqlStorage): { from: string; mergedAt: number; eventsAdded: number }[] {
  return sql
    .exec<{ from_profile: string; merged_at: number; events_added: number }>('SELECT from_profile, merged_at, events_added FROM merges ORDER BY merged_at, from_profile')
    .toArray()
    .map((r) => ({ from: r.from_profile, mergedAt: r.merged_at, eventsAdded: r.events_added }));
}

/**
 * Takes a merge back out of the survivor: the events recorded by the retiring profile's browsers
 * (before and since the merge) and the identifiers the merge brought in. Returns the events, for
 * the restored profile. `history` lists profiles that had merged into the retiring one before.
 */
export function split(sql: SqlStorage, from: string, history: string[]): Returned | null {
  const merge = sql.exec<{ added_identifiers: string }>('SELECT added_identifiers FROM merges WHERE from_profile = ?', from).toArray()[0];
  if (!merge) return null;
  const added = JSON.parse(merge.added_identifiers) as { type: string; value: string }[];
  const anonymousIds = added.filter((i) => i.type === 'anonymous').map((i) => i.value);
  const back: Returned = { events: [], touches: [], browsers: [], traits: [], anonymousIds };
  // What the restored profile's browsers sent goes back with them: events, sessions, their claimed traits.
  const moves: [keyof Omit<Returned, 'anonymousIds'>, string][] = [['events', 'anonymous_id'], ['touches', 'anonymous_id'], ['browsers', 'anonymous_id'], ['traits', 'source']];
  for (const anon of anonymousIds) {
    for (const [table, column] of moves) {
      back[table].push(...sql.exec<Row>(`SELECT * FROM ${table} WHERE ${column} = ?`, anon).toArray());
      sql.exec(`DELETE FROM ${table} WHERE ${column} = ?`, anon);
    }
    // A browser of the restored profile that still carries this profile's token is sent back.
    sql.exec('INSERT OR REPLACE INTO split_anon (anonymous_id, profile_id) VALUES (?, ?)', anon, from);
  }
  for (const id of added) sql.exec('DELETE FROM identifiers WHERE type = ? AND value = ?', id.type, id.value);
  for (const f of [from, ...history]) sql.exec('DELETE FROM merges WHERE from_profile = ?', f);
  sql.exec('INSERT OR IGNORE INTO no_merge (profile_id) VALUES (?)', from);
  return back;
}

/** The other half of an unmerge, on the restored profile: it stops forwarding and takes its events back. */
export function restore(sql: SqlStorage, back: Omit<Returned, 'anonymousIds'>, survivor: string): void {
  sql.exec("DELETE FROM meta WHERE k = 'forwardedTo'");
  insertRows(sql, 'events', back.events, 'ON CONFLICT (id) DO NOTHING');
  insertRows(sql, 'touches', back.touches, 'ON CONFLICT (anonymous_id, ts) DO NOTHING');
  insertRows(sql, 'traits', back.traits ?? [], 'ON CONFLICT (k, source) DO UPDATE SET v = excluded.v, set_at = excluded.set_at WHERE excluded.set_at > traits.set_at');
  insertBrowsers(sql, back.browsers ?? []);
  sql.exec('INSERT OR IGNORE INTO no_merge (profile_id) VALUES (?)', survivor);
}
