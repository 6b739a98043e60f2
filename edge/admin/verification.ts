import { Hono } from 'hono';
import * as z from 'zod';
import { base64url } from '../crypto';
import type { AppEnv } from '../env';
import { readBody } from '../http/body';
import { badRequest } from '../http/errors';
import { siteStub } from '../objects/stubs';
import { identitySignature, verifiedUserIds } from '../profiles/verify';
import { invalidateSiteConfig } from '../sites/config-cache';
import { requireAdminSite } from './sites';

/**
 * /api/sites/:site/verification — identity verification for the site's admins: the secret its
 * server signs user ids with (shown to admins only; the tag and visitors never see it), a new
 * random one on request, and a check of a signature the site's server made.
 */
export const verification = new Hono<AppEnv>();

export const SignatureCheck = z.object({
  userId: z.string().min(1).max(256),
  signature: z.string().max(256),
});

verification.get('/', async (c) => {
  const key = c.req.param('site') as string;
  const site = await requireAdminSite(c.env, key);
  return c.json({ secret: await siteStub(c.env, key).verificationSecret(), required: site.verificationRequired });
});

/** POST …/verification/secret — a new random secret (the old one stops verifying at once). */
verification.post('/secret', async (c) => {
  const key = c.req.param('site') as string;
  await requireAdminSite(c.env, key);
  const secret = `avs_${base64url(crypto.getRandomValues(new Uint8Array(32)))}`;
  await siteStub(c.env, key).update({ verificationSecret: secret }, Date.now());
  invalidateSiteConfig(key);
  return c.json({ secret }, 201);
});

/** POST …/verification/check {userId, signature} — whether the site's server signs as the edge expects. */
verification.post('/check', async (c) => {
  const key = c.req.param('site') as string;
  await requireAdminSite(c.env, key);
  const { userId, signature } = await readBody(c.req.raw, SignatureCheck);
  const secret = await siteStub(c.env, key).verificationSecret();
  if (!secret) throw badRequest('this site has no verification secret yet: create one first');
  const event = { id: 'check-signature', type: 'identify' as const, ts: Date.now(), userId, signature };
  const valid = (await verifiedUserIds(secret, [event])).includes(userId);
  return c.json({ valid, expected: await identitySignature(secret, userId) });
});
