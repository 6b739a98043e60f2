import { describe, expect, it } from 'vitest';
import { admin, anon, call, createSite, event, feedWith, post } from './helpers';

interface ErrorBody {
  error: { code: string; message: string };
}
const error = async (res: Response) => ((await res.json()) as ErrorBody).error;
const json = (body: unknown): RequestInit => ({ body: JSON.stringify(body) });

const VARIANTS = [
  { key: 'a', weight: 1, content: { type: 'text', value: 'A' } },
  { key: 'b', weight: 1, content: null },
];

describe('admin authentication', () => {
  const routes: [string, string][] = [
    ['GET', '/api/sites'],
    ['POST', '/api/sites'],
    ['GET', '/api/sites/demo'],
    ['PATCH', '/api/sites/demo'],
    ['GET', '/api/sites/demo/experiences'],
    ['POST', '/api/sites/demo/experiences'],
    ['GET', '/api/sites/demo/experiences/hero'],
    ['PATCH', '/api/sites/demo/experiences/hero'],
    ['DELETE', '/api/sites/demo/experiences/hero'],
    ['GET', '/api/sites/demo/profiles/anon:abcdefgh1234'],
    ['GET', '/api/sites/demo/profiles/anon:abcdefgh1234/events'],
    ['GET', '/api/sites/demo/profiles/anon:abcdefgh1234/export'],
    ['DELETE', '/api/sites/demo/profiles/anon:abcdefgh1234'],
    ['POST', '/api/sites/demo/profiles/anon:abcdefgh1234/unmerge'],
    ['GET', '/api/sites/demo/audiences'],
    ['POST', '/api/sites/demo/audiences'],
    ['GET', '/api/sites/demo/audiences/a1'],
    ['PATCH', '/api/sites/demo/audiences/a1'],
    ['DELETE', '/api/sites/demo/audiences/a1'],
    ['GET', '/api/sites/demo/events'],
    ['GET', '/api/nope'],
  ];
  const credentials: [string, Record<string, string>, RegExp][] = [
    ['no token', {}, /missing bearer token/],
    ['a non-bearer scheme', { authorization: 'Basic dGVzdC1hZG1pbi10b2tlbg==' }, /missing bearer token/],
    ['a wrong token', { authorization: 'Bearer wrong-token' }, /invalid admin token/],
    ['a prefix of the token', { authorization: 'Bearer test-admin' }, /invalid admin token/],
  ];
  const cases = routes.flatMap(([method, path]) => credentials.map(([who, headers, message]) => [method, path, who, headers, message] as const));

  it.each(cases)('%s %s with %s → 401 JSON', async (method, path, _who, headers, message) => {
    const body = method === 'POST' || method === 'PATCH' ? '{}' : undefined;
    const res = await call(path, { method, headers: { 'content-type': 'application/json', ...headers }, body });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await error(res)).toMatchObject({ code: 'unauthorized', message: expect.stringMatching(message) });
  });
});

