import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../protocol/events';
import type { ProfileObject } from '../../edge/objects/profile';
import { trafficShardOf } from '../../edge/objects/shards';
import { profileStub } from '../../edge/objects/stubs';
import { openStores } from '../../edge/profiles/stores';
import { countTraffic, type TrafficIncrement } from '../../edge/profiles/traffic-store';
import type { TrafficMessage } from '../../edge/traffic/consumer';
import { admin, anon, createSite, hashEmail } from './helpers';
import { profileIdForAnonymous } from '../../edge/profiles/address';
import { expected, type ScriptVisit } from './stats-oracle';
import { type Browser, D, D_1, type Ev, type Labels, UA, at, browser, collect, dayStr, eid, env, page, params, q, settled, today, track, wire } from './stats-script';

/** The traffic overview when increments are redelivered, and when batches arrive late or out of order. */
describe('traffic overview: a redelivered increment', () => {
  it('changes nothing when the traffic queue redelivers an increment', async () => {
    const other = await createSite();
    const profileId = `p_replay_${crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`;
    const evs: Ev[] = [
      page(at(10, 0), '/pricing', { query: '?utm_source=newsletter&utm_medium=email&utm_campaign=spring_sale' }),
      track(at(10, 5), 'scroll'),
      page(at(10, 6), '/checkout'),
      track(at(10, 7), 'purchase', { revenue: 42 }),
    ];
    // A page view carries its request's geo and device in its context, as /v1/collect stores it.
    const facts = { country: 'CH', region: 'CH: Zurich', device: 'desktop', browser: 'Firefox', os: 'Linux' };
    const rows: StoredEvent[] = evs.map((e, i) => ({
      id: `evt_replay_${i}`, type: e.type, name: e.name ?? null, ts: e.ts, receivedAt: Date.now(), anonymousId: 'anon_replay',
      url: e.type === 'page' ? `https://shop.test${e.path}${e.query ?? ''}` : null, path: e.path ?? null, title: null, referrer: null,
      context: e.type === 'page' ? facts : null,
      props: e.type === 'page' && e.query ? Object.fromEntries(new URLSearchParams(e.query)) : (e.props ?? null),
    }));
    // The increments the real counting code makes, in a throwaway profile object.
    const increments = await runInDurableObject(profileStub(env, other, profileId), (_o: ProfileObject, state) => {
      const s = openStores(state, env);
      const out: TrafficIncrement[][] = [];
      for (const row of rows) {
        const mine: TrafficIncrement[] = [];
        countTraffic(s.sql, s.meta, profileId, [row], { goals: ['purchase'], siteHosts: [] }, (i) => mine.push(i));
        out.push(mine);
      }
      return out;
    });
    expect(increments.map((x) => x.length)).toEqual([1, 1, 1, 1]);
    const msg = (i: number): { body: TrafficMessage } => ({ body: { site: other, shard: trafficShardOf(profileId), item: increments[i]![0]! } });
    const visit: ScriptVisit = { person: profileId, channel: 'email', campaign: 'spring_sale', country: 'CH', region: 'Zurich', device: 'desktop', browser: 'Firefox', os: 'Linux', events: [] };
    const upTo = (n: number) => ({ ...visit, events: evs.slice(0, n).map(({ query: _q, referrer: _r, ...e }) => e) });
    const day = q(D, D, 'hour');

    await env.TRAFFIC_QUEUE.sendBatch([msg(0)]);
    const first = await settled(other, params(day), 1);
    expect(first).toEqual(expected([upTo(1)], ['purchase'], day));
    expect(first.totals).toMatchObject({ visitors: 1, visits: 1, pageviews: 1, bounceRate: 1 });

    // The page view again (twice), then the scroll: the visit stops being a bounce, and is still one visit of one person.
    await env.TRAFFIC_QUEUE.sendBatch([msg(0), msg(0)]);
    await env.TRAFFIC_QUEUE.sendBatch([msg(0), msg(1)]);
    const second = await settled(other, params(day), 1, (s) => s.totals.bounceRate === 0);
    expect(second).toEqual(expected([upTo(2)], ['purchase'], day));
    expect(second.totals).toMatchObject({ visitors: 1, visits: 1, pageviews: 1, bounceRate: 0, avgVisitMs: 300_000 });

    // Everything redelivered, in one batch and one by one, with the rest of the visit.
    await env.TRAFFIC_QUEUE.sendBatch([msg(0), msg(1), msg(2), msg(3), msg(0), msg(1), msg(2), msg(3)]);
    for (const i of [2, 1, 0, 3]) await env.TRAFFIC_QUEUE.sendBatch([msg(i)]);
    const third = await settled(other, params(day), 2, (s) => s.totals.conversions === 1);
    expect(third).toEqual(expected([upTo(4)], ['purchase'], day));
    expect(third.totals).toMatchObject({ visitors: 1, visits: 1, pageviews: 2, conversions: 1, revenue: 42 });
    // The exit page moved on: /pricing is no exit page any more, in the rows or their visitors.
    expect(third.breakdowns.exitPages).toEqual([{ key: '/checkout', visitors: 1, visits: 1, pageviews: 2, conversions: 1 }]);
  }, 60_000);

});

