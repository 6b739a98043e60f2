import { Hono } from 'hono';
import * as z from 'zod';
import { Rule as RuleSchema, type Audience, type Rule } from '../../protocol/audience';
import type { AppEnv, Env } from '../env';
import { readBody } from '../http/body';
import { notFound } from '../http/errors';
import { requireAdminSite } from './sites';
import { feedStub, profileStub, siteStub } from '../objects/stubs';

/** Who counts as recently seen, and how many of them are asked. */
export const ESTIMATE_WINDOW_DAYS = 30;
export const ESTIMATE_SAMPLE = 200;
const PARALLEL = 25;
const DAY_MS = 86_400_000;

export interface AudienceEstimate {
  /** Recently seen profiles × the share of the sample in the audience, rounded. */
  estimate: number;
  recentProfiles: number;
  sampled: number;
  matched: number;
  windowDays: number;
  /** Sampled profiles that had been merged away or erased, so were skipped. */
  skipped: number;
}

/**
 * Estimates an audience's size over the profiles seen in the last 30 days: the most recently
 * seen 200 are evaluated inside their own objects (traits, event counts, signals — with the
 * request fields of their last decision for geo/device/page rules), and the matching share is
 * scaled to everyone seen. Exact when fewer than 200 profiles were seen.
 */
export async function estimateAudience(env: Env, site: string, rule: Rule, now: number): Promise<AudienceEstimate> {
  const feed = feedStub(env, site);
  const { total, sample } = await feed.recentProfiles(now - ESTIMATE_WINDOW_DAYS * DAY_MS, ESTIMATE_SAMPLE);
  let matched = 0;
  let evaluated = 0;
  for (let i = 0; i < sample.length; i += PARALLEL) {
    const answers = await Promise.all(
      sample.slice(i, i + PARALLEL).map(async (id) => await profileStub(env, site, id).inAudience(rule, now).catch(() => null)),
    );
    for (const a of answers) if (a !== null) (evaluated++, a && matched++);
  }
  const population = Math.max(0, total - (sample.length - evaluated));
  return {
    estimate: evaluated === 0 ? 0 : Math.round((matched / evaluated) * population),
    recentProfiles: population,
    sampled: evaluated,
    matched,
    windowDays: ESTIMATE_WINDOW_DAYS,
    skipped: sample.length - evaluated,
  };
}

/** POST /api/sites/:site/audiences/estimate {rule} (a rule being edited) and GET …/audiences/:id/estimate. */
export const EstimateRequest = z.object({ rule: RuleSchema });

export const audienceEstimates = new Hono<AppEnv>();

audienceEstimates.post('/estimate', async (c) => {
  const site = c.req.param('site') as string;
  await requireAdminSite(c.env, site);
  const { rule } = await readBody(c.req.raw, EstimateRequest);
  return c.json(await estimateAudience(c.env, site, rule, Date.now()));
});

audienceEstimates.get('/:id/estimate', async (c) => {
  const site = c.req.param('site') as string;
  await requireAdminSite(c.env, site);
  const audience = (await siteStub(c.env, site).getDoc('audiences', c.req.param('id'))) as unknown as Audience | null;
  if (!audience) throw notFound(`audience "${c.req.param('id')}" does not exist`);
  return c.json(await estimateAudience(c.env, site, audience.rule, Date.now()));
});
