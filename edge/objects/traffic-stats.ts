import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import type { Sums } from '../measure/traffic';
import type { FunnelContribution } from '../profiles/funnel-store';
import type { TrafficItem } from '../traffic/consumer';
import { gapBucket } from '../measure/gap-histogram';
import { SEEN_SCHEMA, firstTime } from './shards';
import { Schema, type Migration } from './migrations';
import { weekOf } from '../traffic/spans';
import { currentVisitors, EMPTY_COUNTS, shardReport, type ShardQuery, type ShardReport } from '../traffic/shard-report';

export type { Counted, ShardQuery, ShardReport } from '../traffic/shard-report';

/** How long the `live` table remembers a visitor. */
const LIVE_KEEP_MS = 60 * 60_000;

/** How many reports are kept between changes (distinct ranges and filters being looked at). */
const REPORTS_KEPT = 64;

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
  {
    version: 3,
    name: 'who was on the site lately, for current visitors',
    up(sql) {
      sql.exec('CREATE TABLE live (profile TEXT PRIMARY KEY, last INTEGER NOT NULL); CREATE INDEX live_last ON live (last);');
    },
  },
];

/** A saved funnel's counts in one shard: per step, people who reached it and the histogram of the time it took. */
export interface FunnelShardReport {
  steps: number[];
  gaps: { step: number; bucket: number; n: number }[];
}


/**
 * One shard of a site's traffic: the sums of every (filter, row) cell per day and per week (rows
 * keyed `W` and the Monday, edge/traffic/spans.ts), the totals rows per hour too, and distinct visitors by the day they were last counted before. Profiles' increments
 * arrive through the traffic queue, many per call; a key seen before changes nothing. Reports read
 * the shards and add them up: their cost depends on the range and the keys, not on visitors.
 */
export class TrafficStats extends DurableObject<Env> {
  private readonly schema = new Schema(this.ctx.storage, MIGRATIONS);
  /** Reports made since the sums last changed, by query (in memory: a restart just makes them again). */
  private readonly reports = new Map<string, ShardReport>();

  private get sql(): SqlStorage {
    return this.schema.sql;
  }

  /** Applies the increments whose keys are new here; returns how many were. */
  apply(items: TrafficItem[]): number {
    const sql = this.sql;
    let applied = 0;
    this.reports.clear();
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
        // Each sum goes to its day's row and its week's (spans.ts): a month is then read mostly from weeks.
        const week = weekOf(i.day);
        for (const g of i.groups) {
          const [filters, rows] = [JSON.stringify(g.filters), JSON.stringify(g.rows)];
          const from = `FROM json_each(?) AS f, json_each(?) AS r WHERE r.value ->> 0`;
          for (const day of [i.day, week]) {
            sql.exec(`INSERT INTO totals (f, day, ${SUMS}) SELECT f.value, ?, ${pick} ${from} = '' ON CONFLICT (f, day) DO UPDATE SET ${ADD}`, day, filters, rows);
            sql.exec(`INSERT INTO cells (f, day, r, ${SUMS}) SELECT f.value, ?, r.value ->> 0, ${pick} ${from} <> '' ON CONFLICT (f, day, r) DO UPDATE SET ${ADD}`, day, filters, rows);
          }
          sql.exec(`INSERT INTO hours (f, hour, ${SUMS}) SELECT f.value, ?, ${pick} ${from} = '' ON CONFLICT (f, hour) DO UPDATE SET ${ADD}`, i.hour, filters, rows);
        }
        if (i.visitors.length) {
          const visitors = JSON.stringify(i.visitors);
          for (const day of [i.day, week]) {
            sql.exec(
              `INSERT INTO visitors (f, day, r, prev, n) SELECT value ->> 0, ?, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?) WHERE true
               ON CONFLICT (f, day, r, prev) DO UPDATE SET n = n + excluded.n`,
              day, visitors,
            );
          }
        }
        if (i.hourVisitors.length) {
          sql.exec(
            `INSERT INTO hours (f, hour, ${SUMS}, visitors) SELECT value ->> 0, ?, 0, 0, 0, 0, 0, 0, value ->> 1 FROM json_each(?) WHERE true
             ON CONFLICT (f, hour) DO UPDATE SET visitors = visitors + excluded.visitors`,
            i.hour, JSON.stringify(i.hourVisitors),
          );
        }
        sql.exec('INSERT INTO live (profile, last) VALUES (?, ?) ON CONFLICT (profile) DO UPDATE SET last = MAX(last, excluded.last)', i.profile, Math.min(i.last ?? 0, Date.now()));
      }
      // Only the last few minutes matter for "current visitors".
      sql.exec('DELETE FROM live WHERE last < ?', Date.now() - LIVE_KEEP_MS);
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

  /**
   * This shard's part of a report (edge/traffic/shard-report.ts). A report is a function of the
   * sums, so it is kept until the next increment changes them: a dashboard read again, or by
   * several people, costs one lookup. Current visitors depend on the clock and are counted each time.
   */
  report(q: ShardQuery): ShardReport {
    const key = JSON.stringify({ ...q, now: 0 });
    let hit = this.reports.get(key);
    if (!hit) {
      hit = shardReport(this.sql, q);
      if (this.reports.size >= REPORTS_KEPT) this.reports.delete(this.reports.keys().next().value!);
      this.reports.set(key, hit);
    }
    return { ...hit, current: currentVisitors(this.sql, q.now) };
  }
}

export { EMPTY_COUNTS };
