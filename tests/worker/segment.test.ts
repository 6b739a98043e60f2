import { describe, expect, it } from 'vitest';
import { SegmentMessage } from '../../protocol/segment';
import { mapMessage } from '../../edge/segment/map';
import { admin, anon, call, createSite, hashEmail } from './helpers';

const basic = (key: string) => `Basic ${btoa(`${key}:`)}`;

function send(path: string, site: string | null, body: unknown, headers: Record<string, string> = {}) {
  return call(`/v1/${path}`, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(site && { authorization: basic(site) }), ...headers },
  });
}

interface Answer {
  success: boolean;
  accepted: number;
  duplicates: number;
  rejected: { index: number; messageId?: string; error: string }[];
}

async function journey(site: string, ref: string) {
  const res = await admin(`/sites/${site}/profiles/${ref}/events`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { events: { id: string; type: string; name: string | null; props: Record<string, unknown> | null; url: string | null }[] }).events;
}

describe('Segment-spec ingestion', () => {
  it('maps a batch onto events and identity; messageId makes retries count once', async () => {
    const site = await createSite();
    const anonymousId = anon();
    const batch = {
      batch: [
        {
          type: 'page', messageId: 'msg-page-0001', anonymousId, name: 'Pricing', timestamp: new Date(Date.now() - 2000).toISOString(),
          properties: { url: 'https://shop.test/pricing?utm_source=news', path: '/pricing', title: 'Pricing' },
        },
        {
          type: 'track', messageId: 'msg-track-0001', anonymousId, event: 'Order Completed', timestamp: new Date(Date.now() - 1000).toISOString(),
          properties: { revenue: 42, products: [{ sku: 'a' }], shipping: { method: 'express' } },
          context: { page: { url: 'https://shop.test/checkout' } },
        },
        { type: 'identify', messageId: 'msg-identify-0001', anonymousId, userId: 'user-7', traits: { email: ' Ada@Example.com ', plan: 'pro' } },
      ],
      sentAt: new Date().toISOString(),
    };
    const res = await send('batch', site, batch);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true, accepted: 3, duplicates: 0, rejected: [] });
    const again = (await (await send('batch', site, batch)).json()) as Answer;
    expect(again).toMatchObject({ accepted: 0, duplicates: 3 });

    const events = await journey(site, 'user:user-7');
    expect(events.map((e) => [e.id, e.type, e.name])).toEqual([
      ['msg-page-0001', 'page', 'Pricing'],
      ['msg-track-0001', 'track', 'Order Completed'],
      ['msg-identify-0001', 'identify', null],
    ]);
    expect(events[0]!.props).toMatchObject({ utm_source: 'news' });
    expect(events[1]!.props).toEqual({ revenue: 42, products: '[{"sku":"a"}]', 'shipping.method': 'express' });
    expect(events[1]!.url).toBe('https://shop.test/checkout');
    const profile = (await (await admin(`/sites/${site}/profiles/email:ada@example.com`)).json()) as {
      traits: Record<string, unknown>;
      identifiers: { type: string; value: string }[];
    };
    expect(profile.traits).toMatchObject({ plan: 'pro', email: await hashEmail('ada@example.com') });
    expect(profile.identifiers).toContainEqual(expect.objectContaining({ type: 'user', value: 'user-7' }));
  });

  it('single-message endpoints, server-side calls with only a userId, and alias', async () => {
    const site = await createSite();
    const anonymousId = anon();
    expect((await send('identify', site, { anonymousId, userId: 'u-1', traits: { name: 'Ada' }, messageId: 'id-000001' })).status).toBe(200);
    // A server that knows only the user id lands in that user's profile.
    expect((await send('track', site, { userId: 'u-1', event: 'Renewed', messageId: 'tr-000001' })).status).toBe(200);
    const events = await journey(site, `anon:${anonymousId}`);
    expect(events.map((e) => e.name)).toContain('Renewed');

    // alias: an earlier anonymous id of the same person joins their profile.
    const earlier = anon();
    expect((await send('page', site, { anonymousId: earlier, properties: { url: 'https://shop.test/' }, messageId: 'pg-000001' })).status).toBe(200);
    const aliased = await send('alias', site, { userId: 'u-1', previousId: earlier, messageId: 'al-000001' });
    expect(aliased.status).toBe(200);
    const merged = (await (await admin(`/sites/${site}/profiles/anon:${earlier}`)).json()) as { identifiers: { type: string; value: string }[] };
    expect(merged.identifiers).toContainEqual(expect.objectContaining({ type: 'user', value: 'u-1' }));
  });

  it('keeps the good messages of a batch and names each bad one', async () => {
    const site = await createSite();
    const anonymousId = anon();
    const res = await send('batch', site, {
      batch: [
        { type: 'track', anonymousId, event: 'Good', messageId: 'good-00001' },
        { type: 'track', anonymousId, messageId: 'no-event-1' },
        { type: 'group', anonymousId, groupId: 'g' },
        { type: 'track', event: 'Nobody' },
        { type: 'track', anonymousId, event: 'Bad time', timestamp: 'yesterday' },
        42,
      ],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Answer;
    expect(body.accepted).toBe(2); // the group call is a message too
    expect(body.rejected.map((r) => r.index)).toEqual([1, 3, 4, 5]);
    expect(body.rejected[0]).toMatchObject({ messageId: 'no-event-1', error: expect.stringMatching(/^batch\[1\]\.event/) });
    expect(body.rejected[1]!.error).toBe('batch[3].userId: a message needs a userId or an anonymousId');
    expect(body.rejected[2]!.error).toMatch(/timestamp: is not an ISO 8601 date/);
    expect(body.rejected[3]!.error).toMatch(/^batch\[5\]/);
  });

  it('answers clear 4xx for auth, bodies and types, never a 500', async () => {
    const site = await createSite();
    const msg = { anonymousId: anon(), event: 'X' };
    const noAuth = await send('track', null, msg);
    expect(noAuth.status).toBe(401);
    expect(noAuth.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(((await noAuth.json()) as { error: { code: string } }).error.code).toBe('invalid_write_key');
    expect((await send('track', 'no-such-site-zz', msg)).status).toBe(401);
    expect((await send('track', null, { ...msg, writeKey: site })).status).toBe(200); // key in the body, as analytics-node also sends
    expect((await send('track', site, '{not json')).status).toBe(400);
    expect((await send('track', site, [1, 2])).status).toBe(400);
    const wrongType = await send('track', site, { ...msg, type: 'page' });
    expect(wrongType.status).toBe(400);
    expect(await wrongType.text()).toMatch(/this is \/v1\/track/);
    const empty = await send('batch', site, { batch: [] });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toMatch(/batch/);
    const allBad = await send('batch', site, { batch: [{ type: 'track' }] });
    expect(allBad.status).toBe(400);
    expect(((await allBad.json()) as { error: { code: string; rejected: unknown[] } }).error).toMatchObject({ code: 'no_valid_messages' });
    const big = await send('track', site, { ...msg, properties: { blob: 'x'.repeat(40_000) } });
    expect(big.status).toBe(413);
    const gz = async (text: string) => new Response(new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer();
    const zipped = await call('/v1/track', {
      method: 'POST',
      body: await gz(JSON.stringify(msg)),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: basic(site) },
    });
    expect(zipped.status).toBe(200);
    const bomb = await call('/v1/track', {
      method: 'POST',
      body: await gz(JSON.stringify({ ...msg, properties: { pad: ' '.repeat(5_000_000) } })),
      headers: { 'content-encoding': 'gzip', authorization: basic(site) },
    });
    expect(bomb.status).toBe(413);
    const notGzip = await call('/v1/track', { method: 'POST', body: 'plain', headers: { 'content-encoding': 'gzip', authorization: basic(site) } });
    expect(notGzip.status).toBe(400);
    expect((await call('/v1/track', { method: 'POST', body: '{}', headers: { 'content-encoding': 'br', authorization: basic(site) } })).status).toBe(415);
    const weird = await send('track', site, { ...msg, anonymousId: 'has spaces and ü', properties: { __proto__: { x: 1 }, n: Infinity } });
    expect(weird.status).toBe(200);
  });
});

describe('mapping Segment messages', () => {
  const now = Date.UTC(2026, 10, 25, 12);
  const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
    ['timestamp as given', { type: 'track', anonymousId: 'anon-000001', event: 'A', timestamp: '2026-11-25T11:00:00Z' }, { ts: Date.UTC(2026, 10, 25, 11) }],
    [
      'originalTimestamp corrected by sentAt (client clock 1 h fast)',
      { type: 'track', anonymousId: 'anon-000001', event: 'A', originalTimestamp: '2026-11-25T12:59:00Z', sentAt: '2026-11-25T13:00:00Z' },
      { ts: now - 60_000 },
    ],
    ['no time: now', { type: 'track', anonymousId: 'anon-000001', event: 'A' }, { ts: now }],
    ['screen → page named, marked', { type: 'screen', anonymousId: 'anon-000001', name: 'Home' }, { type: 'page', name: 'Home', props: { screen: true } }],
    ['alias → identify with previousId', { type: 'alias', userId: 'u', previousId: 'old' }, { type: 'identify', userId: 'u', previousId: 'old' }],
    [
      'page properties become the page context',
      { type: 'page', anonymousId: 'anon-000001', properties: { url: 'https://a.test/x', title: 'X', extra: 1 }, context: { locale: 'de-CH' } },
      { page: { url: 'https://a.test/x', title: 'X', lang: 'de-CH' }, props: { extra: 1 } },
    ],
  ];
  it.each(cases)('%s', async (_name, message, expected) => {
    const parsed = SegmentMessage.parse(message);
    const mapped = await mapMessage(parsed, {}, now);
    expect('event' in mapped && mapped.event).toMatchObject(expected);
  });

  it('ids outside the event-id alphabet are hashed, the same way every time', async () => {
    const m = SegmentMessage.parse({ type: 'track', anonymousId: 'a b', event: 'A', messageId: 'has spaces' });
    const [a, b] = await Promise.all([mapMessage(m, {}, now), mapMessage(m, {}, now)]);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ anonymousId: expect.stringMatching(/^sa_[0-9a-f]{40}$/), event: { id: expect.stringMatching(/^sm_[0-9a-f]{40}$/) } });
  });
});
