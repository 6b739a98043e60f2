import type { SiteConfig } from '../objects/site';
import type { FunnelSpec } from '../profiles/funnel-store';

const memo = new WeakMap<SiteConfig, FunnelSpec[]>();

/** The site's saved funnels as profiles count them; worked out once per cached config. */
export function funnelSpecs(config: SiteConfig): FunnelSpec[] {
  const hit = memo.get(config);
  if (hit) return hit;
  const specs = (config.funnels ?? []).map((f) => ({ id: f.id, steps: f.steps, windowMs: f.windowHours * 3_600_000, since: f.createdAt }));
  memo.set(config, specs);
  return specs;
}
