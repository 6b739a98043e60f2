import { Hono } from 'hono';
import { getSiteConfig } from '../sites/config-cache';
import { ClientId } from '../../protocol/events';
import * as z from 'zod';
import { parseWith, readBody } from '../http/body';
import { ApiError, notFound } from '../http/errors';
import type { AppEnv, Env } from '../env';
import { normaliseEmail, normalisePhone } from '../../protocol/pii';
import { sha256Hex } from '../crypto';
import { profileIdForAnonymous } from '../profiles/address';
import { eraseProfile, followForward, unmergeProfile } from '../profiles/resolve';
import { requireAdminSite } from './sites';
import { feedStub, identityStub, profileStub } from '../objects/stubs';

export const profiles = new Hono<AppEnv>();

/**
 * Resolves a `:ref` to the live profile id: a profile id (`p_…`), `anon:<anonymousId>`,
 * `user:<userId>`, `email:<address>` or `phone:<number>` (hashed here exactly as the tag hashes
 * them), or `<type>:<value>` for a custom identifier type. A merged-away profile resolves to its survivor. Null when the identifier is unknown.
 */
export async function resolveRef(env: Env, site: string, ref: string): Promise<string | null> {
  const colon = ref.indexOf(':');
  const [kind, value] = colon < 0 ? ['', ref] : [ref.slice(0, colon), ref.slice(colon + 1)];
  let profileId: string | null;
  if (!kind && /^p_[a-z0-9]{8,64}$/.test(value)) profileId = value;
  else if (kind === 'anon') profileId = await profileIdForAnonymous(site, parseWith(ClientId, value, 'ref'));
  else if (kind === 'user' && value) profileId = await identityStub(env, site, { type: 'user', value }).owner();
  else if (kind === 'email' && value) profileId = await identityStub(env, site, { type: 'email', value: await sha256Hex(normaliseEmail(value)) }).owner();
  else if (kind === 'phone' && value) profileId = await identityStub(env, site, { type: 'phone', value: await sha256Hex(normalisePhone(value)) }).owner();
  else if (/^[a-z][a-z0-9_]{0,31}$/.test(kind) && value) profileId = await identityStub(env, site, { type: kind, value }).owner(); // custom type
  else {
    throw new ApiError(
      400,
      'bad_ref',
      `unsupported profile reference "${ref.slice(0, 80)}": use a profile id (p_…), anon:<id>, user:<id>, email:<address>, phone:<number> or <custom type>:<value>`,
    );
  }
  return profileId && followForward(env, site, profileId);
}

async function loadProfile(env: Env, site: string, ref: string) {
  await requireAdminSite(env, site);
  const profileId = await resolveRef(env, site, ref);
  const stub = profileId && profileStub(env, site, profileId);
  const snapshot = stub && (await stub.snapshot());
  if (!stub || !snapshot) throw notFound(`no profile for "${ref.slice(0, 80)}"`);
  return { stub, snapshot };
}

function intParam(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new ApiError(400, 'bad_request', `${name} must be an integer from 0 to ${max}`);
  return n;
}

/**
 * GET …/profiles/:ref — the snapshot plus the audiences the person is in now, evaluated inside
 * their profile with the request fields of their last decision.
 */
profiles.get('/:ref', async (c) => {
  const site = c.req.param('site') as string;
  const { stub, snapshot } = await loadProfile(c.env, site, c.req.param('ref'));
  const config = await getSiteConfig(c.env, site);
  const now = Date.now();
  const checks = await Promise.all((config?.audiences ?? []).map(async (a) => ((await stub.inAudience(a.rule, now)) ? a.id : null)));
  return c.json({ ...snapshot, audiences: checks.filter((id): id is string => id !== null) });
});

profiles.get('/:ref/events', async (c) => {
  const { stub } = await loadProfile(c.env, c.req.param('site') as string, c.req.param('ref'));
  const limit = intParam(c.req.query('limit'), 'limit', 100, 1000);
  const offset = intParam(c.req.query('offset'), 'offset', 0, 10_000_000);
  return c.json(await stub.events(limit, offset));
});

/** GET …/export — everything held about the person, as one JSON document. */
profiles.get('/:ref/export', async (c) => {
  const { stub, snapshot } = await loadProfile(c.env, c.req.param('site') as string, c.req.param('ref'));
  const events = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await stub.events(1000, offset);
    events.push(...page.events);
    if (page.events.length < 1000) break;
  }
  c.header('Content-Disposition', `attachment; filename="${snapshot.profileId}.json"`);
  return c.json({ exportedAt: new Date().toISOString(), profile: snapshot, events });
});

export const UnmergeRequest = z.object({ from: z.string().regex(/^p_[a-z0-9]{8,64}$/, 'must be a profile id (p_…)') });

/** POST …/:ref/unmerge {from} — undoes the merge of profile `from` into this one. */
profiles.post('/:ref/unmerge', async (c) => {
  const site = c.req.param('site') as string;
  const { snapshot } = await loadProfile(c.env, site, c.req.param('ref'));
  const { from } = await readBody(c.req.raw, UnmergeRequest);
  if (!(await unmergeProfile(c.env, site, snapshot.profileId, from))) {
    throw notFound(`profile ${snapshot.profileId} has no recorded merge from ${from}`);
  }
  return c.json({ survivor: snapshot.profileId, restored: from });
});

/** DELETE …/:ref — erases the person everywhere Attune keeps them. */
profiles.delete('/:ref', async (c) => {
  const site = c.req.param('site') as string;
  const { snapshot } = await loadProfile(c.env, site, c.req.param('ref'));
  const erased = await eraseProfile(c.env, site, snapshot.profileId);
  return c.json({ deleted: snapshot.profileId, profiles: erased });
});

/** GET /api/sites/:site/rejections — the messages the edge refused lately, newest first, with the field at fault. */
export const siteRejections = new Hono<AppEnv>();
siteRejections.get('/', async (c) => {
  const key = c.req.param('site') as string;
  await requireAdminSite(c.env, key);
  const limit = intParam(c.req.query('limit'), 'limit', 50, 200);
  return c.json({ rejections: await feedStub(c.env, key).rejections(limit) });
});

/** GET /api/sites/:site/events — the site's most recent events, newest first (the dashboard's feed). */
export const siteEvents = new Hono<AppEnv>();
siteEvents.get('/', async (c) => {
  const key = c.req.param('site') as string;
  await requireAdminSite(c.env, key);
  const limit = intParam(c.req.query('limit'), 'limit', 50, 1000);
  return c.json({ events: await feedStub(c.env, key).recent(limit) });
});
