import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { EventType } from '../../protocol/events';
import { admin, anon, createSite, event, post } from './helpers';
import {
  answered,
  bodyOf,
  brokenBody,
  edgeString,
  expectRefusal,
  fuzz,
  hostileValue,
  mostly,
  protoObject,
  unicodeText,
  wellFormed,
} from './fuzz-arbitraries';

/**
 * Property-based fuzzing of the tag's routes. Invariants: every answer is a 2xx the route
 * documents or a 4xx with `{error:{code,message}}` (never a 5xx, never a hang); a refused request
 * stores nothing; every event the edge accepts is stored exactly as sent.
 */
const ORIGIN = 'https://fuzz.shop.test';
const DAY = 86_400_000;
let site = '';
let victim = '';

interface CollectAnswer {
  accepted: number;
  duplicates: number;
  rejected: { index: number; error: string }[];
  profileToken: string;
}

async function eventCount(anonymousId: string): Promise<number> {
  const res = await admin(`/sites/${site}/profiles/anon:${anonymousId}`);
  if (res.status === 404) return 0;
  expect(res.status).toBe(200);
  return ((await res.json()) as { eventCount: number }).eventCount;
}

let nextId = 0;
const eventId = fc.constant(null).map(() => `evt_fuzz_${(nextId++).toString(36).padStart(8, '0')}`);
const propKey = unicodeText(128).filter((k) => !['__proto__', 'constructor', 'prototype'].includes(k));
const propValue = fc.oneof(unicodeText(300), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (d === 0 ? 0 : d)), fc.boolean(), fc.constant(null));

/** Events the edge must accept and store exactly: any well-formed Unicode in names, props, titles. */
const validEvent = fc.record(
  {
    id: eventId,
    type: fc.constantFrom('page', 'track', 'signal', 'consent'),
    ts: fc.integer({ min: Date.now() - 30 * DAY, max: Date.now() }),
    name: unicodeText(200),
    props: fc.dictionary(propKey, propValue, { maxKeys: 6 }),
    page: fc.record({ url: fc.constantFrom(`${ORIGIN}/`, `${ORIGIN}/p?q=1`, `${ORIGIN}/é/😀`), title: unicodeText(100) }, { requiredKeys: ['url'] }),
  },
  { requiredKeys: ['id', 'type', 'ts'] },
);

type ValidEvent = typeof validEvent extends fc.Arbitrary<infer V> ? V : never;

/** Events with any field wrong: each field is valid or hostile, plus stray and prototype keys. */
const hostileEvent = fc.oneof(
  hostileValue,
  fc.record(
    {
      id: mostly(eventId, 1),
      type: mostly(fc.constantFrom(...EventType.options), 1),
      ts: mostly(fc.integer({ min: Date.now() - DAY, max: Date.now() + 3 * DAY }), 1),
      name: hostileValue,
      props: fc.oneof(hostileValue, protoObject, fc.dictionary(edgeString, hostileValue, { maxKeys: 70 })),
      traits: fc.oneof(hostileValue, protoObject),
      page: fc.oneof(hostileValue, fc.record({ url: hostileValue, title: hostileValue, vw: hostileValue })),
      userId: hostileValue,
      signature: hostileValue,
    },
    { requiredKeys: [] },
  ),
);

const envelope = fc.record(
  {
    site: mostly(fc.constant(null).map(() => site), 4),
    anonymousId: mostly(fc.constant(null).map(() => victim), 4),
    profileToken: fc.oneof(edgeString, hostileValue, fc.constantFrom('p_aaaaaaaaaaaa.AAAAAAAAAAAAAAAAAAAAAA', 'p_.x', '.', 'x'.repeat(300))),
    events: mostly(fc.array(fc.oneof(validEvent, hostileEvent), { minLength: 1, maxLength: 8 }), 5),
  },
  { requiredKeys: ['site', 'anonymousId', 'events'] },
);
/** Own prototype keys next to the real ones, as JSON.parse makes them from a hostile body. */
const PROTO_KEYS = '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"prototype":1}';
const withProtoKeys = <T extends object>(arb: fc.Arbitrary<T>) =>
  fc.tuple(arb, fc.boolean()).map(([b, proto]) => (proto ? { ...(JSON.parse(PROTO_KEYS) as object), ...b } : b));

