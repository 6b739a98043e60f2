/**
 * The Wilson score interval of a proportion: sensible near 0 and 1 and at small counts, where the
 * normal (Wald) interval is not (it can leave [0, 1] or have zero width at 0 of n).
 */
import { normQuantile } from './special';

export interface Bounds {
  low: number;
  high: number;
}

export interface WilsonOptions {
  /** Two-sided coverage; 0.95 unless told. */
  confidence?: number;
  /**
   * When the n were drawn without replacement from a finite population: the share of it they are
   * (0-1). The variance shrinks by 1 − f (the finite population correction, applied as an
   * effective size n / (1 − f)), so reading everyone gives the proportion itself.
   */
  fraction?: number;
}

/**
 * Interval of `successes / n`: (p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n), with n the
 * effective size. Null when n is 0 (no proportion to bound).
 *
 * @example
 * wilsonInterval(1, 10) // { low: 0.0179, high: 0.4042 }
 */
export function wilsonInterval(successes: number, n: number, { confidence = 0.95, fraction = 0 }: WilsonOptions = {}): Bounds | null {
  if (!(n > 0)) return null;
  const p = Math.min(1, Math.max(0, successes / n));
  if (fraction >= 1) return { low: p, high: p };
  const size = n / (1 - Math.max(0, fraction));
  const z = normQuantile(1 - (1 - confidence) / 2);
  const z2n = (z * z) / size;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z * Math.sqrt(p * (1 - p) / size + z2n / (4 * size))) / (1 + z2n);
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}
