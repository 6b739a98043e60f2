import { Hono } from 'hono';
import * as z from 'zod';
import { DEBUG_PARAM, DEBUG_TTL_MAX_S, signDebug } from '../decisions/debug';
import type { AppEnv } from '../env';
import { readBody } from '../http/body';
import { requireAdminSite } from './sites';

export const debugTokens = new Hono<AppEnv>();

export const DebugTokenRequest = z.object({
  /** How long the token works; default an hour, at most a day. */
  ttlSeconds: z.number().int().min(60).max(DEBUG_TTL_MAX_S).default(3600),
});

/**
 * POST /api/sites/:site/debug-token — a token that makes /v1/decide (in the body as `debug`, or a
 * page URL's `attune_debug` parameter) say why each of the site's experiences did or did not decide.
 */
debugTokens.post('/', async (c) => {
  const site = c.req.param('site') as string;
  await requireAdminSite(c.env, site);
  const { ttlSeconds } = await readBody(c.req.raw, DebugTokenRequest);
  const expiresAt = Date.now() + ttlSeconds * 1000;
  return c.json({ token: await signDebug(c.env, site, expiresAt), param: DEBUG_PARAM, expiresAt }, 201);
});
