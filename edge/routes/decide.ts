import { Hono } from 'hono';
import { DecideRequest } from '../../protocol/decide';
import { MAX_BODY_BYTES } from '../../protocol/limits';
import { decideForVisitor } from '../decisions/visitor';
import type { RequestFacts } from '../engine/context';
import { primaryLanguage } from '../enrich/page';
import type { AppEnv } from '../env';
import { readJson, parseWith } from '../http/body';
import { limitVisitor } from '../http/rate-limit';
import { requireSite, preflight } from './public-site';

export const decide = new Hono<AppEnv>();

decide.options('/', preflight);

/** POST /v1/decide — the variant for each requested slot, sticky per profile. */
decide.post('/', async (c) => {
  const body = parseWith(DecideRequest, await readJson(c.req.raw, MAX_BODY_BYTES));
  const config = await requireSite(c, body.site);
  await limitVisitor(c, body.site, body.anonymousId);
  const res = await decideForVisitor(c.env, config, {
    site: body.site,
    anonymousId: body.anonymousId,
    profileToken: body.profileToken,
    fresh: body.fresh,
    slots: body.slots,
    url: body.context.url,
    referrer: body.context.referrer,
    lang: body.context.lang ?? primaryLanguage(c.req.header('accept-language') ?? null),
    userAgent: c.req.header('user-agent') ?? '',
    cf: c.req.raw.cf as RequestFacts['cf'],
    preview: body.preview,
    debug: body.debug,
    now: Date.now(),
    waitUntil: (p) => c.executionCtx.waitUntil(p),
    decidedBy: (source) => c.header('Server-Timing', `decide;desc="${source}"`),
  });
  c.header('Cache-Control', 'no-store');
  return c.json(res);
});
