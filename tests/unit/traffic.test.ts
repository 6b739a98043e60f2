import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cellKey, cellsOf, expand, keysOf, ratios, visitDelta, type CellKey, type Sums, type Visit } from '../../edge/measure/traffic';

/**
 * The pure part of traffic counting: what a visit adds to each (filter, row) cell, and what one
 * more event changes. Every expected number is worked by hand from the visits below.
 */
const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 10, 9, 0);

const landing: Visit = {
  start: T0, last: T0,
  dims: { entryPages: '/a', channels: 'email', campaigns: 'spring', devices: 'mobile' },
  pages: { '/a': 1 }, exit: '/a', exitTs: T0, pageviews: 1, interacted: false, goals: [], revenue: 0,
};

const sums = (s: Partial<Sums>): Sums => ({ visits: 0, pageviews: 0, conversions: 0, bounces: 0, duration: 0, revenue: 0, ...s });
const row = (visits: number, pageviews: number, conversions: number) => sums({ visits, pageviews, conversions });

/** A delta's changes one entry per cell. */
function delta(before: Visit | null, after: Visit) {
  const d = visitDelta(before, after);
  return { cells: expand(d.groups), entered: d.entered, left: d.left };
}

/** The same worked out the slow way: every cell of `after` minus the same cell of `before`, zero changes left out. */
function bruteDelta(before: Visit | null, after: Visit): Map<CellKey, Sums> {
  const was = before ? cellsOf(before) : new Map<CellKey, Sums>();
  const now = cellsOf(after);
  const out = new Map<CellKey, Sums>();
  for (const k of new Set([...was.keys(), ...now.keys()])) {
    const a = was.get(k) ?? sums({});
    const b = now.get(k) ?? sums({});
    const d = sums({});
    for (const f of Object.keys(d) as (keyof Sums)[]) d[f] = b[f] - a[f];
    if (Object.values(d).some((x) => x !== 0)) out.set(k, d);
  }
  return out;
}

describe('keysOf and cellsOf', () => {
  it('gives a visit one key per dimension it knows, each page, its exit page and each goal once', () => {
    expect(keysOf({ ...landing, pages: { '/a': 2, '/b': 1 }, exit: '/b', goals: ['buy', 'buy', 'join'] }).sort()).toEqual(
      ['campaigns:spring', 'channels:email', 'devices:mobile', 'entryPages:/a', 'exitPages:/b', 'goals:buy', 'goals:join', 'pages:/a', 'pages:/b'].sort(),
    );
    // An unknown dimension (no country, no referrer) is no key at all.
    expect(keysOf(landing).some((k) => k.startsWith('countries:') || k.startsWith('referrers:'))).toBe(false);
  });

  it('puts a bounce in every (filter, row) pair of its keys, bounce and duration on the totals rows only', () => {
    const cells = cellsOf(landing);
    const keys = keysOf(landing); // 6 keys
    expect(cells.size).toBe((keys.length + 1) ** 2);
    const totals = sums({ visits: 1, pageviews: 1, bounces: 1 });
    for (const f of ['', ...keys]) {
      expect(cells.get(cellKey(f, ''))).toEqual(totals);
      for (const r of keys) expect(cells.get(cellKey(f, r))).toEqual(row(1, 1, 0));
    }
    expect(cells.has(cellKey('countries:CH', ''))).toBe(false);
  });

  it('counts a page row only that page\'s views, a goal row the visits converting on that goal', () => {
    const v: Visit = { ...landing, last: T0 + 5 * MIN, pages: { '/a': 2, '/b': 1 }, exit: '/b', pageviews: 3, interacted: true, goals: ['buy'], revenue: 25 };
    const cells = cellsOf(v);
    expect(cells.get(cellKey('', ''))).toEqual(sums({ visits: 1, pageviews: 3, conversions: 1, bounces: 0, duration: 5 * MIN, revenue: 25 }));
    expect(cells.get(cellKey('', 'pages:/a'))).toEqual(row(1, 2, 1));
    expect(cells.get(cellKey('', 'pages:/b'))).toEqual(row(1, 1, 1));
    expect(cells.get(cellKey('pages:/b', 'exitPages:/b'))).toEqual(row(1, 3, 1));
    expect(cells.get(cellKey('channels:email', 'goals:buy'))).toEqual(row(1, 3, 1));
    expect(cells.get(cellKey('goals:buy', ''))).toEqual(sums({ visits: 1, pageviews: 3, conversions: 1, duration: 5 * MIN, revenue: 25 }));
  });
});

