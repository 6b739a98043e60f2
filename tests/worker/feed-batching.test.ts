import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { FeedEvent } from '../../protocol/events';
import type { Env } from '../../edge/env';
import { feedMessages, MAX_FEED_MESSAGE_BYTES, type FeedMessage } from '../../edge/feed/producer';
import worker from '../../edge/index';
import { feedStub } from '../../edge/objects/stubs';
import { profileIdForAnonymous } from '../../edge/profiles/address';
import { FEED_QUEUE } from '../../edge/queues';
import { admin, anon, createSite, event, post } from './helpers';

const env = workerEnv as unknown as Env; // the test project's bindings are the edge's
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `done` holds (the queue flushes a batch after 100 messages or 1 s). */
async function until(what: string, done: () => Promise<boolean>, ms = 30_000): Promise<void> {
  for (const end = Date.now() + ms; !(await done()); await sleep(100)) if (Date.now() > end) throw new Error(`never: ${what}`);
}

function feedEvent(site: string, anonymousId: string, profileId: string, extra: Partial<FeedEvent> = {}): FeedEvent {
  const e = event('track', { name: 'Late' });
  return {
    id: e.id, type: 'track', name: 'Late', ts: e.ts, receivedAt: Date.now(), anonymousId, profileId,
    url: null, path: null, title: null, referrer: null, context: null, props: null, ...extra,
  };
}

/** Hands messages to the worker's queue handler as the `attune-feed` queue's consumer batch. */
async function consume(bodies: FeedMessage[]) {
  const batch = createMessageBatch<FeedMessage>(FEED_QUEUE, bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })));
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  return getQueueResult(batch, ctx);
}

