import { describe, expect, it } from 'vitest';
import { applyFloor, banditWeights } from '../../edge/measure/bandit';
import { compareBeta, posterior } from '../../edge/measure/bayes';
import { sfc32 } from '../../edge/measure/prng';
import ref from './cases/measure-stats.json';

const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

describe('Thompson-sampling weights', () => {
  it('estimate P(arm is best) within Monte Carlo error of the exact integral (no floor)', () => {
    // ref.pBest: scipy 1.17.1, scipy.integrate.quad of f_i(x)·Π_{j≠i} F_j(x) over Beta(1 + c, 1 + n − c).
    // 10,000 draws: standard error ≤ 0.005, so 0.02 is four of them.
    const w = banditWeights(ref.pBest.arms.map((a, i) => ({ key: `arm${i}`, ...a })), { floor: 0 });
    w.forEach((x, i) => expect(Math.abs(x.weight - ref.pBest.p[i]!)).toBeLessThan(0.02));
  });

  it('agrees with the exact chance to beat control for two arms', () => {
    const exact = compareBeta(posterior(1000, 50), posterior(1000, 70)).chanceToBeat; // 0.96985 (Evan Miller's closed form, see measure-stats)
    const [, b] = banditWeights([{ key: 'a', visitors: 1000, conversions: 50 }, { key: 'b', visitors: 1000, conversions: 70 }], { floor: 0, draws: 20_000 });
    expect(Math.abs(b!.weight - exact)).toBeLessThan(0.01);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const arms = [{ key: 'a', visitors: 300, conversions: 12 }, { key: 'b', visitors: 310, conversions: 15 }];
    expect(banditWeights(arms, { seed: 9 })).toEqual(banditWeights(arms, { seed: 9 }));
    expect(banditWeights(arms, { seed: 9 })).not.toEqual(banditWeights(arms, { seed: 10 }));
  });

  it('keeps every arm at the floor or above and sums to 1', () => {
    const w = banditWeights([
      { key: 'a', visitors: 5000, conversions: 100 },
      { key: 'b', visitors: 5000, conversions: 400 },
      { key: 'c', visitors: 5000, conversions: 150 },
    ]);
    expect(w.map((x) => x.key)).toEqual(['a', 'b', 'c']);
    expect(w[0]!.weight).toBe(0.05);
    expect(w[2]!.weight).toBe(0.05);
    expect(w[1]!.weight).toBeCloseTo(0.9, 12);
    expect(sum(w.map((x) => x.weight))).toBeCloseTo(1, 12);
  });

  it('splits evenly without data, and handles no arms and odd counts', () => {
    const w = banditWeights([{ key: 'a', visitors: 0, conversions: 0 }, { key: 'b', visitors: 0, conversions: 0 }]);
    w.forEach((x) => expect(Math.abs(x.weight - 0.5)).toBeLessThan(0.02));
    expect(banditWeights([])).toEqual([]);
    const odd = banditWeights([{ key: 'a', visitors: -3, conversions: 9 }, { key: 'b', visitors: Number.NaN, conversions: 1 }]);
    expect(sum(odd.map((x) => x.weight))).toBeCloseTo(1, 12);
  });

  it('applyFloor raises small shares and keeps the ratio of the others (worked by hand)', () => {
    // [0.01, 0.29, 0.7] with floor 0.05: the first becomes 0.05, the other two share 0.95 as 29:70.
    const w = applyFloor([0.01, 0.29, 0.7], 0.05);
    expect(w[0]).toBe(0.05);
    expect(w[1]).toBeCloseTo((0.95 * 29) / 99, 14);
    expect(w[2]).toBeCloseTo((0.95 * 70) / 99, 14);
    // Rescaling can push a second share under the floor: [0, 0.04, 0.96] → 0.05, 0.05, 0.9.
    expect(applyFloor([0, 0.04, 0.96], 0.05).map((x) => Math.round(x * 1e12) / 1e12)).toEqual([0.05, 0.05, 0.9]);
    expect(applyFloor([0.2, 0.8], 0.6)).toEqual([0.5, 0.5]); // floors that cannot all fit: an even split
  });
});

describe('a simulated bandit', () => {
  it('sends most traffic to the best arm (true rates 4 %, 5 %, 8 %; 30 rounds of 500 visitors)', () => {
    const rates = [0.04, 0.05, 0.08];
    const arms = rates.map((_, i) => ({ key: `arm${i}`, visitors: 0, conversions: 0 }));
    const random = sfc32(2024); // visitors and their outcomes, seeded: the test always sees the same run
    let weights = arms.map(() => 1 / arms.length);
    const lastRounds: number[] = [];
    for (let round = 0; round < 30; round++) {
      const shown = arms.map(() => 0);
      for (let v = 0; v < 500; v++) {
        let u = random();
        let i = 0;
        while (i < weights.length - 1 && u >= weights[i]!) u -= weights[i++]!;
        arms[i]!.visitors++;
        shown[i]!++;
        if (random() < rates[i]!) arms[i]!.conversions++;
      }
      if (round >= 20) lastRounds.push(shown[2]! / 500);
      weights = banditWeights(arms, { seed: round, draws: 4000 }).map((w) => w.weight);
    }
    expect(weights[2]).toBeGreaterThan(0.7);
    expect(sum(lastRounds) / lastRounds.length).toBeGreaterThan(0.7);
    expect(arms[2]!.visitors / sum(arms.map((a) => a.visitors))).toBeGreaterThan(0.6);
    expect(Math.min(...weights)).toBeGreaterThanOrEqual(0.05 - 1e-12);
  });
});
