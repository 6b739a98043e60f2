import { Hono } from 'hono';
import type { z } from 'zod';
import { parseWith, readBody } from '../http/body';
import { ApiError, notFound } from '../http/errors';
import type { AppEnv, Env } from '../env';
import type { DocKind } from '../objects/site';
import { invalidateSiteConfig } from '../sites/config-cache';
import { requireAdminSite } from './sites';
import { siteStub } from '../objects/stubs';

export interface DocRoutes {
  kind: DocKind;
  /** Singular noun for messages: "experience", "audience". */
  noun: string;
  /** Prefix of generated ids. */
  idPrefix: string;
  create: z.ZodType<{ id?: string }>;
  patch: z.ZodType<object>;
  /** Cross-document checks (e.g. an experience's audience exists); throws ApiError. */
  check?: (env: Env, site: string, doc: object) => Promise<void>;
  /** Runs after a create or an update was stored (e.g. scheduling work the document needs). */
  afterWrite?: (env: Env, site: string) => Promise<void>;
}

/**
 * CRUD for one kind of a site's documents: GET and POST on the collection; GET, PATCH (merged over
 * the stored document, then validated whole) and DELETE on one. Every write bumps the site's config
 * version and refreshes this isolate's cached copy.
 */
export function documentRoutes(o: DocRoutes) {
  const r = new Hono<AppEnv>();
  const site = (c: { req: { param(name: string): string | undefined } }) => c.req.param('site') as string;

  r.get('/', async (c) => {
    await requireAdminSite(c.env, site(c));
    return c.json({ [o.kind]: await siteStub(c.env, site(c)).listDocs(o.kind) });
  });

  r.post('/', async (c) => {
    const key = site(c);
    await requireAdminSite(c.env, key);
    const input = await readBody(c.req.raw, o.create);
    await o.check?.(c.env, key, input);
    const id = input.id ?? `${o.idPrefix}_${crypto.randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const created = await siteStub(c.env, key).createDoc(o.kind, { ...input, id }, Date.now());
    if (!created) throw new ApiError(409, 'conflict', `${o.noun} "${id}" already exists`);
    invalidateSiteConfig(key);
    await o.afterWrite?.(c.env, key);
    return c.json(created, 201);
  });

  r.get('/:id', async (c) => {
    await requireAdminSite(c.env, site(c));
    const doc = await siteStub(c.env, site(c)).getDoc(o.kind, c.req.param('id'));
    if (!doc) throw notFound(`${o.noun} "${c.req.param('id')}" does not exist`);
    return c.json(doc);
  });

  r.patch('/:id', async (c) => {
    const key = site(c);
    await requireAdminSite(c.env, key);
    const patch = await readBody(c.req.raw, o.patch);
    return c.json(await patchDoc(c.env, key, o, c.req.param('id'), () => patch));
  });

  r.delete('/:id', async (c) => {
    const key = site(c);
    await requireAdminSite(c.env, key);
    if (!(await siteStub(c.env, key).deleteDoc(o.kind, c.req.param('id')))) {
      throw notFound(`${o.noun} "${c.req.param('id')}" does not exist`);
    }
    invalidateSiteConfig(key);
    return c.body(null, 204);
  });

  return r;
}

/**
 * Updates one document as PATCH does: `patch` (given the stored document, which it may refuse by
 * throwing) merged over it, the result validated whole and checked, stored, and the site's config
 * refreshed. The admin API's PATCH and the visual editor's routes both write this way.
 */
export async function patchDoc(env: Env, site: string, o: DocRoutes, id: string, patch: (prev: Record<string, unknown>) => object): Promise<object> {
  const stub = siteStub(env, site);
  const prev = (await stub.getDoc(o.kind, id)) as Record<string, unknown> | null;
  if (!prev) throw notFound(`${o.noun} "${id}" does not exist`);
  const { createdAt: _c, updatedAt: _u, ...editable } = prev;
  const merged = parseWith(o.create, { ...editable, ...patch(prev), id });
  await o.check?.(env, site, merged);
  const { id: _id, ...fields } = merged;
  const updated = await stub.replaceDoc(o.kind, id, fields, Date.now());
  if (!updated) throw notFound(`${o.noun} "${id}" does not exist`);
  invalidateSiteConfig(site);
  await o.afterWrite?.(env, site);
  return updated;
}