beforeAll(async () => {
  site = await createSite({ origins: [ORIGIN] });
  victim = anon();
});

describe('fuzz: POST /v1/collect', () => {
  it('answers every hostile batch with 202 or a JSON 4xx; refused batches store nothing, accepted events are all stored', { timeout: 120_000 }, async () => {
    let stored = 0;
    await fuzz('collect envelope', withProtoKeys(envelope), async (batch) => {
      const res = await answered(post('/v1/collect', bodyOf(batch), { origin: ORIGIN }));
      if (res.status === 202) {
        const body = (await res.json()) as CollectAnswer;
        expect(body.accepted + body.duplicates + body.rejected.length).toBeGreaterThanOrEqual((batch as { events: unknown[] }).events.length);
        for (const r of body.rejected) expect(r.error).toMatch(/^events\[\d+\]/);
        // A forged token is ignored: the events land on the anonymous id's profile.
        if ((batch as { anonymousId: unknown }).anonymousId === victim) stored += body.accepted;
        return;
      }
      await expectRefusal(res);
    }, 400);
    // Everything refused left the profile alone; everything accepted is in it, once.
    expect(await eventCount(victim)).toBe(stored);
  });

  it('refuses bodies that are not a JSON batch: broken text, invalid UTF-8, over 64 KiB, any JSON value', { timeout: 60_000 }, async () => {
    const before = await eventCount(victim);
    await fuzz('collect raw body', fc.oneof(brokenBody, hostileValue.map(bodyOf)), async (body) => {
      await expectRefusal(await answered(post('/v1/collect', body)));
    }, 300);
    expect(await eventCount(victim)).toBe(before);
  });

  it('stores events with any well-formed Unicode in names, props and titles exactly as sent', { timeout: 60_000 }, async () => {
    const visitor = anon();
    const sent = new Map<string, ValidEvent>();
    await fuzz('collect unicode round trip', fc.array(validEvent, { minLength: 1, maxLength: 5 }), async (events) => {
      const res = await answered(post('/v1/collect', { site, anonymousId: visitor, events }));
      const body = (await res.json()) as CollectAnswer;
      expect(res.status, JSON.stringify(body)).toBe(202);
      expect(body.rejected).toEqual([]);
      expect(body.accepted).toBe(events.length);
      for (const e of events) sent.set(e.id, e);
    }, 60);
    const res = await admin(`/sites/${site}/profiles/anon:${visitor}/events?limit=1000`);
    const { events } = (await res.json()) as { events: { id: string; name: string | null; props: Record<string, unknown> | null; title?: string | null }[] };
    const byId = new Map(events.map((e) => [e.id, e]));
    for (const [id, e] of sent) {
      const got = byId.get(id);
      expect(got, id).toBeDefined();
      if (e.name !== undefined) expect(got!.name).toBe(e.name);
      if (e.page?.title !== undefined) expect(got!.title).toBe(e.page.title);
      for (const [k, v] of Object.entries(e.props ?? {})) expect(got!.props?.[k], `${id} props[${JSON.stringify(k)}]`).toEqual(v);
    }
  });

  it('stores a lone surrogate (only possible as a JSON escape) as U+FFFD everywhere, and never cuts a title inside an emoji', async () => {
    const visitor = anon();
    const id = 'evt_lonelone1';
    const title = 'x' + '😀'.repeat(300); // cut to 512 UTF-16 units: the 256th emoji would be split
    const text = JSON.stringify({ site, anonymousId: visitor, events: [{ id, type: 'page', ts: Date.now(), name: 'half \uD83D pair', props: { 'k\uDC00': 'v\uD800' }, page: { url: `${ORIGIN}/`, title } }] });
    expect(text).toContain('\\ud83d'); // JSON.stringify escapes it: the body itself is valid UTF-8
    const res = await post('/v1/collect', text);
    expect(res.status).toBe(202);
    const { events } = (await (await admin(`/sites/${site}/profiles/anon:${visitor}/events`)).json()) as {
      events: { id: string; name: string; props: Record<string, unknown>; title: string }[];
    };
    const [stored] = events;
    expect(stored).toMatchObject({ id, name: 'half \uFFFD pair', props: { 'k\uFFFD': 'v\uFFFD' } });
    expect(stored!.title).toBe('x' + '😀'.repeat(255));
    expect(wellFormed(stored!.title)).toBe(true);
  });
});

