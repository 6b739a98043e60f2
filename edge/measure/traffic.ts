/**
 * Traffic counting, the pure part. A visit is summed into cells: one per (filter, row) pair, where
 * the filter is '' (none) or one of the visit's keys (`channels:email`, `pages:/pricing`, ...) and
 * the row is '' (the totals) or one of its keys again. Reading a filtered breakdown is then one
 * lookup of precomputed sums, at any number of visitors. The profile keeps its current visit and
 * sends, for each event, only the difference the event made to the visit's cells (`visitDelta`),
 * so the counters stay exact while a visit grows: its exit page moves, it stops being a bounce.
 */
import type { StatsDimension } from '../../protocol/stats';

/** What a visit is, as far as the counters care. Keys absent from `dims` are unknown: no row. */
export interface Visit {
  /** Start and latest event time (epoch ms); the visit counts on the day and hour it started. */
  start: number;
  last: number;
  dims: Partial<Record<VisitDimension, string>>;
  /** Views per path. */
  pages: Record<string, number>;
  exit: string;
  pageviews: number;
  interacted: boolean;
  /** Goals completed in the visit, in order. */
  goals: string[];
  revenue: number;
}

/** The dimensions a visit has one key of, fixed when it starts. */
export type VisitDimension = Exclude<StatsDimension, 'pages' | 'exitPages' | 'goals'>;

/** The sums of one cell. bounces, duration and revenue are kept on the totals row ('') only. */
export type Sums = {
  visits: number;
  pageviews: number;
  conversions: number;
  bounces: number;
  duration: number;
  revenue: number;
};

/** A cell's address: filter and row, each '' or `dimension:key`. */
export type CellKey = `${string}\n${string}`;

export const cellKey = (filter: string, row: string): CellKey => `${filter}\n${row}`;

export function splitCell(k: string): [string, string] {
  const i = k.indexOf('\n');
  return [k.slice(0, i), k.slice(i + 1)];
}

/** `dimension:key`, the spelling of a filter (?filter=channels:email) and of a row. */
export const dimKey = (d: StatsDimension, key: string) => `${d}:${key}`;

/** The UTC day (`2026-12-01`) and hour (`2026-12-01T13`) a time falls in. */
export const dayOf = (ts: number) => new Date(ts).toISOString().slice(0, 10);
export const hourOf = (ts: number) => new Date(ts).toISOString().slice(0, 13);

/** Every key the visit has: its visit dimensions, each page viewed, its exit page, each goal. */
export function keysOf(v: Visit): string[] {
  const out: string[] = [];
  for (const [d, key] of Object.entries(v.dims)) if (key) out.push(dimKey(d as VisitDimension, key));
  for (const p of Object.keys(v.pages)) out.push(dimKey('pages', p));
  if (v.exit) out.push(dimKey('exitPages', v.exit));
  for (const g of new Set(v.goals)) out.push(dimKey('goals', g));
  return out;
}

/** What the visit adds to each of its cells. */
export function cellsOf(v: Visit): Map<CellKey, Sums> {
  const keys = keysOf(v);
  const out = new Map<CellKey, Sums>();
  const converted = v.goals.length > 0 ? 1 : 0;
  const totals: Sums = {
    visits: 1, pageviews: v.pageviews, conversions: converted,
    bounces: v.pageviews === 1 && !v.interacted ? 1 : 0, duration: Math.max(0, v.last - v.start), revenue: v.revenue,
  };
  for (const f of ['', ...keys]) {
    out.set(cellKey(f, ''), totals);
    for (const r of keys) {
      const [d, key] = [r.slice(0, r.indexOf(':')), r.slice(r.indexOf(':') + 1)];
      out.set(cellKey(f, r), {
        visits: 1,
        pageviews: d === 'pages' ? (v.pages[key] ?? 0) : v.pageviews,
        conversions: d === 'goals' ? 1 : converted,
        bounces: 0, duration: 0, revenue: 0,
      });
    }
  }
  return out;
}

const FIELDS = ['visits', 'pageviews', 'conversions', 'bounces', 'duration', 'revenue'] as const;
const ZERO: Sums = { visits: 0, pageviews: 0, conversions: 0, bounces: 0, duration: 0, revenue: 0 };

export interface VisitDelta {
  /** Changes to cells, zero changes left out. */
  cells: Map<CellKey, Sums>;
  /** Cells the visit entered with this event (where the person may be a new visitor). */
  entered: CellKey[];
  /** Cells it left (only an exit page can be left: the visit went on to another page). */
  left: CellKey[];
}

/** What one event changed: `after` minus `before` (null for a visit the event started). */
export function visitDelta(before: Visit | null, after: Visit): VisitDelta {
  const was = before ? cellsOf(before) : new Map<CellKey, Sums>();
  const now = cellsOf(after);
  const cells = new Map<CellKey, Sums>();
  const entered: CellKey[] = [];
  const left: CellKey[] = [];
  for (const k of new Set([...was.keys(), ...now.keys()])) {
    const a = was.get(k) ?? ZERO;
    const b = now.get(k) ?? ZERO;
    if (!was.has(k)) entered.push(k);
    if (!now.has(k)) left.push(k);
    const d = { ...ZERO };
    let changed = false;
    for (const f of FIELDS) {
      d[f] = b[f] - a[f];
      if (d[f] !== 0) changed = true;
    }
    if (changed) cells.set(k, d);
  }
  return { cells, entered, left };
}

/** Derived totals of summed cells (0 where there is nothing to divide by). */
export function ratios(s: Sums): { viewsPerVisit: number; bounceRate: number; avgVisitMs: number } {
  return s.visits > 0
    ? { viewsPerVisit: s.pageviews / s.visits, bounceRate: s.bounces / s.visits, avgVisitMs: s.duration / s.visits }
    : { viewsPerVisit: 0, bounceRate: 0, avgVisitMs: 0 };
}
