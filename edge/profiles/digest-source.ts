/**
 * The profile's side of the sealed digest: its rule context for the site's profile conditions,
 * read from the stores for one browser's scope, after whatever the object just did: only the parts
 * those conditions and the site's placeholders read.
 */
import { digestFromContext, type DigestData, type DigestNeeds } from '../engine/digest';
import { membershipsOf } from '../destinations/outbox';
import { ruleContext } from './rule-context';
import { scopeFor } from './scope';
import type { ProfileStores } from './stores';

export function profileDigest(s: ProfileStores, anonymousId: string, needs: DigestNeeds, now: number): DigestData {
  const ctx = ruleContext(s, {}, now, needs.leaves.map(([, leaf]) => leaf), scopeFor(s.browsers, anonymousId), needs.reads);
  return { ...digestFromContext(ctx, s.assignments.all(), needs, needs.membership ? membershipsOf(s.sql) : undefined), o: 1 };
}

