import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cellsOf, visitDelta, type CellKey, type Sums, type Visit } from '../../edge/measure/traffic';

/** The plain definition: a delta is every cell's after minus before, zero changes left out. */
function naive(before: Visit | null, after: Visit): Map<CellKey, Sums> {
  const a = before ? cellsOf(before) : new Map<CellKey, Sums>();
  const b = cellsOf(after);
  const out = new Map<CellKey, Sums>();
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(k);
    const y = b.get(k);
    const d = {} as Sums;
    let changed = false;
    for (const f of ['visits', 'pageviews', 'conversions', 'bounces', 'duration', 'revenue'] as const) {
      d[f] = (y?.[f] ?? 0) - (x?.[f] ?? 0);
      changed ||= d[f] !== 0;
    }
    if (changed) out.set(k, d);
  }
  return out;
}

const path = fc.constantFrom('/', '/pricing', '/blog', '/checkout');
const start = fc.record({
  dims: fc.record({ entryPages: path, channels: fc.constantFrom('direct', 'email'), countries: fc.constantFrom('DE', 'US') }, { requiredKeys: ['entryPages', 'channels'] }),
});
/** What can happen to a visit next: a page view, an interaction, a goal with revenue. */
const step = fc.oneof(
  fc.record({ page: path }),
  fc.record({ interact: fc.constant(true) }),
  fc.record({ goal: fc.constantFrom('Signup', 'Purchase'), revenue: fc.integer({ min: 0, max: 100 }) }),
);

function apply(v: Visit, s: { page?: string; interact?: boolean; goal?: string; revenue?: number }): Visit {
  const last = v.last + 1000;
  if (s.page) return { ...v, last, pages: { ...v.pages, [s.page]: (v.pages[s.page] ?? 0) + 1 }, exit: s.page, pageviews: v.pageviews + 1 };
  if (s.goal) return { ...v, last, interacted: true, goals: [...v.goals, s.goal], revenue: v.revenue + (s.revenue ?? 0) };
  return { ...v, last, interacted: true };
}

describe('visitDelta: grouped changes equal the cell-by-cell difference', () => {
  it('for any visit and anything that happens next (property)', () => {
    fc.assert(
      fc.property(start, fc.array(step, { maxLength: 6 }), step, ({ dims }, history, next) => {
        const first: Visit = { start: 0, last: 0, dims, pages: { [dims.entryPages]: 1 }, exit: dims.entryPages, exitTs: 0, pageviews: 1, interacted: false, goals: [], revenue: 0 };
        const before = history.reduce(apply, first);
        const after = apply(before, next);
        const d = visitDelta(before, after);
        expect(d.cells).toEqual(naive(before, after));
        const was = new Set(cellsOf(before).keys());
        const now = new Set(cellsOf(after).keys());
        expect(new Set(d.entered)).toEqual(new Set([...now].filter((k) => !was.has(k))));
        expect(new Set(d.left)).toEqual(new Set([...was].filter((k) => !now.has(k))));
        // A started visit is all of its cells.
        expect(visitDelta(null, before).cells).toEqual(naive(null, before));
      }),
      { numRuns: 300 },
    );
  });
});
