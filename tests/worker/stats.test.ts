import { runInDurableObject } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../protocol/events';
import { STATS_DIMENSIONS, type StatsResponse } from '../../protocol/stats';
import type { Env } from '../../edge/env';
import type { ProfileObject } from '../../edge/objects/profile';
import { trafficShardOf } from '../../edge/objects/shards';
import { profileStub } from '../../edge/objects/stubs';
import { profileIdForAnonymous } from '../../edge/profiles/address';
import { openStores } from '../../edge/profiles/stores';
import { countTraffic, type TrafficIncrement } from '../../edge/profiles/traffic-store';
import type { TrafficMessage } from '../../edge/traffic/consumer';
import { admin, anon, call, createSite, hashEmail } from './helpers';
import { DIMENSIONS, expected, keysIn, type Dimension, type Query, type ScriptEvent, type ScriptVisit } from './stats-oracle';

const env = workerEnv as unknown as Env;

/**
 * The traffic overview against a brute-force oracle (stats-oracle.ts). A scripted day of traffic
 * (yesterday, UTC, at fixed hours, so nothing crosses midnight) plus a little the day before goes
 * through /v1/collect with real user agents and `cf`; every number the API answers — totals,
 * previous period, series, all twelve breakdowns, and each of them under a filter for every value
 * of every dimension — must equal what plain counting over the script's visits gives.
 */

const DAY_MS = 86_400_000;
const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
/** D: yesterday (UTC). */
const D0 = today - DAY_MS;
const dayStr = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const D = dayStr(D0);
const D_1 = dayStr(D0 - DAY_MS);
const WEEK_FROM = dayStr(D0 - 6 * DAY_MS);
/** A time on D (or `dayOffset` days from it). */
const at = (h: number, m = 0, s = 0, dayOffset = 0) => D0 + dayOffset * DAY_MS + ((h * 60 + m) * 60 + s) * 1000;

const UA = {
  chromeMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  iphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
  firefoxWin: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0',
  androidChrome: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
  edgeWin: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0',
  googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
};

/** A browser: its anonymous id, user agent and `cf`, and what the product should read from them. */
interface Browser {
  anon: string;
  ua: string;
  cf?: { country: string; region?: string };
  facts: Pick<ScriptVisit, 'country' | 'region' | 'device' | 'browser' | 'os'>;
}

const browser = (ua: string, cf: Browser['cf'], device: string, name: string, os: string, a = anon()): Browser => ({
  anon: a, ua, cf, facts: { country: cf?.country, region: cf?.region, device, browser: name, os },
});

/** An event as the script writes it: a page view's query string and referrer are only sent, never read by the oracle. */
type Ev = ScriptEvent & { query?: string; referrer?: string };
const page = (ts: number, path: string, extra: { query?: string; referrer?: string } = {}): Ev => ({ ts, type: 'page', path, ...extra });
const track = (ts: number, name: string, props?: Record<string, string | number>): Ev => ({ ts, type: 'track', name, ...(props && { props }) });

let seq = 0;
const eid = () => `evt_${(seq++).toString(36).padStart(4, '0')}_${crypto.randomUUID().replace(/-/g, '').slice(0, 20)}`;

/** The wire form /v1/collect takes (ids fixed once, so a batch can be sent again exactly). */
function wire(e: Ev): Record<string, unknown> {
  if (e.type === 'page') {
    return {
      id: eid(), type: 'page', ts: e.ts,
      page: { url: `https://shop.test${e.path}${e.query ?? ''}`, title: e.path, ...(e.referrer && { referrer: e.referrer }) },
    };
  }
  return { id: eid(), type: e.type, name: e.name, ts: e.ts, ...(e.props && { props: e.props }) };
}

/** One /v1/collect call of the script, and the visit it makes (if any) as the oracle sees it. */
interface Step {
  from: Browser;
  events: Record<string, unknown>[];
  visit?: ScriptVisit;
}

type Labels = Pick<ScriptVisit, 'channel' | 'referrer' | 'campaign'>;

function visitStep(person: string, b: Browser, labels: Labels, events: Ev[], extra: Record<string, unknown>[] = []): Step {
  const visit: ScriptVisit = { person, ...labels, ...b.facts, events: events.map(({ query: _q, referrer: _r, ...e }) => e) };
  return { from: b, events: [...events.map(wire), ...extra], visit };
}

