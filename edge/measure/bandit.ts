/**
 * Thompson-sampling allocation for multi-armed bandit experiences: each arm gets the share of
 * traffic equal to the probability that it is the best arm, with a floor so no arm starves.
 */
import { posterior } from './bayes';
import { beta, sfc32 } from './prng';

export interface BanditArm {
  key: string;
  visitors: number;
  conversions: number;
}

export interface BanditOptions {
  /** Monte Carlo draws (default 10,000: the standard error of a share is then ≤ 0.005). */
  draws?: number;
  /**
   * PRNG seed (default 0x5eed). Weights are a pure function of (arms, draws, seed); pass a seed that
   * changes between recomputations (e.g. a hash of experiment id and hour) to avoid reusing one
   * random stream forever.
   */
  seed?: number;
  /** Minimum share per arm (default 0.05); if arms × floor ≥ 1 the split is equal. */
  floor?: number;
}

/**
 * Traffic weights by Thompson sampling: P(arm is best) under Beta(1 + c, 1 + n − c) posteriors,
 * estimated from `draws` joint draws of a seeded sfc32 stream, so the same aggregates and seed
 * always give the same weights. The floor is applied by water-filling: arms below it are raised to
 * it and the others share the rest in proportion to their probability, which keeps the ratios among
 * the leading arms. Weights sum to 1 (up to float rounding).
 *
 * @example
 * banditWeights([
 *   { key: 'a', visitors: 1000, conversions: 40 },
 *   { key: 'b', visitors: 1000, conversions: 80 },
 * ]) // [{ key: 'a', weight: 0.05 }, { key: 'b', weight: 0.95 }]
 */
export function banditWeights(arms: readonly BanditArm[], opts: BanditOptions = {}): { key: string; weight: number }[] {
  const k = arms.length;
  if (k === 0) return [];
  const draws = Math.max(1, Math.floor(opts.draws ?? 10_000));
  const floor = Math.max(0, opts.floor ?? 0.05);
  const random = sfc32(opts.seed ?? 0x5eed);
  const params = arms.map((a) => {
    const n = Math.max(0, Math.floor(a.visitors) || 0);
    return posterior(n, Math.min(n, Math.max(0, Math.floor(a.conversions) || 0)));
  });
  const wins = new Array<number>(k).fill(0);
  for (let d = 0; d < draws; d++) {
    let best = 0;
    let bestValue = -1;
    for (let i = 0; i < k; i++) {
      const x = beta(random, params[i]!.a, params[i]!.b);
      if (x > bestValue) {
        bestValue = x;
        best = i;
      }
    }
    wins[best]!++;
  }
  const weights = applyFloor(wins.map((w) => w / draws), floor);
  return arms.map((a, i) => ({ key: a.key, weight: weights[i]! }));
}

/** Raises shares below `floor` to it and rescales the rest to fill 1 − (floored × floor). */
export function applyFloor(shares: readonly number[], floor: number): number[] {
  const k = shares.length;
  if (floor * k >= 1) return shares.map(() => 1 / k);
  const floored = new Set<number>();
  for (;;) {
    const free = shares.reduce((s, w, i) => (floored.has(i) ? s : s + w), 0);
    const room = 1 - floored.size * floor;
    const scaled = shares.map((w, i) => (floored.has(i) ? floor : free > 0 ? (w * room) / free : room / (k - floored.size)));
    const below = scaled.findIndex((w, i) => !floored.has(i) && w < floor);
    if (below < 0) return scaled;
    shares.forEach((_, i) => {
      if (!floored.has(i) && scaled[i]! < floor) floored.add(i);
    });
  }
}
