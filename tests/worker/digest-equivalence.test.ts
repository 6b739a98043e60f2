import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DecideResponse } from '../../protocol/decide';
import type { CollectResponse } from '../../protocol/events';
import { COUNTRIES, EVENTS, PLANS, SIGNALS, siteArb, type RandomSite } from '../helpers/random-site';
import { admin, anon, call, createSite, event } from './helpers';

/**
 * The digest's promise in the running worker, end to end: for 1,000 generated visitors of
 * randomized sites, each with a generated history sent through /v1/collect, every experience is
 * decided from the digest the collect answered with and by the profile object itself (`fresh`),
 * and the two answers are the same.
 */
const SITES = 10;
const VISITORS_PER_SITE = 100;
const DAY = 86_400_000;
const UA = { mobile: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148', desktop: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36' };

async function createRandomSite(site: RandomSite): Promise<string> {
  const key = await createSite();
  for (const a of site.audiences) {
    const res = await admin(`/sites/${key}/audiences`, { method: 'POST', body: JSON.stringify(a) });
    expect(res.status, await res.clone().text()).toBe(201);
  }
  for (const e of site.experiences) {
    const res = await admin(`/sites/${key}/experiences`, { method: 'POST', body: JSON.stringify({ ...e, name: e.id, status: 'running' }) });
    expect(res.status, await res.clone().text()).toBe(201);
  }
  return key;
}

const historyArb = fc.record({
  plan: fc.option(fc.constantFrom(...PLANS), { nil: undefined }),
  age: fc.option(fc.integer({ min: 18, max: 60 }), { nil: undefined }),
  tracks: fc.array(fc.record({ name: fc.constantFrom(...EVENTS), back: fc.integer({ min: 0, max: 10 * DAY }) }), { maxLength: 6 }),
  signals: fc.subarray(SIGNALS),
  pages: fc.array(fc.integer({ min: 0, max: 5 * DAY }), { minLength: 0, maxLength: 3 }),
  country: fc.constantFrom(...COUNTRIES),
  device: fc.constantFrom('mobile', 'desktop') as fc.Arbitrary<'mobile' | 'desktop'>,
  utm: fc.boolean(),
});
type History = typeof historyArb extends fc.Arbitrary<infer H> ? H : never;

function eventsOf(h: History, now: number) {
  const page = (ts: number) => event('page', { ts, page: { url: 'https://shop.test/p', path: `/p/${ts % 7}`, title: 'P' } });
  return [
    ...h.pages.map((back) => page(now - back)),
    ...(h.plan || h.age !== undefined ? [event('identify', { userId: `u-${crypto.randomUUID()}`, traits: { ...(h.plan && { plan: h.plan }), ...(h.age !== undefined && { age: h.age }) } })] : []),
    ...h.tracks.map((t) => event('track', { name: t.name, ts: now - t.back })),
    ...h.signals.map((name) => event('signal', { name })),
  ].sort((x, y) => x.ts - y.ts);
}

async function decide(key: string, anonymousId: string, h: History, extra: Record<string, unknown>) {
  const res = await call('/v1/decide', {
    method: 'POST',
    headers: { 'content-type': 'text/plain', 'user-agent': UA[h.device] },
    body: JSON.stringify({ site: key, anonymousId, context: { url: `https://shop.test/pricing${h.utm ? '?utm_source=news' : ''}` }, ...extra }),
    cf: { country: h.country, timezone: 'Europe/Zurich' },
  } as RequestInit);
  expect(res.status).toBe(200);
  return { body: (await res.json()) as DecideResponse, by: /desc="(\w+)"/.exec(res.headers.get('server-timing') ?? '')?.[1] };
}

describe('decisions from the digest equal the profile object\'s', () => {
  it(`for every experience of ${SITES} randomized sites and ${SITES * VISITORS_PER_SITE} generated visitors`, { timeout: 600_000 }, async () => {
    const seed = Number(process.env.FUZZ_SEED) || 20261202;
    const sites = fc.sample(siteArb, { numRuns: SITES, seed });
    const histories = fc.sample(historyArb, { numRuns: SITES * VISITORS_PER_SITE, seed: seed + 1 });
    let byDigest = 0;
    for (const [s, site] of sites.entries()) {
      const key = await createRandomSite(site);
      const batch = histories.slice(s * VISITORS_PER_SITE, (s + 1) * VISITORS_PER_SITE);
      for (let i = 0; i < batch.length; i += 10) {
        await Promise.all(
          batch.slice(i, i + 10).map(async (h) => {
            const a = anon();
            const sent = await call('/v1/collect', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ site: key, anonymousId: a, events: eventsOf(h, Date.now()) }) });
            expect(sent.status).toBe(202);
            const { profileToken } = (await sent.json()) as CollectResponse;
            // The profile first: it decides from the state the digest was sealed in (what it records
            // by deciding comes after), and the digest, sealed before, cannot see that either.
            const fromProfile = await decide(key, a, h, { profileToken, fresh: true });
            const fromDigest = await decide(key, a, h, { profileToken });
            expect(fromProfile.by).toBe('profile');
            // A condition that ran out since (seen within 0 days) sends the decision to the profile,
            // which by now has recorded the first decision: nothing to compare.
            if (fromDigest.by !== 'digest') return;
            byDigest++;
            const { profileToken: _d, ...digestAnswer } = fromDigest.body;
            const { profileToken: _p, ...profileAnswer } = fromProfile.body;
            expect(digestAnswer, `site ${JSON.stringify(site)}\nvisitor ${JSON.stringify(h)}`).toEqual(profileAnswer);
          }),
        );
      }
    }
    // The digest the collect answered with covers most decisions.
    expect(byDigest).toBeGreaterThanOrEqual(SITES * VISITORS_PER_SITE * 0.8);
  });
});
