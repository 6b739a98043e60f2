import type { DestinationRoute } from '../../protocol/destinations';
import { digestNeeds, type DigestNeeds } from '../engine/digest';
import { wantsAudienceChanges } from '../destinations/outbox';
import type { SiteConfig } from '../objects/site';
import { contentPlaceholders } from './content';

/** Per site config (configs are cached per isolate and replaced on change), with and without membership: worked out once. */
const cache = new WeakMap<SiteConfig, Partial<Record<'plain' | 'membership', DigestNeeds>>>();

/** What a visitor's digest must cover for this site: its audiences' profile conditions and the traits its variants' placeholders read. */
export function needsOf(config: SiteConfig, destinations: readonly DestinationRoute[]): DigestNeeds {
  const membership = config.audiences.length > 0 && wantsAudienceChanges(destinations);
  let entry = cache.get(config);
  if (!entry) cache.set(config, (entry = {}));
  const kind = membership ? 'membership' : 'plain';
  return (entry[kind] ??= digestNeeds(
    config.audiences,
    config.experiences.flatMap((e) => e.variants.flatMap((v) => contentPlaceholders(v.content))),
    membership,
  ));
}
