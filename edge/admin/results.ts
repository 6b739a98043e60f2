import { Hono } from 'hono';
import { type Experience } from '../../protocol/admin';
import { goalsOf, isOverlayExperience } from '../../protocol/experience-target';
import type { AppEnv } from '../env';
import { badRequest, notFound } from '../http/errors';
import { analyzeExperiment, type GoalSpec, type VariantData } from '../measure/stats';
import { readExperienceCounts, type CountRow } from '../objects/experience-stats';
import { invalidateSiteConfig } from '../sites/config-cache';
import { requireAdminSite } from './sites';
import { siteStub } from '../objects/stubs';

/** /api/sites/:site/experiences/:id/results and …/reallocate: reading the counters. */
export const results = new Hono<AppEnv>();

const DAY = /^\d{4}-\d{2}-\d{2}$/;

async function experienceOf(env: AppEnv['Bindings'], site: string, id: string): Promise<Experience> {
  await requireAdminSite(env, site);
  // RPC stubs drop the method's type parameter; the stored body is an Experience.
  const exp = (await siteStub(env, site).getDoc('experiences', id)) as unknown as Experience | null;
  if (!exp) throw notFound(`experience "${id}" does not exist`);
  return exp;
}

/** Per variant: exposed visitors, converters and revenue per goal, from counter rows. */
export function variantData(exp: Experience, rows: readonly CountRow[]): VariantData[] {
  return exp.variants.map((v) => {
    const mine = rows.filter((r) => r.variant === v.key);
    const conversions: Record<string, number> = {};
    const revenue: Record<string, { sum: number; sumSquares: number }> = {};
    for (const g of goalsOf(exp)) {
      const goalRows = mine.filter((r) => r.kind === 'conversion' && r.goal === g);
      conversions[g] = goalRows.reduce((s, r) => s + r.n, 0);
      revenue[g] = { sum: goalRows.reduce((s, r) => s + r.revenue, 0), sumSquares: goalRows.reduce((s, r) => s + r.revenueSq, 0) };
    }
    const visitors = mine.filter((r) => r.kind === 'exposure').reduce((s, r) => s + r.n, 0);
    return { key: v.key, label: v.name ?? `Variant ${v.key}`, visitors, conversions, revenue };
  });
}

/** Cumulative visitors and converters per variant and day, for charts over time. */
function cumulative(exp: Experience, rows: readonly CountRow[]) {
  const days = [...new Set(rows.map((r) => r.day))].sort();
  const running = new Map<string, { visitors: number; conversions: Record<string, number> }>();
  for (const v of exp.variants) running.set(v.key, { visitors: 0, conversions: Object.fromEntries(goalsOf(exp).map((g) => [g, 0])) });
  return days.map((day) => {
    for (const r of rows.filter((x) => x.day === day)) {
      const acc = running.get(r.variant);
      if (!acc) continue;
      if (r.kind === 'exposure') acc.visitors += r.n;
      else if (r.goal in acc.conversions) acc.conversions[r.goal] = (acc.conversions[r.goal] ?? 0) + r.n;
    }
    return { day, variants: Object.fromEntries([...running].map(([k, v]) => [k, { visitors: v.visitors, conversions: { ...v.conversions } }])) };
  });
}

/**
 * GET …/experiences/:id/results?from=YYYY-MM-DD&to=YYYY-MM-DD — per variant: visitors (exposed
 * once each), conversions and revenue per goal; against control: uplift with 95% intervals,
 * p-value, chance to beat control, expected loss; the sample-ratio check, the peeking warning and
 * a verdict per goal; and the cumulative series per day. A revenue analysis is added for goals
 * whose events carried revenue.
 */
results.get('/:id/results', async (c) => {
  const site = c.req.param('site') as string;
  const exp = await experienceOf(c.env, site, c.req.param('id'));
  const from = c.req.query('from');
  const to = c.req.query('to');
  for (const [name, v] of [['from', from], ['to', to]] as const) {
    if (v !== undefined && !DAY.test(v)) throw badRequest(`${name}: must be a day as YYYY-MM-DD`);
  }
  const rows = (await readExperienceCounts(c.env, site, exp.id)).filter((r) => (!from || r.day >= from) && (!to || r.day <= to));
  const variants = variantData(exp, rows);
  const goals: GoalSpec[] = goalsOf(exp).map((g) => ({ key: g, kind: 'conversion' }));
  for (const g of goalsOf(exp)) if (variants.some((v) => (v.revenue?.[g]?.sum ?? 0) !== 0)) goals.push({ key: g, kind: 'revenue' });
  const bandit = exp.mode === 'bandit';
  const analysis = analyzeExperiment({
    variants,
    control: exp.variants[0]?.key,
    // A bandit moves traffic on purpose: its split is checked against itself (no SRM verdict).
    weights: bandit ? variants.map((v) => Math.max(v.visitors, 1)) : exp.variants.map((v) => v.weight),
    goals,
    running: exp.status === 'running',
  });
  return c.json({
    experience: { id: exp.id, name: exp.name, status: exp.status, mode: exp.mode ?? 'split', goals: goalsOf(exp), slot: exp.slot, page: exp.page ?? null, trigger: exp.trigger ?? null, overlay: isOverlayExperience(exp) },
    control: analysis.control,
    variants: variants.map((v, i) => ({ ...v, name: exp.variants[i]?.name ?? null, weight: exp.variants[i]?.weight ?? 0 })),
    analysis,
    ...(bandit && { allocation: exp.allocation ?? null }),
    daily: cumulative(exp, rows),
    notes: [
      ...(bandit ? ['Bandit: traffic shifts toward the better variants by design, so the sample-ratio check does not apply.'] : []),
      ...(analysis.peeking ? ['Still running: intervals assume one look at a planned sample; checking repeatedly and stopping at the first significant result inflates false positives.'] : []),
    ],
  });
});

/** POST …/experiences/:id/reallocate — recompute a bandit's split now (it also happens every minute while it runs). */
results.post('/:id/reallocate', async (c) => {
  const site = c.req.param('site') as string;
  const exp = await experienceOf(c.env, site, c.req.param('id'));
  if (exp.mode !== 'bandit') throw badRequest(`mode: experience "${exp.id}" is not a bandit`);
  const out = await siteStub(c.env, site).reallocate(Date.now(), exp.id);
  invalidateSiteConfig(site);
  return c.json({ experience: exp.id, weights: out[exp.id] ?? null });
});
