import { Hono } from 'hono';
import { FunnelStepsSchema, MAX_FUNNEL_WINDOW_HOURS } from '../../protocol/stats';
import type { AppEnv, Env } from '../env';
import { parseWith } from '../http/body';
import { badRequest } from '../http/errors';
import { DEFAULT_MODEL, MODELS, type Model } from '../measure/attribution';
import { summarizeFunnel, withIntervals, type FunnelStep } from '../measure/funnel';
import { readCredits, type CreditSum } from '../objects/attribution-stats';
import { resolveRef } from './profiles';
import { requireAdminSite } from './sites';
import { DAY_MS, dayRange } from './range';
import { feedStub, profileStub } from '../objects/stubs';

/** /api/sites/:site/attribution and /api/sites/:site/funnels. */
export const reports = new Hono<AppEnv>();

/** The short model names the contract first published (docs/ARCHITECTURE.md, Public contract), accepted as well. */
const ALIASES: Record<string, Model> = { first: 'first_touch', last: 'last_non_direct', position: 'position_based' };


interface Row {
  key: string;
  conversions: number;
  revenue: number;
}

function group(sums: readonly CreditSum[], keyOf: (s: CreditSum) => string | null): Row[] {
  const rows = new Map<string, Row>();
  for (const s of sums) {
    const key = keyOf(s);
    if (key === null) continue;
    const row = rows.get(key) ?? { key, conversions: 0, revenue: 0 };
    row.conversions += s.conversions;
    row.revenue += s.revenue;
    rows.set(key, row);
  }
  // Fractional credits add up with float noise: round for display, at a precision far below one conversion.
  return [...rows.values()]
    .map((r) => ({ ...r, conversions: Math.round(r.conversions * 1e6) / 1e6, revenue: Math.round(r.revenue * 100) / 100 }))
    .sort((a, b) => b.conversions - a.conversions || b.revenue - a.revenue || a.key.localeCompare(b.key));
}

/**
 * GET /api/sites/:site/attribution?model=&from=&to=&goal= — conversions and revenue credited to
 * channels, campaigns and referring customers under one model, from the site's attribution shards.
 * A referral code names the referring customer's user id; their profile is resolved when known.
 */
reports.get('/attribution', async (c) => {
  const site = c.req.param('site') as string;
  await requireAdminSite(c.env, site);
  const raw = c.req.query('model') ?? DEFAULT_MODEL;
  const model = ALIASES[raw] ?? raw;
  if (!MODELS.includes(model as Model)) throw badRequest(`model: must be one of ${MODELS.join(', ')} (or first, last, position)`);
  const goal = c.req.query('goal') ?? null;
  if (goal !== null && (goal.length === 0 || goal.length > 200)) throw badRequest('goal: must be an event name of 1-200 characters');
  const { from, to } = dayRange((k) => c.req.query(k), Date.now());
  const sums = await readCredits(c.env, site, model, goal, from, to);
  const byReferralCode = group(sums, (s) => s.referralCode);
  const referrers = await Promise.all(
    byReferralCode.slice(0, 50).map(async (r) => await resolveRef(c.env, site, `user:${r.key}`).catch(() => null)),
  );
  const total = group(sums, () => 'all')[0] ?? { conversions: 0, revenue: 0 };
  return c.json({
    model,
    goal,
    from,
    to,
    conversions: total.conversions,
    revenue: total.revenue,
    byChannel: group(sums, (s) => s.channel),
    byCampaign: group(sums, (s) => s.campaign ?? '(not set)'),
    byReferralCode: byReferralCode.map((r, i) => ({ ...r, profileId: referrers[i] ?? null })),
  });
});



export function parseSteps(raw: string | undefined): FunnelStep[] {
  if (!raw) throw badRequest('steps: required, e.g. steps=page:/pricing,Add to cart,Purchase or a JSON array');
  if (raw.trimStart().startsWith('[')) {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw badRequest('steps: is not valid JSON');
    }
    return parseWith(FunnelStepsSchema, value, 'steps');
  }
  const steps = raw.split(',').map((s) => s.trim()).map((s): FunnelStep => {
    if (s.startsWith('page:')) return { type: 'page', path: s.slice(5), label: s };
    if (s.startsWith('signal:')) return { type: 'signal', name: s.slice(7), label: s };
    return { name: s, label: s };
  });
  return parseWith(FunnelStepsSchema, steps, 'steps');
}

