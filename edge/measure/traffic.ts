/**
 * Traffic counting, the pure part. A visit is summed into cells: one per (filter, row) pair, where
 * the filter is '' (none) or one of the visit's keys (`channels:email`, `pages:/pricing`, ...) and
 * the row is '' (the totals) or one of its keys again. Reading a filtered breakdown is then one
 * lookup of precomputed sums, at any number of visitors. The profile keeps the person's recent
 * visits (visits.ts) and sends only the difference to each visit's cells since it last sent
 * (`visitDelta`), so the counters stay exact while a visit grows: its exit page moves, it stops
 * being a bounce.
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
  /** When the exit page was viewed: a page view arriving late moves the exit only if it is later. */
  exitTs: number;
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

/** What the visit adds to a row: the same in every one of its filters ('' is the totals row). */
export function rowsOf(v: Visit): Map<string, Sums> {
  const converted = v.goals.length > 0 ? 1 : 0;
  const rows = new Map<string, Sums>();
  rows.set('', {
    visits: 1, pageviews: v.pageviews, conversions: converted,
    bounces: v.pageviews === 1 && !v.interacted ? 1 : 0, duration: Math.max(0, v.last - v.start), revenue: v.revenue,
  });
  for (const r of keysOf(v)) {
    const i = r.indexOf(':');
    const d = r.slice(0, i);
    rows.set(r, {
      visits: 1,
      pageviews: d === 'pages' ? (v.pages[r.slice(i + 1)] ?? 0) : v.pageviews,
      conversions: d === 'goals' ? 1 : converted,
      bounces: 0, duration: 0, revenue: 0,
    });
  }
  return rows;
}

/** What the visit adds to each of its cells: every filter ('' and its keys) times every row. */
export function cellsOf(v: Visit): Map<CellKey, Sums> {
  const rows = rowsOf(v);
  const out = new Map<CellKey, Sums>();
  for (const f of rows.keys()) for (const [r, sums] of rows) out.set(cellKey(f, r), sums);
  return out;
}

const FIELDS = ['visits', 'pageviews', 'conversions', 'bounces', 'duration', 'revenue'] as const;
const ZERO: Sums = { visits: 0, pageviews: 0, conversions: 0, bounces: 0, duration: 0, revenue: 0 };

/** A row's change as sent: [row, visits, pageviews, conversions, bounces, duration, revenue]. */
export type RowChange = [string, number, number, number, number, number, number];

/** The same row changes in each of these filters: a visit's change is a few of these, not one entry per cell. */
export interface CellGroup {
  filters: string[];
  rows: RowChange[];
}

export interface VisitDelta {
  /** Changes to cells, zero changes left out, grouped by the filters they apply in. */
  groups: CellGroup[];
  /** Cells the visit entered with this event (where the person may be a new visitor). */
  entered: CellKey[];
  /** Cells it left (only an exit page can be left: the visit went on to another page). */
  left: CellKey[];
  /** The same change one entry per cell (for reading a delta; worked out only when read). */
  readonly cells: Map<CellKey, Sums>;
}

function change(r: string, a: Sums, b: Sums): RowChange | null {
  const d: RowChange = [r, 0, 0, 0, 0, 0, 0];
  let changed = false;
  FIELDS.forEach((f, i) => {
    d[i + 1] = b[f] - a[f];
    if (d[i + 1] !== 0) changed = true;
  });
  return changed ? d : null;
}

/**
 * What changed: `after` minus `before` (null for a visit that starts, or is taken back whole). A cell's
 * sums depend on its row only, so the change is: in the filters both have, each row's difference;
 * in filters the visit gained, all its rows; in filters it lost, all its former rows taken back.
 */
export function visitDelta(before: Visit | null, after: Visit | null): VisitDelta {
  const was = before ? rowsOf(before) : new Map<string, Sums>();
  const now = after ? rowsOf(after) : new Map<string, Sums>();
  const both = [...now.keys()].filter((k) => was.has(k));
  const gained = [...now.keys()].filter((k) => !was.has(k));
  const lost = [...was.keys()].filter((k) => !now.has(k));
  const diff: RowChange[] = [];
  for (const r of new Set([...was.keys(), ...now.keys()])) {
    const d = change(r, was.get(r) ?? ZERO, now.get(r) ?? ZERO);
    if (d) diff.push(d);
  }
  const groups: CellGroup[] = [];
  if (both.length && diff.length) groups.push({ filters: both, rows: diff });
  if (gained.length) groups.push({ filters: gained, rows: [...now].map(([r, s]) => change(r, ZERO, s)!) });
  if (lost.length) groups.push({ filters: lost, rows: [...was].map(([r, s]) => change(r, s, ZERO)!) });
  const entered: CellKey[] = [];
  const left: CellKey[] = [];
  for (const f of gained) for (const r of now.keys()) entered.push(cellKey(f, r));
  for (const f of both) for (const r of gained) entered.push(cellKey(f, r));
  for (const f of lost) for (const r of was.keys()) left.push(cellKey(f, r));
  for (const f of both) for (const r of lost) left.push(cellKey(f, r));
  return { groups, entered, left, get cells() { return expand(groups); } };
}

/** The cells a delta changes, one entry per cell (for tests and for reading a delta). */
export function expand(groups: readonly CellGroup[]): Map<CellKey, Sums> {
  const out = new Map<CellKey, Sums>();
  for (const g of groups) {
    for (const f of g.filters) {
      for (const [r, visits, pageviews, conversions, bounces, duration, revenue] of g.rows) {
        const k = cellKey(f, r);
        const acc = out.get(k) ?? { ...ZERO };
        out.set(k, { visits: acc.visits + visits, pageviews: acc.pageviews + pageviews, conversions: acc.conversions + conversions, bounces: acc.bounces + bounces, duration: acc.duration + duration, revenue: acc.revenue + revenue });
      }
    }
  }
  return out;
}

/** Derived totals of summed cells (0 where there is nothing to divide by). */
export function ratios(s: Sums): { viewsPerVisit: number; bounceRate: number; avgVisitMs: number } {
  return s.visits > 0
    ? { viewsPerVisit: s.pageviews / s.visits, bounceRate: s.bounces / s.visits, avgVisitMs: s.duration / s.visits }
    : { viewsPerVisit: 0, bounceRate: 0, avgVisitMs: 0 };
}
