import { listDurableObjectIds } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import type { Env } from '../../edge/env';
import { describe, expect, it } from 'vitest';
import type { DecideResponse } from '../../protocol/decide';
import type { CollectResponse } from '../../protocol/events';
import type { ProfileSnapshot } from '../../protocol/profile';
import { admin, anon, createSite, event, post } from './helpers';
import { navigate, proxiedSite, stubOrigin } from './security-helpers';

/**
 * The sealed profile digest (edge/engine/digest.ts) in the running worker: a returning visitor is
 * decided from it without the profile object, the object decides whenever the digest cannot
 * answer, and a proxy-mode page view from a browser that never ran the tag creates no object.
 */
const CONTEXT = { url: 'https://shop.test/pricing' };

async function site(rule: unknown): Promise<string> {
  const key = await createSite();
  const aud = await admin(`/sites/${key}/audiences`, { method: 'POST', body: JSON.stringify({ id: 'pros', name: 'Pros', rule }) });
  expect(aud.status).toBe(201);
  const exp = await admin(`/sites/${key}/experiences`, {
    method: 'POST',
    body: JSON.stringify({
      id: 'offer', name: 'Offer', slot: 'hero', status: 'running', audience: 'pros',
      variants: [{ key: 'pro', weight: 1, content: { type: 'text', value: 'Hello {{traits.plan}} from {{geo.country | default:"here"}}' } }],
    }),
  });
  expect(exp.status).toBe(201);
  return key;
}

async function collect(site: string, anonymousId: string, events: unknown[], profileToken?: string): Promise<CollectResponse> {
  const res = await post('/v1/collect', { site, anonymousId, ...(profileToken && { profileToken }), events });
  expect(res.status).toBe(202);
  return (await res.json()) as CollectResponse;
}

async function decide(site: string, anonymousId: string, extra: Record<string, unknown> = {}) {
  const res = await post('/v1/decide', { site, anonymousId, slots: ['hero'], context: CONTEXT, ...extra });
  expect(res.status).toBe(200);
  return { body: (await res.json()) as DecideResponse, by: /desc="(\w+)"/.exec(res.headers.get('server-timing') ?? '')?.[1] };
}

const snapshot = async (site: string, anonymousId: string) => (await (await admin(`/sites/${site}/profiles/anon:${anonymousId}`)).json()) as ProfileSnapshot;
const identify = (plan: string) => event('identify', { userId: `u-${crypto.randomUUID()}`, traits: { plan } });

describe('a returning visitor with a digest', () => {
  it('is decided in the worker, placeholders filled, and the profile object is not asked', async () => {
    const key = await site({ all: [{ field: 'traits.plan', op: 'eq', value: 'pro' }, { event: 'Viewed pricing', atLeast: 2, withinDays: 7 }] });
    const a = anon();
    const { profileToken } = await collect(key, a, [identify('pro'), event('track', { name: 'Viewed pricing' }), event('track', { name: 'Viewed pricing' })]);
    const before = await snapshot(key, a);
    const { body, by } = await decide(key, a, { profileToken });
    expect(by).toBe('digest');
    expect(body.audiences).toEqual(['pros']);
    expect(body.decisions.hero).toMatchObject({ experience: 'offer', variant: 'pro', content: { type: 'text', value: 'Hello pro from here' }, reason: 'matched' });
    // The assignment made in the worker reaches the profile in the background, and rides in the new token meanwhile.
    expect(body.profileToken).not.toBe(profileToken);
    const again = await decide(key, a, { profileToken: body.profileToken });
    expect(again).toMatchObject({ by: 'digest', body: { decisions: { hero: { variant: 'pro', reason: 'sticky' } } } });
    await expect.poll(async () => (await snapshot(key, a)).assignments.map((x) => x.variant), { timeout: 5_000 }).toEqual(['pro']);
    // Nothing else moved in the profile: no visit was recorded for these decisions.
    expect((await snapshot(key, a)).lastSeen).toBe(before.lastSeen);
  });

  it('asks the profile when the tag has events the digest has not seen, so they count', async () => {
    const key = await site({ event: 'Added to cart', atLeast: 1, withinDays: 1 });
    const a = anon();
    const { profileToken } = await collect(key, a, [identify('pro')]);
    expect((await decide(key, a, { profileToken })).body.audiences).toEqual([]);
    await collect(key, a, [event('track', { name: 'Added to cart' })], profileToken); // its answer not yet read
    const stale = await decide(key, a, { profileToken, fresh: true });
    expect(stale.by).toBe('profile');
    expect(stale.body.audiences).toEqual(['pros']);
    // The profile's answer carries a digest that has seen it.
    expect(await decide(key, a, { profileToken: stale.body.profileToken })).toMatchObject({ by: 'digest', body: { audiences: ['pros'] } });
  });

  it('asks the profile once an audience rule changed since the digest was sealed', async () => {
    const key = await site({ field: 'traits.plan', op: 'eq', value: 'pro' });
    const a = anon();
    const { profileToken } = await collect(key, a, [identify('free')]);
    expect((await decide(key, a, { profileToken })).body.audiences).toEqual([]);
    const patch = await admin(`/sites/${key}/audiences/pros`, { method: 'PATCH', body: JSON.stringify({ rule: { field: 'traits.plan', op: 'eq', value: 'free' } }) });
    expect(patch.status).toBe(200);
    const after = await decide(key, a, { profileToken });
    expect(after).toMatchObject({ by: 'profile', body: { audiences: ['pros'], decisions: { hero: { variant: 'pro' } } } });
  });

  it('treats a tampered digest as none: the profile decides, from the anonymous id', async () => {
    const key = await site({ field: 'traits.plan', op: 'eq', value: 'pro' });
    const a = anon();
    const { profileToken } = await collect(key, a, [identify('free')]);
    const [id, exp, sealed = ''] = profileToken.split('.');
    const tampered = `${id}.${exp}.${sealed.slice(0, 20)}${sealed[20] === 'A' ? 'B' : 'A'}${sealed.slice(21)}`;
    const res = await decide(key, a, { profileToken: tampered });
    expect(res).toMatchObject({ by: 'profile', body: { audiences: [] } });
    expect(res.body.profileToken.split('.')[0]).toBe(id);
    // Sealed for another browser: worthless to this one.
    expect((await decide(key, anon(), { profileToken })).by).toBe('profile');
  });
});