describe('amplification: one request cannot fan out into thousands of identity objects', () => {
  it('holds at most 10 custom identifier types per profile, and claims each identifier once per batch', { timeout: 60_000 }, async () => {
    const visitor = anon();
    let n = 0;
    // ~57 KB: 60 identifies naming 64 custom identifier types each (3,840 in all) — each type would be its own object.
    const events = Array.from({ length: 60 }, (_, e) => ({
      id: `evt_amplify${String(e).padStart(4, '0')}`,
      type: 'identify',
      ts: Date.now(),
      traits: Object.fromEntries(Array.from({ length: 64 }, () => [`id:t${(n++).toString(36)}`, '1'])),
    }));
    const res = await post('/v1/collect', { site, anonymousId: visitor, events });
    expect(res.status).toBe(202);
    const p = (await (await admin(`/sites/${site}/profiles/anon:${visitor}`)).json()) as { identifiers: { type: string }[] };
    expect(p.identifiers.filter((i) => i.type.startsWith('t'))).toHaveLength(10);
    const { events: stored } = (await (await admin(`/sites/${site}/profiles/anon:${visitor}/events?limit=1`)).json()) as { events: { props: { refused?: string } }[] };
    expect(stored[0]!.props.refused).toMatch(/at most 10 custom identifier types per profile/);

    // 400 identifies repeating the same identifiers: claimed once, not 400 times.
    const again = Array.from({ length: 400 }, (_, e) => ({ id: `evt_repeat${String(e).padStart(5, '0')}`, type: 'identify', ts: Date.now(), userId: 'amplify-user', traits: { 'id:t0': '1' } }));
    expect((await post('/v1/collect', { site, anonymousId: visitor, events: again })).status).toBe(202);
    expect((await admin(`/sites/${site}/profiles/user:amplify-user`)).status).toBe(200);
  });

  it('joins at most 5 earlier ids (alias) per batch, each once', { timeout: 60_000 }, async () => {
    const [visitor, earlier] = [anon(), anon()];
    expect((await post('/v1/collect', { site, anonymousId: earlier, events: [event()] })).status).toBe(202);
    // 450 aliases were 450 lookups and merges one after another (11 s for one request); the first few still join.
    const events = Array.from({ length: 450 }, (_, e) => ({
      id: `evt_alias${String(e).padStart(5, '0')}`,
      type: 'identify',
      ts: Date.now(),
      userId: 'alias-user',
      previousId: e === 0 ? earlier : `prev_${String(e).padStart(8, '0')}`,
    }));
    expect((await post('/v1/collect', { site, anonymousId: visitor, events })).status).toBe(202);
    const ids = await Promise.all([`anon:${visitor}`, `anon:${earlier}`, 'user:alias-user'].map(async (ref) => ((await (await admin(`/sites/${site}/profiles/${ref}`)).json()) as { profileId: string }).profileId));
    expect(new Set(ids).size).toBe(1);
  });
});

const decideBody = fc.record(
  {
    site: mostly(fc.constant(null).map(() => site), 4),
    anonymousId: mostly(fc.constant(null).map(() => victim), 4),
    profileToken: fc.oneof(edgeString, hostileValue),
    slots: mostly(fc.array(fc.oneof(fc.constantFrom('hero', 'promo'), edgeString), { maxLength: 60 }), 2),
    context: mostly(
      fc.record({ url: mostly(fc.constantFrom(`${ORIGIN}/`, `${ORIGIN}/?attune_preview=x.y`, 'not a url', ''), 3), referrer: hostileValue, lang: hostileValue, tz: hostileValue, path: hostileValue }, { requiredKeys: ['url'] }),
      4,
    ),
    preview: fc.oneof(edgeString, hostileValue, fc.constantFrom('e30.AAAA', 'eyJzIjoieCJ9.', 'a.b.c', '.'.repeat(900))),
  },
  { requiredKeys: ['site', 'anonymousId', 'context'] },
);

