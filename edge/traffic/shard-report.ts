/**
 * A traffic shard's part of the overview, in SQL over its sums: totals and the previous period's,
 * the series, and the breakdown rows (cut to each dimension's top rows when one shard holds the
 * site). The worker adds the parts up (report.ts).
 */
import type { Sums } from '../measure/traffic';
import { spans } from './spans';

/** A cell's sums with its distinct visitors. */
export type Counted = Sums & { visitors: number };

export const EMPTY_COUNTS: Counted = { visits: 0, pageviews: 0, conversions: 0, bounces: 0, duration: 0, revenue: 0, visitors: 0 };

export interface ShardReport {
  totals: Counted;
  previous: Counted;
  series: (Counted & { bucket: string })[];
  rows: { row: string; visits: number; pageviews: number; conversions: number; visitors: number }[];
  /** People whose latest event is from the last 5 minutes. */
  current: number;
}

export interface ShardQuery {
  /** '' for none, or `dimension:key`. */
  filter: string;
  from: string;
  to: string;
  previousFrom: string;
  previousTo: string;
  interval: 'hour' | 'day';
  /** Top rows per dimension; null for every row (several shards: the top is known only once they are added up). */
  limit: number | null;
  now: number;
}

/** "Current visitors": seen in the last five minutes, as Plausible counts them. */
export const CURRENT_MS = 5 * 60_000;

const SUMS = 'visits, pageviews, conversions, bounces, duration, revenue';
const TOTAL = `COALESCE(SUM(visits), 0) AS visits, COALESCE(SUM(pageviews), 0) AS pageviews, COALESCE(SUM(conversions), 0) AS conversions,
  COALESCE(SUM(bounces), 0) AS bounces, COALESCE(SUM(duration), 0) AS duration, COALESCE(SUM(revenue), 0) AS revenue`;

/** Rows of `table` for filter f over the range: its days before the first whole week, its whole weeks, its days after (spans.ts). */
function inRange(table: string, columns: string, where: string, f: string, from: string, to: string): [string, SqlStorageValue[]] {
  const parts = spans(from, to);
  const one = `SELECT ${columns} FROM ${table} WHERE f = ? AND day BETWEEN ? AND ?${where}`;
  return [parts.map(() => one).join(' UNION ALL '), parts.flatMap(([a, b]) => [f, a, b])];
}

function totals(sql: SqlStorage, f: string, from: string, to: string): Counted {
  const [sums, args] = inRange('totals', SUMS, '', f, from, to);
  const s = sql.exec<Counted>(`SELECT ${TOTAL}, 0 AS visitors FROM (${sums})`, ...args).one();
  // A person counts in the range on the first day of it they were counted, the one whose prev is before it.
  const [seen, seenArgs] = inRange('visitors', 'n', " AND r = '' AND prev < ?", f, from, to);
  s.visitors = sql.exec<{ n: number }>(`SELECT COALESCE(SUM(n), 0) AS n FROM (${seen})`, ...withPrev(seenArgs, from)).one().n;
  return s;
}

/** Each UNION part's arguments with `prev < from` appended. */
const withPrev = (args: SqlStorageValue[], from: string) => args.flatMap((a, i) => (i % 3 === 2 ? [a, from] : [a]));

function series(sql: SqlStorage, q: ShardQuery): (Counted & { bucket: string })[] {
  if (q.interval === 'hour') {
    return sql.exec<Counted & { bucket: string }>(
      `SELECT hour AS bucket, ${SUMS}, visitors FROM hours WHERE f = ? AND hour BETWEEN ? AND ?`, q.filter, q.from, `${q.to}T23`,
    ).toArray();
  }
  return sql.exec<Counted & { bucket: string }>(
    `SELECT t.day AS bucket, t.visits, t.pageviews, t.conversions, t.bounces, t.duration, t.revenue,
       COALESCE((SELECT SUM(n) FROM visitors v WHERE v.f = t.f AND v.day = t.day AND v.r = ''), 0) AS visitors
     FROM totals t WHERE t.f = ? AND t.day BETWEEN ? AND ?`, q.filter, q.from, q.to,
  ).toArray();
}

/** Breakdown rows with their distinct visitors, largest first within each dimension, cut to `limit` each when given. */
function rows(sql: SqlStorage, q: ShardQuery): ShardReport['rows'] {
  const [cells, cellArgs] = inRange('cells', 'r, visits, pageviews, conversions', '', q.filter, q.from, q.to);
  const [seen, seenArgs] = inRange('visitors', 'r, n', " AND r <> '' AND prev < ?", q.filter, q.from, q.to);
  return sql.exec<ShardReport['rows'][number]>(
    `WITH c AS (
       SELECT r, SUM(visits) AS visits, SUM(pageviews) AS pageviews, SUM(conversions) AS conversions
       FROM (${cells}) GROUP BY r HAVING SUM(visits) > 0
     ), v AS (
       SELECT r, SUM(n) AS n FROM (${seen}) GROUP BY r
     ), ranked AS (
       SELECT c.r AS row, COALESCE(v.n, 0) AS visitors, c.visits, c.pageviews, c.conversions,
         ROW_NUMBER() OVER (PARTITION BY substr(c.r, 1, instr(c.r, ':') - 1) ORDER BY COALESCE(v.n, 0) DESC, c.visits DESC, c.r) AS rank
       FROM c LEFT JOIN v ON v.r = c.r
     )
     SELECT row, visitors, visits, pageviews, conversions FROM ranked WHERE ? IS NULL OR rank <= ?`,
    ...cellArgs, ...withPrev(seenArgs, q.from), q.limit, q.limit,
  ).toArray();
}

export function shardReport(sql: SqlStorage, q: ShardQuery): ShardReport {
  return {
    totals: totals(sql, q.filter, q.from, q.to),
    previous: totals(sql, q.filter, q.previousFrom, q.previousTo),
    series: series(sql, q),
    rows: rows(sql, q),
    current: currentVisitors(sql, q.now),
  };
}

export const currentVisitors = (sql: SqlStorage, now: number) => sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM live WHERE last >= ?', now - CURRENT_MS).one().n;
