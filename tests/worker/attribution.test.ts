import { describe, expect, it } from 'vitest';
import { admin, anon, createSite, feedWith, hashEmail, post } from './helpers';

/**
 * Attribution and funnels end to end in workerd: conversions credited inside the profile from its
 * sessions (across devices once merged), credits summed from the site's shards, customer referrals,
 * retries credited once; funnels worked out per person.
 */
const DAY = 86_400_000;
let n = 0;
const id = () => `evt_${Date.now().toString(36)}${(n++).toString(36)}${crypto.randomUUID().slice(0, 8)}`;

/** A page view landing on `url` from `referrer` at `ts`: the first of a session is a touch. */
const page = (url: string, ts: number, referrer = '') => ({ id: id(), type: 'page', ts, page: { url, path: new URL(url).pathname, referrer, title: 'Shop' } });
const track = (name: string, ts: number, props?: Record<string, unknown>) => ({ id: id(), type: 'track', name, ts, page: { url: 'https://shop.test/checkout', path: '/checkout' }, ...(props && { props }) });

async function collect(site: string, anonymousId: string, events: unknown[]) {
  const res = await post('/v1/collect', { site, anonymousId, events });
  expect(res.status).toBe(202);
}

interface Report {
  conversions: number;
  revenue: number;
  byChannel: { key: string; conversions: number; revenue: number }[];
  byCampaign: { key: string; conversions: number; revenue: number }[];
  byReferralCode: { key: string; conversions: number; revenue: number; profileId: string | null }[];
}

