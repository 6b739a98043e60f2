import { describe, expect, it } from 'vitest';
import { compareBeta, posterior } from '../../edge/measure/bayes';
import { compareMeans, compareProportions, sampleRatioMismatch } from '../../edge/measure/frequentist';
import { beta, gamma, sfc32 } from '../../edge/measure/prng';
import { analyzeExperiment, type ExperimentData, type VariantData } from '../../edge/measure/stats';
import ref from './cases/measure-stats.json';

/**
 * References in cases/measure-stats.json, all computed with scipy 1.17.1 (numpy 2.4.6):
 * - proportions: p-value from scipy.stats.chi2_contingency([[c1, n1-c1], [c2, n2-c2]],
 *   correction=False) (the same test as R's prop.test(correct=FALSE) and as the pooled z-test,
 *   asserted equal to 2·norm.sf(|z|) to 1e-12 while generating); intervals from the Wald and
 *   delta-method formulas in the module comment with z = scipy.stats.norm.ppf(0.975).
 * - welch: scipy.stats.ttest_ind(variant, control, equal_var=False) on the listed per-visitor
 *   values: .pvalue, .df and .confidence_interval(0.95).
 * - srm: scipy.stats.chisquare(visitors, expected) with expected = total · weight / Σweights.
 * - bayes: chance to beat from Evan Miller's closed form (sum of exp(betaln …), "Formulas for
 *   Bayesian A/B testing", 2015), exact for integer counts; expected loss from scipy.integrate.quad of
 *   f_C(x)·(x·I_x(a_V, b_V) − mean_V·I_x(a_V + 1, b_V)) between beta.ppf(1e-15) and beta.isf(1e-15).
 * - pBest: scipy.integrate.quad of f_i(x)·Π_{j≠i} F_j(x) for three Beta posteriors.
 */

const close = (actual: number, expected: number, tol: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol);

describe('two proportions', () => {
  it.each(ref.proportions)('$control.c/$control.n vs $variant.c/$variant.n', ({ control, variant, absolute, relative, pValue }) => {
    const r = compareProportions(control, variant);
    [r.absolute.value, r.absolute.low, r.absolute.high].forEach((x, i) => close(x, absolute[i]!, 1e-14));
    [r.relative!.value, r.relative!.low, r.relative!.high].forEach((x, i) => close(x, relative[i]!, 1e-13));
    close(r.pValue, pValue, 1e-13);
  });

  it('has no variance to test when both rates are 0', () => {
    const r = compareProportions({ n: 5000, c: 0 }, { n: 5000, c: 0 });
    expect(r).toEqual({ controlRate: 0, variantRate: 0, absolute: { value: 0, low: 0, high: 0 }, relative: null, pValue: 1 });
  });
});

describe('Welch interval for revenue per visitor', () => {
  it.each(ref.welch)('n = $control.n vs $variant.n', ({ control, variant, difference, df, pValue }) => {
    // The sums in the table are those of the listed values (checked here, so the table is consistent).
    expect(control.values.reduce((s, v) => s + v * v, 0)).toBeCloseTo(control.sumSquares, 9);
    const r = compareMeans(control, variant);
    [r.difference.value, r.difference.low, r.difference.high].forEach((x, i) => close(x, difference[i]!, 1e-9));
    close(r.df!, df, 1e-8);
    close(r.pValue, pValue, 1e-11);
  });

  it('has an empty interval and p = 1 without variance', () => {
    const r = compareMeans({ n: 10, sum: 0, sumSquares: 0 }, { n: 10, sum: 0, sumSquares: 0 });
    expect(r.difference).toEqual({ value: 0, low: 0, high: 0 });
    expect(r.pValue).toBe(1);
    expect(r.df).toBeNull();
  });
});

describe('sample ratio mismatch', () => {
  it.each(ref.srm)('$visitors against $weights', ({ visitors, weights, chiSquare, df, pValue }) => {
    const r = sampleRatioMismatch(visitors, weights);
    close(r.chiSquare, chiSquare, 1e-10);
    expect(r.df).toBe(df);
    close(r.pValue, pValue, 1e-12 + 1e-12 * pValue);
    expect(r.mismatch).toBe(pValue < 0.001);
  });

  it('flags traffic to a variant planned at weight 0, and ignores one that got none', () => {
    expect(sampleRatioMismatch([1000, 3], [1, 0])).toMatchObject({ mismatch: true, pValue: 0 });
    expect(sampleRatioMismatch([500, 0, 510], [1, 0, 1])).toMatchObject({ mismatch: false, df: 1 });
    expect(sampleRatioMismatch([0, 0], [1, 1])).toMatchObject({ mismatch: false, pValue: 1 });
  });
});

