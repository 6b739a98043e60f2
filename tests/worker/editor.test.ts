import { describe, expect, it } from 'vitest';
import { env as workerEnv } from 'cloudflare:workers';
import type { Env } from '../../edge/env';
import { signEditor } from '../../edge/editor/token';
import { EDITOR_HEADER } from '../../protocol/markup';
import { admin, anon, call, createSite, event, post } from './helpers';

/**
 * The visual editor's token: made by the admin API for one site and at most an hour; opens the
 * editor routes for that site's slots and the variants of its draft or paused experiences, and
 * nothing else — no admin route, no profile, no other site, no running experience.
 */
const env = workerEnv as unknown as Env;
const ORIGIN = 'https://shop.editor.test';

async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

async function setup() {
  const site = await createSite({ origins: [ORIGIN] });
  for (const [id, status] of [['draft-hero', 'draft'], ['live-hero', 'running']] as const) {
    const res = await admin(`/sites/${site}/experiences`, {
      method: 'POST',
      body: JSON.stringify({ id, name: id, slot: 'hero', status, variants: [{ key: 'control', weight: 1, content: null }, { key: 'b', weight: 1, content: { type: 'text', value: 'B' } }] }),
    });
    expect(res.status).toBe(201);
  }
  const link = await admin(`/sites/${site}/editor-links`, { method: 'POST', body: JSON.stringify({ url: `${ORIGIN}/shop?x=1`, experience: 'draft-hero' }) });
  expect(link.status).toBe(201);
  const { url, expiresAt } = await json<{ url: string; expiresAt: number }>(link);
  const token = new URL(url).searchParams.get('attune_edit')!;
  return { site, url, expiresAt, token };
}

const editor = (path: string, token: string | undefined, init: RequestInit = {}) =>
  call(`/v1/editor${path}`, { ...init, headers: { origin: ORIGIN, 'content-type': 'application/json', ...(token && { [EDITOR_HEADER]: token }), ...init.headers } });

describe('editor links and the editor token', () => {
  it('links to the site’s page for at most an hour, and opens the editor routes for that site', async () => {
    const { site, url, expiresAt, token } = await setup();
    expect(url).toMatch(/^https:\/\/shop\.editor\.test\/shop\?x=1&attune_edit=/);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(3600_000);
    const session = await editor('/session', token);
    expect(session.status).toBe(200);
    expect(session.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const body = await json<{ site: string; experience: string; experiences: { id: string }[] }>(session);
    expect(body).toMatchObject({ site, experience: 'draft-hero' });
    expect(body.experiences.map((e) => e.id)).toEqual(['draft-hero']); // no running experience
    const slot = await editor('/slots/bestsellers', token, { method: 'PUT', body: JSON.stringify({ selector: 'section.best > h2' }) });
    expect(await json(slot)).toEqual({ name: 'bestsellers', selector: 'section.best > h2' });
    const saved = await editor('/experiences/draft-hero', token, { method: 'PATCH', body: JSON.stringify({ slot: 'bestsellers', variants: [{ key: 'b', content: { type: 'text', value: 'Loved by thousands' } }] }) });
    expect(saved.status).toBe(200);
    const stored = await json<{ slot: string; variants: { key: string; content: unknown }[] }>(await admin(`/sites/${site}/experiences/draft-hero`));
    expect(stored.slot).toBe('bestsellers');
    expect(stored.variants[1]).toMatchObject({ key: 'b', content: { type: 'text', value: 'Loved by thousands' } });
    // The tag learns of the link from the edge and loads the editor there.
    const marketer = anon();
    const collected = await json<{ p?: number }>(await post('/v1/collect', { site, anonymousId: marketer, events: [event('page', { page: { url } })] }));
    expect(collected.p).toBe(1);
    // The page view is kept, the token is not.
    const journey = await json<{ events: { url: string }[] }>(await admin(`/sites/${site}/profiles/anon:${marketer}/events`));
    expect(journey.events[0]!.url).toBe(`${ORIGIN}/shop?x=1`);
  });

  it('refuses an expired, forged or other site’s token, and one sent from another origin', async () => {
    const { site, token } = await setup();
    const other = await createSite({ origins: [ORIGIN] });
    const expired = await signEditor(env, { site, experience: null, expiresAt: Date.now() - 1 });
    const foreign = await signEditor(env, { site: other, experience: null, expiresAt: Date.now() + 60_000 });
    const [payload, sig] = token.split('.');
    const forged = `${btoa(JSON.stringify({ s: site, x: Date.now() + 86_400_000 })).replace(/=+$/, '')}.${sig}`;
    for (const t of [undefined, 'nope', expired, forged, `${payload}.${sig!.slice(0, -2)}xx`]) {
      const res = await editor('/session', t);
      expect(res.status, String(t)).toBe(401);
    }
    // Another site's token opens that site only: never this one's experiences.
    const theirs = await json<{ site: string; experiences: unknown[] }>(await editor('/session', foreign));
    expect(theirs).toMatchObject({ site: other, experiences: [] });
    expect((await editor('/experiences/draft-hero', foreign, { method: 'PATCH', body: JSON.stringify({ slot: 'x' }) })).status).toBe(404);
    const elsewhere = await call('/v1/editor/session', { headers: { origin: 'https://evil.example', [EDITOR_HEADER]: token } });
    expect(elsewhere.status).toBe(403);
  });

  it('opens nothing else: no admin route, no profile, no running experience, no status or traffic', async () => {
    const { site, token } = await setup();
    for (const path of ['/sites', `/sites/${site}`, `/sites/${site}/profiles/anon:${anon()}`, `/sites/${site}/experiences`, `/sites/${site}/verification`]) {
      expect((await call(`/api${path}`, { headers: { authorization: `Bearer ${token}` } })).status, path).toBe(401);
      expect((await call(`/api${path}`, { headers: { [EDITOR_HEADER]: token } })).status, path).toBe(401);
    }
    const live = await editor('/experiences/live-hero', token, { method: 'PATCH', body: JSON.stringify({ variants: [{ key: 'b', content: { type: 'text', value: 'x' } }] }) });
    expect(live.status).toBe(403);
    for (const patch of [{ status: 'running' }, { traffic: 1 }, { audience: 'x' }, { variants: [{ key: 'new', content: null }] }]) {
      const res = await editor('/experiences/draft-hero', token, { method: 'PATCH', body: JSON.stringify(patch) });
      expect(res.status, JSON.stringify(patch)).toBe(400);
    }
    expect(((await json<{ status: string }>(await admin(`/sites/${site}/experiences/draft-hero`))).status)).toBe('draft');
    // A hostile variant from the editor is refused like from the admin API.
    const hostile = await editor('/experiences/draft-hero', token, { method: 'PATCH', body: JSON.stringify({ variants: [{ key: 'b', content: { type: 'html', value: '<script>{{traits.x}}</script>' } }] }) });
    expect(hostile.status).toBe(400);
  });

  it('makes links only to the site’s own pages, for draft or paused experiences', async () => {
    const { site } = await setup();
    const link = (body: unknown) => admin(`/sites/${site}/editor-links`, { method: 'POST', body: JSON.stringify(body) });
    expect((await link({ url: 'https://evil.example/' })).status).toBe(400);
    expect((await link({ url: `${ORIGIN}/`, experience: 'live-hero' })).status).toBe(400);
    expect((await link({ url: `${ORIGIN}/`, ttlSeconds: 7200 })).status).toBe(400);
    expect((await link({ url: 'javascript:alert(1)' })).status).toBe(400);
  });
});
