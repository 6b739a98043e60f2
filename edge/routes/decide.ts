import { Hono } from 'hono';
import { DecideRequest, type DecideResponse } from '../../protocol/decide';
import { MAX_BODY_BYTES } from '../../protocol/limits';
import { readJson, parseWith } from '../http/body';
import type { AppEnv } from '../env';
import { resolveProfile } from '../profiles/address';
import { requireSite, preflight } from './public-site';

export const decide = new Hono<AppEnv>();

decide.options('/', preflight);

/** POST /v1/decide — the variant for each requested slot, sticky per profile. */
decide.post('/', async (c) => {
  const body = parseWith(DecideRequest, await readJson(c.req.raw, MAX_BODY_BYTES));
  const config = await requireSite(c, body.site);
  const profile = await resolveProfile(c.env, body.site, body.anonymousId, body.profileToken);
  const running = config.experiences.filter((e) => e.status === 'running');
  const decisions =
    running.length === 0
      ? {}
      : await profile.stub.decide({
          site: body.site,
          profileId: profile.profileId,
          anonymousId: body.anonymousId,
          experiences: running,
          slots: body.slots,
          now: Date.now(),
        });
  const res: DecideResponse = { profileToken: profile.token, decisions, audiences: [] };
  c.header('Cache-Control', 'no-store');
  return c.json(res);
});