describe('Bayesian chance to beat control and expected loss', () => {
  // tol 1e-9: numerical integration; tol 1e-5: posteriors large enough for the normal approximation
  // (chance within 1e-5 absolute, loss within 1e-4 relative).
  it.each(ref.bayes)('$control vs $variant', ({ control, variant, chanceToBeat, expectedLoss, tol }) => {
    const r = compareBeta(posterior(control[0]!, control[1]!), posterior(variant[0]!, variant[1]!));
    close(r.chanceToBeat, chanceToBeat, tol);
    close(r.expectedLoss, expectedLoss, tol === 1e-9 ? tol : 1e-4 * expectedLoss);
  });

  it('is symmetric: P(V > C) + P(C > V) = 1, and equal posteriors give 1/2', () => {
    const a = posterior(800, 41);
    const b = posterior(750, 52);
    close(compareBeta(a, b).chanceToBeat + compareBeta(b, a).chanceToBeat, 1, 1e-9);
    close(compareBeta(a, a).chanceToBeat, 0.5, 1e-9);
  });
});

describe('seeded PRNG and samplers', () => {
  // Expected outputs from an independent Python transcription of sfc32 (32-bit masks, same
  // seeding: state (0x9e3779b9, 0x243f6a88, 0xb7e15162, seed), 15 outputs dropped).
  it.each([
    [42, [0.6642114536371082, 0.9630267398897558, 0.262362563284114, 0.29401905299164355]],
    [0, [0.011128023499622941, 0.5714294023346156, 0.9091700275894254, 0.3768168182577938]],
    [0xffffffff, [0.15907111740671098, 0.36004577460698783, 0.6873040285427123, 0.3416764419525862]],
  ])('sfc32(%i) gives the reference stream', (seed, expected) => {
    const r = sfc32(seed);
    expect(expected.map(() => r())).toEqual(expected);
  });

  it('draws Gamma and Beta with the right mean and variance (20,000 draws, within 4 standard errors)', () => {
    const r = sfc32(7);
    const n = 20_000;
    for (const [a, b] of [[3, 7], [1, 1], [41, 961]] as const) {
      const xs = Array.from({ length: n }, () => beta(r, a, b));
      const mean = xs.reduce((s, x) => s + x, 0) / n;
      const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1);
      const m = a / (a + b);
      const v = (a * b) / ((a + b) ** 2 * (a + b + 1));
      close(mean, m, 4 * Math.sqrt(v / n));
      close(variance / v, 1, 0.05);
    }
    const g = Array.from({ length: n }, () => gamma(r, 0.5)); // shape < 1 takes the boost path
    close(g.reduce((s, x) => s + x, 0) / n, 0.5, 4 * Math.sqrt(0.5 / n));
  });
});

const goal = [{ key: 'buy', kind: 'conversion' as const }];
const v = (key: string, visitors: number, buy: number, extra: Partial<VariantData> = {}): VariantData => ({ key, visitors, conversions: { buy }, ...extra });
const run = (variants: VariantData[], more: Partial<ExperimentData> = {}) => analyzeExperiment({ variants, goals: goal, running: false, ...more });

