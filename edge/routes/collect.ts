import { Hono } from 'hono';
import { CollectBatch, Event, type CollectResponse, type EventRejection } from '../../protocol/events';
import { MAX_BODY_BYTES, MAX_FUTURE_SKEW_MS } from '../../protocol/limits';
import { formatIssues } from '../../protocol/issues';
import { readJson, parseWith } from '../http/body';
import { limitVisitor } from '../http/rate-limit';
import { ApiError } from '../http/errors';
import type { AppEnv } from '../env';
import { enrichEvent, primaryLanguage } from '../enrich/page';
import { resolveProfile, tokenFor } from '../profiles/address';
import { verifiedUserIds } from '../profiles/verify';
import { siteStub } from '../sites/config-cache';
import { aliasProfile, linkIdentifiers, onLiveProfile } from '../profiles/resolve';
import { requireSite, preflight } from './public-site';
import { attributionSettings } from '../sites/attribution-settings';
import { destinationRoutes } from '../destinations/routes-cache';

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
  const cf = c.req.raw.cf as { timezone?: string } | undefined;
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
  if (valid.length === 0) {
    throw new ApiError(400, 'no_valid_events', 'no event in the batch is valid', { rejected });
  }

  // Where the site requires it, only identifies signed by its server may name identifiers
  // (DESIGN.md, Identity); the secret is read only for batches that carry an identify.
  const verification = config.site.verificationRequired
    ? {
        verifiedUsers: valid.some((e) => e.type === 'identify')
          ? await verifiedUserIds(await siteStub(c.env, body.site).verificationSecret(), valid)
          : [],
      }
    : null;
  const profile = await resolveProfile(c.env, body.site, body.anonymousId, body.profileToken);
  const routes = await destinationRoutes(c.env, body.site);
  const live = await onLiveProfile(c.env, body.site, profile.profileId, async (stub, profileId) =>
    await stub.ingest({
      site: body.site,
      retentionDays: config.site.retentionDays,
      limits: config.site.identifierLimits,
      verification,
      profileId,
      anonymousId: body.anonymousId,
      receivedAt: now,
      events: valid,
      goals: config.experiences
        .filter((e) => (e.status === 'running' || e.status === 'paused') && e.goals.length > 0)
        .map((e) => ({ experience: e.id, goals: e.goals })),
      attribution: attributionSettings(config),
      destinations: routes.length > 0 ? { routes, audiences: config.audiences } : undefined,
    }),
  );
  const { accepted, duplicates, link, aliases } = live.result;
  const limits = config.site.identifierLimits;
  // An identify naming a known user, email or phone joins this browser to that person's profile.
  let profileId = link.length ? await linkIdentifiers(c.env, body.site, live.profileId, link, now, limits) : live.profileId;
  for (const previousId of aliases) profileId = await aliasProfile(c.env, body.site, profileId, previousId, now, limits);
  if (accepted.length > 0) {
    // The live feed is best effort and never holds up the visitor's request.
    const feed = c.env.FEEDS.get(c.env.FEEDS.idFromName(body.site));
    c.executionCtx.waitUntil(
      feed.append(accepted.map((e) => ({ ...e, profileId }))).catch((err: unknown) => {
        console.error('activity feed append failed', err);
      }),
    );
  }
  const res: CollectResponse = {
    accepted: accepted.length,
    duplicates: duplicates + (body.events.length - rejected.length - valid.length),
    rejected,
    profileToken: await tokenFor(c.env, body.site, profile, profileId),
  };
  return c.json(res, 202);
});
