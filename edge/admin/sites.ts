import { Hono } from 'hono';
import { SiteInput, SitePatch } from '../../protocol/admin';
import { SiteKey } from '../../protocol/events';
import { readBody, parseWith } from '../http/body';
import { ApiError, badRequest, notFound } from '../http/errors';
import { invalidateHost } from '../sites/host-cache';
import { outboundUrlRule } from '../http/public-url';
import { invalidateKnownOrigins } from '../sites/origin-cache';
import type { AppEnv, Env } from '../env';
import { invalidateSiteConfig } from '../sites/config-cache';
import { siteIndexStub, siteStub } from '../objects/stubs';

export const sites = new Hono<AppEnv>();

/** The site named in the path, or 404. Shared by every /api/sites/:site/** route. */
export async function requireAdminSite(env: Env, key: string) {
  parseWith(SiteKey, key, 'site');
  const site = await siteStub(env, key).get();
  if (!site) throw notFound(`site "${key}" does not exist`);
  return site;
}

sites.get('/', async (c) => {
  const keys = await siteIndexStub(c.env).list();
  const all = await Promise.all(keys.map((k) => siteStub(c.env, k).get()));
  return c.json({ sites: all.filter((s) => s !== null) });
});

/** Proxy hosts are unique across sites and need an origin to fetch from. */
async function claimHosts(env: Env, key: string, hosts: string[], proxyOrigin: string | null): Promise<void> {
  if (hosts.length > 0 && !proxyOrigin) throw badRequest('proxyHosts: set proxyOrigin too; proxy mode fetches pages from it');
  const refused = proxyOrigin && outboundUrlRule(env, proxyOrigin);
  if (refused) throw badRequest(`proxyOrigin: ${refused} — the edge fetches pages from it, so it must be a public address`, { rule: refused });
  const taken = await siteIndexStub(env).setHosts(key, [...new Set(hosts)]);
  if (taken) throw new ApiError(409, 'conflict', `proxyHosts: "${taken}" already belongs to another site`);
}

sites.post('/', async (c) => {
  const input = await readBody(c.req.raw, SiteInput);
  if (await siteStub(c.env, input.key).get()) throw new ApiError(409, 'conflict', `site "${input.key}" already exists`);
  await claimHosts(c.env, input.key, input.proxyHosts, input.proxyOrigin);
  const created = await siteStub(c.env, input.key).create(input, Date.now());
  if (!created) throw new ApiError(409, 'conflict', `site "${input.key}" already exists`);
  await siteIndexStub(c.env).add(input.key, created.createdAt);
  invalidateSiteConfig(input.key);
  invalidateKnownOrigins();
  return c.json(created, 201);
});

sites.get('/:site', async (c) => c.json(await requireAdminSite(c.env, c.req.param('site'))));

sites.patch('/:site', async (c) => {
  const key = c.req.param('site');
  const before = await requireAdminSite(c.env, key);
  const patch = await readBody(c.req.raw, SitePatch);
  if (patch.proxyHosts !== undefined || patch.proxyOrigin !== undefined) {
    await claimHosts(c.env, key, patch.proxyHosts ?? before.proxyHosts ?? [], patch.proxyOrigin !== undefined ? patch.proxyOrigin : before.proxyOrigin);
  }
  const updated = await siteStub(c.env, key).update(patch, Date.now());
  if (!updated) throw notFound(`site "${key}" does not exist`);
  invalidateSiteConfig(key);
  invalidateKnownOrigins();
  for (const h of [...(before.proxyHosts ?? []), ...(updated.proxyHosts ?? [])]) invalidateHost(h);
  return c.json(updated);
});
