import { ExperienceInput, ExperiencePatch } from '../../protocol/admin';
import { AudienceInput, AudiencePatch } from '../../protocol/audience';
import { badRequest } from '../http/errors';
import { siteStub } from '../sites/config-cache';
import { documentRoutes } from './documents';

/** /api/sites/:site/experiences — an experience may target one of the site's audiences. */
export const experiences = documentRoutes({
  kind: 'experiences',
  noun: 'experience',
  idPrefix: 'exp',
  create: ExperienceInput,
  patch: ExperiencePatch,
  async check(env, site, doc) {
    const audience = (doc as { audience?: string | null }).audience;
    if (audience && !(await siteStub(env, site).getDoc('audiences', audience))) {
      throw badRequest(`audience: "${audience}" does not exist on this site`);
    }
  },
});

/** /api/sites/:site/audiences — rule trees validated on save, the bad node named. */
export const audiences = documentRoutes({
  kind: 'audiences',
  noun: 'audience',
  idPrefix: 'aud',
  create: AudienceInput,
  patch: AudiencePatch,
});