const profiles = (workerEnv as unknown as Env).PROFILES;

describe('proxy mode and visitors that never run the tag', () => {
  it('creates no profile object for 1,000 cookie-less page fetches, each decided by hash', { timeout: 120_000 }, async () => {
    const { host } = await proxiedSite();
    const origin = stubOrigin();
    try {
      const before = (await listDurableObjectIds(profiles)).length;
      for (let i = 0; i < 1000; i += 20) {
        const pages = await Promise.all(Array.from({ length: 20 }, () => navigate(host, { 'user-agent': 'Crawler/1.0' })));
        for (const page of pages) {
          expect(page.headers.get('server-timing')).toMatch(/desc="new"/);
          expect(await page.text()).toContain('<b>Personal hero</b>');
        }
      }
      expect((await listDurableObjectIds(profiles)).length).toBe(before);
    } finally {
      origin.mockRestore();
    }
  });

  it('keeps the first page\'s assignment: the tag\'s first report, carrying the digest, makes it sticky in the new profile', async () => {
    const { site: key, host } = await proxiedSite();
    const origin = stubOrigin();
    try {
      await admin(`/sites/${key}/experiences`, {
        method: 'POST',
        body: JSON.stringify({ id: 'split', name: 'Split', slot: 'promo', status: 'running', variants: [{ key: 'a', weight: 1, content: { type: 'text', value: 'A' } }, { key: 'b', weight: 0, content: { type: 'text', value: 'B' } }] }),
      });
      const first = await navigate(host);
      const html = await first.text();
      const embedded = JSON.parse(/id="attune-decisions">(.*?)<\/script>/s.exec(html)![1]!) as DecideResponse & { anonymousId: string };
      // The token rides on the tag (data-pt), so the tag's very first report carries it.
      embedded.profileToken = /data-pt="([^"]+)"/.exec(html)![1]!;
      expect(embedded.decisions.promo?.variant).toBe('a');
      // Weights change before the tag reports: without the digest's assignment the profile would pick b.
      await admin(`/sites/${key}/experiences/split`, { method: 'PATCH', body: JSON.stringify({ variants: [{ key: 'a', weight: 0, content: { type: 'text', value: 'A' } }, { key: 'b', weight: 1, content: { type: 'text', value: 'B' } }] }) });
      const cookie = `_attune_aid=${embedded.anonymousId}; _attune_pt=${embedded.profileToken}`;
      const second = await navigate(host, { cookie });
      expect(second.headers.get('server-timing')).toMatch(/desc="digest"/);
      expect(await second.text()).toContain('"promo":{"experience":"split","variant":"a"');
      const reported = await collect(key, embedded.anonymousId, [event('page')], embedded.profileToken);
      expect((await snapshot(key, embedded.anonymousId)).assignments.find((x) => x.experience === 'split')?.variant).toBe('a');
      const byProfile = await decide(key, embedded.anonymousId, { profileToken: reported.profileToken, fresh: true, slots: ['promo'] });
      expect(byProfile).toMatchObject({ by: 'profile', body: { decisions: { promo: { variant: 'a', reason: 'sticky' } } } });
    } finally {
      origin.mockRestore();
    }
  });
});
