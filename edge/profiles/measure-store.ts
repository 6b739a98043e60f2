/**
 * Experiment measurement inside a profile object. The work that needs a person's history —
 * "has this visitor been exposed, to which variant, did they convert already" — happens here,
 * once, when the event arrives; only the resulting increments leave, through a transactional
 * outbox (written in the same transaction as the event), to the sharded experiment counters.
 * Every increment has a deterministic key, so a retried batch, a retried flush or a retried merge
 * counts once: the outbox and the counters both ignore a key they have seen.
 */
import type { StoredEvent } from '../../protocol/events';
import { OVERLAY_CLICK } from '../../protocol/triggers';
import type { CreditIncrement } from './attribution-store';
import type { FunnelIncrement } from './funnel-store';
import type { TrafficIncrement } from './traffic-store';

/** What the outbox holds: experiment counter increments, attribution credits, traffic and saved-funnel counts. */
export type OutboxItem = Increment | CreditIncrement | TrafficIncrement | FunnelIncrement;

/** One change to an experiment's counters. `profile` picks the shard; n is +1, 0 (revenue only) or -1 (a merge retracting). */
export interface Increment {
  key: string;
  profile: string;
  experience: string;
  variant: string;
  kind: 'exposure' | 'conversion';
  goal: string;
  day: string;
  n: number;
  revenue: number;
  /** Change of the sum over visitors of (their revenue)², for Welch intervals on revenue per visitor. */
  revenueSq: number;
}

/** The goals of the site's experiences that still count (running or paused). */
export interface ExperienceGoals {
  experience: string;
  goals: readonly string[];
}

const day = (ts: number) => new Date(ts).toISOString().slice(0, 10);

export function enqueue(sql: SqlStorage, inc: OutboxItem): void {
  sql.exec('INSERT OR IGNORE INTO stat_outbox (key, body) VALUES (?, ?)', inc.key, JSON.stringify(inc));
}

/** The money a goal event carries: props.revenue, else props.value; anything else counts 0. */
export function valueOf(e: StoredEvent): number {
  const v = e.props?.revenue ?? e.props?.value;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : 0;
  return Number.isFinite(n) && Math.abs(n) < 1e9 ? n : 0;
}

/**
 * Records what a newly stored event means for experiments:
 * - `$exposure` counts the visitor once per experience, and only for the variant they are
 *   assigned (a preview, or a tampered event, counts nothing);
 * - an event named as an experience's goal counts a conversion once per visitor and goal, for the
 *   variant they were exposed to before it; later goal events add only their revenue.
 */
export function measureEvent(sql: SqlStorage, profileId: string, e: StoredEvent, goals: readonly ExperienceGoals[]): void {
  if (e.type === 'track' && e.name === '$exposure') {
    const exp = e.props?.experience;
    const variant = e.props?.variant;
    if (typeof exp !== 'string' || typeof variant !== 'string') return;
    const assigned = sql.exec<{ variant: string | null }>('SELECT variant FROM assignments WHERE experience = ?', exp).toArray()[0];
    if (!assigned || assigned.variant !== variant) return;
    const written = sql.exec(
      'INSERT OR IGNORE INTO exposures (experience, variant, ts, source) VALUES (?, ?, ?, ?)', exp, variant, e.ts, profileId,
    ).rowsWritten;
    if (written > 0) {
      enqueue(sql, { key: `exposure:${profileId}:${exp}`, profile: profileId, experience: exp, variant, kind: 'exposure', goal: '', day: day(e.ts), n: 1, revenue: 0, revenueSq: 0 });
    }
    return;
  }
  if (!e.name || (e.type !== 'track' && e.type !== 'signal')) return;
  for (const g of goals) {
    if (!g.goals.includes(e.name)) continue;
    if (e.name === OVERLAY_CLICK && e.props?.experience !== g.experience) continue; // another experience's overlay
    const exposure = sql.exec<{ variant: string; ts: number }>('SELECT variant, ts FROM exposures WHERE experience = ?', g.experience).toArray()[0];
    if (!exposure || exposure.ts > e.ts) continue; // converted before seeing the variant: not its doing
    const v = valueOf(e);
    const prior = sql.exec<{ value: number }>('SELECT value FROM conversions WHERE experience = ? AND goal = ?', g.experience, e.name).toArray()[0];
    const base = { profile: profileId, experience: g.experience, variant: exposure.variant, kind: 'conversion' as const, goal: e.name, day: day(e.ts) };
    if (!prior) {
      sql.exec(
        'INSERT INTO conversions (experience, goal, variant, ts, value, source) VALUES (?, ?, ?, ?, ?, ?)',
        g.experience, e.name, exposure.variant, e.ts, v, profileId,
      );
      enqueue(sql, { ...base, key: `conversion:${profileId}:${g.experience}:${e.name}`, n: 1, revenue: v, revenueSq: v * v });
    } else if (v !== 0) {
      sql.exec('UPDATE conversions SET value = value + ? WHERE experience = ? AND goal = ?', v, g.experience, e.name);
      const x = prior.value;
      enqueue(sql, { ...base, key: `revenue:${profileId}:${g.experience}:${e.name}:${e.id}`, n: 0, revenue: v, revenueSq: 2 * x * v + v * v });
    }
  }
}

