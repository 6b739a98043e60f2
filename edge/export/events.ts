import { Hono } from 'hono';
import * as z from 'zod';
import { requireAdminSite } from '../admin/sites';
import type { AppEnv, Env } from '../env';
import { parseWith } from '../http/body';
import { badRequest } from '../http/errors';
import type { ExportCursor } from '../profiles/event-store';
import { feedStub, profileStub } from '../objects/stubs';

/** An instant in a query: epoch milliseconds or an ISO 8601 date/time. */
const Instant = z
  .string()
  .max(40)
  .transform((s, ctx) => {
    const n = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
    if (!Number.isFinite(n)) {
      ctx.addIssue({ code: 'custom', message: 'must be epoch milliseconds or an ISO 8601 date' });
      return z.NEVER;
    }
    return n;
  });

export const ExportQuery = z.object({
  /** Events at or after this instant (default: the beginning). */
  from: Instant.optional(),
  /** Events at or before this instant (default: now). */
  to: Instant.optional(),
});

/** How many profiles are listed, and how many events read, per round trip. */
const PROFILE_PAGE = 100;
const EVENT_PAGE = 500;
/** Events are never received more than a day before their client time (MAX_FUTURE_SKEW_MS). */
const SKEW_MS = 24 * 60 * 60 * 1000;

/**
 * The site's events between two instants as NDJSON, one `{"profileId", ...event}` per line,
 * streamed: profiles (those seen since `from`) in profile-id order, each profile's events oldest
 * first. Only one page of profile ids and one page of events are held at a time, whatever the
 * range. Merged-away profiles are skipped: their events are in the survivor's timeline.
 */
export function exportStream(env: Env, site: string, from: number, to: number): ReadableStream<Uint8Array> {
  const feed = feedStub(env, site);
  const enc = new TextEncoder();
  let profiles: string[] = [];
  let lastProfile = '';
  let doneListing = false;
  let current: { id: string; cursor: ExportCursor | null } | null = null;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (!current) {
          if (profiles.length === 0 && !doneListing) {
            profiles = await feed.profilesAfter(lastProfile, from - SKEW_MS, PROFILE_PAGE);
            if (profiles.length < PROFILE_PAGE) doneListing = true;
            lastProfile = profiles[profiles.length - 1] ?? lastProfile;
          }
          const next = profiles.shift();
          if (!next) return controller.close();
          current = { id: next, cursor: null };
        }
        const page = await profileStub(env, site, current.id).exportEvents(from, to, current.cursor, EVENT_PAGE);
        if (!page || page.length === 0) {
          current = null;
          continue;
        }
        const last = page[page.length - 1]!;
        const id = current.id;
        current = page.length < EVENT_PAGE ? null : { id, cursor: { ts: last.ts, receivedAt: last.receivedAt, id: last.id } };
        controller.enqueue(enc.encode(page.map((e) => JSON.stringify({ profileId: id, ...e })).join('\n') + '\n'));
        return;
      }
    },
  });
}

/** /api/sites/:site/export — bulk exports. */
export const exportRoutes = new Hono<AppEnv>();

exportRoutes.get('/events', async (c) => {
  const site = c.req.param('site') as string;
  await requireAdminSite(c.env, site);
  const q = parseWith(ExportQuery, { from: c.req.query('from'), to: c.req.query('to') });
  const from = q.from ?? 0;
  const to = q.to ?? Date.now();
  if (from > to) throw badRequest('from: must not be after to');
  return new Response(exportStream(c.env, site, from, to), {
    headers: {
      'Content-Type': 'application/x-ndjson; charset=utf-8',
      'Content-Disposition': `attachment; filename="${site}-events.ndjson"`,
      'Cache-Control': 'no-store',
    },
  });
});
