import { Hono } from 'hono';
import { SlotInput, SlotPatch, type Slot } from '../../protocol/admin';
import type { AppEnv, Env } from '../env';
import { parseWith, readBody } from '../http/body';
import { ApiError, notFound } from '../http/errors';
import { siteStub } from '../objects/stubs';
import { invalidateSiteConfig } from '../sites/config-cache';
import { requireAdminSite } from './sites';

/**
 * /api/sites/:site/slots — slots declared by CSS selector: `{name, selector, urlPattern?}`. The
 * selector is checked on save against what both HTMLRewriter and querySelectorAll understand (a
 * 400 names the part that is not). Shared with the visual editor's routes.
 */
export const slots = new Hono<AppEnv>();

const siteOf = (c: { req: { param(name: string): string | undefined } }) => c.req.param('site') as string;

/** Creates or replaces a slot (the editor saves a slot under its name either way). */
export async function putSlot(env: Env, site: string, input: SlotInput, now: number): Promise<{ slot: Slot; created: boolean }> {
  const stub = siteStub(env, site);
  const { name, ...fields } = input;
  const updated = (await stub.replaceDoc('slots', name, { name, ...fields }, now)) as Slot | null;
  const doc: Omit<Slot, 'createdAt' | 'updatedAt'> = { id: name, name, ...fields };
  const slot = updated ?? ((await stub.createDoc('slots', doc, now)) as Slot | null);
  if (!slot) throw new ApiError(409, 'conflict', `slot "${name}" was just created by someone else: try again`);
  invalidateSiteConfig(site);
  return { slot, created: !updated };
}

slots.get('/', async (c) => {
  await requireAdminSite(c.env, siteOf(c));
  return c.json({ slots: (await siteStub(c.env, siteOf(c)).listDocs('slots')) as Slot[] });
});

slots.post('/', async (c) => {
  const site = siteOf(c);
  await requireAdminSite(c.env, site);
  const input = await readBody(c.req.raw, SlotInput);
  if (await siteStub(c.env, site).getDoc('slots', input.name)) throw new ApiError(409, 'conflict', `slot "${input.name}" already exists`);
  return c.json((await putSlot(c.env, site, input, Date.now())).slot, 201);
});

slots.get('/:name', async (c) => {
  await requireAdminSite(c.env, siteOf(c));
  const slot = (await siteStub(c.env, siteOf(c)).getDoc('slots', c.req.param('name'))) as Slot | null;
  if (!slot) throw notFound(`slot "${c.req.param('name')}" does not exist`);
  return c.json(slot);
});

slots.patch('/:name', async (c) => {
  const site = siteOf(c);
  await requireAdminSite(c.env, site);
  const prev = (await siteStub(c.env, site).getDoc('slots', c.req.param('name'))) as Slot | null;
  if (!prev) throw notFound(`slot "${c.req.param('name')}" does not exist`);
  const patch = await readBody(c.req.raw, SlotPatch);
  const merged = parseWith(SlotInput, { name: prev.name, selector: prev.selector, urlPattern: prev.urlPattern, ...patch });
  return c.json((await putSlot(c.env, site, merged, Date.now())).slot);
});

slots.delete('/:name', async (c) => {
  const site = siteOf(c);
  await requireAdminSite(c.env, site);
  if (!(await siteStub(c.env, site).deleteDoc('slots', c.req.param('name')))) throw notFound(`slot "${c.req.param('name')}" does not exist`);
  invalidateSiteConfig(site);
  return c.body(null, 204);
});
