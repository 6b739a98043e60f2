import { describe, expect, it } from 'vitest';
import goFixture from '../fixtures/segment/go.json';
import pythonFixture from '../fixtures/segment/python.json';
import rubyFixture from '../fixtures/segment/ruby.json';
import { session } from './dashboard-helpers';
import { admin, anon, call } from './helpers';

/**
 * Every Segment-spec client just works: request bodies recorded from Segment's Python, Ruby and Go
 * libraries (tests/fixtures/segment/) replayed byte for byte, the browser library's routes and CORS,
 * and the status codes and rejection log a developer reads when something is refused.
 */
interface Fixture {
  library: string;
  version: string;
  writeKey: string;
  requests: { method: string; path: string; headers: Record<string, string>; body: string }[];
}

const SITE = 'fixture-write-key'; // the write key the fixtures were recorded with (Python sends it in the body)
const ALLOWED = 'https://shop.fixture.test';

async function ensureSite(): Promise<void> {
  const res = await admin('/sites', { method: 'POST', body: JSON.stringify({ key: SITE, name: 'Fixtures', origins: [ALLOWED] }) });
  expect([201, 409]).toContain(res.status);
}

const KEPT = ['content-type', 'content-encoding', 'authorization', 'user-agent', 'accept'];

async function replay(f: Fixture): Promise<{ ids: string[]; answers: { status: number; body: { accepted: number; rejected: unknown[] } }[] }> {
  const ids: string[] = [];
  const answers = [];
  for (const r of f.requests) {
    const headers = Object.fromEntries(Object.entries(r.headers).filter(([k]) => KEPT.includes(k)));
    const res = await call(r.path, { method: r.method, headers, body: r.body });
    answers.push({ status: res.status, body: (await res.json()) as { accepted: number; rejected: unknown[] } });
    ids.push(...(JSON.parse(r.body) as { batch: { messageId: string }[] }).batch.map((m) => m.messageId));
  }
  return { ids, answers };
}

async function journey(ref: string): Promise<string[]> {
  const res = await admin(`/sites/${SITE}/profiles/${encodeURIComponent(ref)}/events?limit=1000`);
  expect(res.status, ref).toBe(200);
  return ((await res.json()) as { events: { id: string }[] }).events.map((e) => e.id);
}

describe('recorded requests of Segment’s server libraries, replayed byte for byte', () => {
  for (const f of [pythonFixture, rubyFixture, goFixture] as Fixture[]) {
    it(`${f.library} ${f.version}: every call lands once, in the one person's profile`, async () => {
      await ensureSite();
      const { ids, answers } = await replay(f);
      for (const a of answers) expect(a).toEqual({ status: 200, body: { success: true, accepted: 7, duplicates: 0, rejected: [] } });
      const events = await journey('user:cust-fixture-1');
      for (const id of ids) expect(events.filter((e) => e === id), id).toHaveLength(1);
      // The anonymous browser, the identify and the userId-only call are one person.
      const byAnon = (await (await admin(`/sites/${SITE}/profiles/anon:anon-fixture-0001`)).json()) as { profileId: string; traits: Record<string, unknown> };
      const byUser = (await (await admin(`/sites/${SITE}/profiles/user:cust-fixture-1`)).json()) as { profileId: string; traits: Record<string, unknown> };
      expect(byAnon.profileId).toBe(byUser.profileId);
      expect(byUser.traits).toMatchObject({ plan: 'team', groupId: 'acme', 'group.name': 'Acme' });
      expect(byUser.traits.email).toMatch(/^[0-9a-f]{64}$/);
      // A replayed request counts nothing twice.
      const again = await replay(f);
      for (const a of again.answers) expect(a.body).toMatchObject({ accepted: 0 });
    });
  }
});

const basic = (key: string) => `Basic ${btoa(`${key}:`)}`;

