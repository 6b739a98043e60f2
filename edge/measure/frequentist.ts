/**
 * The frequentist building blocks of experiment results: two proportions, two means (Welch) and the
 * sample-ratio-mismatch test. Pure functions over counts; `stats.ts` assembles them per goal.
 */
import { chiSquareSf, normQuantile, normSf, studentTQuantile, studentTTwoSided } from './special';

/** An estimate with its confidence interval. */
export interface Interval {
  value: number;
  low: number;
  high: number;
}

export interface ProportionComparison {
  controlRate: number;
  variantRate: number;
  /** Variant rate − control rate, with the unpooled Wald interval. */
  absolute: Interval;
  /** Variant rate / control rate − 1, delta-method interval; null when the control rate is 0. */
  relative: Interval | null;
  /** Two-sided p-value of the pooled two-proportion z-test; 1 when there is no variance. */
  pValue: number;
}

/**
 * Compares two conversion rates.
 *
 * - Absolute uplift: unpooled Wald interval d ± z·√(p₁(1−p₁)/n₁ + p₂(1−p₂)/n₂), the textbook
 *   interval for a difference of proportions (Agresti & Caffo's adjustment matters only for tiny
 *   counts, which the minimum-sample guard excludes).
 * - Relative uplift: delta method on the ratio r = p₂/p₁, Var(r) ≈ Var(p₂)/p₁² + p₂²·Var(p₁)/p₁⁴,
 *   a symmetric interval around r − 1 (GrowthBook's frequentist engine uses the same
 *   approximation); chosen over Fieller's interval because it is defined for every input with
 *   p₁ > 0 and agrees once samples are large.
 * - p-value: pooled z-test, z = d / √(p̂(1−p̂)(1/n₁ + 1/n₂)), identical to R's
 *   `prop.test(correct = FALSE)` (its X² is z²). The pooled SE is the SE under the null hypothesis,
 *   which is what the test needs; the interval describes the alternative and so uses the unpooled one.
 *
 * Callers pass sane counts (0 ≤ c ≤ n, n > 0); `stats.ts` clamps its inputs before calling.
 *
 * @example
 * compareProportions({ n: 1000, c: 50 }, { n: 1000, c: 70 }).pValue // 0.0597
 */
export function compareProportions(control: { n: number; c: number }, variant: { n: number; c: number }, alpha = 0.05): ProportionComparison {
  const z = normQuantile(1 - alpha / 2);
  const p1 = control.c / control.n;
  const p2 = variant.c / variant.n;
  const v1 = (p1 * (1 - p1)) / control.n;
  const v2 = (p2 * (1 - p2)) / variant.n;
  const d = p2 - p1;
  const se = Math.sqrt(v1 + v2);
  const absolute = { value: d, low: d - z * se, high: d + z * se };
  let relative: Interval | null = null;
  if (p1 > 0) {
    const r = p2 / p1;
    const seR = Math.sqrt(v2 / p1 ** 2 + (p2 ** 2 * v1) / p1 ** 4);
    relative = { value: r - 1, low: r - 1 - z * seR, high: r - 1 + z * seR };
  }
  const pooled = (control.c + variant.c) / (control.n + variant.n);
  const sePooled = Math.sqrt(pooled * (1 - pooled) * (1 / control.n + 1 / variant.n));
  const pValue = sePooled > 0 ? 2 * normSf(Math.abs(d) / sePooled) : 1;
  return { controlRate: p1, variantRate: p2, absolute, relative, pValue: Math.min(1, pValue) };
}

/** A per-visitor metric summarised by count, sum and sum of squares (all an aggregate can keep). */
export interface MomentSums {
  n: number;
  sum: number;
  sumSquares: number;
}

/** Mean and sample variance (n − 1) from moment sums; variance 0 below two observations. */
export function meanVariance(m: MomentSums): { mean: number; variance: number } {
  if (m.n <= 0) return { mean: 0, variance: 0 };
  const mean = m.sum / m.n;
  const variance = m.n > 1 ? Math.max(0, (m.sumSquares - m.sum * mean) / (m.n - 1)) : 0;
  return { mean, variance };
}

