import { describe, expect, it } from 'vitest';
import type { Experience } from '../../protocol/admin';
import { inHoldout, decideSlots, type Assignment } from '../../edge/engine/assign';
import { inTraffic, pickVariant, type Weighted } from '../../edge/engine/bucketing';
import { bucket, fnv1a32 } from '../../edge/engine/hash';
import bucketCases from './cases/bucket.json';
import fnvCases from './cases/fnv1a32.json';
import pickCases from './cases/pick-variant.json';

const N = 10_000;
const ids = Array.from({ length: N }, (_, i) => `visitor-${i}`);
const AB: Weighted[] = [
  { key: 'a', weight: 1 },
  { key: 'b', weight: 1 },
];

/** Share of `ids` each variant wins. */
function shares(seed: string, variants: readonly Weighted[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const id of ids) {
    const key = String(pickVariant(seed, id, variants));
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).map(([k, n]) => [k, n / N]));
}

describe('fnv1a32 and bucket: stable across releases', () => {
  // These values were computed once from the implementation. If one changes, unassigned
  // visitors move to other variants: bump HASH_VERSION and migrate instead of editing the table.
  it.each(fnvCases)('fnv1a32($input) is $hash (stable across releases)', ({ input, hash }) => {
    expect(fnv1a32(input)).toBe(hash);
  });

  it.each(bucketCases)('bucket($seed, $id) is $bucket (stable across releases)', ({ seed, id, bucket: value }) => {
    expect(bucket(seed, id)).toBe(value);
  });

  it.each(pickCases)('$id gets variant $variant of a 50/50 test (stable across releases)', ({ id, variant, inTraffic30 }) => {
    expect(pickVariant('hero-test', id, AB)).toBe(variant);
    expect(inTraffic('hero-test', id, 0.3)).toBe(inTraffic30);
  });

  it('returns an unsigned 32-bit integer', () => {
    for (const id of ids.slice(0, 500)) {
      const h = fnv1a32(id);
      expect(Number.isInteger(h)).toBe(true);
      expect(h).toBeGreaterThanOrEqual(0);
      expect(h).toBeLessThan(2 ** 32);
    }
  });

  it('puts every id in [0, 1) and gives the same value on every call', () => {
    for (const id of ids) {
      const b = bucket('hero-test', id);
      expect(b).toBeGreaterThanOrEqual(0);
      expect(b).toBeLessThan(1);
      expect(bucket('hero-test', id)).toBe(b);
    }
  });

  it('depends on the seed', () => {
    const moved = ids.slice(0, 200).filter((id) => bucket('exp-a', id) !== bucket('exp-b', id));
    expect(moved.length).toBeGreaterThan(190);
  });
});

describe('pickVariant', () => {
  it('splits 50/50 within ±2% over 10,000 ids', () => {
    const s = shares('hero-test', AB);
    expect(s.a).toBeGreaterThan(0.48);
    expect(s.a).toBeLessThan(0.52);
    expect(s.b).toBeGreaterThan(0.48);
    expect(s.b).toBeLessThan(0.52);
  });

  it('splits 20/30/50 within ±2% over 10,000 ids', () => {
    const s = shares('pricing', [
      { key: 'x', weight: 20 },
      { key: 'y', weight: 30 },
      { key: 'z', weight: 50 },
    ]);
    for (const [key, want] of [['x', 0.2], ['y', 0.3], ['z', 0.5]] as const) {
      expect(Math.abs((s[key] ?? 0) - want)).toBeLessThan(0.02);
    }
  });

  it('never picks a zero or negative weight', () => {
    const s = shares('hero-test', [
      { key: 'zero', weight: 0 },
      { key: 'neg', weight: -5 },
      { key: 'only', weight: 3 },
      { key: 'nan', weight: Number.NaN },
    ]);
    expect(s).toEqual({ only: 1 });
  });

  it.each([
    ['an empty list', []],
    ['only zero weights', [{ key: 'a', weight: 0 }]],
    ['only negative weights', [{ key: 'a', weight: -1 }, { key: 'b', weight: -2 }]],
  ])('returns null for %s', (_name, variants: Weighted[]) => {
    expect(pickVariant('hero-test', 'p_1', variants)).toBeNull();
  });

  it('is deterministic for the same seed and id', () => {
    for (const id of ids.slice(0, 100)) expect(pickVariant('s', id, AB)).toBe(pickVariant('s', id, AB));
  });
});

