import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import type { Increment } from '../profiles/measure-store';
import { SEEN_SCHEMA, firstTime, fromAllShards } from './shards';
import { statsShard } from './stubs';

/**
 * One shard of one experience's counters: visitors exposed and converted per variant, goal and
 * day, with revenue sums. Profiles send increments here (never every event), each shard takes a
 * share of the profiles by hash, and a key seen before changes nothing, so retries count once.
 * Reports read all shards and add them up (see readExperienceCounts).
 */
export interface CountRow {
  variant: string;
  kind: 'exposure' | 'conversion';
  goal: string;
  day: string;
  n: number;
  revenue: number;
  revenueSq: number;
}

export class ExperienceStats extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      ${SEEN_SCHEMA}
      CREATE TABLE IF NOT EXISTS counts (
        variant TEXT NOT NULL, kind TEXT NOT NULL, goal TEXT NOT NULL, day TEXT NOT NULL,
        n INTEGER NOT NULL, revenue REAL NOT NULL, revenue_sq REAL NOT NULL,
        PRIMARY KEY (variant, kind, goal, day)
      );
    `);
  }

  /** Applies the increments whose keys are new here; returns how many were. */
  apply(items: Increment[]): number {
    let applied = 0;
    this.ctx.storage.transactionSync(() => {
      for (const i of items) {
        if (!firstTime(this.sql, i.key)) continue;
        this.sql.exec(
          `INSERT INTO counts (variant, kind, goal, day, n, revenue, revenue_sq) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (variant, kind, goal, day) DO UPDATE SET
             n = n + excluded.n, revenue = revenue + excluded.revenue, revenue_sq = revenue_sq + excluded.revenue_sq`,
          i.variant, i.kind, i.goal, i.day, i.n, i.revenue, i.revenueSq,
        );
        applied++;
      }
    });
    return applied;
  }

  read(): CountRow[] {
    return this.sql
      .exec<{ variant: string; kind: string; goal: string; day: string; n: number; revenue: number; revenue_sq: number }>(
        'SELECT * FROM counts ORDER BY day, variant, kind, goal',
      )
      .toArray()
      .map((r) => ({ variant: r.variant, kind: r.kind as CountRow['kind'], goal: r.goal, day: r.day, n: r.n, revenue: r.revenue, revenueSq: r.revenue_sq }));
  }
}

/** Every shard's counts for one experience, added up per (variant, kind, goal, day). */
export async function readExperienceCounts(env: Env, site: string, experience: string): Promise<CountRow[]> {
  const rows = await fromAllShards(async (s) => await statsShard(env, site, experience, s).read());
  const sum = new Map<string, CountRow>();
  for (const row of rows) {
    const k = `${row.variant}\n${row.kind}\n${row.goal}\n${row.day}`;
    const acc = sum.get(k);
    if (acc) {
      acc.n += row.n;
      acc.revenue += row.revenue;
      acc.revenueSq += row.revenueSq;
    } else sum.set(k, { ...row });
  }
  return [...sum.values()].sort((a, b) => a.day.localeCompare(b.day) || a.variant.localeCompare(b.variant));
}