describe('fuzz: POST /v1/decide', () => {
  it('answers every hostile request with a decision or a JSON 4xx, and never adds events', { timeout: 120_000 }, async () => {
    await admin(`/sites/${site}/experiences`, {
      method: 'POST',
      body: JSON.stringify({ name: 'Hero', slot: 'hero', status: 'running', variants: [{ key: 'a', weight: 1, content: { type: 'text', value: 'A ‮ 😀' } }, { key: 'b', weight: 1 }] }),
    });
    const before = await eventCount(victim);
    await fuzz('decide body', fc.oneof({ arbitrary: withProtoKeys(decideBody), weight: 5 }, { arbitrary: fc.oneof(brokenBody, hostileValue.map(bodyOf)), weight: 1 }), async (body) => {
      const res = await answered(post('/v1/decide', bodyOf(body), { origin: ORIGIN }));
      if (res.status === 200) {
        const answer = (await res.json()) as { profileToken: string; decisions: Record<string, unknown>; audiences: unknown[] };
        expect(answer.profileToken).toMatch(/^p_[a-z0-9]+\.[A-Za-z0-9_-]+$/);
        expect(typeof answer.decisions).toBe('object');
        return;
      }
      await expectRefusal(res);
    }, 300);
    expect(await eventCount(victim)).toBe(before);
  });
});

/** Segment-spec messages with any field valid or hostile; `timestamp` strings include garbage dates. */
const segmentMessage = fc.oneof(
  hostileValue,
  fc.record(
    {
      type: mostly(fc.constantFrom('track', 'page', 'identify', 'alias', 'screen', 'group'), 4),
      messageId: mostly(fc.uuid(), 2),
      anonymousId: fc.oneof(fc.constantFrom('seg-anon-1', 'seg-anon-2'), fc.integer(), hostileValue),
      userId: fc.oneof(fc.constantFrom('seg-user-1'), hostileValue),
      previousId: hostileValue,
      event: mostly(unicodeText(200), 2),
      name: hostileValue,
      timestamp: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.constantFrom('not a date', '2026-13-45T99:99:99Z', '', '0', '-1e30'), hostileValue),
      originalTimestamp: hostileValue,
      sentAt: hostileValue,
      context: fc.oneof(hostileValue, protoObject, fc.record({ page: fc.oneof(hostileValue, fc.record({ url: hostileValue, title: hostileValue })), locale: hostileValue, timezone: hostileValue })),
      properties: fc.oneof(hostileValue, protoObject, fc.dictionary(edgeString, hostileValue, { maxKeys: 8 })),
      traits: fc.oneof(hostileValue, protoObject, fc.record({ email: hostileValue, phone: hostileValue, 'id:crm': hostileValue })),
    },
    { requiredKeys: ['type'] },
  ),
);

describe('fuzz: Segment-spec ingestion (/v1/batch, /v1/track, /v1/page, /v1/identify, /v1/alias, /v1/screen)', () => {
  it('answers every hostile message with 200 or a JSON 4xx, with or without a valid write key', { timeout: 120_000 }, async () => {
    const auth = fc.oneof(
      { arbitrary: fc.constant(null).map(() => `Basic ${btoa(`${site}:`)}`), weight: 4 },
      { arbitrary: fc.constantFrom('', 'Basic', 'Basic !!!', `Basic ${btoa('nope-site:')}`, `Basic ${btoa('UPPER:')}`, 'Bearer x', `Basic ${btoa(':')}`), weight: 1 },
    );
    const route = fc.constantFrom('batch', 'track', 'page', 'identify', 'alias', 'screen');
    const body = fc.oneof(
      { arbitrary: fc.record({ batch: mostly(fc.array(segmentMessage, { minLength: 1, maxLength: 6 }), 4), sentAt: hostileValue, context: hostileValue }, { requiredKeys: ['batch'] }), weight: 3 },
      { arbitrary: segmentMessage, weight: 3 },
      { arbitrary: fc.oneof(brokenBody, hostileValue.map(bodyOf)), weight: 1 },
    );
    await fuzz('segment routes', fc.tuple(route, auth, body), async ([path, authorization, b]) => {
      const res = await answered(post(`/v1/${path}`, bodyOf(b), { 'content-type': 'application/json', ...(authorization && { authorization }) }));
      if (res.status === 200) {
        const answer = (await res.json()) as { success: boolean; accepted: number; rejected: unknown[] };
        expect(answer.success).toBe(true);
        expect(typeof answer.accepted).toBe('number');
        return;
      }
      await expectRefusal(res, [400, 401, 413]);
    }, 300);
  });
});