describe('inTraffic', () => {
  it('lets nobody in at 0 (or below) and everybody in at 1 (or above)', () => {
    for (const id of ids.slice(0, 1000)) {
      expect(inTraffic('hero-test', id, 0)).toBe(false);
      expect(inTraffic('hero-test', id, -0.5)).toBe(false);
      expect(inTraffic('hero-test', id, 1)).toBe(true);
      expect(inTraffic('hero-test', id, 1.5)).toBe(true);
    }
  });

  it('lets 30% ± 2% in at 0.3 over 10,000 ids', () => {
    const share = ids.filter((id) => inTraffic('hero-test', id, 0.3)).length / N;
    expect(Math.abs(share - 0.3)).toBeLessThan(0.02);
  });
});

describe('decideSlots', () => {
  let created = 0;
  function exp(fields: Partial<Experience> = {}): Experience {
    created++;
    return {
      id: `exp-${created}`,
      name: `Experience ${created}`,
      slot: 'hero',
      status: 'running',
      traffic: 1,
      audience: null,
      priority: 0,
      mode: 'split',
      goals: [],
      variants: [
        { key: 'a', weight: 1, content: { type: 'html', value: '<b>A</b>' } },
        { key: 'b', weight: 1, content: { type: 'text', value: 'B' } },
      ],
      createdAt: 0,
      updatedAt: 0,
      ...fields,
    };
  }
  const none = new Map<string, Assignment>();
  const held = (...list: Assignment[]) => new Map(list.map((a) => [a.experience, a]));

  it('decides only running experiences', () => {
    const experiences = [
      exp({ slot: 'draft', status: 'draft' }),
      exp({ slot: 'paused', status: 'paused' }),
      exp({ slot: 'ended', status: 'ended' }),
      exp({ slot: 'live' }),
    ];
    const out = decideSlots({ profileId: 'p_1', experiences, assignments: none });
    expect(Object.keys(out.decisions)).toEqual(['live']);
    expect(out.newAssignments.map((a) => a.experience)).toEqual([experiences[3]!.id]);
  });

  it('decides only the requested slots, or every slot when none are named', () => {
    const experiences = [exp({ slot: 'hero' }), exp({ slot: 'footer' }), exp({ slot: 'banner' })];
    const some = decideSlots({ profileId: 'p_1', experiences, slots: ['hero', 'banner', 'absent'], assignments: none });
    expect(Object.keys(some.decisions).sort()).toEqual(['banner', 'hero']);
    expect(some.newAssignments).toHaveLength(2);
    const all = decideSlots({ profileId: 'p_1', experiences, assignments: none });
    expect(Object.keys(all.decisions).sort()).toEqual(['banner', 'footer', 'hero']);
  });

  it('gives a slot to the first running experience that targets it', () => {
    const first = exp();
    const second = exp();
    const out = decideSlots({ profileId: 'p_1', experiences: [first, second], assignments: none });
    expect(out.decisions.hero?.experience).toBe(first.id);
    expect(out.newAssignments).toEqual([{ experience: first.id, variant: out.decisions.hero?.variant }]);
  });

  it('returns a matched decision with the variant content and an assignment to remember', () => {
    const e = exp({ id: 'hero-test' }); // pinned in cases/pick-variant.json: p_000001 gets "b"
    const out = decideSlots({ profileId: 'p_000001', experiences: [e], assignments: none });
    expect(out.decisions.hero).toEqual({ experience: e.id, variant: 'b', content: { type: 'text', value: 'B' }, reason: 'matched' });
    expect(out.newAssignments).toEqual([{ experience: e.id, variant: 'b' }]);
  });

  it('keeps a sticky assignment when weights and traffic change', () => {
    const e = exp({
      traffic: 0,
      variants: [
        { key: 'a', weight: 100, content: null },
        { key: 'b', weight: 0, content: { type: 'text', value: 'B' } },
      ],
    });
    const out = decideSlots({ profileId: 'p_1', experiences: [e], assignments: held({ experience: e.id, variant: 'b' }) });
    expect(out.decisions.hero).toMatchObject({ variant: 'b', reason: 'sticky', content: { type: 'text', value: 'B' } });
    expect(out.newAssignments).toEqual([]);
  });

  it('re-assigns a sticky variant that no longer exists', () => {
    const e = exp();
    const out = decideSlots({ profileId: 'p_1', experiences: [e], assignments: held({ experience: e.id, variant: 'removed' }) });
    const decision = out.decisions.hero;
    expect(decision?.reason).toBe('matched');
    expect(['a', 'b']).toContain(decision?.variant);
    expect(out.newAssignments).toEqual([{ experience: e.id, variant: decision?.variant }]);
  });

  it('gives a visitor outside the traffic no decision but remembers them with variant null', () => {
    const e = exp({ traffic: 0 });
    const out = decideSlots({ profileId: 'p_1', experiences: [e], assignments: none });
    expect(out.decisions).toEqual({});
    expect(out.newAssignments).toEqual([{ experience: e.id, variant: null }]);
    // and keeps them out when the traffic later opens up
    const later = decideSlots({ profileId: 'p_1', experiences: [{ ...e, traffic: 1 }], assignments: held(out.newAssignments[0]!) });
    expect(later.decisions).toEqual({});
    expect(later.newAssignments).toEqual([]);
  });

  it('gives a decision with content null for a control variant', () => {
    const e = exp({ variants: [{ key: 'control', weight: 1, content: null }] });
    const out = decideSlots({ profileId: 'p_1', experiences: [e], assignments: none });
    expect(out.decisions.hero).toEqual({ experience: e.id, variant: 'control', content: null, reason: 'matched' });
  });

  it('leaves the slot alone for an experience with nothing to pick', () => {
    const e = exp({ variants: [] });
    const out = decideSlots({ profileId: 'p_1', experiences: [e], assignments: none });
    expect(out).toEqual({ decisions: {}, newAssignments: [], holdout: false, reasons: { [e.id]: 'fallback' } });
  });
});