async function report(site: string, model: string, query = ''): Promise<Report> {
  const res = await admin(`/sites/${site}/attribution?model=${model}${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Report;
}

async function reportWhen(site: string, model: string, conversions: number): Promise<Report> {
  for (let i = 0; i < 80; i++) {
    const r = await report(site, model);
    if (Math.abs(r.conversions - conversions) < 1e-9) return r;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`attribution never reached ${conversions} conversions`);
}

const row = (rows: Report['byChannel'], key: string) => rows.find((r) => r.key === key);

describe('attribution', () => {
  it('credits a two-touch journey under every model, and a retried conversion once', async () => {
    const site = await createSite({ goals: ['Purchase'], origins: ['https://shop.test'] });
    const v = anon();
    const now = Date.now();
    await collect(site, v, [page('https://shop.test/?utm_source=google&utm_medium=cpc&utm_campaign=spring', now - 10 * DAY)]);
    await collect(site, v, [page('https://shop.test/blog', now - 3 * DAY, 'https://news.ycombinator.com/')]);
    const buy = [page('https://shop.test/cart', now - 1000), track('Purchase', now, { revenue: 120 })]; // direct session
    await collect(site, v, buy);
    await collect(site, v, buy); // retried

    const first = await reportWhen(site, 'first_touch', 1);
    expect(first.revenue).toBe(120);
    expect(row(first.byChannel, 'paid_search')).toMatchObject({ conversions: 1, revenue: 120 });
    expect(row(first.byCampaign, 'spring')).toMatchObject({ conversions: 1 });

    const last = await report(site, 'last'); // the contract's short name (docs/ARCHITECTURE.md, Public contract)
    expect(row(last.byChannel, 'referral')).toMatchObject({ conversions: 1, revenue: 120 });

    const linear = await report(site, 'linear');
    expect(linear.conversions).toBeCloseTo(1, 9);
    for (const ch of ['paid_search', 'referral', 'direct']) expect(row(linear.byChannel, ch)?.conversions).toBeCloseTo(1 / 3, 6);
    expect(linear.byChannel.reduce((s, r) => s + r.revenue, 0)).toBeCloseTo(120, 2);

    const position = await report(site, 'position_based');
    expect(row(position.byChannel, 'paid_search')?.conversions).toBeCloseTo(0.4, 6);
    expect(row(position.byChannel, 'referral')?.conversions).toBeCloseTo(0.2, 6);
    expect(row(position.byChannel, 'direct')?.conversions).toBeCloseTo(0.4, 6);

    const decay = await report(site, 'time_decay');
    const w = [2 ** (-10 * DAY / (7 * DAY)), 2 ** (-3 * DAY / (7 * DAY)), 2 ** (-1000 / (7 * DAY))];
    const sum = w[0]! + w[1]! + w[2]!;
    expect(row(decay.byChannel, 'paid_search')?.conversions).toBeCloseTo(w[0]! / sum, 5);
    expect(row(decay.byChannel, 'direct')?.conversions).toBeCloseTo(w[2]! / sum, 5);
  });

  it('credits a cross-device journey once, through the merged profile', async () => {
    const site = await createSite({ goals: ['Purchase'] });
    const laptop = anon();
    const phone = anon();
    const email = await hashEmail('journey@example.com');
    const now = Date.now();
    await collect(site, laptop, [page('https://shop.test/?utm_source=newsletter&utm_medium=email&utm_campaign=weekly', now - 5 * DAY)]);
    await collect(site, laptop, [{ id: id(), type: 'identify', ts: now - 5 * DAY + 1000, userId: 'u-journey', traits: { email } }]);
    await collect(site, phone, [{ id: id(), type: 'identify', ts: now - 2000, traits: { email } }]);
    await feedWith(site, 3);
    await collect(site, phone, [page('https://shop.test/product', now - 1000), track('Purchase', now, { revenue: 40 })]);
    const first = await reportWhen(site, 'first_touch', 1);
    expect(row(first.byChannel, 'email')).toMatchObject({ conversions: 1, revenue: 40 });
    expect(row(first.byCampaign, 'weekly')?.conversions).toBe(1);
    const last = await report(site, 'last_non_direct');
    expect(row(last.byChannel, 'email')?.conversions).toBe(1); // the phone's direct visit does not take it
  });

  it('credits customers who bring customers, resolving the referrer', async () => {
    const site = await createSite({ goals: ['Signup'] });
    const ada = anon();
    await collect(site, ada, [{ id: id(), type: 'identify', ts: Date.now() - 5000, userId: 'ada' }]);
    const friend = anon();
    await collect(site, friend, [page('https://shop.test/?ref=ada', Date.now() - 1000), track('Signup', Date.now())]);
    const r = await reportWhen(site, 'last_non_direct', 1);
    expect(row(r.byChannel, 'customer_referral')?.conversions).toBe(1);
    const adaProfile = (await (await admin(`/sites/${site}/profiles/user:ada`)).json()) as { profileId: string };
    expect(r.byReferralCode).toEqual([{ key: 'ada', conversions: 1, revenue: 0, profileId: adaProfile.profileId }]);
    // Filters: another goal has nothing; a range before today has nothing.
    expect((await report(site, 'linear', '&goal=Purchase')).conversions).toBe(0);
    expect((await report(site, 'linear', '&from=2020-01-01&to=2020-01-31')).conversions).toBe(0);
  });

  it('refuses unknown models and bad ranges with clear errors', async () => {
    const site = await createSite();
    const bad = await admin(`/sites/${site}/attribution?model=magic`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/model: must be one of first_touch/);
    expect((await admin(`/sites/${site}/attribution?from=2026-13-01`)).status).toBe(400);
    expect((await admin(`/sites/${site}/attribution?from=2026-05-02&to=2026-05-01`)).status).toBe(400);
  });
});

describe('funnels', () => {
  it('counts people entering each step in order, conversion between steps and median times', async () => {
    const site = await createSite();
    const now = Date.now();
    const a = anon();
    const b = anon();
    const c = anon();
    const d = anon();
    await collect(site, a, [page('https://shop.test/pricing', now - 60_000), track('Add to cart', now - 50_000), track('Purchase', now - 20_000)]);
    await collect(site, b, [page('https://shop.test/pricing', now - 60_000), track('Add to cart', now - 30_000)]);
    await collect(site, c, [page('https://shop.test/pricing', now - 60_000)]);
    await collect(site, d, [track('Add to cart', now - 60_000), page('https://shop.test/pricing', now - 50_000)]); // out of order: step 1 only
    await feedWith(site, 8);
    const res = await admin(`/sites/${site}/funnels?steps=${encodeURIComponent('page:/pricing,Add to cart,Purchase')}&windowHours=1`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { steps: { visitors: number; fromPrevious: number; fromFirst: number; medianMsFromPrevious: number | null }[]; sampled: number };
    expect(body.sampled).toBe(4);
    expect(body.steps.map((s) => s.visitors)).toEqual([4, 2, 1]);
    expect(body.steps[1]).toMatchObject({ fromPrevious: 0.5, fromFirst: 0.5, medianMsFromPrevious: 20_000 });
    expect(body.steps[2]).toMatchObject({ fromPrevious: 0.5, fromFirst: 0.25, medianMsFromPrevious: 30_000 });

    const json = await admin(`/sites/${site}/funnels?steps=${encodeURIComponent(JSON.stringify([{ type: 'page', path: '/pri*' }, { name: 'Purchase' }]))}`);
    expect(((await json.json()) as { steps: { visitors: number }[] }).steps.map((s) => s.visitors)).toEqual([4, 1]);
  });

  it('refuses malformed steps with the problem named', async () => {
    const site = await createSite();
    for (const [steps, message] of [
      ['', /steps: required/],
      ['Purchase', /at least 2 steps/],
      ['[{"nope":1},{"name":"x"}]', /steps\[0\]/],
      ['[not json', /not valid JSON/],
    ] as const) {
      const res = await admin(`/sites/${site}/funnels?steps=${encodeURIComponent(steps)}`);
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(message);
    }
  });
});
