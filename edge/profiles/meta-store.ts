/**
 * The profile's scalar facts (the `meta` key/value table), typed. One read gives them all; each
 * write names its key, so a misspelt key or a number stored as the wrong type fails to compile.
 */
export interface Meta {
  site: string;
  profileId: string;
  firstSeen: number;
  lastSeen: number;
  /** The site's retention when the profile last ingested: the alarm purges older events. */
  retentionDays: number;
  /** The visitor's last consent choice. */
  consent: string;
  /** Set once the profile merged into another: every call is forwarded there. */
  forwardedTo: string;
  /** The request fields (JSON) of the last decision, for estimates and destination audiences. */
  lastFields: string;
  /** Start and last page view of the current session (visits under 30 minutes apart). */
  sessionStart: number;
  sessionLast: number;
  /** The person's recent visits as traffic counting sees them (JSON of edge/measure/visits.ts's Tracked[]). */
  trafficVisits: string;
  /** What counting needs of the site, as last heard (JSON of edge/profiles/counting.ts's CountingSettings). */
  counting: string;
}

export type MetaKey = keyof Meta;

const NUMERIC: ReadonlySet<MetaKey> = new Set<MetaKey>(['firstSeen', 'lastSeen', 'retentionDays', 'sessionStart', 'sessionLast']);

export class MetaStore {
  constructor(private readonly sql: SqlStorage) {}

  /** Every fact the profile holds (an empty object for an object that holds no profile). */
  all(): Partial<Meta> {
    const out: Record<string, string | number> = {};
    for (const r of this.sql.exec<{ k: string; v: string }>('SELECT k, v FROM meta')) {
      out[r.k] = NUMERIC.has(r.k as MetaKey) ? Number(r.v) : r.v;
    }
    return out as Partial<Meta>;
  }

  get<K extends MetaKey>(k: K): Meta[K] | undefined {
    const v = this.sql.exec<{ v: string }>('SELECT v FROM meta WHERE k = ?', k).toArray()[0]?.v;
    if (v === undefined) return undefined;
    return (NUMERIC.has(k) ? Number(v) : v) as Meta[K];
  }

  set<K extends MetaKey>(k: K, v: Meta[K]): void {
    this.sql.exec('INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)', k, String(v));
  }

  /** Sets `k` only when it has no value yet (first seen, the profile's own id). */
  keep<K extends MetaKey>(k: K, v: Meta[K]): void {
    this.sql.exec('INSERT OR IGNORE INTO meta (k, v) VALUES (?, ?)', k, String(v));
  }

  delete(k: MetaKey): void {
    this.sql.exec('DELETE FROM meta WHERE k = ?', k);
  }

  /** Moves firstSeen back and lastSeen forward to cover another profile's span (a merge). */
  widen(firstSeen: number, lastSeen: number): void {
    this.sql.exec(`UPDATE meta SET v = CAST(MIN(CAST(v AS INTEGER), ?) AS TEXT) WHERE k = 'firstSeen'`, firstSeen);
    this.sql.exec(`UPDATE meta SET v = CAST(MAX(CAST(v AS INTEGER), ?) AS TEXT) WHERE k = 'lastSeen'`, lastSeen);
  }
}
