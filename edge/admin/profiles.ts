import { Hono } from 'hono';
import { ClientId } from '../../protocol/events';
import { parseWith } from '../http/body';
import { ApiError, notFound } from '../http/errors';
import type { AppEnv, Env } from '../env';
import { profileIdForAnonymous, profileStub } from '../profiles/address';
import { requireAdminSite } from './sites';

export const profiles = new Hono<AppEnv>();

/**
 * Resolves a `:ref` to a profile id: a profile id itself (`p_…`) or `anon:<anonymousId>`.
 * `user:` and `email:` lookups arrive with the identity directory.
 */
export async function resolveRef(site: string, ref: string): Promise<string> {
  if (/^p_[a-z0-9]{8,64}$/.test(ref)) return ref;
  if (ref.startsWith('anon:')) return profileIdForAnonymous(site, parseWith(ClientId, ref.slice(5), 'ref'));
  throw new ApiError(400, 'bad_ref', `unsupported profile reference "${ref.slice(0, 80)}": use a profile id (p_…) or anon:<anonymousId>`);
}

async function loadProfile(env: Env, site: string, ref: string) {
  await requireAdminSite(env, site);
  const profileId = await resolveRef(site, ref);
  const stub = profileStub(env, site, profileId);
  const snapshot = await stub.snapshot();
  if (!snapshot) throw notFound(`no profile for "${ref.slice(0, 80)}"`);
  return { stub, snapshot };
}

function intParam(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new ApiError(400, 'bad_request', `${name} must be an integer from 0 to ${max}`);
  return n;
}

profiles.get('/:ref', async (c) => {
  const { snapshot } = await loadProfile(c.env, c.req.param('site') as string, c.req.param('ref'));
  return c.json(snapshot);
});

profiles.get('/:ref/events', async (c) => {
  const { stub } = await loadProfile(c.env, c.req.param('site') as string, c.req.param('ref'));
  const limit = intParam(c.req.query('limit'), 'limit', 100, 1000);
  const offset = intParam(c.req.query('offset'), 'offset', 0, 10_000_000);
  return c.json(await stub.events(limit, offset));
});

/** GET /api/sites/:site/events — the site's most recent events, newest first (the dashboard's feed). */
export const siteEvents = new Hono<AppEnv>();
siteEvents.get('/', async (c) => {
  const key = c.req.param('site') as string;
  await requireAdminSite(c.env, key);
  const limit = intParam(c.req.query('limit'), 'limit', 50, 1000);
  const feed = c.env.FEEDS.get(c.env.FEEDS.idFromName(key));
  return c.json({ events: await feed.recent(limit) });
});
