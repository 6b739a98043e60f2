import type { Props } from './events';

/** GET /api/sites/:site/profiles/:ref — everything the admin API shows about a person. */
export interface ProfileSnapshot {
  profileId: string;
  site: string;
  identifiers: { type: string; value: string; firstSeen: number }[];
  /** The person's browsers; a verified one sent an identify signed by the site's server, and sees the others' verified data. */
  browsers: { anonymousId: string; firstSeen: number; lastSeen: number; verified: boolean }[];
  /** Every trait as last set, from any source (what a verified browser sees is narrower: README, Security). */
  traits: Props;
  firstSeen: number;
  lastSeen: number;
  eventCount: number;
  assignments: { experience: string; variant: string | null; assignedAt: number }[];
  /** Profiles merged into this one. */
  merges: { from: string; mergedAt: number; eventsAdded: number }[];
  /** Sessions and where they came from (landing page, referrer, campaign params), newest first. */
  touches: { ts: number; anonymousId: string; url: string | null; referrer: string | null; params: Props | null }[];
  /** The visitor's last consent choice, if the site asked. */
  consent: string | null;
  /** Events per name per UTC day over the last 30 days, for time-window rules. */
  counts: { name: string; day: string; n: number }[];
}