describe('visitDelta: what one event changes', () => {
  it('a visit the event started: every cell entered, nothing left', () => {
    const d = delta(null, landing);
    expect(d.cells).toEqual(cellsOf(landing));
    expect(d.entered.sort()).toEqual([...cellsOf(landing).keys()].sort());
    expect(d.left).toEqual([]);
  });

  it('a bounce that stops being one: only the totals rows change (bounce -1, duration +), no cell entered or left', () => {
    const after: Visit = { ...landing, last: T0 + 2 * MIN, interacted: true };
    const d = delta(landing, after);
    const filters = ['', ...keysOf(landing)];
    expect([...d.cells.keys()].sort()).toEqual(filters.map((f) => cellKey(f, '')).sort());
    for (const f of filters) expect(d.cells.get(cellKey(f, ''))).toEqual(sums({ bounces: -1, duration: 2 * MIN }));
    expect(d.entered).toEqual([]);
    expect(d.left).toEqual([]);
  });

  it('an exit page that moves on: the old exit page\'s cells are left, the new page\'s and exit\'s entered', () => {
    const after: Visit = { ...landing, last: T0 + MIN, pages: { '/a': 1, '/b': 1 }, exit: '/b', pageviews: 2 };
    const d = delta(landing, after);
    // Left: every cell with exitPages:/a as its filter or its row.
    expect(d.left.length).toBeGreaterThan(0);
    expect(d.left.every((k) => k.includes('exitPages:/a'))).toBe(true);
    expect(d.left).toContain(cellKey('exitPages:/a', ''));
    expect(d.left).toContain(cellKey('', 'exitPages:/a'));
    expect(d.left).toContain(cellKey('channels:email', 'exitPages:/a'));
    // Taken back in full: the visit is no longer counted there.
    expect(d.cells.get(cellKey('', 'exitPages:/a'))).toEqual(row(-1, -1, 0));
    expect(d.cells.get(cellKey('exitPages:/a', ''))).toEqual(sums({ visits: -1, pageviews: -1, bounces: -1 }));
    // Entered: /b as a page and as the exit.
    expect(d.entered).toContain(cellKey('', 'pages:/b'));
    expect(d.entered).toContain(cellKey('exitPages:/b', ''));
    expect(d.entered.every((k) => k.includes('pages:/b') || k.includes('exitPages:/b'))).toBe(true);
    expect(d.cells.get(cellKey('exitPages:/b', ''))).toEqual(sums({ visits: 1, pageviews: 2, duration: MIN }));
    // Where the visit stays: one more page view, no bounce; /a's own page row is unchanged (no zero changes listed).
    expect(d.cells.get(cellKey('', ''))).toEqual(sums({ pageviews: 1, bounces: -1, duration: MIN }));
    expect(d.cells.get(cellKey('channels:email', 'devices:mobile'))).toEqual(row(0, 1, 0));
    expect(d.cells.has(cellKey('', 'pages:/a'))).toBe(false);
  });

  it('the same page again: no cell entered or left, that page\'s row counts two views', () => {
    const after: Visit = { ...landing, last: T0 + MIN, pages: { '/a': 2 }, pageviews: 2 };
    const d = delta(landing, after);
    expect(d.entered).toEqual([]);
    expect(d.left).toEqual([]);
    expect(d.cells.get(cellKey('', 'pages:/a'))).toEqual(row(0, 1, 0));
    expect(d.cells.get(cellKey('exitPages:/a', 'entryPages:/a'))).toEqual(row(0, 1, 0));
  });

  it('a goal added: goal cells entered, every cell converts, revenue on the totals rows only', () => {
    const after: Visit = { ...landing, last: T0 + 3 * MIN, interacted: true, goals: ['buy'], revenue: 40 };
    const d = delta(landing, after);
    expect(d.left).toEqual([]);
    expect(d.entered).toContain(cellKey('goals:buy', ''));
    expect(d.entered).toContain(cellKey('', 'goals:buy'));
    expect(d.entered.every((k) => k.includes('goals:buy'))).toBe(true);
    expect(d.cells.get(cellKey('', ''))).toEqual(sums({ conversions: 1, bounces: -1, duration: 3 * MIN, revenue: 40 }));
    expect(d.cells.get(cellKey('channels:email', 'pages:/a'))).toEqual(row(0, 0, 1));
    expect(d.cells.get(cellKey('goals:buy', ''))).toEqual(sums({ visits: 1, pageviews: 1, conversions: 1, duration: 3 * MIN, revenue: 40 }));
    expect(d.cells.get(cellKey('devices:mobile', 'goals:buy'))).toEqual(row(1, 1, 1));
  });

  it('the same goal again: still one conversion, only the revenue grows', () => {
    const once: Visit = { ...landing, last: T0 + 3 * MIN, interacted: true, goals: ['buy'], revenue: 40 };
    const twice: Visit = { ...once, last: T0 + 4 * MIN, goals: ['buy', 'buy'], revenue: 50 };
    const d = delta(once, twice);
    expect(d.entered).toEqual([]);
    expect(d.left).toEqual([]);
    for (const [k, s] of d.cells) {
      expect(k.endsWith('\n')).toBe(true); // totals rows only
      expect(s).toEqual(sums({ duration: MIN, revenue: 10 }));
    }
  });
});

