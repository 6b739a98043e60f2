import * as z from 'zod';
import { ExperienceInput, ExperiencePatch, type Experience } from '../../protocol/admin';
import { AudienceInput, AudiencePatch } from '../../protocol/audience';
import { PREVIEW_PARAM, signPreview } from '../decisions/preview';
import { variantProblem } from '../decisions/content';
import { readBody } from '../http/body';
import { badRequest, notFound } from '../http/errors';
import { documentRoutes, type DocRoutes } from './documents';
import { requireAdminSite } from './sites';
import { siteStub } from '../objects/stubs';

/** How experiences are stored and checked, by the admin API and the visual editor alike. */
export const EXPERIENCE_DOCS: DocRoutes = {
  kind: 'experiences',
  noun: 'experience',
  idPrefix: 'exp',
  create: ExperienceInput,
  patch: ExperiencePatch,
  async check(env, site, doc) {
    // A placeholder that a visitor's value could turn into script is refused now, not rendered later.
    const problem = variantProblem((doc as Experience).variants);
    if (problem) throw badRequest(problem);
    const audience = (doc as { audience?: string | null }).audience;
    if (audience && !(await siteStub(env, site).getDoc('audiences', audience))) {
      throw badRequest(`audience: "${audience}" does not exist on this site`);
    }
  },
  // Bandits learn on the site object's alarm while they run.
  afterWrite: async (env, site) => await siteStub(env, site).scheduleBandits(Date.now()),
};

/** /api/sites/:site/experiences — an experience may target one of the site's audiences. */
export const experiences = documentRoutes(EXPERIENCE_DOCS);

/** /api/sites/:site/audiences — rule trees validated on save, the bad node named. */
export const audiences = documentRoutes({
  kind: 'audiences',
  noun: 'audience',
  idPrefix: 'aud',
  create: AudienceInput,
  patch: AudiencePatch,
});

export const PreviewRequest = z.object({
  variant: z.string().min(1).max(64),
  /** How long the link works; default one day, at most 30 days. */
  ttlSeconds: z.number().int().min(60).max(30 * 86_400).default(86_400),
  /** The page to preview on; the answer's url is this page with the preview parameter added. */
  url: z.url({ protocol: /^https?$/ }).max(2_000).optional(),
});

/**
 * POST /api/sites/:site/experiences/:id/preview — a signed link that shows one variant (even of a
 * draft) to whoever opens it, until it expires; the visitor's own assignment is not touched.
 */
experiences.post('/:id/preview', async (c) => {
  const key = c.req.param('site') as string;
  const id = c.req.param('id');
  await requireAdminSite(c.env, key);
  const exp = (await siteStub(c.env, key).getDoc('experiences', id)) as Experience | null;
  if (!exp) throw notFound(`experience "${id}" does not exist`);
  const input = await readBody(c.req.raw, PreviewRequest);
  if (!exp.variants.some((v) => v.key === input.variant)) throw badRequest(`variant: "${input.variant}" is not a variant of experience "${id}"`);
  const expiresAt = Date.now() + input.ttlSeconds * 1000;
  const token = await signPreview(c.env, { site: key, experience: id, variant: input.variant, expiresAt });
  let url: string | undefined;
  if (input.url) {
    const u = new URL(input.url);
    u.searchParams.set(PREVIEW_PARAM, token);
    url = u.href;
  }
  return c.json({ token, param: PREVIEW_PARAM, expiresAt, ...(url && { url }) }, 201);
});