export interface MeasureData {
  exposures: { experience: string; variant: string; ts: number; source: string }[];
  conversions: { experience: string; goal: string; variant: string; ts: number; value: number; source: string }[];
}

export function exportMeasure(sql: SqlStorage): MeasureData {
  return {
    exposures: sql.exec<MeasureData['exposures'][number]>('SELECT experience, variant, ts, source FROM exposures').toArray(),
    conversions: sql.exec<MeasureData['conversions'][number]>('SELECT experience, goal, variant, ts, value, source FROM conversions').toArray(),
  };
}

/**
 * A merge, on the survivor: a person counts once per experience. Where the survivor was exposed
 * too, the retiring profile's exposure and conversions are retracted from the counters; where it
 * was not, they move over (already counted, so nothing is sent). Idempotent: a row that already
 * came from `from` is skipped, and retraction keys are deterministic.
 */
export function absorbMeasure(sql: SqlStorage, from: string, data: MeasureData | undefined): void {
  if (!data) return;
  for (const x of data.exposures) {
    const mine = sql.exec<{ source: string }>('SELECT source FROM exposures WHERE experience = ?', x.experience).toArray()[0];
    const convs = data.conversions.filter((c) => c.experience === x.experience);
    if (!mine) {
      sql.exec('INSERT INTO exposures (experience, variant, ts, source) VALUES (?, ?, ?, ?)', x.experience, x.variant, x.ts, x.source);
      for (const c of convs) {
        sql.exec(
          'INSERT OR IGNORE INTO conversions (experience, goal, variant, ts, value, source) VALUES (?, ?, ?, ?, ?, ?)',
          c.experience, c.goal, c.variant, c.ts, c.value, c.source,
        );
      }
      continue;
    }
    if (mine.source === x.source) continue; // moved here by an earlier try of this merge
    const base = { profile: x.source, experience: x.experience, variant: x.variant, day: day(x.ts) };
    enqueue(sql, { ...base, key: `retract:exposure:${x.source}:${x.experience}`, kind: 'exposure', goal: '', n: -1, revenue: 0, revenueSq: 0 });
    for (const c of convs) {
      enqueue(sql, {
        ...base, key: `retract:conversion:${c.source}:${c.experience}:${c.goal}`, kind: 'conversion', goal: c.goal, day: day(c.ts),
        n: -1, revenue: -c.value, revenueSq: -c.value * c.value,
      });
    }
  }
}

/** Up to `limit` pending outbox items, in key order. */
export function pendingIncrements(sql: SqlStorage, limit = 500): OutboxItem[] {
  return sql.exec<{ body: string }>('SELECT body FROM stat_outbox LIMIT ?', limit).toArray().map((r) => JSON.parse(r.body) as OutboxItem);
}

export function clearIncrements(sql: SqlStorage, keys: readonly string[]): void {
  for (const k of keys) sql.exec('DELETE FROM stat_outbox WHERE key = ?', k);
}
