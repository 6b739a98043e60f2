import { Hono } from 'hono';
import * as z from 'zod';
import { EventType } from '../../protocol/events';
import type { AppEnv, Env } from '../env';
import { parseWith } from '../http/body';
import { badRequest } from '../http/errors';
import { DEFAULT_MODEL, MODELS, type Model } from '../measure/attribution';
import { summarizeFunnel, type FunnelStep } from '../measure/funnel';
import { readCredits, type CreditSum } from '../objects/attribution-stats';
import { resolveRef } from './profiles';
import { requireAdminSite } from './sites';
import { feedStub, profileStub } from '../objects/stubs';

/** /api/sites/:site/attribution and /api/sites/:site/funnels. */
export const reports = new Hono<AppEnv>();

const DAY_MS = 86_400_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** The short model names the contract first published (docs/ARCHITECTURE.md, Public contract), accepted as well. */
const ALIASES: Record<string, Model> = { first: 'first_touch', last: 'last_non_direct', position: 'position_based' };

/** from/to as days (inclusive); default: the last 30 days. */
function range(q: (k: string) => string | undefined, now: number): { from: string; to: string } {
  const from = q('from') ?? new Date(now - 29 * DAY_MS).toISOString().slice(0, 10);
  const to = q('to') ?? new Date(now).toISOString().slice(0, 10);
  for (const [name, v] of [['from', from], ['to', to]] as const) {
    if (!DAY.test(v) || Number.isNaN(Date.parse(v))) throw badRequest(`${name}: must be a day as YYYY-MM-DD`);
  }
  if (from > to) throw badRequest('from: must not be after to');
  return { from, to };
}

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
  const { from, to } = range((k) => c.req.query(k), Date.now());
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

/** A funnel step: `page:/path` (a trailing * matches a prefix), `signal:name`, or an event name. */
const StepSchema = z
  .object({
    type: EventType.optional(),
    name: z.string().min(1).max(200).optional(),
    path: z.string().min(1).max(2000).optional(),
    label: z.string().max(200).optional(),
  })
  .strict()
  .refine((s) => s.type !== undefined || s.name !== undefined || s.path !== undefined, 'a step needs a type, name or path');
const StepsSchema = z.array(StepSchema).min(2, 'give at least 2 steps').max(10, 'give at most 10 steps');

export function parseSteps(raw: string | undefined): FunnelStep[] {
  if (!raw) throw badRequest('steps: required, e.g. steps=page:/pricing,Add to cart,Purchase or a JSON array');
  if (raw.trimStart().startsWith('[')) {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw badRequest('steps: is not valid JSON');
    }
    return parseWith(StepsSchema, value, 'steps');
  }
  const steps = raw.split(',').map((s) => s.trim()).map((s): FunnelStep => {
    if (s.startsWith('page:')) return { type: 'page', path: s.slice(5), label: s };
    if (s.startsWith('signal:')) return { type: 'signal', name: s.slice(7), label: s };
    return { name: s, label: s };
  });
  return parseWith(StepsSchema, steps, 'steps');
}

/** How many recently seen profiles a funnel asks, and how many at once. */
export const FUNNEL_MAX_PROFILES = 5_000;
const PARALLEL = 50;

async function funnelProgressOf(env: Env, site: string, ids: string[], steps: FunnelStep[], windowMs: number, from: number, to: number) {
  const out: number[][] = [];
  for (let i = 0; i < ids.length; i += PARALLEL) {
    const part = await Promise.all(
      ids.slice(i, i + PARALLEL).map(async (id) => await profileStub(env, site, id).funnel(steps, windowMs, from, to).catch(() => null)),
    );
    for (const p of part) if (p) out.push(p);
  }
  return out;
}

/**
 * GET /api/sites/:site/funnels?steps=…&windowHours=24&from=&to= — people entering each step in
 * order within the window (from the first step), conversion between steps and median time
 * between them. Funnels are ad hoc, so each person's path is worked out inside their own profile
 * object, over the profiles seen in the range (at most 5,000 of the most recent; `sampled` says
 * how many were asked).
 */
reports.get('/funnels', async (c) => {
  const site = c.req.param('site') as string;
  await requireAdminSite(c.env, site);
  const steps = parseSteps(c.req.query('steps'));
  const hours = Number(c.req.query('windowHours') ?? '24');
  if (!Number.isFinite(hours) || hours <= 0 || hours > 24 * 90) throw badRequest('windowHours: must be a number of hours from 0 to 2160');
  const { from, to } = range((k) => c.req.query(k), Date.now());
  const fromMs = Date.parse(from);
  const toMs = Date.parse(to) + DAY_MS - 1;
  const feed = feedStub(c.env, site);
  const { total, sample } = await feed.recentProfiles(fromMs, FUNNEL_MAX_PROFILES);
  const progress = await funnelProgressOf(c.env, site, sample, steps, hours * 3_600_000, fromMs, toMs);
  return c.json({ steps: summarizeFunnel(steps, progress), population: total, sampled: progress.length, windowHours: hours, from, to });
});
