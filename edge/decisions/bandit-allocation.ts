import { type Experience } from '../../protocol/admin';
import { goalsOf } from '../../protocol/experience-target';
import { fnv1a32 } from '../engine/hash';
import { banditWeights } from '../measure/bandit';
import type { CountRow } from '../objects/experience-stats';

/** Below this many exposed visitors in all, a bandit keeps the marketer's weights: too little to learn from. */
export const BANDIT_MIN_VISITORS = 50;
/** How often running bandits get new weights. */
export const BANDIT_EVERY_MS = 60_000;

/**
 * A bandit's next split from its counters: Thompson sampling on the first goal over the variants
 * still taking traffic (weight > 0). The seed changes every period, so successive allocations do
 * not reuse one random stream; the same counters in the same period give the same weights.
 * Returns null while there is too little data or nothing to optimise.
 */
export function banditAllocation(exp: Experience, counts: readonly CountRow[], now: number): Experience['allocation'] | null {
  const goal = goalsOf(exp)[0];
  const live = exp.variants.filter((v) => v.weight > 0);
  if (exp.mode !== 'bandit' || !goal || live.length < 2) return null;
  const arms = live.map((v) => ({ key: v.key, visitors: 0, conversions: 0 }));
  for (const row of counts) {
    const arm = arms.find((a) => a.key === row.variant);
    if (!arm) continue;
    if (row.kind === 'exposure') arm.visitors += row.n;
    else if (row.goal === goal) arm.conversions += row.n;
  }
  if (arms.reduce((s, a) => s + a.visitors, 0) < BANDIT_MIN_VISITORS) return null;
  const period = Math.floor(now / BANDIT_EVERY_MS);
  const weights = banditWeights(arms, { seed: fnv1a32(`${exp.id}:${period}`) });
  return { weights: Object.fromEntries(weights.map((w) => [w.key, w.weight])), updatedAt: now };
}
