import type { ProfileSnapshot } from '../../protocol/profile';
import { mergesOf } from './merge-store';
import type { ProfileStores } from './stores';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Everything the admin API shows about the person the stores hold, or null when they hold no profile. */
export function snapshotOf(s: ProfileStores, now: number): ProfileSnapshot | null {
  const meta = s.meta.all();
  if (!meta.profileId || !meta.site) return null;
  return {
    profileId: meta.profileId,
    site: meta.site,
    identifiers: s.identity.list(),
    browsers: s.browsers.list(),
    traits: s.identity.traits(),
    firstSeen: meta.firstSeen ?? 0,
    lastSeen: meta.lastSeen ?? 0,
    eventCount: s.events.count(),
    assignments: s.assignments.list(),
    consent: meta.consent ?? null,
    touches: s.sessions.recent(50),
    counts: s.events.countsPerDay(now - 30 * DAY_MS),
    merges: mergesOf(s.sql),
  };
}
