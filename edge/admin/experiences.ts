import { Hono } from 'hono';
import { ExperienceInput, ExperiencePatch } from '../../protocol/admin';
import { parseWith, readBody } from '../http/body';
import { ApiError, notFound } from '../http/errors';
import type { AppEnv } from '../env';
import { invalidateSiteConfig, siteStub } from '../sites/config-cache';
import { requireAdminSite } from './sites';

export const experiences = new Hono<AppEnv>();

experiences.get('/', async (c) => {
  const key = c.req.param('site') as string;
  await requireAdminSite(c.env, key);
  return c.json({ experiences: await siteStub(c.env, key).listExperiences() });
});

experiences.post('/', async (c) => {
  const key = c.req.param('site') as string;
  await requireAdminSite(c.env, key);
  const input = await readBody(c.req.raw, ExperienceInput);
  const id = input.id ?? `exp_${crypto.randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const created = await siteStub(c.env, key).createExperience({ ...input, id }, Date.now());
  if (!created) throw new ApiError(409, 'conflict', `experience "${id}" already exists`);
  invalidateSiteConfig(key);
  return c.json(created, 201);
});

experiences.get('/:id', async (c) => {
  const key = c.req.param('site') as string;
  await requireAdminSite(c.env, key);
  const exp = await siteStub(c.env, key).getExperience(c.req.param('id'));
  if (!exp) throw notFound(`experience "${c.req.param('id')}" does not exist`);
  return c.json(exp);
});

/** PATCH merges the given fields over the stored experience and validates the result as a whole. */
experiences.patch('/:id', async (c) => {
  const key = c.req.param('site') as string;
  const id = c.req.param('id');
  await requireAdminSite(c.env, key);
  const stub = siteStub(c.env, key);
  const prev = await stub.getExperience(id);
  if (!prev) throw notFound(`experience "${id}" does not exist`);
  const patch = await readBody(c.req.raw, ExperiencePatch);
  const { createdAt: _c, updatedAt: _u, ...editable } = prev;
  const merged = parseWith(ExperienceInput, { ...editable, ...patch, id });
  const updated = await stub.replaceExperience(id, merged, Date.now());
  if (!updated) throw notFound(`experience "${id}" does not exist`);
  invalidateSiteConfig(key);
  return c.json(updated);
});

experiences.delete('/:id', async (c) => {
  const key = c.req.param('site') as string;
  await requireAdminSite(c.env, key);
  if (!(await siteStub(c.env, key).deleteExperience(c.req.param('id')))) {
    throw notFound(`experience "${c.req.param('id')}" does not exist`);
  }
  invalidateSiteConfig(key);
  return c.body(null, 204);
});
