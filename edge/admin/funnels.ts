import { Hono } from 'hono';
import { SavedFunnelInput, type SavedFunnel } from '../../protocol/stats';
import type { AppEnv } from '../env';
import { readBody } from '../http/body';
import { ApiError, notFound } from '../http/errors';
import { siteStub } from '../objects/stubs';
import { getSiteConfig, invalidateSiteConfig } from '../sites/config-cache';
import { readSavedFunnel } from '../traffic/funnel-report';
import { dayRange, dayString } from './range';
import { requireAdminSite } from './sites';

/**
 * Saved funnels: GET (list) and POST on /api/sites/:site/funnels, GET and DELETE on one. Each is
 * counted by every profile as its events arrive, from the moment it was saved, so its answer is
 * exact and reads only the site's shards. `GET /funnels?steps=…` stays the ad hoc funnel (reports.ts).
 */
export const funnels = new Hono<AppEnv>();
const siteOf = (c: { req: { param(name: string): string | undefined } }) => c.req.param('site') as string;

/** Saved funnels a site may have: each costs every matching event a recount in its profile. */
const MAX_SAVED_FUNNELS = 20;

funnels.get('/', async (c, next) => {
  if (c.req.query('steps') !== undefined) return next(); // ad hoc
  await requireAdminSite(c.env, siteOf(c));
  return c.json({ funnels: (await siteStub(c.env, siteOf(c)).listDocs('funnels')) as SavedFunnel[] });
});

funnels.post('/', async (c) => {
  const site = siteOf(c);
  await requireAdminSite(c.env, site);
  const input = await readBody(c.req.raw, SavedFunnelInput);
  const stub = siteStub(c.env, site);
  if ((await stub.listDocs('funnels')).length >= MAX_SAVED_FUNNELS) {
    throw new ApiError(409, 'too_many_funnels', `a site keeps at most ${MAX_SAVED_FUNNELS} saved funnels: delete one first`);
  }
  const id = `fun_${crypto.randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const created = (await stub.createDoc('funnels', { id, ...input }, Date.now())) as SavedFunnel | null;
  if (!created) throw new ApiError(409, 'conflict', `funnel "${id}" already exists`);
  invalidateSiteConfig(site);
  return c.json(created, 201);
});

/** GET /api/sites/:site/funnels/:id?from=&to= — people who entered the funnel in the range (default: since it was saved). */
funnels.get('/:id', async (c) => {
  const site = siteOf(c);
  const id = c.req.param('id');
  // The isolate's cached config holds the saved funnels: the answer is then one object call, the shard's.
  let funnel = (await getSiteConfig(c.env, site))?.funnels?.find((f) => f.id === id) ?? null;
  if (!funnel) {
    await requireAdminSite(c.env, site);
    // RPC stubs drop the document type: the site object stores what SavedFunnelInput let through.
    funnel = (await siteStub(c.env, site).getDoc('funnels', id)) as SavedFunnel | null;
  }
  if (!funnel) throw notFound(`funnel "${c.req.param('id')}" does not exist`);
  const now = Date.now();
  const { from, to } = dayRange((k) => c.req.query(k) ?? (k === 'from' ? dayString(funnel.createdAt) : undefined), now);
  const steps = await readSavedFunnel(c.env, site, funnel, from, to);
  return c.json({ funnel, from, to, exact: true, steps });
});

funnels.delete('/:id', async (c) => {
  const site = siteOf(c);
  await requireAdminSite(c.env, site);
  if (!(await siteStub(c.env, site).deleteDoc('funnels', c.req.param('id')))) throw notFound(`funnel "${c.req.param('id')}" does not exist`);
  invalidateSiteConfig(site);
  return c.body(null, 204);
});
