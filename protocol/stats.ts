/**
 * The traffic overview and funnels as the admin API answers them (GET /api/sites/:site/stats,
 * /api/sites/:site/funnels): the one definition the edge, the dashboard and the tests import.
 */
import * as z from 'zod';
import { EventType } from './events';

/** The breakdowns of the overview, in the order the dashboard shows them; each is also a filter dimension. */
export const STATS_DIMENSIONS = [
  'pages', 'entryPages', 'exitPages', 'channels', 'referrers', 'campaigns',
  'countries', 'regions', 'devices', 'browsers', 'os', 'goals',
] as const;
export type StatsDimension = (typeof STATS_DIMENSIONS)[number];

export const STATS_INTERVALS = ['hour', 'day'] as const;
export type StatsInterval = (typeof STATS_INTERVALS)[number];

/** The headline numbers of a period. */
export interface StatsTotals {
  /** Distinct people (a merged person is one from the merge on). */
  visitors: number;
  /** Visits: a person's activity with no gap over 30 minutes, counted on the day (hour) it started. */
  visits: number;
  pageviews: number;
  /** pageviews / visits (0 with no visits). */
  viewsPerVisit: number;
  /** Share of visits with one page view and no interaction (0-1). */
  bounceRate: number;
  /** Mean time from a visit's first event to its last, in ms. */
  avgVisitMs: number;
  /** Visits that completed at least one goal. */
  conversions: number;
  /** The money goal events carried (props.revenue, else props.value). */
  revenue: number;
}

/** One row of a breakdown: the visits that had this key (a page viewed, a channel, a goal completed, ...). */
export interface StatsRow {
  key: string;
  visitors: number;
  visits: number;
  /** Views of this page for `pages`; otherwise every page view of those visits. */
  pageviews: number;
  /** Of those visits, how many converted (for `goals`: on this goal). */
  conversions: number;
}

/** One bucket of the series: an hour (`2026-12-01T13`) or a day (`2026-12-01`), UTC. */
export interface StatsPoint extends StatsTotals {
  bucket: string;
}

export interface StatsFilter {
  dimension: StatsDimension;
  value: string;
}

export interface StatsResponse {
  site: string;
  /** Days, inclusive, UTC. */
  from: string;
  to: string;
  interval: StatsInterval;
  filter: StatsFilter | null;
  totals: StatsTotals;
  /** The same numbers for the period of the same length just before. */
  previous: StatsTotals;
  previousRange: { from: string; to: string };
  /** Every bucket of the range, empty ones included, oldest first. */
  series: StatsPoint[];
  /** Largest first (visitors, then visits, then key), at most `limit` rows each. */
  breakdowns: Record<StatsDimension, StatsRow[]>;
  /** People seen in the last 5 minutes (not narrowed by the filter). */
  current: number;
}

/** A funnel step: every given field must match; a `path` ending in `*` matches a prefix. */
export const FunnelStepSchema = z
  .object({
    type: EventType.optional(),
    name: z.string().min(1).max(200).optional(),
    path: z.string().min(1).max(2000).optional(),
    label: z.string().max(200).optional(),
  })
  .strict()
  .refine((s) => s.type !== undefined || s.name !== undefined || s.path !== undefined, 'a step needs a type, name or path');
export const FunnelStepsSchema = z.array(FunnelStepSchema).min(2, 'give at least 2 steps').max(10, 'give at most 10 steps');
export type FunnelStepInput = z.infer<typeof FunnelStepSchema>;

/** The longest window a funnel may give its steps: 90 days. */
export const MAX_FUNNEL_WINDOW_HOURS = 24 * 90;

/** POST /api/sites/:site/funnels. */
export const SavedFunnelInput = z
  .object({
    name: z.string().trim().min(1).max(200),
    steps: FunnelStepsSchema,
    windowHours: z.number().positive().max(MAX_FUNNEL_WINDOW_HOURS).default(24),
  })
  .strict();

/** A saved funnel: counted by every profile as its events arrive, from the moment it was saved. */
export interface SavedFunnel {
  id: string;
  name: string;
  steps: FunnelStepInput[];
  windowHours: number;
  createdAt: number;
  updatedAt: number;
}

/** One step of a funnel's answer. */
export interface FunnelStepResult {
  step: number;
  label: string;
  visitors: number;
  fromPrevious: number;
  fromFirst: number;
  medianMsFromPrevious: number | null;
  /** 95% interval (Wilson) of fromFirst when the answer is a sample; absent when the counts are exact. */
  interval?: { low: number; high: number };
}
