import { describe, expect, it } from 'vitest';
import { identitySignature } from '../../edge/profiles/verify';
import { admin, anon, call, createSite, event, post } from './helpers';

/**
 * Server-side identity: a Segment-spec server library sends userId-only messages ("Order
 * Completed" recorded by the backend) before, after and in the same request as the browser's
 * identify. Every event must end up in the one profile of that user, exactly once.
 */
const basic = (key: string) => `Basic ${btoa(`${key}:`)}`;

async function segment(site: string, path: string, body: unknown): Promise<{ accepted: number; duplicates: number; rejected: unknown[] }> {
  const res = await call(`/v1/${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', authorization: basic(site) },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { accepted: number; duplicates: number; rejected: unknown[] };
}

interface Snapshot {
  profileId: string;
  identifiers: { type: string; value: string }[];
  traits: Record<string, unknown>;
}

async function profile(site: string, ref: string): Promise<Snapshot> {
  const res = await admin(`/sites/${site}/profiles/${encodeURIComponent(ref)}`);
  if (res.status !== 200) throw new Error(`${ref}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Snapshot;
}

async function journey(site: string, ref: string): Promise<string[]> {
  const res = await admin(`/sites/${site}/profiles/${encodeURIComponent(ref)}/events?limit=1000`);
  if (res.status !== 200) throw new Error(`${ref}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { events: { id: string }[] }).events.map((e) => e.id).sort();
}

const at = (ago: number) => new Date(Date.now() - ago).toISOString();
let n = 0;
const mid = (name: string) => `${name}-${(n++).toString(36)}-${crypto.randomUUID().slice(0, 8)}`;

/** The three calls of sequence 1: the browser's track and identify, then the server's userId-only track. */
function sequenceOne(anonymousId: string, userId: string) {
  return {
    track: { type: 'track', messageId: mid('browse'), anonymousId, event: 'Viewed product', timestamp: at(3000) },
    identify: { type: 'identify', messageId: mid('identify'), anonymousId, userId, traits: { plan: 'pro' }, timestamp: at(2000) },
    order: { type: 'track', messageId: mid('order'), userId, event: 'Order Completed', properties: { revenue: 42 }, timestamp: at(1000) },
  };
}

describe('server-side identity: a userId-only message never strands an event', () => {
  it('sequence 1 in one batch: track(A), identify(A → U), track(U only) all land in U’s profile', async () => {
    const site = await createSite();
    const a = anon();
    const s = sequenceOne(a, 'u-one-batch');
    const res = await segment(site, 'batch', { batch: [s.track, s.identify, s.order] });
    expect(res).toMatchObject({ accepted: 3, duplicates: 0, rejected: [] });
    expect(await journey(site, 'user:u-one-batch')).toEqual([s.track.messageId, s.identify.messageId, s.order.messageId].sort());
    expect((await profile(site, `anon:${a}`)).profileId).toBe((await profile(site, 'user:u-one-batch')).profileId);
  });

  it('sequence 1 in the other order: the server’s track(U only) first, then the browser — in one batch and across requests', async () => {
    for (const split of [false, true]) {
      const site = await createSite();
      const a = anon();
      const user = `u-reversed-${split}`;
      const s = sequenceOne(a, user);
      if (split) {
        await segment(site, 'track', s.order);
        await segment(site, 'batch', { batch: [s.track, s.identify] });
      } else {
        await segment(site, 'batch', { batch: [s.order, s.track, s.identify] });
      }
      expect(await journey(site, `user:${user}`), `split: ${split}`).toEqual([s.track.messageId, s.identify.messageId, s.order.messageId].sort());
      expect((await profile(site, `anon:${a}`)).profileId).toBe((await profile(site, `user:${user}`)).profileId);
    }
  });

  it('sequence 2: a backend’s track(V only) before any browser identified as V shows in the person’s profile once one does', async () => {
    const site = await createSite();
    const order = { userId: 'u-backend-first', messageId: mid('order'), event: 'Order Completed', properties: { revenue: 99 }, timestamp: at(5000) };
    await segment(site, 'track', order);
    // The userId-only message made a profile that owns the user id…
    expect(await journey(site, 'user:u-backend-first')).toEqual([order.messageId]);
    // …so a browser identifying later (through the tag) merges into it.
    const browser = anon();
    const page = event('page');
    const identify = event('identify', { userId: 'u-backend-first' });
    const collected = await post('/v1/collect', { site, anonymousId: browser, events: [page, identify] });
    expect(collected.status).toBe(202);
    expect(await journey(site, `anon:${browser}`)).toEqual([order.messageId, page.id, identify.id].sort());
    expect((await profile(site, `anon:${browser}`)).profileId).toBe((await profile(site, 'user:u-backend-first')).profileId);
  });

  it('sequence 2 in one batch, both orders: track(V only) with the identify of a browser as V', async () => {
    for (const serverFirst of [true, false]) {
      const site = await createSite();
      const b = anon();
      const user = `u-batch-${serverFirst}`;
      const order = { type: 'track', userId: user, messageId: mid('order'), event: 'Order Completed', timestamp: at(2000) };
      const identify = { type: 'identify', anonymousId: b, userId: user, messageId: mid('identify'), timestamp: at(1000) };
      const res = await segment(site, 'batch', { batch: serverFirst ? [order, identify] : [identify, order] });
      expect(res).toMatchObject({ accepted: 2, rejected: [] });
      expect(await journey(site, `anon:${b}`), `server first: ${serverFirst}`).toEqual([order.messageId, identify.messageId].sort());
    }
  });

  it('applies a batch in order for each person: a conversion after an identify in the same /v1/collect batch counts for the variant the person saw', async () => {
    const site = await createSite();
    const exp = await admin(`/sites/${site}/experiences`, {
      method: 'POST',
      body: JSON.stringify({
        id: 'hero', name: 'Hero', slot: 'hero', status: 'running', goals: ['Purchase'],
        variants: [{ key: 'only', weight: 1, content: { type: 'text', value: 'Hello' } }],
      }),
    });
    expect(exp.status).toBe(201);
    // The laptop sees the variant and is the known user.
    const laptop = anon();
    const decided = await post('/v1/decide', { site, anonymousId: laptop, slots: ['hero'], context: { url: 'https://shop.test/' } });
    expect(decided.status).toBe(200);
    const exposure = event('track', { name: '$exposure', props: { experience: 'hero', variant: 'only', slot: 'hero' } });
    await post('/v1/collect', { site, anonymousId: laptop, events: [exposure, event('identify', { userId: 'u-buyer' })] });
    // The phone logs in and buys in one batch: the purchase comes after the identify, so it is the person's.
    const phone = anon();
    await post('/v1/collect', { site, anonymousId: phone, events: [event('identify', { userId: 'u-buyer' }), event('track', { name: 'Purchase', props: { revenue: 30 } })] });
    let conversions = 0;
    for (let i = 0; i < 40 && conversions === 0; i++) {
      const res = (await (await admin(`/sites/${site}/experiences/hero/results`)).json()) as { variants: { key: string; conversions: Record<string, number> }[] };
      conversions = res.variants.find((x) => x.key === 'only')?.conversions.Purchase ?? 0;
      if (conversions === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(conversions).toBe(1);
  });

  it('ends 20 concurrent server and browser calls for one user in one profile holding every event once', async () => {
    const site = await createSite();
    const user = 'u-concurrent';
    const browsers = Array.from({ length: 10 }, () => anon());
    const serverIds: string[] = [];
    const browserIds: string[] = [];
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 10; i++) {
      const messageId = mid('server');
      serverIds.push(messageId);
      calls.push(segment(site, 'track', { userId: user, messageId, event: 'Invoice paid', timestamp: at(100 + i) }));
      const events = [event('page'), event('identify', { userId: user })];
      browserIds.push(...events.map((e) => e.id));
      calls.push(post('/v1/collect', { site, anonymousId: browsers[i], events }).then((r) => expect(r.status).toBe(202)));
    }
    await Promise.all(calls);
    const owner = (await profile(site, `user:${user}`)).profileId;
    const views = await Promise.all(browsers.map((b) => profile(site, `anon:${b}`)));
    expect(new Set(views.map((v) => v.profileId))).toEqual(new Set([owner]));
    const ids = await journey(site, `user:${user}`);
    expect(ids).toEqual([...serverIds, ...browserIds].sort());
  });

  it('keeps unsigned server calls as claims on a site that requires verification', async () => {
    const secret = 'site-secret-0123456789abcdef';
    const site = await createSite({ verificationSecret: secret, verificationRequired: true });
    // Unsigned, the server's claim owns nothing: no profile is the user's.
    const early = await segment(site, 'track', { userId: 'u-verified', messageId: mid('claim'), event: 'Order Completed', timestamp: at(3000) });
    expect(early.accepted).toBe(1);
    expect((await admin(`/sites/${site}/profiles/user:u-verified`)).status).toBe(404);
    // A verified browser profile for the user, with a trait no claim may see or change.
    const browser = anon();
    const signed = event('identify', { userId: 'u-verified', signature: await identitySignature(secret, 'u-verified'), traits: { plan: 'enterprise' } });
    await post('/v1/collect', { site, anonymousId: browser, events: [signed] });
    const verified = await profile(site, 'user:u-verified');
    const claim = { type: 'identify', messageId: mid('claim'), userId: 'u-verified', traits: { plan: 'free' }, timestamp: at(1000) };
    await segment(site, 'batch', { batch: [claim, { type: 'track', messageId: mid('claim'), userId: 'u-verified', event: 'Refund', timestamp: at(500) }] });
    const after = await profile(site, 'user:u-verified');
    expect(after.profileId).toBe(verified.profileId);
    expect(after.traits).toMatchObject({ plan: 'enterprise' });
    expect(await journey(site, 'user:u-verified')).toEqual([signed.id]);
  });
});
