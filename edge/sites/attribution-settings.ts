import { SITE_DEFAULTS } from '../../protocol/admin';
import type { AttributionSettings } from '../profiles/attribution-store';
import type { SiteConfig } from '../objects/site';

const memo = new WeakMap<SiteConfig, AttributionSettings>();

/**
 * What a profile needs to attribute conversions: the site's goals plus every experience's goals,
 * the lookback and half-life, and the site's own hosts (origins and proxy hosts).
 */
export function attributionSettings(config: SiteConfig): AttributionSettings {
  // Derived from the cached config object, so worked out once per config version, not per batch.
  const hit = memo.get(config);
  if (hit) return hit;
  const goals = new Set(config.site.goals ?? []);
  for (const e of config.experiences) for (const g of e.goals) goals.add(g);
  const hosts = new Set<string>(config.site.proxyHosts ?? []);
  for (const o of config.site.origins) {
    try {
      hosts.add(new URL(o).hostname);
    } catch {
      /* origins are validated on save */
    }
  }
  const a = config.site.attribution ?? SITE_DEFAULTS.attribution;
  const settings = { goals: [...goals], lookbackDays: a.lookbackDays, halfLifeDays: a.halfLifeDays, siteHosts: [...hosts] };
  memo.set(config, settings);
  return settings;
}
