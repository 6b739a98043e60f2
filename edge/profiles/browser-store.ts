/**
 * The browsers (anonymous ids) a profile has heard from, when each was last seen, and which were
 * verified: sent an identify signed by the site's server for the profile's user. A merge joins
 * browsers for measurement; only verified ones see each other's contributions (see scope.ts).
 */
export interface Browser {
  anonymousId: string;
  firstSeen: number;
  lastSeen: number;
  verified: boolean;
}

export class BrowserStore {
  constructor(private readonly sql: SqlStorage) {}

  seen(anonymousId: string, now: number): void {
    this.sql.exec(
      `INSERT INTO browsers (anonymous_id, first_seen, last_seen) VALUES (?, ?, ?)
       ON CONFLICT (anonymous_id) DO UPDATE SET last_seen = MAX(last_seen, excluded.last_seen)`,
      anonymousId, now, now,
    );
  }

  verify(anonymousId: string, now: number): void {
    this.seen(anonymousId, now);
    this.sql.exec('UPDATE browsers SET verified = 1 WHERE anonymous_id = ?', anonymousId);
  }

  isVerified(anonymousId: string): boolean {
    return this.sql.exec('SELECT 1 FROM browsers WHERE anonymous_id = ? AND verified = 1', anonymousId).toArray().length > 0;
  }

  verifiedIds(): string[] {
    return this.sql.exec<{ anonymous_id: string }>('SELECT anonymous_id FROM browsers WHERE verified = 1').toArray().map((r) => r.anonymous_id);
  }

  /** When any of these browsers was last seen; null when none ever was. */
  lastSeen(anonymousIds: readonly string[]): number | null {
    if (anonymousIds.length === 0) return null;
    const row = this.sql
      .exec<{ t: number | null }>(`SELECT MAX(last_seen) AS t FROM browsers WHERE anonymous_id IN (${anonymousIds.map(() => '?').join(', ')})`, ...anonymousIds)
      .one();
    return row.t ?? null;
  }

  list(): Browser[] {
    return this.sql
      .exec<{ anonymous_id: string; first_seen: number; last_seen: number; verified: number }>('SELECT * FROM browsers ORDER BY first_seen, anonymous_id')
      .toArray()
      .map((r) => ({ anonymousId: r.anonymous_id, firstSeen: r.first_seen, lastSeen: r.last_seen, verified: r.verified === 1 }));
  }
}
