import { describe, expect, it } from 'vitest';
import { admin, anon, call, createSite, event, post } from './helpers';

describe('POST /v1/collect', () => {
  it('stores events in the visitor profile and lists them oldest first', async () => {
    const site = await createSite();
    const anonymousId = anon();
    const first = event('page', { ts: Date.now() - 1000 });
    const second = event('track', { name: 'Add to cart', props: { product: 'tote', price: 32 } });
    const res = await post('/v1/collect', { site, anonymousId, events: [second, first] });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { accepted: number; duplicates: number; profileToken: string };
    expect(body).toMatchObject({ accepted: 2, duplicates: 0, rejected: [] });
    expect(body.profileToken).toMatch(/^p_[a-z0-9]+\.[0-9a-z]+\.[A-Za-z0-9_-]+$/);

    const list = await admin(`/sites/${site}/profiles/anon:${anonymousId}/events`);
    expect(list.status).toBe(200);
    const { events, total } = (await list.json()) as { events: { id: string; name: string | null; props: unknown }[]; total: number };
    expect(total).toBe(2);
    expect(events.map((e) => e.id)).toEqual([first.id, second.id]);
    expect(events[1]).toMatchObject({ name: 'Add to cart', props: { product: 'tote', price: 32 } });

    const profile = (await (await admin(`/sites/${site}/profiles/anon:${anonymousId}`)).json()) as {
      identifiers: { type: string; value: string }[];
      eventCount: number;
    };
    expect(profile.eventCount).toBe(2);
    expect(profile.identifiers).toContainEqual(expect.objectContaining({ type: 'anonymous', value: anonymousId }));
  });

  it('counts the same batch once when it is sent twice', async () => {
    const site = await createSite();
    const anonymousId = anon();
    const other = { url: 'https://shop.test/cart', path: '/cart' };
    const batch = { site, anonymousId, events: [event(), event('track', { name: 'Signup' }), event('page', { page: other })] };
    const a = (await (await post('/v1/collect', batch)).json()) as { accepted: number; duplicates: number };
    const b = (await (await post('/v1/collect', batch)).json()) as { accepted: number; duplicates: number };
    expect(a).toMatchObject({ accepted: 3, duplicates: 0 });
    expect(b).toMatchObject({ accepted: 0, duplicates: 3 });
    const { total } = (await (await admin(`/sites/${site}/profiles/anon:${anonymousId}/events`)).json()) as { total: number };
    expect(total).toBe(3);
  });

  it('counts an id repeated inside one batch once', async () => {
    const site = await createSite();
    const e = event();
    const res = (await (await post('/v1/collect', { site, anonymousId: anon(), events: [e, e] })).json()) as object;
    expect(res).toMatchObject({ accepted: 1, duplicates: 1 });
  });

  it('keeps the valid events of a batch and lists the rejected ones', async () => {
    const site = await createSite();
    const anonymousId = anon();
    const good = event();
    const res = await post('/v1/collect', {
      site,
      anonymousId,
      events: [good, { ...event(), type: 'bogus' }, { ...event(), ts: 'yesterday' }, 42],
    });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { accepted: number; rejected: { index: number; error: string }[] };
    expect(body.accepted).toBe(1);
    expect(body.rejected.map((r) => r.index)).toEqual([1, 2, 3]);
    expect(body.rejected[0]!.error).toMatch(/^events\[1\]\.type/);
    expect(body.rejected[1]!.error).toMatch(/^events\[2\]\.ts/);
  });

  it.each([
    ['malformed JSON', '{"site": "x", ', 400, /not valid JSON/],
    ['an array body', '[]', 400, /body: /],
    ['a missing events array', JSON.stringify({ site: 'demo', anonymousId: 'abcdefgh1234' }), 400, /events/],
    ['a wrong-typed anonymousId', JSON.stringify({ site: 'demo', anonymousId: 12, events: [{}] }), 400, /anonymousId/],
    ['an empty body', '', 400, /empty/],
  ])('answers %s with a 4xx JSON error naming the problem', async (_name, body, status, message) => {
    const res = await post('/v1/collect', body);
    expect(res.status).toBe(status);
    const json = (await res.json()) as { error: { message: string } };
    expect(json.error.message).toMatch(message);
  });

  it('answers 400 when no event in the batch is valid', async () => {
    const site = await createSite();
    const res = await post('/v1/collect', { site, anonymousId: anon(), events: [{ id: 'x' }] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('no_valid_events');
  });

  it('answers 413 for a body over 64 KiB, declared or streamed', async () => {
    const site = await createSite();
    const big = JSON.stringify({ site, anonymousId: anon(), events: [event('track', { name: 'x'.repeat(70_000) })] });
    const res = await post('/v1/collect', big);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/65536 bytes/);
  });

  it('refuses an unknown site and a foreign origin', async () => {
    const unknown = await post('/v1/collect', { site: 'no-such-site', anonymousId: anon(), events: [event()] });
    expect(unknown.status).toBe(404);
    const site = await createSite({ origins: ['https://shop.test'] });
    const foreign = await post('/v1/collect', { site, anonymousId: anon(), events: [event()] }, { origin: 'https://evil.test' });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const allowed = await post('/v1/collect', { site, anonymousId: anon(), events: [event()] }, { origin: 'https://shop.test' });
    expect(allowed.status).toBe(202);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.test');
  });

  it('rejects prototype-polluting property keys per event', async () => {
    const site = await createSite();
    const bad = JSON.parse(`{"id":"evt_proto_12345","type":"track","name":"x","ts":${Date.now()},"props":{"__proto__":{"admin":true}}}`) as unknown;
    const res = await post('/v1/collect', { site, anonymousId: anon(), events: [event(), bad] });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { accepted: number; rejected: { error: string }[] };
    expect(body.accepted).toBe(1);
    expect(body.rejected[0]!.error).toMatch(/reserved key/);
  });

  it('adds campaign parameters, language and time zone to page views', async () => {
    const site = await createSite();
    const anonymousId = anon();
    const page = { url: 'https://shop.test/?utm_source=news&utm_campaign=spring&gclid=abc&ref=friend42&q=shoes', path: '/' };
    const res = await call('/v1/collect', {
      method: 'POST',
      body: JSON.stringify({ site, anonymousId, events: [event('page', { page, props: { plan: 'pro' } })] }),
      headers: { 'accept-language': 'fr-CH, fr;q=0.9' },
      cf: { timezone: 'Europe/Zurich' },
    } as RequestInit);
    expect(res.status).toBe(202);
    const { events } = (await (await admin(`/sites/${site}/profiles/anon:${anonymousId}/events`)).json()) as {
      events: { props: Record<string, unknown>; context: Record<string, unknown> }[];
    };
    expect(events[0]!.props).toEqual({ utm_source: 'news', utm_campaign: 'spring', gclid: 'abc', ref: 'friend42', plan: 'pro' });
    expect(events[0]!.context).toMatchObject({ lang: 'fr-CH', tz: 'Europe/Zurich' });
  });

  it('signals a repeat view of the same path within a session, once per page view', async () => {
    const site = await createSite();
    const anonymousId = anon();
    const t = Date.now() - 60_000;
    const home = { url: 'https://shop.test/pricing', path: '/pricing' };
    const views = [event('page', { ts: t, page: home }), event('page', { ts: t + 1000, page: home })];
    await post('/v1/collect', { site, anonymousId, events: views });
    await post('/v1/collect', { site, anonymousId, events: views }); // a retry adds nothing
    await post('/v1/collect', { site, anonymousId, events: [event('page', { ts: t + 2000, page: home })] });
    const { events } = (await (await admin(`/sites/${site}/profiles/anon:${anonymousId}/events`)).json()) as {
      events: { type: string; name: string | null; props: Record<string, unknown> | null }[];
    };
    const signals = events.filter((e) => e.type === 'signal');
    expect(signals.map((e) => e.props)).toEqual([
      { path: '/pricing', count: 2 },
      { path: '/pricing', count: 3 },
    ]);
    expect(signals.every((e) => e.name === 'repeat_view')).toBe(true);
  });

  it('keeps per-name daily counts and the consent choice in the profile', async () => {
    const site = await createSite();
    const anonymousId = anon();
    const day = 24 * 60 * 60 * 1000;
    await post('/v1/collect', {
      site,
      anonymousId,
      events: [
        event('track', { name: 'Viewed pricing', ts: Date.now() - 2 * day }),
        event('track', { name: 'Viewed pricing' }),
        event('track', { name: 'Viewed pricing' }),
        event('consent', { props: { state: 'granted' } }),
      ],
    });
    const p = (await (await admin(`/sites/${site}/profiles/anon:${anonymousId}`)).json()) as {
      consent: string;
      counts: { name: string; n: number }[];
    };
    expect(p.consent).toBe('granted');
    const pricing = p.counts.filter((c) => c.name === 'Viewed pricing');
    expect(pricing.map((c) => c.n)).toEqual([1, 2]);
  });

  it('records a touch (landing page, referrer, campaign) for each session, not for each page', async () => {
    const site = await createSite();
    const anonymousId = anon();
    const min = 60 * 1000;
    const t0 = Date.now() - 120 * min;
    const landing = { url: 'https://shop.test/?utm_source=news&utm_medium=email', path: '/', referrer: 'https://mail.example/' };
    const inner = { url: 'https://shop.test/cart', path: '/cart' };
    const back = { url: 'https://shop.test/?gclid=abc', path: '/', referrer: 'https://www.google.com/' };
    await post('/v1/collect', {
      site,
      anonymousId,
      events: [event('page', { ts: t0, page: landing }), event('page', { ts: t0 + 5 * min, page: inner }), event('page', { ts: t0 + 60 * min, page: back })],
    });
    const p = (await (await admin(`/sites/${site}/profiles/anon:${anonymousId}`)).json()) as {
      touches: { ts: number; referrer: string | null; params: Record<string, unknown> | null }[];
    };
    expect(p.touches.map((t) => [t.ts, t.referrer, t.params])).toEqual([
      [t0 + 60 * min, 'https://www.google.com/', { gclid: 'abc' }],
      [t0, 'https://mail.example/', { utm_source: 'news', utm_medium: 'email' }],
    ]);
  });
});
