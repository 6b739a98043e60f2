import { describe, expect, it } from 'vitest';
import * as special from '../../edge/measure/special';
import cases from './cases/measure-special.json';

/**
 * Every expected value in cases/measure-special.json was computed with scipy 1.17.1 (numpy 2.4.6);
 * each case names the exact call in its `ref` field. Tolerances are relative (`rtol`), with an
 * absolute `atol` only where the reference is 0.
 */
type Fn = 'lnGamma' | 'erfc' | 'normCdf' | 'normSf' | 'normQuantile' | 'chiSquareSf' | 'gammaP' | 'gammaQ' | 'betaInc' | 'studentTCdf' | 'studentTQuantile';
const fns = special as unknown as Record<Fn, (...args: number[]) => number>; // the table names functions by string

describe('special functions against scipy 1.17.1', () => {
  it.each(cases as { fn: Fn; args: number[]; expected: number; rtol: number; atol?: number; ref: string }[])(
    '$ref',
    ({ fn, args, expected, rtol, atol }) => {
      const actual = fns[fn](...args);
      expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rtol * Math.abs(expected) + (atol ?? 0));
    },
  );
});

describe('special functions: identities and edges', () => {
  it('normQuantile inverts normCdf across the range', () => {
    for (const p of [1e-12, 1e-6, 0.01, 0.2, 0.5, 0.8, 0.99, 1 - 1e-9]) expect(special.normCdf(special.normQuantile(p))).toBeCloseTo(p, 14);
  });

  it('studentTQuantile inverts studentTCdf, and tends to the normal quantile as df grows', () => {
    for (const df of [1, 2, 3.5, 10, 57.2]) for (const p of [0.001, 0.05, 0.5, 0.9, 0.975]) expect(special.studentTCdf(special.studentTQuantile(p, df), df)).toBeCloseTo(p, 12);
    expect(special.studentTQuantile(0.975, 1e7)).toBeCloseTo(special.normQuantile(0.975), 6);
  });

  it('erfc(-x) = 2 - erfc(x), and the tails are exact (no 1 - x cancellation)', () => {
    expect(special.erfc(-0.7) + special.erfc(0.7)).toBeCloseTo(2, 15);
    expect(special.normSf(10)).toBeGreaterThan(0); // 7.6e-24, not 0
    expect(special.chiSquareSf(0, 3)).toBe(1);
  });

  it('handles the boundaries without throwing', () => {
    expect(special.normQuantile(0)).toBe(-Infinity);
    expect(special.normQuantile(1)).toBe(Infinity);
    expect(special.betaInc(0, 2, 3)).toBe(0);
    expect(special.betaInc(1, 2, 3)).toBe(1);
    expect(special.studentTCdf(Infinity, 4)).toBe(1);
    expect(Number.isNaN(special.studentTQuantile(0.5, 0))).toBe(true);
  });
});
