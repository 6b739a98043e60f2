import { describe, expect, it } from 'vitest';
import type { DecideResponse } from '../../protocol/decide';
import { admin, anon, createSite, post } from './helpers';

/** Debuggable decisions (a reason per experience), signed previews, and proxy-host settings. */
const variants = [
  { key: 'a', weight: 1, content: { type: 'text', value: 'A' } },
  { key: 'b', weight: 1, content: { type: 'text', value: 'B' } },
];

async function experience(site: string, body: Record<string, unknown>): Promise<string> {
  const res = await admin(`/sites/${site}/experiences`, { method: 'POST', body: JSON.stringify({ slot: 'hero', status: 'running', variants, ...body }) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function decide(site: string, anonymousId: string, extra: Record<string, unknown> = {}): Promise<DecideResponse> {
  const res = await post('/v1/decide', { site, anonymousId, context: { url: 'https://shop.test/' }, ...extra });
  expect(res.status).toBe(200);
  return (await res.json()) as DecideResponse;
}

async function debugToken(site: string): Promise<string> {
  const res = await admin(`/sites/${site}/debug-token`, { method: 'POST', body: '{}' });
  expect(res.status).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

describe('decision reasons', () => {
  it('with a debug token from the admin API, says why each experience did or did not decide', async () => {
    const site = await createSite();
    const audience = await admin(`/sites/${site}/audiences`, { method: 'POST', body: JSON.stringify({ name: 'VIP', rule: { field: 'traits.vip', op: 'eq', value: true } }) });
    const aud = ((await audience.json()) as { id: string }).id;
    const targeted = await experience(site, { name: 'VIP hero', audience: aud, priority: 5 });
    const general = await experience(site, { name: 'General hero' });
    const loser = await experience(site, { name: 'Second general hero', priority: -1 });
    const paused = await experience(site, { name: 'Paused', status: 'paused', slot: 'footer' });
    const draft = await experience(site, { name: 'Draft', status: 'draft', slot: 'banner' });
    const closed = await experience(site, { name: 'Nobody', slot: 'side', traffic: 0 });
    const other = await experience(site, { name: 'Other slot', slot: 'promo' });

    const r = await decide(site, anon(), { slots: ['hero', 'footer', 'banner', 'side'], debug: await debugToken(site) });
    expect(r.reasons).toEqual({
      [targeted]: 'not_in_audience',
      [general]: 'matched',
      [loser]: 'slot_taken',
      [paused]: 'paused',
      [draft]: 'draft',
      [closed]: 'not_allocated',
      [other]: 'slot_not_requested',
    });
    expect(r.decisions.hero?.reason).toBe('matched');
  });

  it('without one, names only the experiences that decided a slot the page asked for — never a draft or another slot', async () => {
    const site = await createSite();
    const general = await experience(site, { name: 'General hero' });
    await experience(site, { id: 'secret-q3-price-cut', name: 'Q3 price cut', status: 'draft', slot: 'banner' });
    await experience(site, { name: 'Other slot', slot: 'promo' });
    const visitor = anon();
    for (const extra of [{ slots: ['hero', 'banner'] }, { slots: ['hero'] }, { slots: ['hero', 'banner'], debug: 'forged.token' }]) {
      const r = await decide(site, visitor, extra);
      expect(r.reasons, JSON.stringify(extra)).toEqual({ [general]: expect.stringMatching(/^(matched|sticky)$/) });
      expect(Object.keys(r.decisions)).toEqual(['hero']);
      expect(JSON.stringify(r)).not.toContain('secret-q3-price-cut');
    }
    // A debug token of another site explains nothing here.
    const other = await createSite();
    const foreign = await decide(site, visitor, { slots: ['hero', 'banner'], debug: await debugToken(other) });
    expect(Object.keys(foreign.reasons ?? {})).toEqual([general]);
  });

  it('says sticky on the next decision and holdout for held-out visitors', async () => {
    const site = await createSite();
    const exp = await experience(site, { name: 'Hero' });
    const id = anon();
    expect((await decide(site, id)).reasons?.[exp]).toBe('matched');
    expect((await decide(site, id)).reasons?.[exp]).toBe('sticky');

    await admin(`/sites/${site}`, { method: 'PATCH', body: JSON.stringify({ holdout: 0.5 }) });
    let held: DecideResponse | undefined;
    const debug = await debugToken(site);
    for (let i = 0; i < 40 && !held; i++) {
      const r = await decide(site, anon(), { debug });
      if (r.holdout) held = r;
    }
    expect(held?.reasons?.[exp]).toBe('holdout');
    expect(held?.decisions).toEqual({});
  });
});

describe('preview links', () => {
  it('shows the chosen variant of a draft to the link holder only, without an assignment', async () => {
    const site = await createSite();
    const exp = await experience(site, { name: 'Draft hero', status: 'draft' });
    const res = await admin(`/sites/${site}/experiences/${exp}/preview`, {
      method: 'POST',
      body: JSON.stringify({ variant: 'b', url: 'https://shop.test/landing?x=1' }),
    });
    expect(res.status).toBe(201);
    const link = (await res.json()) as { token: string; url: string; expiresAt: number };
    expect(new URL(link.url).searchParams.get('attune_preview')).toBe(link.token);
    expect(new URL(link.url).searchParams.get('x')).toBe('1');

    const id = anon();
    const viaUrl = await post('/v1/decide', { site, anonymousId: id, context: { url: link.url } });
    const shown = (await viaUrl.json()) as DecideResponse;
    expect(shown.decisions.hero).toMatchObject({ experience: exp, variant: 'b', reason: 'preview', content: { type: 'text', value: 'B' } });
    expect((await decide(site, id, { preview: link.token })).decisions.hero?.variant).toBe('b');
    // Without the link: a draft shows nothing, and no assignment was remembered.
    expect((await decide(site, id)).decisions).toEqual({});
    const profile = (await (await admin(`/sites/${site}/profiles/anon:${id}`)).json()) as { assignments: unknown[] };
    expect(profile.assignments).toEqual([]);
  });

  it('ignores forged, foreign-site and unknown-variant previews, with clear errors on creation', async () => {
    const site = await createSite();
    const other = await createSite();
    const exp = await experience(site, { name: 'Hero', status: 'draft' });
    const bad = await admin(`/sites/${site}/experiences/${exp}/preview`, { method: 'POST', body: JSON.stringify({ variant: 'zzz' }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/variant/);
    expect((await admin(`/sites/${site}/experiences/nope/preview`, { method: 'POST', body: JSON.stringify({ variant: 'a' }) })).status).toBe(404);

    const ok = (await (await admin(`/sites/${site}/experiences/${exp}/preview`, { method: 'POST', body: JSON.stringify({ variant: 'a' }) })).json()) as { token: string };
    const forged = ok.token.slice(0, -4) + (ok.token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await decide(site, anon(), { preview: forged })).decisions).toEqual({});
    await experience(other, { id: exp, name: 'Same id elsewhere', status: 'draft' });
    expect((await decide(other, anon(), { preview: ok.token })).decisions).toEqual({});
    expect((await post('/v1/decide', { site, anonymousId: anon(), context: { url: 'https://x.test/' }, preview: 'x'.repeat(2000) })).status).toBe(400);
  });
});

describe('proxy hosts', () => {
  it('need a proxy origin, are unique across sites, and are validated', async () => {
    const site = await createSite();
    const noOrigin = await admin(`/sites/${site}`, { method: 'PATCH', body: JSON.stringify({ proxyHosts: ['www.a.test'] }) });
    expect(noOrigin.status).toBe(400);
    expect(await noOrigin.text()).toMatch(/proxyOrigin/);
    const bad = await admin(`/sites/${site}`, { method: 'PATCH', body: JSON.stringify({ proxyOrigin: 'http://127.0.0.1:9', proxyHosts: ['https://www.a.test/'] }) });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/proxyHosts/);
    const host = `www.${site}.test`;
    const ok = await admin(`/sites/${site}`, { method: 'PATCH', body: JSON.stringify({ proxyOrigin: 'http://127.0.0.1:9', proxyHosts: [host] }) });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { proxyHosts: string[] }).proxyHosts).toEqual([host]);
    const clash = await admin('/sites', { method: 'POST', body: JSON.stringify({ key: `${site}-b`, name: 'B', proxyOrigin: 'http://127.0.0.1:9', proxyHosts: [host] }) });
    expect(clash.status).toBe(409);
    expect((await admin(`/sites/${site}-b`)).status).toBe(404);
  });
});