describe('holdout', () => {
  const ids = Array.from({ length: 10_000 }, (_, i) => `p_holdout${i}`);
  it('holds out the configured share ± 2% over 10,000 profiles, and nobody at 0', () => {
    const share = ids.filter((id) => inHoldout('shop', id, 0.1)).length / ids.length;
    expect(Math.abs(share - 0.1)).toBeLessThan(0.02);
    expect(ids.some((id) => inHoldout('shop', id, 0))).toBe(false);
  });
});

describe('bucketing uniformity', () => {
  it('spreads 100,000 ids uniformly over 20 buckets (chi-square, 19 degrees of freedom, p > 0.001)', () => {
    const counts = new Array<number>(20).fill(0);
    for (let i = 0; i < 100_000; i++) counts[Math.floor(bucket('uniformity', `p_${i.toString(36)}`) * 20)]!++;
    const expected = 100_000 / 20;
    const chi2 = counts.reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
    // 43.82 is the 0.999 quantile of chi-square with 19 degrees of freedom (standard tables).
    expect(chi2).toBeLessThan(43.82);
  });

  it('splits 100,000 ids over a 3-way allocation within the chi-square bound (2 degrees of freedom)', () => {
    const variants = [
      { key: 'a', weight: 0.2 },
      { key: 'b', weight: 0.3 },
      { key: 'c', weight: 0.5 },
    ];
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 100_000; i++) counts[pickVariant('alloc', `p_${i.toString(36)}`, variants)!]!++;
    const chi2 = variants.reduce((sum, v) => sum + (counts[v.key]! - 100_000 * v.weight) ** 2 / (100_000 * v.weight), 0);
    // 13.82 is the 0.999 quantile of chi-square with 2 degrees of freedom.
    expect(chi2).toBeLessThan(13.82);
  });
});
