import { describe, expect, it } from 'vitest';
import { admin, anon, call, createSite, event, post } from './helpers';

const json = (body: unknown): RequestInit => ({ method: 'POST', body: JSON.stringify(body) });

async function decide(site: string, anonymousId: string, init: { cf?: Record<string, unknown>; headers?: Record<string, string> } = {}) {
  const res = await call('/v1/decide', {
    method: 'POST',
    body: JSON.stringify({ site, anonymousId, slots: ['hero'], context: { url: 'https://shop.test/pricing?utm_source=news' } }),
    headers: { 'content-type': 'text/plain', ...init.headers },
    ...(init.cf && { cf: init.cf }),
  } as RequestInit);
  expect(res.status).toBe(200);
  return (await res.json()) as { decisions: { hero?: { variant: string } }; audiences: string[] };
}

async function targeted(rule: unknown) {
  const site = await createSite();
  expect((await admin(`/sites/${site}/audiences`, json({ id: 'target', name: 'Target', rule }))).status).toBe(201);
  const exp = await admin(
    `/sites/${site}/experiences`,
    json({ id: 'hero', name: 'Hero', slot: 'hero', status: 'running', audience: 'target', variants: [{ key: 'special', weight: 1, content: { type: 'text', value: 'For you' } }] }),
  );
  expect(exp.status).toBe(201);
  return site;
}