describe('ratios', () => {
  it('are 0 with no visits and plain quotients otherwise', () => {
    expect(ratios(sums({}))).toEqual({ viewsPerVisit: 0, bounceRate: 0, avgVisitMs: 0 });
    expect(ratios(sums({ visits: 4, pageviews: 10, bounces: 1, duration: 6 * MIN }))).toEqual({ viewsPerVisit: 2.5, bounceRate: 0.25, avgVisitMs: 1.5 * MIN });
  });
});

describe('a visit counted event by event adds up to the visit counted at once', () => {
  type Step = { kind: 'page'; path: string } | { kind: 'act' } | { kind: 'goal'; name: string; value: number };
  const step = fc.oneof(
    fc.record({ kind: fc.constant('page' as const), path: fc.constantFrom('/', '/a', '/b', '/c') }),
    fc.record({ kind: fc.constant('act' as const) }),
    fc.record({ kind: fc.constant('goal' as const), name: fc.constantFrom('buy', 'join'), value: fc.integer({ min: 0, max: 100 }) }),
  );

  /** The visit after each step, built by hand. */
  function chain(first: string, steps: Step[]): Visit[] {
    let v: Visit = { ...landing, dims: { ...landing.dims, entryPages: first }, pages: { [first]: 1 }, exit: first };
    const out = [v];
    steps.forEach((s, i) => {
      const last = T0 + (i + 1) * MIN;
      if (s.kind === 'page') v = { ...v, last, pages: { ...v.pages, [s.path]: (v.pages[s.path] ?? 0) + 1 }, exit: s.path, pageviews: v.pageviews + 1 };
      else if (s.kind === 'act') v = { ...v, last, interacted: true };
      else v = { ...v, last, interacted: true, goals: [...v.goals, s.name], revenue: v.revenue + s.value };
      out.push(v);
    });
    return out;
  }

  it('sums of the deltas equal cellsOf of the final visit, and a cell is held exactly when entered more often than left', () => {
    fc.assert(
      fc.property(fc.constantFrom('/', '/a', '/b'), fc.array(step, { maxLength: 12 }), (first, steps) => {
        const visits = chain(first, steps);
        const total = new Map<string, Sums>();
        const held = new Map<string, number>();
        visits.forEach((v, i) => {
          const groups = visitDelta(i === 0 ? null : visits[i - 1]!, v).groups;
          const filters = groups.flatMap((g) => g.filters);
          expect(new Set(filters).size).toBe(filters.length); // each filter in one group: a cell changes once
          const d = delta(i === 0 ? null : visits[i - 1]!, v);
          expect(d.cells).toEqual(bruteDelta(i === 0 ? null : visits[i - 1]!, v));
          for (const [k, s] of d.cells) {
            const into = total.get(k) ?? sums({});
            for (const f of Object.keys(s) as (keyof Sums)[]) into[f] += s[f];
            total.set(k, into);
          }
          for (const k of d.entered) held.set(k, (held.get(k) ?? 0) + 1);
          for (const k of d.left) held.set(k, (held.get(k) ?? 0) - 1);
        });
        const final = cellsOf(visits.at(-1)!);
        const nonzero = [...total].filter(([, s]) => Object.values(s).some((x) => x !== 0));
        expect(new Map(nonzero)).toEqual(final);
        expect([...held].filter(([, n]) => n !== 0).map(([k]) => k).sort()).toEqual([...final.keys()].sort());
        expect([...held.values()].every((n) => n === 0 || n === 1)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
