import { Hono } from 'hono';
import { DecideRequest, type DecideResponse } from '../../protocol/decide';
import { MAX_BODY_BYTES } from '../../protocol/limits';
import { readJson, parseWith } from '../http/body';
import type { AppEnv } from '../env';
import { requestFields, type RequestFacts } from '../engine/context';
import { primaryLanguage } from '../enrich/page';
import { resolveProfile, tokenFor } from '../profiles/address';
import { onLiveProfile } from '../profiles/resolve';
import { requireSite, preflight } from './public-site';

export const decide = new Hono<AppEnv>();

decide.options('/', preflight);

/** POST /v1/decide — the variant for each requested slot, sticky per profile. */
decide.post('/', async (c) => {
  const body = parseWith(DecideRequest, await readJson(c.req.raw, MAX_BODY_BYTES));
  const config = await requireSite(c, body.site);
  const profile = await resolveProfile(c.env, body.site, body.anonymousId, body.profileToken);
  // Highest priority first; equal priorities keep their age order (the list is oldest first).
  const running = config.experiences.filter((e) => e.status === 'running').sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0));
  let profileId = profile.profileId;
  let decisions: DecideResponse['decisions'] = {};
  let audiences: string[] = [];
  let holdout = false;
  const now = Date.now();
  const fields = requestFields({
    url: body.context.url,
    referrer: body.context.referrer,
    lang: body.context.lang ?? primaryLanguage(c.req.header('accept-language') ?? null),
    userAgent: c.req.header('user-agent') ?? '',
    cf: c.req.raw.cf as RequestFacts['cf'],
    now,
  });
  if (running.length > 0 || config.audiences.length > 0) {
    const live = await onLiveProfile(c.env, body.site, profile.profileId, async (stub, id) =>
      await stub.decide({
        site: body.site,
        profileId: id,
        anonymousId: body.anonymousId,
        experiences: running,
        audiences: config.audiences,
        fields,
        holdout: config.site.holdout ?? 0,
        slots: body.slots,
        now,
      }),
    );
    profileId = live.profileId;
    decisions = live.result.decisions;
    audiences = live.result.audiences;
    holdout = live.result.holdout;
  }
  const token = await tokenFor(c.env, body.site, profile, profileId);
  const res: DecideResponse = { profileToken: token, decisions, audiences, ...(holdout && { holdout }) };
  c.header('Cache-Control', 'no-store');
  return c.json(res);
});
