import { Hono } from 'hono';
import { CollectBatch, Event, type CollectResponse, type EventRejection } from '../../protocol/events';
import { MAX_BODY_BYTES, MAX_FUTURE_SKEW_MS } from '../../protocol/limits';
import { formatIssues } from '../../protocol/issues';
import { readJson, parseWith } from '../http/body';
import { limitVisitor } from '../http/rate-limit';
import { ApiError } from '../http/errors';
import type { AppEnv } from '../env';
import { enrichEvent, primaryLanguage } from '../enrich/page';
import { visitFacts, type RequestGeo } from '../enrich/visit';
import { hashPersonalTraits } from '../enrich/pii';
import { resolveProfile, tokenFor } from '../profiles/address';
import { verifiedUserIds } from '../profiles/verify';
import { ingestEvents } from '../profiles/ingest';
import { requireSite, preflight } from './public-site';
import { keepRejections } from '../sites/rejections';
import { changesPages } from '../decisions/for-page';
import { editorPage, withoutEditToken } from '../editor/token';
import { siteStub } from '../objects/stubs';
import { unrecorded } from '../engine/digest';

export const collect = new Hono<AppEnv>();

collect.options('/', preflight);

/**
 * POST /v1/collect — a batch from the tag. The envelope is validated as a whole; each event on its
 * own, so one bad event is listed in `rejected` and never drops its valid neighbours.
 */
collect.post('/', async (c) => {
  const body = parseWith(CollectBatch, await readJson(c.req.raw, MAX_BODY_BYTES));
  const config = await requireSite(c, body.site);
  await limitVisitor(c, body.site, body.anonymousId);

  const now = Date.now();
  const cf = c.req.raw.cf as (RequestGeo & { timezone?: string }) | undefined;
  const request = { lang: primaryLanguage(c.req.header('accept-language') ?? null), tz: cf?.timezone };
  const valid: Event[] = [];
  const rejected: EventRejection[] = [];
  const seen = new Set<string>();
  body.events.forEach((raw, index) => {
    const parsed = Event.safeParse(raw);
    if (!parsed.success) {
      const id = typeof raw === 'object' && raw && 'id' in raw && typeof raw.id === 'string' ? raw.id.slice(0, 64) : undefined;
      rejected.push({ index, id, error: formatIssues(parsed.error, `events[${index}]`) });
    } else if (parsed.data.ts > now + MAX_FUTURE_SKEW_MS) {
      rejected.push({ index, id: parsed.data.id, error: `events[${index}].ts: is more than a day in the future` });
    } else if (!seen.has(parsed.data.id)) {
      seen.add(parsed.data.id);
      valid.push(enrichEvent(parsed.data, request));
    }
  });
  if (rejected.length > 0) keepRejections(c, body.site, '/v1/collect', rejected.map((r) => ({ ...r, library: 'attune.js' })), now);
  if (valid.length === 0) {
    throw new ApiError(400, 'no_valid_events', 'no event in the batch is valid', { rejected });
  }
  // The tag hashes emails and phones in the browser; a client that sent them in clear gets them hashed here.
  for (const e of valid) if (e.traits) e.traits = await hashPersonalTraits(e.traits);
  // A page opened through an editor link: the tag loads the editor there; the token is not stored.
  const editing = await editorPage(c.env, body.site, valid, now);
  if (editing) for (const e of valid) if (e.page) e.page.url = withoutEditToken(e.page.url);

  // An identify signed by the site's server verifies the browser; unsigned ones are claims, and
  // where the site requires it only signed user ids become identifiers (docs/ARCHITECTURE.md,
  // Identity). The secret is read only for batches that carry a signature.
  const signed = valid.some((e) => e.type === 'identify' && e.signature);
  const verification = {
    required: config.site.verificationRequired,
    verifiedUsers: signed ? await verifiedUserIds(await siteStub(c.env, body.site).verificationSecret(), valid) : [],
  };
  const profile = await resolveProfile(c.env, body.site, body.anonymousId, body.profileToken, now);
  // The answer's token seals the digest the next decisions are made from (edge/engine/digest.ts);
  // assignments the edge made from the browser's digest, before it had a profile, are adopted.
  const { stored, duplicates, profileId, digest } = await ingestEvents(c.env, c.executionCtx, config, {
    site: body.site,
    anonymousId: body.anonymousId,
    start: profile.profileId,
    events: valid,
    verification,
    now,
    digest: true,
    adopt: unrecorded(profile.digest),
    visit: visitFacts(cf, c.req.header('user-agent')),
  });
  const res: CollectResponse = {
    accepted: stored,
    duplicates: duplicates + (body.events.length - rejected.length - valid.length),
    rejected,
    profileToken: await tokenFor(c.env, body.site, profile, profileId, digest, now),
    // Pages without markup are personalized, or this page is an editor link: the tag loads personalization.
    ...((changesPages(config) || editing) && { p: 1 as const }),
  };
  return c.json(res, 202);
});