describe('the activity feed through its queue', () => {
  it('takes at most one write per 100 events from 20,000 batches of 2,000 visitors', { timeout: 300_000 }, async () => {
    const site = await createSite();
    const visitors = Array.from({ length: 2_000 }, () => anon());
    const BATCHES = 20_000;
    const answered: string[][] = []; // the event ids of each batch, in the order the edge answered them
    let next = 0;
    let failed = 0;
    // One request first, so the site's config is cached before 20 requests arrive at once.
    expect((await post('/v1/collect', { site, anonymousId: visitors[0], events: [event('page')] })).status).toBe(202);
    const started = Date.now();
    // 20 connections, each sending the next batch (a page view and a track) as soon as its last is answered.
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        for (let i = next++; i < BATCHES; i = next++) {
          const events = [event('page'), event('track', { name: 'Add to cart', props: { n: i } })];
          const res = await post('/v1/collect', { site, anonymousId: visitors[i % visitors.length], events });
          if (res.status !== 202) failed++;
          await res.arrayBuffer();
          answered.push(events.map((e) => e.id));
        }
      }),
    );
    const collected = Date.now();
    expect(failed).toBe(0);
    // A last batch after all the others: once the feed holds it, the queue has delivered the rest (it is FIFO).
    const marker = event('track', { name: 'Marker' });
    expect((await post('/v1/collect', { site, anonymousId: visitors[0], events: [marker] })).status).toBe(202);
    const feed = feedStub(env, site);
    await until('the marker reaches the feed', async () => (await feed.recent(1))[0]?.id === marker.id);
    console.log(`feed batching: ${BATCHES} batches sent in ${collected - started} ms, drained ${Date.now() - collected} ms later, ${await feed.writes()} appends`);

    const events = BATCHES * 2 + 2; // what the visitors sent (the edge's derived signals come on top)
    const writes = await feed.writes();
    expect(writes).toBeGreaterThan(0);
    expect(writes).toBeLessThanOrEqual(events / 100);

    // Audience estimates and funnels see everyone; the export walks everyone, page by page.
    const { total, sample } = await feed.recentProfiles(0, 200);
    expect(total).toBe(visitors.length);
    expect(sample).toHaveLength(200);
    const expected = new Set(await Promise.all(visitors.map((a) => profileIdForAnonymous(site, a))));
    const listed: string[] = [];
    for (let page = await feed.profilesAfter('', 0, 500); page.length > 0; page = await feed.profilesAfter(page[page.length - 1]!, 0, 500)) listed.push(...page);
    expect(listed).toHaveLength(visitors.length);
    expect(new Set(listed)).toEqual(expected);

    // The live view holds the newest 1,000 events, each once: those of the last batches answered (20 were in flight at a time).
    const recent = await feed.recent(1000);
    expect(recent).toHaveLength(1000);
    expect(new Set(recent.map((e) => e.id)).size).toBe(1000);
    const newest = new Set(answered.slice(-600).flat());
    // A page viewed again in its session also yields the edge's repeat_view signal (its id: the page's + ".rv").
    expect(recent.slice(1).filter((e) => !newest.has(e.id.replace(/\.rv$/, '')))).toEqual([]);
    const viaApi = (await (await admin(`/sites/${site}/events?limit=5`)).json()) as { events: { id: string }[] };
    expect(viaApi.events.map((e) => e.id)).toEqual(recent.slice(0, 5).map((e) => e.id));
  });

  it('makes one append per site per consumer batch, and a redelivered batch shows each event once', async () => {
    const [a, b] = [await createSite(), await createSite()];
    const msg = (site: string) => {
      const visitor = anon();
      return { site, events: [feedEvent(site, visitor, `p_${visitor}`), feedEvent(site, visitor, `p_${visitor}`)] };
    };
    const batch = [msg(a), msg(b), msg(a), msg(a), msg(b)];
    const first = await consume(batch);
    expect(first.explicitAcks.sort()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect([await feedStub(env, a).writes(), await feedStub(env, b).writes()]).toEqual([1, 1]);
    expect(await feedStub(env, a).recent(100)).toHaveLength(6);

    await consume(batch); // at-least-once: the same messages again
    expect([await feedStub(env, a).writes(), await feedStub(env, b).writes()]).toEqual([2, 2]);
    const ids = (await feedStub(env, a).recent(100)).map((e) => e.id);
    expect(ids).toHaveLength(6);
    expect(new Set(ids).size).toBe(6);
    expect((await feedStub(env, a).recentProfiles(0, 10)).total).toBe(3);
  });

  it("retries a site's messages when its append fails, and acknowledges the other sites'", async () => {
    const [ok, broken] = [await createSite(), await createSite()];
    const good = { site: ok, events: [feedEvent(ok, anon(), 'p_ok')] };
    const bad = { site: broken, events: [{ ...feedEvent(broken, anon(), 'p_bad'), receivedAt: undefined } as unknown as FeedEvent] };
    const result = await consume([good, bad, { nonsense: true } as unknown as FeedMessage]);
    expect(result.explicitAcks.sort()).toEqual(['m0', 'm2']); // the malformed one is dropped, not retried forever
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(['m1']);
    expect(await feedStub(env, broken).recent(10)).toEqual([]);
  });

  it('splits an accepted batch too large for one queue message, and slims an event too large on its own', async () => {
    const visitor = anon();
    const big = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${i}`, 'x'.repeat(2048)]));
    const events = [
      ...Array.from({ length: 600 }, () => feedEvent('s', visitor, 'p_1', { name: 'y'.repeat(200) })),
      feedEvent('s', visitor, 'p_1', { props: big }),
    ];
    const messages = feedMessages('s', events);
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) expect(new TextEncoder().encode(JSON.stringify(m)).length).toBeLessThanOrEqual(MAX_FEED_MESSAGE_BYTES);
    expect(messages.flatMap((m) => m.events.map((e) => e.id))).toEqual(events.map((e) => e.id));
    expect(messages.at(-1)!.events.at(-1)!.props).toEqual({ truncated: true });
    expect(feedMessages('s', events.slice(0, 3))).toEqual([{ site: 's', events: events.slice(0, 3) }]);

    // Through the edge: 500 events in one 64 KB request are more than 128 KB as feed entries.
    const site = await createSite();
    const many = Array.from({ length: 500 }, () => event('track', { name: 'Scrolled', page: undefined, props: { depth: 50 } }));
    expect((await post('/v1/collect', { site, anonymousId: visitor, events: many })).status).toBe(202);
    await until('every event reaches the feed', async () => (await feedStub(env, site).recent(1000)).length === 500);
    expect(feedMessages(site, await feedStub(env, site).recent(1000)).length).toBeGreaterThan(1); // it took more than one message
  });
});

describe('erasure and events still in the feed queue', () => {
  it('drops the late events of an erased person, and keeps the visits after it', async () => {
    const site = await createSite();
    const [gone, stays] = [anon(), anon()];
    const goneId = await profileIdForAnonymous(site, gone);
    // Sent and erased at once: the erasure happens while the batch may still wait in the queue.
    expect((await post('/v1/collect', { site, anonymousId: gone, events: [event(), event('track', { name: 'Signup' })] })).status).toBe(202);
    const receivedBefore = Date.now() - 1;
    expect((await admin(`/sites/${site}/profiles/anon:${gone}`, { method: 'DELETE' })).status).toBe(200);
    const marker = event('track', { name: 'After' });
    expect((await post('/v1/collect', { site, anonymousId: stays, events: [marker] })).status).toBe(202);
    const feed = feedStub(env, site);
    await until('the later batch reaches the feed', async () => (await feed.recent(10)).some((e) => e.id === marker.id));
    // And a message delivered after the erasure (a retry, a slow queue) that the edge took before it.
    expect((await consume([{ site, events: [feedEvent(site, gone, goneId, { receivedAt: receivedBefore })] }])).explicitAcks).toEqual(['m0']);
    expect((await feed.recent(100)).map((e) => e.anonymousId)).toEqual([stays]);
    expect(await feed.profilesAfter('', 0, 10)).toEqual([await profileIdForAnonymous(site, stays)]);

    // The same browser coming back after the erasure is a new visit and is shown.
    const back = feedEvent(site, gone, goneId, { receivedAt: Date.now() + 10_000 });
    await consume([{ site, events: [back] }]);
    expect((await feed.recent(1))[0]?.id).toBe(back.id);
    expect((await feed.recentProfiles(0, 10)).total).toBe(2);
  });
});
