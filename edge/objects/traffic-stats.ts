import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import type { Sums } from '../measure/traffic';
import type { FunnelContribution } from '../profiles/funnel-store';
import type { TrafficItem } from '../traffic/consumer';
import { gapBucket } from '../measure/gap-histogram';
import { SEEN_SCHEMA, firstTime } from './shards';
import { Schema, type Migration } from './migrations';

/** A cell's sums with its distinct visitors. */
export type Counted = Sums & { visitors: number };

/** What one shard answers for a report; the worker adds up every shard's (edge/traffic/report.ts). */
export interface ShardReport {
  totals: Counted;
  previous: Counted;
  series: (Counted & { bucket: string })[];
  rows: { row: string; visits: number; pageviews: number; conversions: number; visitors: number }[];
}

export interface ShardQuery {
  /** '' for none, or `dimension:key`. */
  filter: string;
  from: string;
  to: string;
  previousFrom: string;
  previousTo: string;
  interval: 'hour' | 'day';
}

const SUMS = 'visits, pageviews, conversions, bounces, duration, revenue';
const ADD = 'visits = visits + excluded.visits, pageviews = pageviews + excluded.pageviews, conversions = conversions + excluded.conversions, bounces = bounces + excluded.bounces, duration = duration + excluded.duration, revenue = revenue + excluded.revenue';
const METRICS = 'visits INTEGER NOT NULL, pageviews INTEGER NOT NULL, conversions INTEGER NOT NULL, bounces INTEGER NOT NULL, duration REAL NOT NULL, revenue REAL NOT NULL';

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'traffic cells by day, totals by hour, distinct visitors',
    up(sql) {
      sql.exec(`
        ${SEEN_SCHEMA}
        CREATE TABLE totals (f TEXT NOT NULL, day TEXT NOT NULL, ${METRICS}, PRIMARY KEY (f, day));
        CREATE TABLE cells (f TEXT NOT NULL, day TEXT NOT NULL, r TEXT NOT NULL, ${METRICS}, PRIMARY KEY (f, day, r));
        CREATE TABLE hours (f TEXT NOT NULL, hour TEXT NOT NULL, ${METRICS}, visitors INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (f, hour));
        CREATE TABLE visitors (f TEXT NOT NULL, day TEXT NOT NULL, r TEXT NOT NULL, prev TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (f, day, r, prev));
      `);
    },
  },
  {
    version: 2,
    name: 'saved funnels: people reaching each step by the day they entered, step times as a histogram',
    up(sql) {
      sql.exec(`
        CREATE TABLE funnel_steps (funnel TEXT NOT NULL, day TEXT NOT NULL, step INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (funnel, day, step));
        CREATE TABLE funnel_gaps (funnel TEXT NOT NULL, day TEXT NOT NULL, step INTEGER NOT NULL, bucket INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (funnel, day, step, bucket));
      `);
    },
  },
];

/** A saved funnel's counts in one shard: per step, people who reached it and the histogram of the time it took. */
export interface FunnelShardReport {
  steps: number[];
  gaps: { step: number; bucket: number; n: number }[];
}

const ZERO: Counted = { visits: 0, pageviews: 0, conversions: 0, bounces: 0, duration: 0, revenue: 0, visitors: 0 };

/**
 * One shard of a site's traffic: the sums of every (filter, row) cell per day, the totals rows per
 * hour too, and distinct visitors by the day they were last counted before. Profiles' increments
 * arrive through the traffic queue, many per call; a key seen before changes nothing. Reports read
 * the shards and add them up: their cost depends on the range and the keys, not on visitors.
 */
export class TrafficStats extends DurableObject<Env> {
  private readonly schema = new Schema(this.ctx.storage, MIGRATIONS);

  private get sql(): SqlStorage {
    return this.schema.sql;
  }

  /** Applies the increments whose keys are new here; returns how many were. */
  apply(items: TrafficItem[]): number {
    const sql = this.sql;
    let applied = 0;
    this.ctx.storage.transactionSync(() => {
      for (const i of items) {
        if (!firstTime(sql, i.key)) continue;
        applied++;
        if (i.kind === 'funnel') {
          if (i.remove) this.addFunnel(i.funnel, i.remove, -1);
          if (i.add) this.addFunnel(i.funnel, i.add, 1);
          continue;
        }
        // One statement per table and group: the filters crossed with the rows, in SQL.
        const pick = `r.value ->> 1, r.value ->> 2, r.value ->> 3, r.value ->> 4, r.value ->> 5, r.value ->> 6`;
        for (const g of i.groups) {
          const [filters, rows] = [JSON.stringify(g.filters), JSON.stringify(g.rows)];
          const from = `FROM json_each(?) AS f, json_each(?) AS r WHERE r.value ->> 0`;
          sql.exec(`INSERT INTO totals (f, day, ${SUMS}) SELECT f.value, ?, ${pick} ${from} = '' ON CONFLICT (f, day) DO UPDATE SET ${ADD}`, i.day, filters, rows);
          sql.exec(`INSERT INTO hours (f, hour, ${SUMS}) SELECT f.value, ?, ${pick} ${from} = '' ON CONFLICT (f, hour) DO UPDATE SET ${ADD}`, i.hour, filters, rows);
          sql.exec(`INSERT INTO cells (f, day, r, ${SUMS}) SELECT f.value, ?, r.value ->> 0, ${pick} ${from} <> '' ON CONFLICT (f, day, r) DO UPDATE SET ${ADD}`, i.day, filters, rows);
        }
        if (i.visitors.length) {
          sql.exec(
            `INSERT INTO visitors (f, day, r, prev, n) SELECT value ->> 0, ?, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?) WHERE true
             ON CONFLICT (f, day, r, prev) DO UPDATE SET n = n + excluded.n`,
            i.day, JSON.stringify(i.visitors),
          );
        }
        if (i.hourVisitors.length) {
          sql.exec(
            `INSERT INTO hours (f, hour, ${SUMS}, visitors) SELECT value ->> 0, ?, 0, 0, 0, 0, 0, 0, value ->> 1 FROM json_each(?) WHERE true
             ON CONFLICT (f, hour) DO UPDATE SET visitors = visitors + excluded.visitors`,
            i.hour, JSON.stringify(i.hourVisitors),
          );
        }
      }
    });
    return applied;
  }