describe('Segment’s browser library: short routes, CORS, text/plain', () => {
  it('answers a preflight with Authorization for an origin a site allows, and not for another', async () => {
    await ensureSite();
    const preflight = (origin: string, path: string) =>
      call(path, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
    for (const path of ['/v1/t', '/v1/p', '/v1/i', '/v1/a', '/v1/s', '/v1/g', '/v1/b', '/v1/batch', '/v1/m']) {
      const ok = await preflight(ALLOWED, path);
      expect(ok.status, path).toBe(204);
      expect(ok.headers.get('access-control-allow-origin'), path).toBe(ALLOWED);
      expect(ok.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
      const evil = await preflight('https://evil.example', path);
      expect(evil.headers.get('access-control-allow-origin'), path).toBeNull();
    }
  });

  it('takes text/plain bodies with the key in Basic auth or in the body from an allowed origin; refuses another origin; servers carry on', async () => {
    await ensureSite();
    const a = anon();
    const send = (path: string, body: unknown, headers: Record<string, string>) =>
      call(path, { method: 'POST', headers: { 'content-type': 'text/plain', ...headers }, body: JSON.stringify(body) });
    const fromPage = await send('/v1/t', { type: 'track', event: 'Clicked', anonymousId: a, messageId: `t-${a}` }, { origin: ALLOWED, authorization: basic(SITE) });
    expect(fromPage.status).toBe(200);
    expect(fromPage.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    const inBody = await send('/v1/p', { type: 'page', name: 'Home', anonymousId: a, writeKey: SITE, messageId: `p-${a}` }, { origin: ALLOWED });
    expect(inBody.status).toBe(200);
    const grouped = await send('/v1/g', { type: 'group', groupId: 'acme', anonymousId: a, messageId: `g-${a}` }, { origin: ALLOWED, authorization: basic(SITE) });
    expect(grouped.status).toBe(200);
    const evil = await send('/v1/t', { type: 'track', event: 'Injected', anonymousId: a, messageId: `e-${a}` }, { origin: 'https://evil.example', authorization: basic(SITE) });
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const server = await send('/v1/track', { event: 'From a server', anonymousId: a, messageId: `s-${a}` }, { authorization: basic(SITE) });
    expect(server.status).toBe(200);
    expect(await journey(`anon:${a}`)).toEqual(expect.arrayContaining([`t-${a}`, `p-${a}`, `g-${a}`, `s-${a}`]));
    expect(await journey(`anon:${a}`)).not.toContain(`e-${a}`);
    expect((await call('/v1/m', { method: 'POST', headers: { 'content-type': 'text/plain', origin: ALLOWED }, body: '{"series":[]}' })).status).toBe(200);
  });
});

describe('saying so when it does not work', () => {
  it('answers 400 with the list when every message is refused, 200 with it when some are, and keeps both in the rejection log', async () => {
    await ensureSite();
    const send = (body: unknown, ua: string) =>
      call('/v1/batch', { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic(SITE), 'user-agent': ua }, body: JSON.stringify(body) });
    const none = await send({ batch: [{ type: 'track', event: 'X', userId: null, anonymousId: null, context: { library: { name: 'analytics-python', version: '2.3.4' } } }] }, 'analytics-python/2.3.4');
    expect(none.status).toBe(400);
    const noneBody = (await none.json()) as { error: { code: string; rejected: { index: number; error: string }[] } };
    expect(noneBody.error.code).toBe('no_valid_messages');
    expect(noneBody.error.rejected).toEqual([{ index: 0, error: 'batch[0].userId: a message needs a userId or an anonymousId' }]);
    const some = await send({ batch: [{ type: 'track', event: 'Fine', anonymousId: anon() }, { type: 'track', anonymousId: anon(), messageId: 'no-event-here' }] }, 'analytics-ruby/2.5.0');
    expect(some.status).toBe(200);
    expect(((await some.json()) as { rejected: unknown[] }).rejected).toHaveLength(1);
    const log = (await (await admin(`/sites/${SITE}/rejections`)).json()) as { rejections: { route: string; library: string | null; field: string; reason: string; messageId?: string }[] };
    expect(log.rejections.slice(0, 2)).toEqual([
      expect.objectContaining({ route: '/v1/batch', library: 'analytics-ruby/2.5.0', field: 'batch[1].event', messageId: 'no-event-here' }),
      expect.objectContaining({ route: '/v1/batch', library: 'analytics-python 2.3.4', field: 'batch[0].userId', reason: 'a message needs a userId or an anonymousId' }),
    ]);
    // The dashboard's Install page shows them, escaped.
    await send({ batch: [{ type: 'track', anonymousId: anon(), context: { library: { name: '<img src=x onerror=alert(1)>' } } }] }, 'x');
    const s = await session();
    const page = await s.get(`/dashboard/sites/${SITE}/install`);
    expect(page.text).toContain('Recent rejections');
    expect(page.text).toContain('a message needs a userId or an anonymousId');
    expect(page.text).toContain('analytics-ruby/2.5.0');
    expect(page.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page.text).not.toContain('<img src=x');
  });
});
