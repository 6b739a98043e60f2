/**
 * Who the profile is: its identifiers (anonymous ids, user id, email and phone hashes, custom ids),
 * its traits, and what unmerges decided (browsers handed back to another profile, profiles never
 * to merge with again). The per-type limits that keep a shared device from collecting everyone
 * are applied here.
 */
import type { Props } from '../../protocol/events';
import { limitFor, type IdentifierLimits } from '../engine/merge-plan';
import { isCustomType, MAX_CUSTOM_TYPES, type Identifier } from './identifiers';
import { VERIFIED_SOURCE, type Scope } from './scope';

/** Which of some named identifiers the profile takes, and why each other one is refused. */
export interface Admission {
  allowed: Identifier[];
  /** `type: reason` per refused identifier, in the order named. */
  refused: string[];
  /** Allowed identifiers the profile did not hold before. */
  fresh: Identifier[];
}

export class IdentityStore {
  constructor(private readonly sql: SqlStorage) {}

  has(id: Identifier): boolean {
    return this.sql.exec('SELECT 1 FROM identifiers WHERE type = ? AND value = ?', id.type, id.value).toArray().length > 0;
  }

  add(id: Identifier, now: number): void {
    this.sql.exec('INSERT OR IGNORE INTO identifiers (type, value, first_seen) VALUES (?, ?, ?)', id.type, id.value, now);
  }

  /**
   * The identifiers this profile may take, of those an event named: those it holds already, and
   * new ones while it is under its per-type limit. `trusted` are the ones that may join at all
   * (where the site requires verification: the signed user ids); the others are unverified claims.
   */
  admit(named: readonly Identifier[], trusted: (id: Identifier) => boolean, limits: IdentifierLimits): Admission {
    const counts = this.counts();
    const customTypes = new Set(Object.keys(counts).filter(isCustomType));
    const out: Admission = { allowed: [], refused: [], fresh: [] };
    for (const id of named) {
      if (!trusted(id)) {
        out.refused.push(`${id.type}: unverified claim`);
        continue;
      }
      if (this.has(id)) {
        out.allowed.push(id);
        continue;
      }
      if (isCustomType(id.type) && !customTypes.has(id.type)) {
        if (customTypes.size >= MAX_CUSTOM_TYPES) {
          out.refused.push(`${id.type}: at most ${MAX_CUSTOM_TYPES} custom identifier types per profile`);
          continue;
        }
        customTypes.add(id.type);
      }
      if ((counts[id.type] ?? 0) >= limitFor(limits, id.type)) {
        out.refused.push(`${id.type}: limit of ${limitFor(limits, id.type)} reached`);
        continue;
      }
      counts[id.type] = (counts[id.type] ?? 0) + 1;
      out.allowed.push(id);
      out.fresh.push(id);
    }
    return out;
  }

  /** How many identifiers of each type the profile holds. */
  counts(): Partial<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const r of this.sql.exec<{ type: string; n: number }>('SELECT type, COUNT(*) AS n FROM identifiers GROUP BY type')) out[r.type] = r.n;
    return out;
  }

  /** The known identifiers (all but anonymous ids). */
  known(): Identifier[] {
    return this.sql.exec<{ type: string; value: string }>("SELECT type, value FROM identifiers WHERE type <> 'anonymous'").toArray();
  }

  /** Every identifier with when it was first seen, oldest first. */
  list(): { type: string; value: string; firstSeen: number }[] {
    return this.sql
      .exec<{ type: string; value: string; first_seen: number }>('SELECT type, value, first_seen FROM identifiers ORDER BY first_seen, type, value')
      .toArray()
      .map((r) => ({ type: r.type, value: r.value, firstSeen: r.first_seen }));
  }

  /**
   * Traits as one source sent them: a browser's claim (its anonymous id), or a signed identify
   * (VERIFIED_SOURCE). Per source, newer wins by client time, so a late-arriving old identify
   * cannot overwrite a fresh trait — and no source ever overwrites another's.
   */
  setTraits(traits: Props, at: number, source: string): void {
    for (const [k, v] of Object.entries(traits)) {
      this.sql.exec(
        `INSERT INTO traits (k, source, v, set_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (k, source) DO UPDATE SET v = excluded.v, set_at = excluded.set_at WHERE excluded.set_at >= traits.set_at`,
        k, source, JSON.stringify(v), at,
      );
    }
  }

  /** The traits a scope sees (the newest value per key among its sources); every source's without one. */
  traits(scope?: Scope): Props {
    const where = scope ? `WHERE source IN (${scope.browsers.map(() => '?').join(', ')})${scope.verified ? ' OR source = ?' : ''}` : '';
    const args = scope ? [...scope.browsers, ...(scope.verified ? [VERIFIED_SOURCE] : [])] : [];
    const out: Props = {};
    for (const t of this.sql.exec<{ k: string; v: string }>(`SELECT k, v FROM traits ${where} ORDER BY set_at, source`, ...args)) {
      out[t.k] = JSON.parse(t.v) as Props[string];
    }
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  /** The profile a browser was given back to by an unmerge, if it was. */
  splitTo(anonymousId: string): string | null {
    return this.sql.exec<{ profile_id: string }>('SELECT profile_id FROM split_anon WHERE anonymous_id = ?', anonymousId).toArray()[0]?.profile_id ?? null;
  }

  /** Profiles an unmerge separated from this one: they never merge with it again on their own. */
  separatedFrom(): string[] {
    return this.sql.exec<{ profile_id: string }>('SELECT profile_id FROM no_merge').toArray().map((r) => r.profile_id);
  }
}
