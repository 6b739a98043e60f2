import { describe, expect, it } from 'vitest';
import { admin, anon, call, createSite, event, feedWith, post } from './helpers';

/** Audience size estimates over recently seen profiles, evaluated inside each profile. */
async function estimate(site: string, rule: unknown) {
  const res = await admin(`/sites/${site}/audiences/estimate`, { method: 'POST', body: JSON.stringify({ rule }) });
  return { status: res.status, body: (await res.json()) as { estimate: number; recentProfiles: number; sampled: number; matched: number; error?: { message: string } } };
}

describe('audience size estimate', () => {
  it('counts behaviour and geo members among recently seen visitors', async () => {
    const site = await createSite();
    // With an audience on the site, decisions go through the profile (which keeps the request's fields).
    const saved = await admin(`/sites/${site}/audiences`, { method: 'POST', body: JSON.stringify({ id: 'swiss', name: 'Swiss', rule: { field: 'geo.country', op: 'eq', value: 'CH' } }) });
    expect(saved.status).toBe(201);
    const ids = Array.from({ length: 10 }, () => anon());
    for (const [i, id] of ids.entries()) {
      const views = i < 4 ? 2 : 1;
      const events = Array.from({ length: views }, () => event('track', { name: 'Viewed pricing' }));
      expect((await post('/v1/collect', { site, anonymousId: id, events })).status).toBe(202);
      // A decision records where the visitor was, for geo rules.
      const res = await call('/v1/decide', {
        method: 'POST',
        body: JSON.stringify({ site, anonymousId: id, context: { url: 'https://shop.test/' } }),
        cf: { country: i < 3 ? 'CH' : 'DE' },
      } as RequestInit);
      expect(res.status).toBe(200);
    }
    await feedWith(site, 14);

    const pricing = await estimate(site, { event: 'Viewed pricing', atLeast: 2, withinDays: 7 });
    expect(pricing.status).toBe(200);
    expect(pricing.body).toMatchObject({ estimate: 4, recentProfiles: 10, sampled: 10, matched: 4 });
    expect((await estimate(site, { field: 'geo.country', op: 'eq', value: 'CH' })).body.estimate).toBe(3);
    expect((await estimate(site, { all: [{ field: 'geo.country', op: 'eq', value: 'CH' }, { event: 'Viewed pricing', atLeast: 2, withinDays: 7 }] })).body.estimate).toBe(3);

    // A profile says which audiences the person is in now.
    const swiss = (await (await admin(`/sites/${site}/profiles/anon:${ids[0]}`)).json()) as { audiences: string[] };
    const german = (await (await admin(`/sites/${site}/profiles/anon:${ids[5]}`)).json()) as { audiences: string[] };
    expect(swiss.audiences).toEqual(['swiss']);
    expect(german.audiences).toEqual([]);
    const byId = await admin(`/sites/${site}/audiences/swiss/estimate`);
    expect(((await byId.json()) as { estimate: number }).estimate).toBe(3);
  });

  it('answers a bad rule with the bad node, and unknown audiences with 404', async () => {
    const site = await createSite();
    const bad = await estimate(site, { all: [{ field: 'geo.country', op: 'nope', value: 1 }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.message).toMatch(/all\[0\]/);
    expect((await admin(`/sites/${site}/audiences/none/estimate`)).status).toBe(404);
    expect((await estimate(site, { signal: 'rage_click' })).body).toMatchObject({ estimate: 0, recentProfiles: 0 });
  });
});