/** How many profiles an ad hoc funnel reads at most (`sample`, a uniform random sample of those in range). */
export const FUNNEL_MAX_PROFILES = 5_000;
/**
 * How long it keeps asking profiles (after the first FUNNEL_MIN_READ, always read); the answer
 * covers those read by then. Measured under wrangler dev, a profile costs ~0.7 ms warm and ~2 ms
 * cold, mostly the runtime starting and calling its object rather than the funnel's own work, and
 * one after another whatever the concurrency: all of 3,000 cold ones took 5-6 s.
 */
export const FUNNEL_READ_MS = 1_500;
export const FUNNEL_MIN_READ = 200;
/** Profile calls in flight at once: in production each waits on the network, not on this isolate. */
const IN_FLIGHT = 50;

/**
 * `fn` over `items` with `limit` calls in flight, the next starting as soon as one finishes; after
 * the first `atLeast`, none starts once `deadline` (ms since the epoch) has passed. Returns the
 * results of the items started, which are a prefix of them.
 */
export async function inPool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
  { deadline = Infinity, atLeast = 0 }: { deadline?: number; atLeast?: number } = {},
): Promise<R[]> {
  const out: R[] = [];
  let next = 0;
  // Items are taken in order and the deadline only passes once, so those started are a prefix.
  const go = (i: number) => i < items.length && (i < atLeast || Date.now() < deadline);
  const worker = async () => {
    for (let i = next++; go(i); i = next++) out[i] = await fn(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Each profile's progress ([] for one not live: merged away or erased); null for one that could not be read. */
async function funnelProgressOf(env: Env, site: string, ids: string[], steps: FunnelStep[], windowMs: number, from: number, to: number) {
  const read = async (id: string) => {
    try {
      return (await profileStub(env, site, id).funnel(steps, windowMs, from, to)) ?? [];
    } catch {
      return null;
    }
  };
  return await inPool(ids, IN_FLIGHT, read, { deadline: Date.now() + FUNNEL_READ_MS, atLeast: FUNNEL_MIN_READ });
}

/**
 * GET /api/sites/:site/funnels?steps=…&windowHours=24&from=&to=&sample=5000 — people entering each
 * step in order within the window (from the first step), conversion between steps and median time
 * between them. Funnels are ad hoc, so each person's path is worked out inside their own profile
 * object, over a uniform random sample of the profiles seen in the range: at most `sample`, and
 * past the first 200 only as many as are read within FUNNEL_READ_MS. `population` is how many there
 * are, `sampled` how many were read, `exact` whether that was all of them; if not, each step has
 * the 95% interval of its `fromFirst` (withIntervals).
 */
reports.get('/funnels', async (c) => {
  const site = c.req.param('site') as string;
  await requireAdminSite(c.env, site);
  const steps = parseSteps(c.req.query('steps'));
  const hours = Number(c.req.query('windowHours') ?? '24');
  if (!Number.isFinite(hours) || hours <= 0 || hours > MAX_FUNNEL_WINDOW_HOURS) throw badRequest(`windowHours: must be a number of hours from 0 to ${MAX_FUNNEL_WINDOW_HOURS}`);
  const cap = Number(c.req.query('sample') ?? FUNNEL_MAX_PROFILES);
  if (!Number.isInteger(cap) || cap < 1 || cap > FUNNEL_MAX_PROFILES) throw badRequest(`sample: must be a whole number of profiles from 1 to ${FUNNEL_MAX_PROFILES}`);
  const { from, to } = dayRange((k) => c.req.query(k), Date.now());
  const fromMs = Date.parse(from);
  const toMs = Date.parse(to) + DAY_MS - 1;
  // In random order, so the profiles read before the deadline are a uniform sample too.
  const { total, sample } = await feedStub(c.env, site).sampleProfiles(fromMs, cap);
  const progress = (await funnelProgressOf(c.env, site, sample, steps, hours * 3_600_000, fromMs, toMs)).filter((p) => p !== null);
  const sampled = progress.length;
  const exact = sampled >= total;
  const counted = summarizeFunnel(steps, progress);
  return c.json({ steps: exact ? counted : withIntervals(counted, sampled, total), population: total, sampled, exact, windowHours: hours, from, to });
});