describe('audiences', () => {
  it('targets visitors who viewed pricing twice: an event sent now changes the next decision', async () => {
    const site = await targeted({ event: 'Viewed pricing', atLeast: 2, withinDays: 7 });
    const a = anon();
    expect(await decide(site, a)).toMatchObject({ decisions: {}, audiences: [] });
    await post('/v1/collect', { site, anonymousId: a, events: [event('track', { name: 'Viewed pricing' })] });
    expect((await decide(site, a)).decisions.hero).toBeUndefined();
    await post('/v1/collect', { site, anonymousId: a, events: [event('track', { name: 'Viewed pricing' })] });
    expect(await decide(site, a)).toMatchObject({ decisions: { hero: { variant: 'special' } }, audiences: ['target'] });
  });

  it('targets by geo from request.cf, device from the user agent and UTM from the URL', async () => {
    const site = await targeted({
      all: [
        { field: 'geo.country', op: 'in', value: ['CH', 'AT'] },
        { field: 'device', op: 'eq', value: 'mobile' },
        { field: 'utm.source', op: 'eq', value: 'news' },
      ],
    });
    const iphone = { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1' };
    expect((await decide(site, anon(), { cf: { country: 'CH', timezone: 'Europe/Zurich' }, headers: iphone })).decisions.hero?.variant).toBe('special');
    expect((await decide(site, anon(), { cf: { country: 'FR' }, headers: iphone })).decisions.hero).toBeUndefined();
    expect((await decide(site, anon(), { cf: { country: 'CH' } })).decisions.hero).toBeUndefined();
  });

  it('targets by traits from identify', async () => {
    const site = await targeted({ field: 'traits.plan', op: 'eq', value: 'pro' });
    const a = anon();
    expect((await decide(site, a)).decisions.hero).toBeUndefined();
    await post('/v1/collect', { site, anonymousId: a, events: [event('identify', { userId: 'u1', traits: { plan: 'pro' } })] });
    expect((await decide(site, a)).decisions.hero?.variant).toBe('special');
  });

  it('validates rules on save and names the bad node', async () => {
    const site = await createSite();
    const res = await admin(`/sites/${site}/audiences`, json({ name: 'Bad', rule: { all: [{ signal: 'x' }, { not: { field: 'hour', op: 'between', value: 3 } }] } }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/all\[1\]\.not\.value: op "between" needs a list/);
  });

  it('supports the audience CRUD and refuses an experience that targets an unknown audience', async () => {
    const site = await createSite();
    const created = await admin(`/sites/${site}/audiences`, json({ name: 'Swiss', rule: { field: 'geo.country', op: 'eq', value: 'CH' } }));
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const patched = await admin(`/sites/${site}/audiences/${id}`, { method: 'PATCH', body: JSON.stringify({ name: 'Swiss visitors' }) });
    expect(await patched.json()).toMatchObject({ id, name: 'Swiss visitors', rule: { field: 'geo.country' } });
    expect(((await (await admin(`/sites/${site}/audiences`)).json()) as { audiences: unknown[] }).audiences).toHaveLength(1);
    const bad = await admin(`/sites/${site}/experiences`, json({ name: 'X', slot: 'hero', audience: 'nope', variants: [{ key: 'a', weight: 1 }] }));
    expect(bad.status).toBe(400);
    expect((await admin(`/sites/${site}/audiences/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await admin(`/sites/${site}/audiences/${id}`)).status).toBe(404);
  });

  it('lets a higher-priority targeted experience take the slot from a general one', async () => {
    const site = await createSite();
    const aud = await admin(`/sites/${site}/audiences`, json({ id: 'pricing', name: 'Pricing', rule: { event: 'Viewed pricing', atLeast: 2 } }));
    expect(aud.status, await aud.clone().text()).toBe(201);
    await admin(`/sites/${site}/experiences`, json({ id: 'general', name: 'General', slot: 'hero', status: 'running', variants: [{ key: 'g', weight: 1 }] }));
    await admin(
      `/sites/${site}/experiences`,
      json({ id: 'targeted', name: 'Targeted', slot: 'hero', status: 'running', audience: 'pricing', priority: 10, variants: [{ key: 't', weight: 1 }] }),
    );
    const a = anon();
    expect((await decide(site, a)).decisions.hero?.variant).toBe('g');
    await post('/v1/collect', { site, anonymousId: a, events: [event('track', { name: 'Viewed pricing' }), event('track', { name: 'Viewed pricing' })] });
    const after = await decide(site, a);
    expect(after.audiences).toEqual(['pricing']);
    expect(after.decisions.hero?.variant).toBe('t');
  });

  it('fills placeholders from the visitor, escaping attacker-controlled traits in HTML', async () => {
    const site = await createSite();
    await admin(
      `/sites/${site}/experiences`,
      json({
        id: 'greet',
        name: 'Greeting',
        slot: 'hero',
        status: 'running',
        variants: [{ key: 'hi', weight: 1, content: { type: 'html', value: '<h1>Hi {{traits.firstName | default:"there"}} from {{geo.city}}</h1>' } }],
      }),
    );
    const content = async (a: string) =>
      ((await (await call('/v1/decide', {
        method: 'POST',
        body: JSON.stringify({ site, anonymousId: a, slots: ['hero'], context: { url: 'https://shop.test/' } }),
        cf: { city: 'Bern' },
      } as RequestInit)).json()) as { decisions: { hero: { content: { value: string } } } }).decisions.hero.content.value;
    const a = anon();
    expect(await content(a)).toBe('<h1>Hi there from Bern</h1>');
    await post('/v1/collect', { site, anonymousId: a, events: [event('identify', { userId: 'x', traits: { firstName: '<script>alert(1)</script>' } })] });
    expect(await content(a)).toBe('<h1>Hi &lt;script&gt;alert(1)&lt;/script&gt; from Bern</h1>');
  });

  it('holds a stable share of visitors out of every experience (site holdout)', async () => {
    const site = await createSite({ holdout: 0.2 });
    await admin(`/sites/${site}/experiences`, json({ id: 'h', name: 'H', slot: 'hero', status: 'running', variants: [{ key: 'v', weight: 1 }] }));
    const visitors = Array.from({ length: 200 }, () => anon());
    const first = await Promise.all(visitors.map((v) => decide(site, v)));
    const held = first.filter((r) => (r as { holdout?: boolean }).holdout);
    expect(held.length / visitors.length).toBeGreaterThan(0.12);
    expect(held.length / visitors.length).toBeLessThan(0.28);
    expect(held.every((r) => Object.keys(r.decisions).length === 0)).toBe(true);
    expect(first.filter((r) => !(r as { holdout?: boolean }).holdout).every((r) => r.decisions.hero?.variant === 'v')).toBe(true);
    // Stable: the same visitors are held out the next time.
    const again = await Promise.all(visitors.map((v) => decide(site, v)));
    expect(again.map((r) => !!(r as { holdout?: boolean }).holdout)).toEqual(first.map((r) => !!(r as { holdout?: boolean }).holdout));
  });
});
