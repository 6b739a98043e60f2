import { Hono } from 'hono';
import type { Experience } from '../../protocol/admin';
import { EDIT_PARAM } from '../../protocol/markup';
import { EditorLinkRequest, type EditorLink } from '../../protocol/editor';
import { signEditor } from '../editor/token';
import type { AppEnv } from '../env';
import { readBody } from '../http/body';
import { badRequest } from '../http/errors';
import { siteStub } from '../objects/stubs';
import { requireAdminSite } from './sites';

/**
 * POST /api/sites/:site/editor-links {url, experience?} — "Edit on my site": the site's page with a
 * signed, site-bound editor token (at most an hour) that opens the visual editor there.
 */
export const editorLinks = new Hono<AppEnv>();

editorLinks.post('/', async (c) => {
  const key = c.req.param('site') as string;
  const site = await requireAdminSite(c.env, key);
  const input = await readBody(c.req.raw, EditorLinkRequest);
  const page = new URL(input.url);
  const hosts = (site.proxyHosts ?? []).flatMap((h) => [`https://${h}`, `http://${h}`]);
  if (!site.origins.includes(page.origin) && !hosts.some((h) => page.origin.startsWith(h))) {
    throw badRequest(`url: ${page.origin} is not one of the site's allowed origins or proxy hosts; add it in Settings first`);
  }
  if (input.experience) {
    const exp = (await siteStub(c.env, key).getDoc('experiences', input.experience)) as Experience | null;
    if (!exp) throw badRequest(`experience: "${input.experience}" does not exist on this site`);
    if (exp.status !== 'draft' && exp.status !== 'paused') throw badRequest(`experience: "${input.experience}" is ${exp.status}; pause it to edit it on the page`);
  }
  const expiresAt = Date.now() + input.ttlSeconds * 1000;
  page.searchParams.set(EDIT_PARAM, await signEditor(c.env, { site: key, experience: input.experience ?? null, expiresAt }));
  const body: EditorLink = { url: page.href, expiresAt };
  return c.json(body, 201);
});
