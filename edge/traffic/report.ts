/**
 * The traffic overview from the site's shards: each shard's sums added up, derived numbers
 * worked out, the series filled to every bucket of the range, breakdowns sorted and cut.
 */
import { STATS_DIMENSIONS, type StatsDimension, type StatsFilter, type StatsInterval, type StatsPoint, type StatsResponse, type StatsRow, type StatsTotals } from '../../protocol/stats';
import { DAY_MS, dayString, previousRange } from '../admin/range';
import type { Env } from '../env';
import { ratios } from '../measure/traffic';
import { TRAFFIC_SHARDS } from '../objects/shards';
import { trafficShard } from '../objects/stubs';
import { EMPTY_COUNTS, type Counted, type ShardReport } from '../objects/traffic-stats';

export interface StatsQuery {
  from: string;
  to: string;
  interval: StatsInterval;
  filter: StatsFilter | null;
  /** Rows per breakdown. */
  limit: number;
}

function add(into: Counted, s: Counted): void {
  for (const k of Object.keys(into) as (keyof Counted)[]) into[k] += s[k];
}

const cents = (n: number) => Math.round(n * 100) / 100;

export function totalsOf(s: Counted): StatsTotals {
  return { visitors: s.visitors, visits: s.visits, pageviews: s.pageviews, ...ratios(s), conversions: s.conversions, revenue: cents(s.revenue) };
}

/** Every bucket from `from` to `to`, oldest first. */
export function buckets(from: string, to: string, interval: StatsInterval): string[] {
  const out: string[] = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += DAY_MS) {
    const day = dayString(t);
    if (interval === 'day') out.push(day);
    else for (let h = 0; h < 24; h++) out.push(`${day}T${String(h).padStart(2, '0')}`);
  }
  return out;
}

/** Adds up the shards' answers into the overview (without `current`, which comes from elsewhere). */
export function combine(site: string, q: StatsQuery, parts: readonly ShardReport[]): Omit<StatsResponse, 'current'> {
  const totals = { ...EMPTY_COUNTS };
  const previous = { ...EMPTY_COUNTS };
  const series = new Map<string, Counted>(buckets(q.from, q.to, q.interval).map((b) => [b, { ...EMPTY_COUNTS }]));
  const rows = new Map<string, StatsRow>();
  for (const p of parts) {
    add(totals, p.totals);
    add(previous, p.previous);
    for (const s of p.series) {
      const into = series.get(s.bucket);
      if (into) add(into, s);
    }
    for (const r of p.rows) {
      const into = rows.get(r.row) ?? { key: r.row, visitors: 0, visits: 0, pageviews: 0, conversions: 0 };
      into.visitors += r.visitors;
      into.visits += r.visits;
      into.pageviews += r.pageviews;
      into.conversions += r.conversions;
      rows.set(r.row, into);
    }
  }
  const breakdowns = Object.fromEntries(STATS_DIMENSIONS.map((d) => [d, [] as StatsRow[]])) as Record<StatsDimension, StatsRow[]>;
  for (const r of rows.values()) {
    const i = r.key.indexOf(':');
    const list = breakdowns[r.key.slice(0, i) as StatsDimension];
    if (list && r.visits > 0) list.push({ ...r, key: r.key.slice(i + 1) });
  }
  for (const d of STATS_DIMENSIONS) {
    breakdowns[d] = breakdowns[d].sort((a, b) => b.visitors - a.visitors || b.visits - a.visits || (a.key < b.key ? -1 : 1)).slice(0, q.limit);
  }
  const points: StatsPoint[] = [...series].map(([bucket, s]) => ({ bucket, ...totalsOf(s) }));
  return {
    site, from: q.from, to: q.to, interval: q.interval, filter: q.filter,
    totals: totalsOf(totals), previous: totalsOf(previous), previousRange: previousRange(q.from, q.to), series: points, breakdowns,
  };
}

/** Reads every shard of the site's traffic and adds them up. */
export async function readStats(env: Env, site: string, q: StatsQuery, now: number): Promise<StatsResponse> {
  const prev = previousRange(q.from, q.to);
  const filter = q.filter ? `${q.filter.dimension}:${q.filter.value}` : '';
  // One shard can cut each breakdown to its top rows itself; several must send every row to be added up.
  const limit = TRAFFIC_SHARDS === 1 ? q.limit : null;
  const parts = await Promise.all(
    Array.from({ length: TRAFFIC_SHARDS }, async (_, s) =>
      await trafficShard(env, site, s).report({ filter, from: q.from, to: q.to, previousFrom: prev.from, previousTo: prev.to, interval: q.interval, limit, now }),
    ),
  );
  return { ...combine(site, q, parts), current: parts.reduce((n, p) => n + p.current, 0) };
}