export interface MeanComparison {
  controlMean: number;
  variantMean: number;
  /** Variant mean − control mean, Welch interval. */
  difference: Interval;
  /** Welch–Satterthwaite degrees of freedom; null when both variances are 0. */
  df: number | null;
  /** Two-sided Welch t-test p-value; 1 when there is no variance. */
  pValue: number;
}

/**
 * Welch's unequal-variance t interval for a difference of means (revenue per visitor), with the
 * Welch–Satterthwaite df = (s₁²/n₁ + s₂²/n₂)² / ((s₁²/n₁)²/(n₁−1) + (s₂²/n₂)²/(n₂−1)).
 * Same as scipy's `ttest_ind(equal_var=False)` and R's `t.test` default.
 *
 * @example
 * compareMeans({ n: 500, sum: 1500, sumSquares: 40000 }, { n: 500, sum: 1800, sumSquares: 47000 }).difference.value // 0.6
 */
export function compareMeans(control: MomentSums, variant: MomentSums, alpha = 0.05): MeanComparison {
  const a = meanVariance(control);
  const b = meanVariance(variant);
  const d = b.mean - a.mean;
  const va = a.variance / control.n;
  const vb = b.variance / variant.n;
  const se = Math.sqrt(va + vb);
  if (!(se > 0)) return { controlMean: a.mean, variantMean: b.mean, difference: { value: d, low: d, high: d }, df: null, pValue: 1 };
  const df = (va + vb) ** 2 / ((control.n > 1 ? va ** 2 / (control.n - 1) : 0) + (variant.n > 1 ? vb ** 2 / (variant.n - 1) : 0));
  const t = studentTQuantile(1 - alpha / 2, df);
  return {
    controlMean: a.mean,
    variantMean: b.mean,
    difference: { value: d, low: d - t * se, high: d + t * se },
    df,
    pValue: Math.min(1, studentTTwoSided(d / se, df)),
  };
}

export interface SampleRatio {
  /** Pearson's X² of visitors against the planned split. */
  chiSquare: number;
  /** Degrees of freedom: variants that can receive traffic, minus 1. */
  df: number;
  pValue: number;
  /** Visitors each variant should have had under the planned split. */
  expected: number[];
  /** p below the threshold (default 0.001, as Microsoft's ExP and GrowthBook use). */
  mismatch: boolean;
}

/**
 * Sample-ratio-mismatch check: chi-square goodness of fit of visitors per variant against the
 * planned weights (any positive scale), p from the chi-square distribution with k − 1 df (same as
 * scipy's `chisquare(observed, expected)`). A variant planned at weight 0 that still got visitors is
 * a mismatch outright; one planned at 0 with no visitors takes no part.
 *
 * @example
 * sampleRatioMismatch([5000, 5200], [1, 1]) // { chiSquare: 3.92, df: 1, pValue: 0.0477, mismatch: false, … }
 */
export function sampleRatioMismatch(visitors: readonly number[], weights: readonly number[], threshold = 0.001): SampleRatio {
  const total = visitors.reduce((s, v) => s + v, 0);
  const weightSum = weights.reduce((s, w) => s + (w > 0 ? w : 0), 0);
  const expected = visitors.map((_, i) => (weightSum > 0 ? (total * Math.max(0, weights[i] ?? 0)) / weightSum : 0));
  let chiSquare = 0;
  let k = 0;
  let impossible = false;
  visitors.forEach((o, i) => {
    const e = expected[i]!;
    if (e > 0) {
      chiSquare += (o - e) ** 2 / e;
      k++;
    } else if (o > 0) impossible = true;
  });
  const df = Math.max(0, k - 1);
  const pValue = impossible ? 0 : df > 0 && total > 0 ? chiSquareSf(chiSquare, df) : 1;
  return { chiSquare: impossible ? Infinity : chiSquare, df, pValue, expected, mismatch: pValue < threshold };
}
