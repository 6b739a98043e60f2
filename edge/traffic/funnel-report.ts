import type { FunnelStepResult, SavedFunnel } from '../../protocol/stats';
import type { Env } from '../env';
import { histogramMedian } from '../measure/gap-histogram';
import { stepResults } from '../measure/funnel';
import { TRAFFIC_SHARDS } from '../objects/shards';
import { trafficShard } from '../objects/stubs';
import type { FunnelShardReport } from '../objects/traffic-stats';

/** Adds up the shards' counts of a saved funnel: exact visitors per step, medians from the step-time histograms. */
export function combineFunnel(funnel: Pick<SavedFunnel, 'steps'>, parts: readonly FunnelShardReport[]): FunnelStepResult[] {
  const counts = funnel.steps.map((_, k) => parts.reduce((s, p) => s + (p.steps[k] ?? 0), 0));
  const hists = funnel.steps.map(() => new Map<number, number>());
  for (const p of parts) for (const g of p.gaps) hists[g.step]?.set(g.bucket, (hists[g.step]!.get(g.bucket) ?? 0) + g.n);
  return stepResults(funnel.steps, counts, (k) => histogramMedian(hists[k]!));
}

/** A saved funnel's steps for the people who entered it between `from` and `to` (days, inclusive). */
export async function readSavedFunnel(env: Env, site: string, funnel: SavedFunnel, from: string, to: string): Promise<FunnelStepResult[]> {
  const parts = await Promise.all(
    Array.from({ length: TRAFFIC_SHARDS }, async (_, s) => await trafficShard(env, site, s).funnel(funnel.id, funnel.steps.length, from, to)),
  );
  return combineFunnel(funnel, parts);
}