describe('sites', () => {
  it('creates a site, refuses the same key twice and never returns the verification secret', async () => {
    const key = `site-${crypto.randomUUID().slice(0, 8)}`;
    const secret = 'a-very-secret-verification-value';
    const created = await admin('/sites', { method: 'POST', ...json({ key, name: 'Shop', verificationSecret: secret }) });
    expect(created.status).toBe(201);
    const body = await created.text();
    expect(JSON.parse(body)).toMatchObject({ key, name: 'Shop', origins: [], retentionDays: 395, verificationSecretSet: true });
    expect(body).not.toContain(secret);

    const duplicate = await admin('/sites', { method: 'POST', ...json({ key, name: 'Again' }) });
    expect(duplicate.status).toBe(409);
    expect((await error(duplicate)).code).toBe('conflict');

    for (const path of [`/sites/${key}`, '/sites']) {
      const text = await (await admin(path)).text();
      expect(text).not.toContain(secret);
      expect(text).not.toContain('"verificationSecret"');
      expect(text).toContain('"verificationSecretSet":true');
    }
    const plain = (await (await admin(`/sites/${await createSite()}`)).json()) as Record<string, unknown>;
    expect(plain).toMatchObject({ verificationSecretSet: false });
    expect(plain).not.toHaveProperty('verificationSecret');
  });

  it.each([
    ['a bad key', { key: 'Bad Key', name: 'x' }, /^key: /],
    ['a missing name', { key: 'fine-key' }, /^name: /],
    ['an origin with a path', { key: 'fine-key', name: 'x', origins: ['https://a.b/path'] }, /^origins\[0\]: must be an origin/],
    ['a short verification secret', { key: 'fine-key', name: 'x', verificationSecret: 'short' }, /^verificationSecret: /],
    ['an array', [], /^body: /],
  ])('answers a create with %s with 400 naming the field', async (_name, body, message) => {
    const res = await admin('/sites', { method: 'POST', ...json(body) });
    expect(res.status).toBe(400);
    expect((await error(res)).message).toMatch(message);
  });

  it('patches only the fields it is given', async () => {
    const site = await createSite({ retentionDays: 30, verificationSecret: 'sixteen-chars-or-more' });
    const res = await admin(`/sites/${site}`, { method: 'PATCH', ...json({ name: 'Renamed', origins: ['https://shop.test'], key: 'ignored' }) });
    expect(res.status).toBe(200);
    const expected = { key: site, name: 'Renamed', origins: ['https://shop.test'], retentionDays: 30, verificationSecretSet: true };
    expect(await res.json()).toMatchObject(expected);
    expect(await (await admin(`/sites/${site}`)).json()).toMatchObject(expected);

    const cleared = await admin(`/sites/${site}`, { method: 'PATCH', ...json({ verificationSecret: null }) });
    expect(await cleared.json()).toMatchObject({ name: 'Renamed', verificationSecretSet: false });
  });

  it('answers bad patches, unknown sites and bad keys', async () => {
    const site = await createSite();
    const bad = await admin(`/sites/${site}`, { method: 'PATCH', ...json({ retentionDays: 0 }) });
    expect(bad.status).toBe(400);
    expect((await error(bad)).message).toMatch(/^retentionDays: /);
    expect((await admin('/sites/no-such-site', { method: 'PATCH', ...json({ name: 'x' }) })).status).toBe(404);
    expect((await admin('/sites/no-such-site')).status).toBe(404);
    const badKey = await admin('/sites/Bad!Key');
    expect(badKey.status).toBe(400);
    expect((await error(badKey)).message).toMatch(/^site: /);
  });
});

