import { Hono } from 'hono';
import { STATS_DIMENSIONS, STATS_INTERVALS, type StatsDimension, type StatsFilter, type StatsInterval, type StatsResponse } from '../../protocol/stats';
import type { AppEnv } from '../env';
import { badRequest } from '../http/errors';
import { getSiteConfig } from '../sites/config-cache';
import { readStats } from '../traffic/report';
import { dayRange, daysIn } from './range';
import { requireAdminSite } from './sites';

/** GET /api/sites/:site/stats: the traffic overview. */
export const stats = new Hono<AppEnv>();

/** Hourly series are for short ranges: a month is 744 points already. */
const MAX_HOURLY_DAYS = 31;
const MAX_DAYS = 732;

function parseFilter(raw: string | undefined): StatsFilter | null {
  if (raw === undefined || raw === '') return null;
  const i = raw.indexOf(':');
  const dimension = raw.slice(0, i) as StatsDimension;
  const value = raw.slice(i + 1);
  if (i < 1 || !STATS_DIMENSIONS.includes(dimension)) throw badRequest(`filter: must be <dimension>:<value> with a dimension of ${STATS_DIMENSIONS.join(', ')}`);
  if (value.length === 0 || value.length > 2000) throw badRequest('filter: the value must be 1-2000 characters');
  return { dimension, value };
}

/**
 * GET /api/sites/:site/stats?from=&to=&interval=hour|day&filter=<dimension>:<value>&limit= —
 * totals (and the previous period's), a series per hour or day, and breakdowns, from the site's
 * traffic shards (never from profiles). Days are UTC; the default range is the last 30 days, by
 * day (by hour for a single day).
 */
stats.get('/', async (c) => {
  const site = c.req.param('site') as string;
  // The isolate's cached config says the site exists without asking its object (a report is one object call).
  if (!(await getSiteConfig(c.env, site))) await requireAdminSite(c.env, site);
  const now = Date.now();
  const { from, to } = dayRange((k) => c.req.query(k), now);
  const days = daysIn(from, to);
  if (days > MAX_DAYS) throw badRequest(`from: the range may cover at most ${MAX_DAYS} days`);
  const interval = (c.req.query('interval') ?? (days === 1 ? 'hour' : 'day')) as StatsInterval;
  if (!STATS_INTERVALS.includes(interval)) throw badRequest(`interval: must be one of ${STATS_INTERVALS.join(', ')}`);
  if (interval === 'hour' && days > MAX_HOURLY_DAYS) throw badRequest(`interval: hour is for ranges of at most ${MAX_HOURLY_DAYS} days`);
  const filter = parseFilter(c.req.query('filter'));
  const limitRaw = c.req.query('limit') ?? '100';
  const limit = Number(limitRaw);
  if (!/^\d+$/.test(limitRaw) || limit < 1 || limit > 1000) throw badRequest('limit: must be a whole number from 1 to 1000');
  return c.json(await readStats(c.env, site, { from, to, interval, filter, limit }, now) satisfies StatsResponse);
});