  private addFunnel(funnel: string, c: FunnelContribution, sign: 1 | -1): void {
    for (let step = 0; step < c.reached; step++) {
      this.sql.exec(
        'INSERT INTO funnel_steps (funnel, day, step, n) VALUES (?, ?, ?, ?) ON CONFLICT (funnel, day, step) DO UPDATE SET n = n + excluded.n',
        funnel, c.day, step, sign,
      );
    }
    c.gaps.forEach((ms, i) => {
      this.sql.exec(
        'INSERT INTO funnel_gaps (funnel, day, step, bucket, n) VALUES (?, ?, ?, ?, ?) ON CONFLICT (funnel, day, step, bucket) DO UPDATE SET n = n + excluded.n',
        funnel, c.day, i + 1, gapBucket(ms), sign,
      );
    });
  }

  /** A saved funnel's counts for people who entered it within [from, to] (days). */
  funnel(funnel: string, steps: number, from: string, to: string): FunnelShardReport {
    const counts = new Array<number>(steps).fill(0);
    for (const r of this.sql.exec<{ step: number; n: number }>(
      'SELECT step, SUM(n) AS n FROM funnel_steps WHERE funnel = ? AND day BETWEEN ? AND ? GROUP BY step', funnel, from, to,
    )) if (r.step < steps) counts[r.step] = r.n;
    const gaps = this.sql
      .exec<{ step: number; bucket: number; n: number }>(
        'SELECT step, bucket, SUM(n) AS n FROM funnel_gaps WHERE funnel = ? AND day BETWEEN ? AND ? GROUP BY step, bucket', funnel, from, to,
      )
      .toArray();
    return { steps: counts, gaps };
  }

  /** This shard's part of a report: every row (the top of a breakdown is only known once all shards are added up). */
  report(q: ShardQuery): ShardReport {
    const sql = this.sql;
    const totalsOf = (from: string, to: string): Counted => {
      const s = sql.exec<Counted>(
        `SELECT COALESCE(SUM(visits), 0) AS visits, COALESCE(SUM(pageviews), 0) AS pageviews, COALESCE(SUM(conversions), 0) AS conversions,
           COALESCE(SUM(bounces), 0) AS bounces, COALESCE(SUM(duration), 0) AS duration, COALESCE(SUM(revenue), 0) AS revenue, 0 AS visitors
         FROM totals WHERE f = ? AND day BETWEEN ? AND ?`, q.filter, from, to,
      ).one();
      s.visitors = sql.exec<{ n: number }>(
        `SELECT COALESCE(SUM(n), 0) AS n FROM visitors WHERE f = ? AND r = '' AND day BETWEEN ? AND ? AND prev < ?`, q.filter, from, to, from,
      ).one().n;
      return s;
    };
    const series =
      q.interval === 'hour'
        ? sql.exec<Counted & { bucket: string }>(
            `SELECT hour AS bucket, ${SUMS}, visitors FROM hours WHERE f = ? AND hour BETWEEN ? AND ?`, q.filter, q.from, `${q.to}T23`,
          ).toArray()
        : this.daySeries(q);
    const visitors = new Map(
      sql.exec<{ r: string; n: number }>(
        `SELECT r, SUM(n) AS n FROM visitors WHERE f = ? AND day BETWEEN ? AND ? AND r <> '' AND prev < ? GROUP BY r`, q.filter, q.from, q.to, q.from,
      ).toArray().map((x) => [x.r, x.n]),
    );
    const rows = sql
      .exec<{ row: string; visits: number; pageviews: number; conversions: number }>(
        `SELECT r AS row, SUM(visits) AS visits, SUM(pageviews) AS pageviews, SUM(conversions) AS conversions FROM cells
         WHERE f = ? AND day BETWEEN ? AND ? GROUP BY r`, q.filter, q.from, q.to,
      )
      .toArray()
      .map((r) => ({ ...r, visitors: visitors.get(r.row) ?? 0 }));
    return { totals: totalsOf(q.from, q.to), previous: totalsOf(q.previousFrom, q.previousTo), series, rows };
  }

  private daySeries(q: ShardQuery): (Counted & { bucket: string })[] {
    const visitors = new Map(
      this.sql.exec<{ day: string; n: number }>(
        `SELECT day, SUM(n) AS n FROM visitors WHERE f = ? AND r = '' AND day BETWEEN ? AND ? GROUP BY day`, q.filter, q.from, q.to,
      ).toArray().map((x) => [x.day, x.n]),
    );
    return this.sql
      .exec<Sums & { bucket: string }>(`SELECT day AS bucket, ${SUMS} FROM totals WHERE f = ? AND day BETWEEN ? AND ?`, q.filter, q.from, q.to)
      .toArray()
      .map((s) => ({ ...s, visitors: visitors.get(s.bucket) ?? 0 }));
  }
}

export const EMPTY_COUNTS = ZERO;
