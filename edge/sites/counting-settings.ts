import type { SiteConfig } from '../objects/site';
import type { CountingSettings } from '../profiles/counting';
import { attributionSettings } from './attribution-settings';

const memo = new WeakMap<SiteConfig, CountingSettings>();

/** What profiles need of the site to count its reports: goals, own hosts, saved funnels. Once per cached config. */
export function countingOf(config: SiteConfig): CountingSettings {
  const hit = memo.get(config);
  if (hit) return hit;
  const { goals, siteHosts } = attributionSettings(config);
  const funnels = (config.funnels ?? []).map((f) => ({ id: f.id, steps: f.steps, windowMs: f.windowHours * 3_600_000, since: f.createdAt }));
  const settings = { goals, siteHosts, funnels };
  memo.set(config, settings);
  return settings;
}