describe('experiment verdicts', () => {
  // Numbers in the sentences: intervals and p-values as the two-proportion references above
  // (scipy.stats.chi2_contingency and norm.ppf), chance to beat from Evan Miller's closed form:
  // 50/1000 vs 75/1000: +2.50 pts, CI +0.38 to +4.62, p 0.0209, chance 0.98946;
  // 50/1000 vs 70/1000: +2.00 pts, CI −0.08 to +4.08, p 0.0597, chance 0.96985;
  // 400/5000 vs 330/5000: −1.40 pts, CI −2.42 to −0.38, p 0.0071, chance 0.00356;
  // 100/2000 vs 110/2000 and 140/2000: +0.5 (p 0.478) and +2.00 pts, CI +0.53 to +3.47, p 0.0077, chance 0.99613.
  it.each([
    ['a winner', [v('a', 1000, 50), v('b', 1000, 75)], 'winner', 'Variant b beats control: +2.5 pts (95% CI +0.4 to +4.6), 99% chance to beat control.'],
    ['an inconclusive result', [v('a', 1000, 50), v('b', 1000, 70)], 'inconclusive', 'No significant difference yet: Variant b +2.0 pts (95% CI -0.1 to +4.1), 97% chance to beat control.'],
    ['a loser', [v('a', 5000, 400), v('b', 5000, 330)], 'loser', 'Variant b is worse than control: -1.4 pts (95% CI -2.4 to -0.4), <1% chance to beat control.'],
    ['the best of several, with a label', [v('a', 2000, 100), v('b', 2000, 110), v('c', 2000, 140, { label: 'Green button' })], 'winner', 'Green button beats control: +2.0 pts (95% CI +0.5 to +3.5), >99% chance to beat control.'],
    ['too few visitors', [v('a', 56, 5), v('b', 70, 9)], 'insufficient_data', 'Not enough data yet: 56 of 100 visitors needed per variant.'],
    ['too few conversions', [v('a', 200, 3), v('b', 200, 4)], 'insufficient_data', 'Not enough data yet: 7 of 10 conversions needed.'],
    ['a broken split (5000 vs 5400: SRM p = 8.8e-5)', [v('a', 5000, 250), v('b', 5400, 380)], 'srm', 'Sample ratio mismatch: results are not trustworthy until the split is fixed.'],
  ] as const)('%s', (_, variants, status, verdict) => {
    const g = run([...variants]).goals[0]!;
    expect(g.status).toBe(status);
    expect(g.verdict).toBe(verdict);
  });

  it('reports every number of the variant row', () => {
    const r = run([v('a', 1000, 50), v('b', 1000, 70)], { running: true });
    expect(r.control).toBe('a');
    expect(r.peeking).toBe(true);
    const [control, b] = r.goals[0]!.variants;
    expect(control).toMatchObject({ key: 'a', control: true, rate: 0.05, absolute: null, pValue: null, chanceToBeat: null });
    const p = ref.proportions[0]!;
    expect(b!.rate).toBe(0.07);
    close(b!.absolute!.low, p.absolute[1]!, 1e-14);
    close(b!.relative!.high, p.relative[2]!, 1e-13);
    close(b!.pValue!, p.pValue, 1e-13);
    close(b!.chanceToBeat!, ref.bayes[0]!.chanceToBeat, 1e-9);
    close(b!.expectedLoss!, ref.bayes[0]!.expectedLoss, 1e-9);
  });

  it('uses the named control and the planned weights', () => {
    const r = run([v('b', 3000, 150), v('a', 1000, 50)], { control: 'a', weights: [75, 25] });
    expect(r.control).toBe('a');
    expect(r.srm.mismatch).toBe(false);
    expect(r.goals[0]!.variants.map((x) => x.control)).toEqual([false, true]);
    expect(run([v('b', 3000, 150), v('a', 1000, 50)]).srm.mismatch).toBe(true); // against 50/50
  });

  it('judges revenue per visitor with the Welch interval', () => {
    // scipy.stats.ttest_ind_from_stats with means 2.5 and 3.4, sd from the sums, n = 1000, equal_var=False:
    // p = 0.0072991, df = 1994.51; interval +0.2428 to +1.5572 from scipy.stats.t.ppf(0.975, df).
    const revenue = (sum: number, sumSquares: number) => ({ buy: { sum, sumSquares } });
    const r = analyzeExperiment({
      variants: [v('a', 1000, 80, { revenue: revenue(2500, 60_000) }), v('b', 1000, 95, { revenue: revenue(3400, 70_000) })],
      goals: [{ key: 'buy', kind: 'revenue' }],
      running: false,
    }).goals[0]!;
    const b = r.variants[1]!;
    close(b.revenue!.difference!.low, 0.24278714681230928, 1e-9);
    close(b.revenue!.difference!.high, 1.5572128531876905, 1e-9);
    close(b.revenue!.df!, 1994.5144238862765, 1e-7);
    close(b.pValue!, 0.0072990539163763, 1e-11);
    expect(b.chanceToBeat).toBeNull();
    expect(r.verdict).toBe('Variant b beats control: +0.90 per visitor (95% CI +0.24 to +1.56).');
  });

  it('never throws or returns NaN on bad aggregates', () => {
    const r = run([v('a', -5, 3), v('b', Number.NaN, 2), { key: 'c', visitors: 10, conversions: {} }]);
    const g = r.goals[0]!;
    expect(g.variants.map((x) => [x.visitors, x.conversions, x.rate])).toEqual([[0, 0, 0], [0, 0, 0], [10, 0, 0]]);
    expect(g.status).toBe('srm'); // 10 visitors all in one of three equal variants
    expect(run([v('a', 150, 200), v('b', 150, 20)]).goals[0]!.variants[0]!.conversions).toBe(150); // capped at visitors
    expect(run([v('a', 500, 20)]).goals[0]!.verdict).toMatch(/needs a control and at least one variant/);
    const noGuard = { options: { minVisitors: 0, minConversions: 0 } };
    expect(run([v('a', 0, 0), v('b', 0, 0)], noGuard).goals[0]!.verdict).toBe('Nothing to compare yet: control or every variant has no visitors.');
  });
});
