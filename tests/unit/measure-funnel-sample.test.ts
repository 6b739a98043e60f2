import { describe, expect, it } from 'vitest';
import { summarizeFunnel, withIntervals, type FunnelStep } from '../../edge/measure/funnel';
import { sfc32 } from '../../edge/measure/prng';

/** A funnel read from a uniform random sample: each step's 95% interval of fromFirst, and how often it holds the truth. */
const steps: FunnelStep[] = [{ path: '/pricing' }, { name: 'Signup' }, { name: 'Purchase' }];
/** Progress that reached `k` steps (0: never entered). */
const reached = (k: number) => Array.from({ length: k }, (_, i) => i * 1_000);

describe('withIntervals', () => {
  it('leaves an exact answer, or one where nobody entered, as it is', () => {
    const counted = summarizeFunnel(steps, [reached(3), reached(1), reached(0)]);
    expect(withIntervals(counted, 3, 3)).toEqual(counted);
    const nobody = summarizeFunnel(steps, [reached(0), reached(0)]);
    expect(withIntervals(nobody, 2, 10)).toEqual(nobody);
  });

  it("bounds each step's fromFirst, the first step's at exactly 1", () => {
    const counted = summarizeFunnel(steps, [...Array(40)].map((_, i) => reached(i < 10 ? 3 : i < 25 ? 2 : 1)));
    const out = withIntervals(counted, 40, 400);
    expect(out[0]!.interval).toEqual({ low: 1, high: 1 });
    for (const s of out) {
      expect(s.interval!.low).toBeLessThanOrEqual(s.fromFirst);
      expect(s.interval!.high).toBeGreaterThanOrEqual(s.fromFirst);
    }
    expect(out[2]!.fromFirst).toBe(0.25);
    // 10 of the 40 who entered, a tenth of the population read: Wilson's closed form at the effective size 40 / 0.9.
    const z = 1.959963984540054;
    const size = 40 / 0.9;
    const centre = (0.25 + (z * z) / (2 * size)) / (1 + (z * z) / size);
    const half = (z * Math.sqrt((0.25 * 0.75) / size + (z * z) / (4 * size * size))) / (1 + (z * z) / size);
    expect(out[2]!.interval!.low).toBeCloseTo(centre - half, 12);
    expect(out[2]!.interval!.high).toBeCloseTo(centre + half, 12);
  });

  // A population of 2,000: 600 enter, 180 reach step 2 (true fromFirst 0.3), 45 step 3 (0.075).
  const population = [...Array(2_000)].map((_, i) => reached(i < 45 ? 3 : i < 180 ? 2 : i < 600 ? 1 : 0));
  it.each([
    { n: 100, what: 'a small sample' },
    { n: 500, what: 'a quarter' },
    { n: 1_600, what: 'most of it, where the finite population correction matters' },
  ])('holds the true share in about 95 of 100 samples of $n ($what)', ({ n }) => {
    const random = sfc32(20261202 + n);
    const draws = 2_000;
    const covered = [0, 0];
    for (let d = 0; d < draws; d++) {
      // A uniform sample without replacement: the first n of a partial Fisher-Yates shuffle.
      const pool = [...population];
      for (let i = 0; i < n; i++) {
        const j = i + Math.floor(random() * (pool.length - i));
        [pool[i], pool[j]] = [pool[j]!, pool[i]!];
      }
      const out = withIntervals(summarizeFunnel(steps, pool.slice(0, n)), n, population.length);
      for (const [k, truth] of [[1, 0.3], [2, 0.075]] as const) {
        const { low, high } = out[k]!.interval!;
        if (low <= truth && truth <= high) covered[k - 1]!++;
      }
    }
    for (const c of covered) {
      expect(c / draws).toBeGreaterThan(0.92);
      expect(c / draws).toBeLessThan(0.985);
    }
  });
});
