import { Hono } from 'hono';
import type { FeedEvent } from '../../protocol/events';
import { api, sitePath } from '../api';
import type { DashEnv } from '../guard';
import { render } from '../render';
import { dash, Scroll } from '../ui';
import { EventRow, loadSite } from './site';
import { feedStub } from '../../edge/objects/stubs';

/** Live: events as they arrive, visitors active now, events per minute. Mounted at /dashboard/sites. */
export const livePages = new Hono<DashEnv>();

export const ACTIVE_MS = 5 * 60_000;

/** Visitors seen and events per minute over the last five minutes, from the newest events. */
export function liveStats(events: Pick<FeedEvent, 'receivedAt' | 'profileId'>[], now: number) {
  const recent = events.filter((e) => e.receivedAt >= now - ACTIVE_MS);
  return { active: new Set(recent.map((e) => e.profileId)).size, perMinute: Math.round((recent.length / 5) * 10) / 10 };
}

livePages.get('/:site/live', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const res = await api<{ events: FeedEvent[] }>(c, `${sitePath(site.key)}/events?limit=500`);
  const events = res.ok ? res.body.events : [];
  const stats = liveStats(events, Date.now());
  // The script keeps the last five minutes (arrival time, profile) to keep the counters moving.
  const window = events.filter((e) => e.receivedAt >= Date.now() - ACTIVE_MS).map((e) => [e.receivedAt, e.profileId]);
  return render(
    c,
    `Live · ${site.name}`,
    <>
      <h1>Live</h1>
      <div class="stats">
        <div class="stat"><span class="muted">Visitors active (5 min)</span><b id="live-active">{stats.active}</b></div>
        <div class="stat"><span class="muted">Events per minute</span><b id="live-rate">{stats.perMinute}</b></div>
        <div class="stat"><span class="muted">Connection</span><b id="live-status" style="font-size:16px" aria-live="polite">not connected</b></div>
      </div>
      <Scroll label="Live events">
        <table>
          <thead><tr><th>Time (UTC)</th><th>Event</th><th>Page</th><th>Profile</th><th>Properties</th></tr></thead>
          <tbody
            id="live-events"
            data-socket={dash(site.key, 'live/socket')}
            data-profiles={dash(site.key, 'profiles/')}
            data-window={JSON.stringify(window)}
          >
            {events.slice(0, 50).map((e) => <EventRow e={e} site={site.key} short />)}
          </tbody>
        </table>
      </Scroll>
      {events.length === 0 && <p class="muted" id="live-empty">Waiting for the first event…</p>}
      <p class="hint">New events appear at the top as the edge accepts them; the page keeps the newest 200.</p>
    </>,
    { site: site.key, tab: 'live' },
  );
});

/**
 * GET …/live/socket — the WebSocket the Live page opens. The browser cannot send the admin token
 * on a WebSocket, so the session cookie (SameSite=Strict) and an exact Origin match authorize it
 * here; the upgrade is then handed to the site's activity feed, which broadcasts every batch.
 */
livePages.get('/:site/live/socket', async (c) => {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') return c.text('expected a WebSocket upgrade', 426);
  if (c.req.header('origin') !== new URL(c.req.url).origin) return c.text('cross-origin socket refused', 403);
  const key = c.req.param('site');
  const site = await api(c, sitePath(key));
  if (!site.ok) return c.text('no such site', 404);
  return feedStub(c.env, key).fetch(c.req.raw);
});
