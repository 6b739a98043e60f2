import { bucket } from './hash';

export interface Weighted {
  key: string;
  weight: number;
}

/**
 * Picks a variant by weight for `id`. Weights need not sum to 1; non-positive weights never win.
 * Returns null when there is nothing to pick from.
 *
 * @example
 * pickVariant('hero-test', 'p_1', [{ key: 'a', weight: 1 }, { key: 'b', weight: 1 }]) // 'a' or 'b', stable
 */
export function pickVariant(seed: string, id: string, variants: readonly Weighted[]): string | null {
  const total = variants.reduce((sum, v) => sum + (v.weight > 0 ? v.weight : 0), 0);
  if (!(total > 0)) return null;
  const n = bucket(`${seed}:variant`, id) * total;
  let upper = 0;
  let last: string | null = null;
  for (const v of variants) {
    if (!(v.weight > 0)) continue;
    upper += v.weight;
    last = v.key;
    if (n < upper) return v.key;
  }
  return last; // floating-point rounding at the very top
}

/** Whether `id` falls inside the experience's traffic allocation (0..1). Independent of the variant hash. */
export function inTraffic(seed: string, id: string, traffic: number): boolean {
  if (!(traffic > 0)) return false;
  if (traffic >= 1) return true;
  return bucket(`${seed}:traffic`, id) < traffic;
}
