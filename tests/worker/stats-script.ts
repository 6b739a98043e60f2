/**
 * The scripted traffic of the overview tests (stats.test.ts, stats-late.test.ts): browsers with
 * their user agents and `cf`, the events of a day as the tag sends them, and reading the answer
 * once the counts have settled.
 */
import { env as workerEnv } from 'cloudflare:workers';
import { expect } from 'vitest';
import type { StatsResponse } from '../../protocol/stats';
import type { Env } from '../../edge/env';
import { profileIdForAnonymous } from '../../edge/profiles/address';
import { admin, anon, call, createSite, hashEmail } from './helpers';
import { expected, type Query, type ScriptEvent, type ScriptVisit } from './stats-oracle';

export const env = workerEnv as unknown as Env;

/**
 * The traffic overview against a brute-force oracle (stats-oracle.ts). A scripted day of traffic
 * (yesterday, UTC, at fixed hours, so nothing crosses midnight) plus a little the day before goes
 * through /v1/collect with real user agents and `cf`; every number the API answers — totals,
 * previous period, series, all twelve breakdowns, and each of them under a filter for every value
 * of every dimension — must equal what plain counting over the script's visits gives.
 */

export const DAY_MS = 86_400_000;
export const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
/** D: yesterday (UTC). */
export const D0 = today - DAY_MS;
export const dayStr = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const D = dayStr(D0);
export const D_1 = dayStr(D0 - DAY_MS);
export const WEEK_FROM = dayStr(D0 - 6 * DAY_MS);
/** A time on D (or `dayOffset` days from it). */
export const at = (h: number, m = 0, s = 0, dayOffset = 0) => D0 + dayOffset * DAY_MS + ((h * 60 + m) * 60 + s) * 1000;

export const UA = {
  chromeMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  iphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
  firefoxWin: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0',
  androidChrome: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
  edgeWin: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0',
  googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
};

/** A browser: its anonymous id, user agent and `cf`, and what the product should read from them. */
export interface Browser {
  anon: string;
  ua: string;
  cf?: { country: string; region?: string };
  facts: Pick<ScriptVisit, 'country' | 'region' | 'device' | 'browser' | 'os'>;
}

export const browser = (ua: string, cf: Browser['cf'], device: string, name: string, os: string, a = anon()): Browser => ({
  anon: a, ua, cf, facts: { country: cf?.country, region: cf?.region, device, browser: name, os },
});

/** An event as the script writes it: a page view's query string and referrer are only sent, never read by the oracle. */
export type Ev = ScriptEvent & { query?: string; referrer?: string };
export const page = (ts: number, path: string, extra: { query?: string; referrer?: string } = {}): Ev => ({ ts, type: 'page', path, ...extra });
export const track = (ts: number, name: string, props?: Record<string, string | number>): Ev => ({ ts, type: 'track', name, ...(props && { props }) });

let seq = 0;
export const eid = () => `evt_${(seq++).toString(36).padStart(4, '0')}_${crypto.randomUUID().replace(/-/g, '').slice(0, 20)}`;

/** The wire form /v1/collect takes (ids fixed once, so a batch can be sent again exactly). */
export function wire(e: Ev): Record<string, unknown> {
  if (e.type === 'page') {
    return {
      id: eid(), type: 'page', ts: e.ts,
      page: { url: `https://shop.test${e.path}${e.query ?? ''}`, title: e.path, ...(e.referrer && { referrer: e.referrer }) },
    };
  }
  return { id: eid(), type: e.type, name: e.name, ts: e.ts, ...(e.props && { props: e.props }) };
}

/** One /v1/collect call of the script, and the visit it makes (if any) as the oracle sees it. */
export interface Step {
  from: Browser;
  events: Record<string, unknown>[];
  visit?: ScriptVisit;
}

export type Labels = Pick<ScriptVisit, 'channel' | 'referrer' | 'campaign'>;

export function visitStep(person: string, b: Browser, labels: Labels, events: Ev[], extra: Record<string, unknown>[] = []): Step {
  const visit: ScriptVisit = { person, ...labels, ...b.facts, events: events.map(({ query: _q, referrer: _r, ...e }) => e) };
  return { from: b, events: [...events.map(wire), ...extra], visit };
}

export const GOALS = ['purchase', 'signup'];
/** An experience's goal: a conversion too. */
export const EXPERIENCE_GOAL = 'trial_started';
export const ALL_GOALS = [...GOALS, EXPERIENCE_GOAL];

export interface Stats extends Omit<StatsResponse, 'current' | 'site'> {}

export async function collect(site: string, b: Browser, events: unknown[]) {
  const res = await call('/v1/collect', {
    method: 'POST',
    body: JSON.stringify({ site, anonymousId: b.anon, events }),
    headers: { 'content-type': 'text/plain', 'user-agent': b.ua },
    ...(b.cf && { cf: b.cf }),
  } as RequestInit);
  expect(res.status).toBe(202);
  return (await res.json()) as { accepted: number; duplicates: number };
}

export async function statsRaw(site: string, params: Record<string, string>): Promise<Response> {
  return admin(`/sites/${site}/stats?${new URLSearchParams(params)}`);
}

/** The answer without `site` and `current` (people seen in the last 5 minutes of real time). */
export async function stats(site: string, params: Record<string, string>): Promise<Stats> {
  const res = await statsRaw(site, params);
  if (res.status !== 200) throw new Error(`stats ${JSON.stringify(params)}: ${res.status} ${await res.text()}`);
  const { current, site: s, ...rest } = (await res.json()) as StatsResponse;
  expect(s).toBe(site);
  expect(typeof current).toBe('number');
  return rest;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The answer once the traffic queue has delivered: at least `pageviews` page views, and the same
 * answer for 1.5 s (longer than the queue's 1 s batching). Gives up after ~15 s.
 */
export async function settled(site: string, params: Record<string, string>, pageviews: number, ready: (s: Stats) => boolean = () => true): Promise<Stats> {
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

export const q = (from: string, to: string, interval: 'hour' | 'day', extra: Partial<Query> = {}): Query => ({ from, to, interval, ...extra });
export const params = (x: Query): Record<string, string> => ({
  from: x.from, to: x.to, interval: x.interval,
  ...(x.filter && { filter: `${x.filter.dimension}:${x.filter.value}` }),
  ...(x.limit !== undefined && { limit: String(x.limit) }),
});

/**
 * Sends the scripted day (and a little the day before) to a new site and waits until it is
 * counted. Returns the site, the visits the oracle counts, and the batches the tests send again.
 */
export async function sendScriptedDay() {
  const site = await createSite({ goals: GOALS, origins: ['https://shop.test'] });
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
  const merge = { survivor: phoneId, retired: laptopId, postMergeFrom: 'laptop' as 'laptop' | 'phone' };

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
  const visits = steps.flatMap((s) => (s.visit ? [s.visit] : []));
  const retryable = steps[3]!;
  const laptopStep = steps[2]!;

  // The merge happened as planned: the laptop's profile retired into the phone's.
  const who = (await (await admin(`/sites/${site}/profiles/${encodeURIComponent(`anon:${laptopAnon}`)}`)).json()) as { profileId: string; merges: { from: string }[] };
  expect(who.profileId).toBe(merge.survivor);
  expect(who.merges.map((m) => m.from)).toContain(merge.retired);

  await settled(site, params(q(WEEK_FROM, D, 'day')), 16, (s) => s.totals.conversions >= 6);
  return { site, visits, retryable, laptopStep, merge };
}