describe('experiences', () => {
  it('creates, lists, reads, patches and deletes', async () => {
    const site = await createSite();
    const base = `/sites/${site}/experiences`;
    const generated = await admin(base, { method: 'POST', ...json({ name: 'Generated id', slot: 'hero', variants: VARIANTS }) });
    expect(generated.status).toBe(201);
    const first = (await generated.json()) as { id: string };
    expect(first).toMatchObject({ id: expect.stringMatching(/^exp_[a-z0-9]{12}$/), status: 'draft', traffic: 1, goals: [] });

    const named = await admin(base, { method: 'POST', ...json({ id: 'hero-test', name: 'Hero', slot: 'hero', traffic: 0.5, variants: VARIANTS }) });
    expect(named.status).toBe(201);
    const again = await admin(base, { method: 'POST', ...json({ id: 'hero-test', name: 'Hero', slot: 'hero', variants: VARIANTS }) });
    expect(again.status).toBe(409);

    const list = (await (await admin(base)).json()) as { experiences: { id: string }[] };
    expect(list.experiences.map((e) => e.id)).toEqual([first.id, 'hero-test']);
    expect(await (await admin(`${base}/hero-test`)).json()).toMatchObject({ id: 'hero-test', name: 'Hero', traffic: 0.5 });

    const patched = await admin(`${base}/hero-test`, { method: 'PATCH', ...json({ status: 'running', id: 'renamed' }) });
    expect(patched.status).toBe(200);
    const expected = { id: 'hero-test', name: 'Hero', status: 'running', traffic: 0.5, variants: VARIANTS };
    expect(await patched.json()).toMatchObject(expected);
    expect(await (await admin(`${base}/hero-test`)).json()).toMatchObject(expected);

    expect((await admin(`${base}/hero-test`, { method: 'DELETE' })).status).toBe(204);
    expect((await admin(`${base}/hero-test`)).status).toBe(404);
    expect((await admin(`${base}/hero-test`, { method: 'DELETE' })).status).toBe(404);
    expect((await admin(`${base}/hero-test`, { method: 'PATCH', ...json({ status: 'paused' }) })).status).toBe(404);
  });

  it.each([
    ['traffic above 1', { traffic: 2 }, /^traffic: /],
    ['an unknown status', { status: 'live' }, /^status: /],
    ['duplicate variant keys', { variants: [VARIANTS[0], VARIANTS[0]] }, /^variants: variant keys must be unique/],
    ['no variants', { variants: [] }, /^variants: /],
  ])('refuses a patch with %s with 400 and leaves the experience as it was', async (_name, patch, message) => {
    const site = await createSite();
    const base = `/sites/${site}/experiences`;
    await admin(base, { method: 'POST', ...json({ id: 'hero-test', name: 'Hero', slot: 'hero', variants: VARIANTS }) });
    const res = await admin(`${base}/hero-test`, { method: 'PATCH', ...json(patch) });
    expect(res.status).toBe(400);
    expect((await error(res)).message).toMatch(message);
    expect(await (await admin(`${base}/hero-test`)).json()).toMatchObject({ status: 'draft', traffic: 1, variants: VARIANTS });
  });

  it('refuses an invalid experience and an unknown site', async () => {
    const site = await createSite();
    const dup = await admin(`/sites/${site}/experiences`, { method: 'POST', ...json({ name: 'x', slot: 'hero', variants: [VARIANTS[0], VARIANTS[0]] }) });
    expect(dup.status).toBe(400);
    expect((await error(dup)).message).toMatch(/^variants: /);
    expect((await admin('/sites/no-such-site/experiences')).status).toBe(404);
    const post404 = await admin('/sites/no-such-site/experiences', { method: 'POST', ...json({ name: 'x', slot: 'hero', variants: VARIANTS }) });
    expect(post404.status).toBe(404);
  });
});

describe('profiles and events', () => {
  it('answers an unknown visitor with 404 and a bad reference with 400', async () => {
    const site = await createSite();
    expect((await admin(`/sites/${site}/profiles/anon:${anon()}`)).status).toBe(404);
    expect((await admin(`/sites/${site}/profiles/anon:${anon()}/events`)).status).toBe(404);
    const bogus = await admin(`/sites/${site}/profiles/bogus`);
    expect(bogus.status).toBe(400);
    expect((await error(bogus)).code).toBe('bad_ref');
    const short = await admin(`/sites/${site}/profiles/anon:x`);
    expect(short.status).toBe(400);
    expect((await error(short)).message).toMatch(/^ref: /);
    expect((await admin(`/sites/no-such-site/profiles/anon:${anon()}`)).status).toBe(404);
  });

  it('lists the site events collected through /v1/collect, newest first', async () => {
    const site = await createSite();
    type Feed = { events: { id: string; name: string | null; profileId: string }[] };
    const feed = async (query = '') => (await (await admin(`/sites/${site}/events${query}`)).json()) as Feed;
    const first = event('page');
    const second = event('track', { name: 'Signup' });

    expect((await post('/v1/collect', { site, anonymousId: anon(), events: [first] })).status).toBe(202);
    expect(await feedWith(site, 1)).toHaveLength(1);
    expect((await post('/v1/collect', { site, anonymousId: anon(), events: [second] })).status).toBe(202);
    const events = await feedWith<Feed['events'][number]>(site, 2);

    expect(events.map((e) => e.id)).toEqual([second.id, first.id]);
    expect(events[0]).toMatchObject({ name: 'Signup', profileId: expect.stringMatching(/^p_[a-z0-9]+$/) });
    expect(events[0]?.profileId).not.toBe(events[1]?.profileId);
    expect((await feed('?limit=1')).events.map((e) => e.id)).toEqual([second.id]);
    expect((await admin(`/sites/${site}/events?limit=-1`)).status).toBe(400);
    expect((await admin('/sites/no-such-site/events')).status).toBe(404);
  });
});