const GOALS = ['purchase', 'signup'];
/** An experience's goal: a conversion too. */
const EXPERIENCE_GOAL = 'trial_started';
const ALL_GOALS = [...GOALS, EXPERIENCE_GOAL];

interface Stats extends Omit<StatsResponse, 'current' | 'site'> {}

async function collect(site: string, b: Browser, events: unknown[]) {
  const res = await call('/v1/collect', {
    method: 'POST',
    body: JSON.stringify({ site, anonymousId: b.anon, events }),
    headers: { 'content-type': 'text/plain', 'user-agent': b.ua },
    ...(b.cf && { cf: b.cf }),
  } as RequestInit);
  expect(res.status).toBe(202);
  return (await res.json()) as { accepted: number; duplicates: number };
}

async function statsRaw(site: string, params: Record<string, string>): Promise<Response> {
  return admin(`/sites/${site}/stats?${new URLSearchParams(params)}`);
}

/** The answer without `site` and `current` (people seen in the last 5 minutes of real time). */
async function stats(site: string, params: Record<string, string>): Promise<Stats> {
  const res = await statsRaw(site, params);
  if (res.status !== 200) throw new Error(`stats ${JSON.stringify(params)}: ${res.status} ${await res.text()}`);
  const { current, site: s, ...rest } = (await res.json()) as StatsResponse;
  expect(s).toBe(site);
  expect(typeof current).toBe('number');
  return rest;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The answer once the traffic queue has delivered: at least `pageviews` page views, and the same
 * answer for 1.5 s (longer than the queue's 1 s batching). Gives up after ~15 s.
 */
async function settled(site: string, params: Record<string, string>, pageviews: number, ready: (s: Stats) => boolean = () => true): Promise<Stats> {
  const deadline = Date.now() + 15_000;
  let last = '';
  let since = 0;
  let answer: Stats | null = null;
  while (Date.now() < deadline) {
    answer = await stats(site, params);
    const now = JSON.stringify(answer);
    if (answer.totals.pageviews >= pageviews && ready(answer)) {
      if (now === last && Date.now() - since >= 1_500) return answer;
      if (now !== last) [last, since] = [now, Date.now()];
    } else {
      last = '';
    }
    await sleep(150);
  }
  throw new Error(`stats of ${site} never settled at ${pageviews} page views; last answer: ${JSON.stringify(answer?.totals)}`);
}

const q = (from: string, to: string, interval: 'hour' | 'day', extra: Partial<Query> = {}): Query => ({ from, to, interval, ...extra });
const params = (x: Query): Record<string, string> => ({
  from: x.from, to: x.to, interval: x.interval,
  ...(x.filter && { filter: `${x.filter.dimension}:${x.filter.value}` }),
  ...(x.limit !== undefined && { limit: String(x.limit) }),
});

describe('traffic overview (GET /api/sites/:site/stats)', () => {
  let site = '';
  let visits: ScriptVisit[] = [];
  let retryable: Step | null = null;
  let laptopStep: Step | null = null;
  /** Whose profile survived the merge, so the post-merge visit is sent from the other browser. */
  let merge = { survivor: '', retired: '', postMergeFrom: '' as 'laptop' | 'phone' };

  const oracle = (x: Query) => expected(visits, ALL_GOALS, x);

  beforeAll(async () => {
    site = await createSite({ goals: GOALS, origins: ['https://shop.test'] });
    const exp = await admin(`/sites/${site}/experiences`, {
      method: 'POST',
      body: JSON.stringify({ id: 'trial', name: 'Trial', slot: 'hero', status: 'draft', goals: [EXPERIENCE_GOAL], variants: [{ key: 'a', weight: 1 }] }),
    });
    expect(exp.status).toBe(201);

    // Ada's two browsers. The smaller profile id survives a merge: choose the phone's to be the
    // smaller, so the visit after the merge comes from the laptop, whose profile retired — its
    // counts must have been carried over to the survivor for that visit to count right.
    const laptopAnon = anon();
    const laptopId = await profileIdForAnonymous(site, laptopAnon);
    let phoneAnon = anon();
    while ((await profileIdForAnonymous(site, phoneAnon)) > laptopId) phoneAnon = anon();
    const phoneId = await profileIdForAnonymous(site, phoneAnon);
    merge = { survivor: phoneId, retired: laptopId, postMergeFrom: 'laptop' };

    const CH = { country: 'CH', region: 'Zurich' };
    const laptop = browser(UA.chromeMac, CH, 'desktop', 'Chrome', 'macOS', laptopAnon);
    const phone = browser(UA.iphone, CH, 'mobile', 'Safari', 'iOS', phoneAnon);
    const bea = browser(UA.firefoxWin, { country: 'DE', region: 'Bavaria' }, 'desktop', 'Firefox', 'Windows');
    const cy = browser(UA.iphone, { country: 'US', region: 'California' }, 'mobile', 'Safari', 'iOS');
    const dan = browser(UA.androidChrome, { country: 'FR' }, 'mobile', 'Chrome', 'Android');
    /** Sent without `cf`: counted, with no country or region. */
    const eve = browser(UA.chromeMac, undefined, 'desktop', 'Chrome', 'macOS');
    const fay = browser(UA.edgeWin, { country: 'DE', region: 'Berlin' }, 'desktop', 'Edge', 'Windows');
    const bot = browser(UA.googlebot, { country: 'US', region: 'California' }, 'bot', 'Other', 'Other');

    const email = await hashEmail('ada@example.com');
    const identify = (ts: number) => ({ id: eid(), type: 'identify', ts, traits: { email } });
    const NEWSLETTER = '?utm_source=newsletter&utm_medium=email&utm_campaign=spring_sale';
    const direct: Labels = { channel: 'direct' };

    const steps: Step[] = [
      // D-1: the previous period.
      visitStep('bea', bea, { channel: 'referral', referrer: 'news.ycombinator.com' }, [
        page(at(15, 0, 0, -1), '/pricing', { referrer: 'https://news.ycombinator.com/item?id=1' }),
      ]),
      visitStep('fay', fay, direct, [page(at(20, 0, 0, -1), '/'), page(at(20, 5, 0, -1), '/features'), track(at(20, 6, 0, -1), 'signup')]),
      // D.
      visitStep('ada-laptop', laptop, { channel: 'organic_search', referrer: 'google.com' }, [
        page(at(8, 0), '/', { referrer: 'https://www.google.com/' }),
        page(at(8, 2), '/pricing'),
        track(at(8, 3), 'scroll', { depth: 50 }),
        track(at(8, 3, 30), 'signup'),
      ], [identify(at(8, 4))]),
      // The exit page moves on and comes back; two goal events (value, then revenue over value) make one conversion.
      visitStep('bea', bea, { channel: 'referral', referrer: 'example-blog.org' }, [
        page(at(9, 10), '/pricing', { referrer: 'https://www.example-blog.org/post' }),
        page(at(9, 15), '/features'),
        page(at(9, 20), '/pricing'),
        track(at(9, 21), 'click'),
        track(at(9, 25), 'purchase', { value: 30 }),
        track(at(9, 26), 'purchase', { revenue: 20, value: 999 }),
      ]),
      // A bounce: an automatic $exposure is no interaction.
      visitStep('cy', cy, { channel: 'organic_social', referrer: 't.co' }, [
        page(at(9, 50), '/blog/post-1', { referrer: 'https://t.co/abc' }),
        track(at(9, 50), '$exposure', { experience: 'trial', variant: 'a' }),
      ]),
      // A crawler: nothing it does is counted.
      {
        from: bot,
        events: [page(at(10, 30), '/bot-only', { referrer: 'https://www.google.com/' }), page(at(10, 31), '/pricing'), track(at(10, 32), 'purchase', { revenue: 999 })].map(wire),
      },
      visitStep('dan', dan, { channel: 'email', campaign: 'spring_sale' }, [
        page(at(11, 0), '/pricing', { query: NEWSLETTER }),
        page(at(11, 3), '/checkout'),
        track(at(11, 4), 'purchase', { revenue: 80 }),
      ]),
      // Dan again, 46 minutes later in the same hour: a second visit, a bounce.
      visitStep('dan', dan, direct, [page(at(11, 50), '/')]),
      // 40 minutes after that visit's last event: belongs to no visit, its revenue counts nowhere.
      { from: dan, events: [track(at(12, 30), 'purchase', { revenue: 500 })].map(wire) },
      // Ada's phone, then the identify that merges it with the laptop.
      visitStep('ada-phone', phone, { channel: 'email', campaign: 'spring_sale' }, [
        page(at(12, 40), '/blog', { query: NEWSLETTER }),
        page(at(12, 41), '/pricing'),
        track(at(12, 45), 'purchase', { revenue: 49.5 }),
      ], [identify(at(12, 46))]),
      // A referrer from the site itself is navigation: direct, no referrer row.
      visitStep('eve', eve, direct, [page(at(13, 0), '/features', { referrer: 'https://shop.test/' })]),
      // After the merge, from the laptop: one person with the phone from now on. It enters only
      // keys the phone never had that day (or both had), so each number has one right answer.
      visitStep('ada-laptop', laptop, direct, [page(at(18, 0), '/docs'), track(at(18, 10), EXPERIENCE_GOAL, { value: 15 })]),
    ];
    for (const s of steps) await collect(site, s.from, s.events);
    visits = steps.flatMap((s) => (s.visit ? [s.visit] : []));
    retryable = steps[3]!;
    laptopStep = steps[2]!;

    // The merge happened as planned: the laptop's profile retired into the phone's.
    const who = (await (await admin(`/sites/${site}/profiles/${encodeURIComponent(`anon:${laptopAnon}`)}`)).json()) as { profileId: string; merges: { from: string }[] };
    expect(who.profileId).toBe(merge.survivor);
    expect(who.merges.map((m) => m.from)).toContain(merge.retired);

    await settled(site, params(q(WEEK_FROM, D, 'day')), 16, (s) => s.totals.conversions >= 6);
  }, 90_000);

  it('answers the headline numbers of the scripted day', async () => {
    const s = await stats(site, { from: D, to: D });
    expect(s.interval).toBe('hour'); // a single day is by hour unless asked otherwise
    expect(s.totals).toEqual({
      // Ada's laptop and phone were two people until they merged: six people, eight visits.
      visitors: 6,
      visits: 8,
      pageviews: 13,
      viewsPerVisit: 13 / 8,
      // Cy (an $exposure is no interaction), Dan's second visit, Eve.
      bounceRate: 3 / 8,
      // (3.5 + 16 + 0 + 4 + 0 + 5 + 0 + 10) minutes over 8 visits.
      avgVisitMs: (210_000 + 960_000 + 240_000 + 300_000 + 600_000) / 8,
      conversions: 5,
      // 30 + 20 (revenue over value) + 80 + 49.5 + 15 (an experience goal's value); not the bot's 999, not Dan's late 500.
      revenue: 194.5,
    });
    expect(s.previousRange).toEqual({ from: D_1, to: D_1 });
    expect(s.previous).toMatchObject({ visitors: 2, visits: 2, pageviews: 3, bounceRate: 1 / 2, conversions: 1, revenue: 0 });
    expect(s.breakdowns.channels.map((r) => [r.key, r.visitors, r.visits])).toEqual([
      ['direct', 3, 3],
      ['email', 2, 2],
      ['organic_search', 1, 1],
      ['organic_social', 1, 1],
      ['referral', 1, 1],
    ]);
    expect(s.breakdowns.goals).toEqual([
      { key: 'purchase', visitors: 3, visits: 3, pageviews: 7, conversions: 3 },
      { key: 'signup', visitors: 1, visits: 1, pageviews: 2, conversions: 1 },
      { key: 'trial_started', visitors: 1, visits: 1, pageviews: 1, conversions: 1 },
    ]);
    // /pricing: Ada's laptop and phone, Bea twice in one visit, Dan.
    expect(s.breakdowns.pages.find((r) => r.key === '/pricing')).toEqual({ key: '/pricing', visitors: 4, visits: 4, pageviews: 5, conversions: 4 });

    const week = await stats(site, { from: WEEK_FROM, to: D });
    expect(week.interval).toBe('day');
    // Bea came on both days: one visitor over the week. Fay only the day before.
    expect(week.totals).toMatchObject({ visitors: 7, visits: 10, pageviews: 16, conversions: 6 });
  });

  it('equals the oracle on the day: totals, previous period, the hourly series and all 12 breakdowns', async () => {
    expect([...STATS_DIMENSIONS]).toEqual([...DIMENSIONS]);
    const want = oracle(q(D, D, 'hour'));
    const got = await stats(site, params(q(D, D, 'hour')));
    expect(got.totals).toEqual(want.totals);
    expect(got.previous).toEqual(want.previous);
    expect(got.series).toHaveLength(24);
    expect(got.series).toEqual(want.series);
    for (const d of DIMENSIONS) expect({ [d]: got.breakdowns[d] }).toEqual({ [d]: want.breakdowns[d] });
    expect(got).toEqual(want);
    // The hour Dan visited twice: two visits, one visitor.
    expect(got.series.find((p) => p.bucket === `${D}T11`)).toMatchObject({ visitors: 1, visits: 2 });
    // The one without a default interval answers the same.
    expect(await stats(site, { from: D, to: D })).toEqual(want);
  });

  it('equals the oracle over a 7-day range by day, and over the day before (whose previous day is empty)', async () => {
    const week = q(WEEK_FROM, D, 'day');
    const got = await stats(site, params(week));
    expect(got.series.map((p) => p.bucket)).toEqual(Array.from({ length: 7 }, (_, i) => dayStr(D0 - (6 - i) * DAY_MS)));
    expect(got).toEqual(oracle(week));
    expect(got.series.at(-2)).toMatchObject({ bucket: D_1, visitors: 2, visits: 2 });
    expect(got.series.at(-1)).toMatchObject({ bucket: D, visitors: 6, visits: 8 });

    const before = q(D_1, D_1, 'hour');
    const prev = await stats(site, params(before));
    expect(prev).toEqual(oracle(before));
    expect(prev.totals.visitors).toBe(2);
    expect(prev.previous.visits).toBe(0);

    // The two days together, by hour: 48 buckets, Bea once.
    const two = q(D_1, D, 'hour');
    const both = await stats(site, params(two));
    expect(both.series).toHaveLength(48);
    expect(both).toEqual(oracle(two));
    expect(both.totals.visitors).toBe(7);
  });

  it('equals the oracle over ranges read from weekly sums: 30 days, and whole weeks around the day (with filters)', async () => {
    // Ranges of whole weeks (Monday to Sunday) are read from weekly rows, their ends from daily ones.
    const monday = D0 - ((new Date(D0).getUTCDay() + 6) % 7) * DAY_MS;
    const ranges = [q(dayStr(D0 - 29 * DAY_MS), D, 'day'), q(dayStr(monday - 7 * DAY_MS), dayStr(monday + 6 * DAY_MS), 'day')];
    for (const x of ranges) {
      expect(await stats(site, params(x))).toEqual(oracle(x));
      for (const d of ['channels', 'pages', 'exitPages', 'goals'] as const) {
        for (const value of keysIn(visits, ALL_GOALS, x.from, x.to, d)) {
          const f = { ...x, filter: { dimension: d, value } };
          expect({ query: `${x.from}..${x.to} ${d}:${value}`, ...(await stats(site, params(f))) }).toEqual({ query: `${x.from}..${x.to} ${d}:${value}`, ...oracle(f) });
        }
      }
    }
  }, 120_000);

  it('equals the oracle under a filter on every value of every dimension, on the day and over the week', async () => {
    let asked = 0;
    for (const [from, interval] of [[D, 'hour'], [WEEK_FROM, 'day']] as const) {
      for (const d of DIMENSIONS) {
        const values = keysIn(visits, ALL_GOALS, from, D, d);
        expect(values.length, `${d} has values to filter on`).toBeGreaterThan(0);
        for (const value of values) {
          const x = q(from, D, interval, { filter: { dimension: d, value } });
          const got = await stats(site, params(x));
          expect({ query: `${from} ${d}:${value}`, ...got }).toEqual({ query: `${from} ${d}:${value}`, ...oracle(x) });
          asked++;
        }
      }
    }
    expect(asked).toBeGreaterThan(60);
  }, 120_000);

  it('narrows to the visits having the key: hand-checked filters', async () => {
    const email = await stats(site, { from: D, to: D, filter: 'channels:email' });
    expect(email.filter).toEqual({ dimension: 'channels', value: 'email' });
    // Dan and Ada's phone, both on the newsletter, both bought.
    expect(email.totals).toMatchObject({ visitors: 2, visits: 2, pageviews: 4, bounceRate: 0, conversions: 2, revenue: 129.5 });
    expect(email.breakdowns.campaigns).toEqual([{ key: 'spring_sale', visitors: 2, visits: 2, pageviews: 4, conversions: 2 }]);
    expect(email.breakdowns.referrers).toEqual([]);

    const pricing = await stats(site, { from: D, to: D, filter: 'pages:/pricing' });
    expect(pricing.totals).toMatchObject({ visitors: 4, visits: 4, pageviews: 9, conversions: 4 });
    expect(pricing.breakdowns.pages.find((r) => r.key === '/pricing')?.pageviews).toBe(5);

    // A page passed through but never left from is no exit page.
    const exitFeatures = await stats(site, { from: D, to: D, filter: 'exitPages:/features' });
    expect(exitFeatures.totals).toMatchObject({ visitors: 1, visits: 1 }); // Eve's bounce, not Bea's visit
    expect(exitFeatures.breakdowns.browsers.map((r) => r.key)).toEqual(['Chrome']);

    const none = await stats(site, { from: D, to: D, filter: 'countries:JP' });
    expect(none.totals).toEqual({ visitors: 0, visits: 0, pageviews: 0, viewsPerVisit: 0, bounceRate: 0, avgVisitMs: 0, conversions: 0, revenue: 0 });
    expect(Object.values(none.breakdowns).every((rows) => rows.length === 0)).toBe(true);
    expect(none.series.every((p) => p.visits === 0)).toBe(true);
  });

  it('cuts each breakdown at `limit`, keeping the largest rows', async () => {
    const x = q(D, D, 'hour', { limit: 2 });
    const got = await stats(site, params(x));
    expect(got).toEqual(oracle(x));
    expect(got.breakdowns.pages).toHaveLength(2);
    expect(got.breakdowns.pages[0]).toMatchObject({ key: '/pricing', visitors: 4 });
  });

  it('counts a merged person once from the merge on, twice before it', async () => {
    const s = await stats(site, { from: D, to: D });
    // The laptop's visit after the merge (hour 18) is a visitor of its hour, but no new visitor of the day…
    expect(s.series.find((p) => p.bucket === `${D}T18`)).toMatchObject({ visitors: 1, visits: 1, conversions: 1 });
    // …nor of desktop or Chrome, which its retired profile had counted in the morning: Ada's laptop, Bea, Eve.
    expect(s.breakdowns.devices).toEqual([
      { key: 'desktop', visitors: 3, visits: 4, pageviews: 7, conversions: 3 },
      { key: 'mobile', visitors: 3, visits: 4, pageviews: 6, conversions: 2 },
    ]);
    expect(s.breakdowns.browsers.find((r) => r.key === 'Chrome')).toEqual({ key: 'Chrome', visitors: 3, visits: 5, pageviews: 7, conversions: 3 });
    expect(s.breakdowns.countries.find((r) => r.key === 'CH')).toEqual({ key: 'CH', visitors: 2, visits: 3, pageviews: 5, conversions: 3 });
    // New keys for both: one visitor.
    expect(s.breakdowns.entryPages.find((r) => r.key === '/docs')).toEqual({ key: '/docs', visitors: 1, visits: 1, pageviews: 1, conversions: 1 });
  });

  it('does not count bots, and counts a request without cf with no country', async () => {
    const s = await stats(site, { from: D, to: D });
    expect(s.breakdowns.devices.map((r) => r.key)).not.toContain('bot');
    expect(s.breakdowns.pages.map((r) => r.key)).not.toContain('/bot-only');
    expect(s.breakdowns.browsers.map((r) => r.key)).not.toContain('Other');
    // Eve's visit counts in the totals, but under no country or region.
    const countries = s.breakdowns.countries;
    expect(countries.reduce((n, r) => n + r.visits, 0)).toBe(s.totals.visits - 1);
    expect(countries.map((r) => r.key).sort()).toEqual(['CH', 'DE', 'FR', 'US']);
    expect(s.breakdowns.regions.map((r) => r.key).sort()).toEqual(['CH: Zurich', 'DE: Bavaria', 'US: California']);
    const eve = await stats(site, { from: D, to: D, filter: 'entryPages:/features' });
    expect(eve.totals).toMatchObject({ visitors: 1, visits: 1, bounceRate: 1 });
    expect(eve.breakdowns.countries).toEqual([]);
    expect(eve.breakdowns.referrers).toEqual([]); // its referrer was the site itself
    expect(eve.breakdowns.channels.map((r) => r.key)).toEqual(['direct']);
  });

  it('changes nothing when a /v1/collect batch is retried', async () => {
    const before = await stats(site, params(q(WEEK_FROM, D, 'day')));
    const again = await collect(site, retryable!.from, retryable!.events);
    expect(again).toMatchObject({ accepted: 0, duplicates: retryable!.events.length });
    // Also the laptop's morning batch, sent again after its profile retired into the phone's.
    const laptopMorning = await collect(site, laptopStep!.from, laptopStep!.events);
    expect(laptopMorning).toMatchObject({ accepted: 0, duplicates: laptopStep!.events.length });
    await sleep(2_500); // past the queue's batching: anything it had caused would have arrived
    expect(await stats(site, params(q(WEEK_FROM, D, 'day')))).toEqual(before);
    expect(await stats(site, params(q(D, D, 'hour')))).toEqual(oracle(q(D, D, 'hour')));
  });

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

  it('refuses bad queries with a JSON 400 naming the parameter', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ filter: 'nope:x' }, /^filter/],
      [{ filter: 'pages' }, /^filter/],
      [{ filter: ':x' }, /^filter/],
      [{ filter: 'pages:' }, /^filter/],
      [{ interval: 'week' }, /^interval/],
      [{ interval: 'HOUR' }, /^interval/],
      [{ from: dayStr(D0 - 31 * DAY_MS), to: D, interval: 'hour' }, /^interval/],
      [{ limit: '0' }, /^limit/],
      [{ limit: '1001' }, /^limit/],
      [{ limit: '1.5' }, /^limit/],
      [{ limit: '-1' }, /^limit/],
      [{ limit: 'ten' }, /^limit/],
      [{ limit: '' }, /^limit/],
      [{ from: '2026-13-01', to: D }, /^from/],
      [{ from: '2026-02-30', to: D }, /^from/],
      [{ from: 'yesterday', to: D }, /^from/],
      [{ from: D, to: `${D}T00:00` }, /^to/],
      [{ from: D, to: D_1 }, /^from/],
      [{ from: dayStr(D0 - 800 * DAY_MS), to: D }, /^from/],
    ];
    for (const [p, message] of cases) {
      const res = await statsRaw(site, p);
      expect({ p, status: res.status }).toEqual({ p, status: 400 });
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect({ p, code: body.error.code }).toEqual({ p, code: 'bad_request' });
      expect(body.error.message, JSON.stringify(p)).toMatch(message);
    }
    // The edges that are allowed: 31 days by hour, limit 1 and 1000.
    const month = await stats(site, { from: dayStr(D0 - 30 * DAY_MS), to: D, interval: 'hour' });
    expect(month.series).toHaveLength(31 * 24);
    expect((await stats(site, { from: D, to: D, limit: '1' })).breakdowns.pages).toHaveLength(1);
    expect((await stats(site, { from: D, to: D, limit: '1000' })).breakdowns.pages).toHaveLength(7);
  });

  it('needs the admin token, and answers 404 for a site that does not exist', async () => {
    const none = await call(`/api/sites/${site}/stats?from=${D}&to=${D}`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    const wrong = await call(`/api/sites/${site}/stats`, { headers: { Authorization: 'Bearer not-the-token' } });
    expect(wrong.status).toBe(401);
    const missing = await statsRaw('no-such-site-here', { from: D, to: D });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
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
