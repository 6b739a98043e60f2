import { beforeAll, describe, expect, it } from 'vitest';
import { STATS_DIMENSIONS } from '../../protocol/stats';
import { admin, call } from './helpers';
import { DIMENSIONS, expected, keysIn, type Query, type ScriptVisit } from './stats-oracle';
import { ALL_GOALS, D, D0, DAY_MS, D_1, type Step, WEEK_FROM, at, collect, dayStr, page, params, q, sleep, stats, statsRaw, sendScriptedDay } from './stats-script';

/**
 * The traffic overview against a brute-force oracle (stats-oracle.ts): the scripted day
 * (stats-script.ts) goes through /v1/collect with real user agents and `cf`; every number the API
 * answers — totals, previous period, series, all twelve breakdowns, and each of them under a
 * filter for every value of every dimension — must equal what plain counting over the visits gives.
 */
describe('traffic overview (GET /api/sites/:site/stats)', () => {
  let site = '';
  let visits: ScriptVisit[] = [];
  let retryable: Step | null = null;
  let laptopStep: Step | null = null;
  /** Whose profile survived the merge, so the post-merge visit is sent from the other browser. */
  let merge = { survivor: '', retired: '', postMergeFrom: '' as 'laptop' | 'phone' };

  const oracle = (x: Query) => expected(visits, ALL_GOALS, x);

  beforeAll(async () => {
    ({ site, visits, retryable, laptopStep, merge } = await sendScriptedDay());
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