/**
 * Batches that arrive late or out of order: the tag keeps unsent events in IndexedDB and sends
 * them on a later page (after that page's own events), and two tabs send independently. A visit
 * is still a person's events with no gap over 30 minutes by their time, counted on the day its
 * first page view happened.
 */
describe('traffic overview: events arriving late or out of order', () => {
  /** A new site, and one browser's batches sent to it in the order given. */
  async function person(batches: Ev[][], b: Browser) {
    const site = await createSite();
    for (const events of batches) await collect(site, b, events.map(wire));
    return site;
  }
  const firefox = () => browser(UA.firefoxWin, { country: 'DE', region: 'Bavaria' }, 'desktop', 'Firefox', 'Windows');
  const asVisit = (person: string, b: Browser, labels: Labels, events: Ev[]): ScriptVisit =>
    ({ person, ...labels, ...b.facts, events: events.map(({ query: _q, referrer: _r, ...e }) => e) });

  it('counts a visit that goes on past midnight on the day it started', async () => {
    const b = firefox();
    const events = [page(at(23, 50, 0, -1), '/late'), page(at(0, 10), '/after-midnight'), track(at(0, 15), 'click')];
    const site = await person([events], b);
    const x = q(D_1, D, 'hour');
    const got = await settled(site, params(x), 2, (s) => s.totals.bounceRate === 0);
    expect(got).toEqual(expected([asVisit('x', b, { channel: 'direct' }, events)], [], x));
    expect(got.series.find((p) => p.bucket === `${D_1}T23`)).toMatchObject({ visits: 1, pageviews: 2, avgVisitMs: 25 * 60_000 });
    expect(got.series.filter((p) => p.bucket.startsWith(D)).every((p) => p.visits === 0)).toBe(true);
  });

  it("counts yesterday's page views sent today, after today's visit, on yesterday in a visit of their own", async () => {
    const b = firefox();
    const today = [page(at(9, 0), '/today'), page(at(9, 5), '/today-2')];
    const yesterday = [page(at(15, 0, 0, -1), '/yesterday')];
    const site = await person([today, yesterday], b);
    const x = q(D_1, D, 'day');
    const got = await settled(site, params(x), 3);
    const want = expected([asVisit('x', b, { channel: 'direct' }, yesterday), asVisit('x', b, { channel: 'direct' }, today)], [], x);
    expect(got.series).toEqual(want.series);
    expect(got.breakdowns.exitPages).toEqual(want.breakdowns.exitPages);
    expect(got).toEqual(want);
  });

  it('takes entry and exit page and duration from the events\' times when two batches of a visit arrive swapped', async () => {
    const b = firefox();
    const first = [page(at(10, 0), '/a')];
    const second = [page(at(10, 5), '/b')];
    const site = await person([second, first], b);
    const x = q(D, D, 'hour');
    const got = await settled(site, params(x), 2);
    const want = expected([asVisit('x', b, { channel: 'direct' }, [...first, ...second])], [], x);
    expect(got.breakdowns.entryPages.map((r) => r.key)).toEqual(['/a']);
    expect(got.breakdowns.exitPages.map((r) => r.key)).toEqual(['/b']);
    expect(got.totals.avgVisitMs).toBe(5 * 60_000);
    expect(got).toEqual(want);
  });

  it('carries a visit still open on a merged-away profile on in the survivor (real time)', async () => {
    const site = await createSite();
    const laptopAnon = anon();
    const laptopId = await profileIdForAnonymous(site, laptopAnon);
    let phoneAnon = anon();
    while ((await profileIdForAnonymous(site, phoneAnon)) > laptopId) phoneAnon = anon();
    const laptop = browser(UA.chromeMac, { country: 'CH', region: 'Zurich' }, 'desktop', 'Chrome', 'macOS', laptopAnon);
    const phone = browser(UA.iphone, { country: 'CH', region: 'Zurich' }, 'mobile', 'Safari', 'iOS', phoneAnon);
    const email = await hashEmail('open-visit@example.com');
    const now = Date.now();
    const identify = (ts: number) => ({ id: eid(), type: 'identify', ts, traits: { email } });
    const events = [page(now - 10 * 60_000, '/pricing'), page(now - 2 * 60_000, '/checkout')];
    await collect(site, laptop, [wire(events[0]!), identify(now - 9 * 60_000)]);
    await collect(site, phone, [identify(now - 5 * 60_000)]); // merges: the laptop's profile retires into the phone's
    await collect(site, laptop, [wire(events[1]!)]);
    const who = (await (await admin(`/sites/${site}/profiles/${encodeURIComponent(`anon:${laptopAnon}`)}`)).json()) as { profileId: string };
    expect(who.profileId).toBe(await profileIdForAnonymous(site, phoneAnon));
    const x = q(dayStr(now - 10 * 60_000), dayStr(now), 'day');
    const got = await settled(site, params(x), 2);
    // One visit, through two pages: no bounce, and /pricing is no exit page.
    expect(got).toEqual(expected([asVisit('ada', laptop, { channel: 'direct' }, events)], [], x));
    expect(got.totals).toMatchObject({ visitors: 1, visits: 1, pageviews: 2, bounceRate: 0 });
  });
});

