import { describe, expect, it } from 'vitest';
import { wilsonInterval } from '../../edge/measure/wilson';
import cases from './cases/measure-wilson.json';

/**
 * Every expected interval in cases/measure-wilson.json was computed with scipy 1.17.1; each case
 * names the call in `ref`. A case with `fraction` (a sample of a finite population) is checked
 * against the plain interval of its effective size n / (1 − f) with the same share reached.
 */
describe('wilsonInterval against scipy 1.17.1', () => {
  it.each(cases as { successes: number; n: number; confidence?: number; fraction?: number; low: number; high: number; ref: string }[])(
    '$successes of $n: $ref',
    ({ successes, n, confidence, fraction, low, high }) => {
      const got = wilsonInterval(successes, n, { confidence, fraction })!;
      expect(got.low).toBeCloseTo(low, 12);
      expect(got.high).toBeCloseTo(high, 12);
    },
  );
});

describe('wilsonInterval: edges', () => {
  it('has no interval without a count, and is the point itself when everyone was read', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
    expect(wilsonInterval(3, 12, { fraction: 1 })).toEqual({ low: 0.25, high: 0.25 });
  });

  it('stays inside [0, 1] and around the share, narrowing as more of the population is read', () => {
    let width = Infinity;
    for (const fraction of [0, 0.3, 0.6, 0.9, 0.99]) {
      const w = wilsonInterval(7, 40, { fraction })!;
      expect(w.low).toBeGreaterThanOrEqual(0);
      expect(w.high).toBeLessThanOrEqual(1);
      expect(w.low).toBeLessThan(7 / 40);
      expect(w.high).toBeGreaterThan(7 / 40);
      expect(w.high - w.low).toBeLessThan(width);
      width = w.high - w.low;
    }
  });
});
