import { runInDurableObject } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Env } from '../../edge/env';
import { funnelProgress, matchesStep, type FunnelStep } from '../../edge/measure/funnel';
import { feedStub, profileStub } from '../../edge/objects/stubs';
import { EventStore } from '../../edge/profiles/event-store';
import { profileIdForAnonymous } from '../../edge/profiles/address';
import type { FunnelStepResult } from '../../protocol/stats';
import { admin, anon, createSite, post } from './helpers';

/**
 * The ad hoc funnel (GET /api/sites/:site/funnels?steps=…) over a uniform random sample of the
 * profiles seen in the range: how many of how many it read, and each step's interval when sampled.
 */
const env = workerEnv as unknown as Env;
const STEPS = encodeURIComponent('page:/pricing,Signup');
let n = 0;
const id = () => `evt_${Date.now().toString(36)}${(n++).toString(36)}${crypto.randomUUID().slice(0, 8)}`;
const pricing = (ts: number) => ({ id: id(), type: 'page', ts, page: { url: 'https://shop.test/pricing', path: '/pricing', title: 'Pricing' } });
const signup = (ts: number) => ({ id: id(), type: 'track', name: 'Signup', ts });

interface AdHoc {
  steps: FunnelStepResult[];
  population: number;
  sampled: number;
  exact: boolean;
}

/** Sends `count` visitors, one after another (so each is seen later than the one before): `signs` of them sign up after pricing. */
async function visitors(site: string, count: number, signs: (i: number) => boolean): Promise<string[]> {
  const ids: string[] = [];
  const now = Date.now();
  for (let i = 0; i < count; i++) {
    const anonymousId = anon();
    const events = signs(i) ? [pricing(now - 60_000), signup(now - 30_000)] : [pricing(now - 60_000)];
    const res = await post('/v1/collect', { site, anonymousId, events });
    expect(res.status).toBe(202);
    ids.push(await profileIdForAnonymous(site, anonymousId));
  }
  return ids;
}

/** Waits until the activity feed (which its queue fills) has seen `count` profiles. */
async function seen(site: string, count: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await feedStub(env, site).recentProfiles(0, 1)).total >= count) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the feed of ${site} never saw ${count} profiles`);
}

async function adHoc(site: string, query = ''): Promise<AdHoc> {
  const res = await admin(`/sites/${site}/funnels?steps=${STEPS}&windowHours=1${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as AdHoc;
}

describe('ad hoc funnels over a uniform random sample', () => {
  it('samples uniformly among everyone seen, not the most recently seen', async () => {
    const site = await createSite();
    // 20 older visitors who all sign up, then 10 newer ones who do not.
    const older = await visitors(site, 20, () => true);
    await seen(site, 20);
    const newer = await visitors(site, 10, () => false);
    await seen(site, 30);
    // The feed's sample: 10 of 30, all distinct, most of them from the older 20.
    const { total, sample } = await feedStub(env, site).sampleProfiles(0, 10);
    expect(total).toBe(30);
    expect(new Set(sample).size).toBe(10);
    expect(sample.every((p) => older.includes(p) || newer.includes(p))).toBe(true);
    expect(sample.some((p) => older.includes(p))).toBe(true); // the 10 most recent are all newer: P(this fails) ≈ 3e-8
    // The answer over 10 of them: the newest 10 would have had nobody signing up.
    const body = await adHoc(site, '&sample=10');
    expect(body).toMatchObject({ population: 30, sampled: 10, exact: false });
    expect(body.steps[0]!.visitors).toBe(10);
    expect(body.steps[1]!.visitors).toBeGreaterThan(0);
  });

  it('says how many of how many it read, with intervals only when it sampled', async () => {
    const site = await createSite();
    await visitors(site, 12, (i) => i % 3 === 0); // 4 of 12 sign up
    await seen(site, 12);

    const all = await adHoc(site);
    expect(all).toMatchObject({ population: 12, sampled: 12, exact: true });
    expect(all.steps.map((s) => s.visitors)).toEqual([12, 4]);
    for (const s of all.steps) expect(s).not.toHaveProperty('interval');

    const some = await adHoc(site, '&sample=6');
    expect(some).toMatchObject({ population: 12, sampled: 6, exact: false });
    expect(some.steps[0]).toMatchObject({ visitors: 6, fromFirst: 1, interval: { low: 1, high: 1 } });
    const second = some.steps[1]!;
    expect(second.interval!.low).toBeLessThanOrEqual(second.fromFirst);
    expect(second.interval!.high).toBeGreaterThanOrEqual(second.fromFirst);
    expect(second.interval!.low).toBeGreaterThanOrEqual(0);
    expect(second.interval!.high).toBeLessThanOrEqual(1);

    // Asking for more than there are reads them all.
    expect(await adHoc(site, '&sample=5000')).toMatchObject({ population: 12, sampled: 12, exact: true });
  });

  it("has intervals that contain the population's true share (in at least 34 of 40 samples)", async () => {
    const site = await createSite();
    await visitors(site, 40, (i) => i % 2 === 0); // the true share from first is 0.5
    await seen(site, 40);
    let covered = 0;
    for (let i = 0; i < 40; i++) {
      const { steps, sampled, exact } = await adHoc(site, '&sample=20');
      expect({ sampled, exact }).toEqual({ sampled: 20, exact: false });
      const { low, high } = steps[1]!.interval!;
      if (low <= 0.5 && 0.5 <= high) covered++;
    }
    // A 95% interval misses about 2 in 40; 7 or more misses would take a broken interval (P ≈ 1e-4 otherwise).
    expect(covered).toBeGreaterThanOrEqual(34);
  });

  it('refuses a sample size that is not a whole number from 1 to 5,000', async () => {
    const site = await createSite();
    for (const bad of ['0', '-1', '2.5', '5001', 'many']) {
      const res = await admin(`/sites/${site}/funnels?steps=${STEPS}&sample=${bad}`);
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/sample: must be a whole number/);
    }
  });
});

describe("a profile's funnel reads only the events that match a step", () => {
  it('returns exactly the events matchesStep keeps, in the same order, for any steps', async () => {
    const site = await createSite();
    const anonymousId = anon();
    const t = Date.now() - 60_000;
    const page = (path: string, ts: number) => ({ id: id(), type: 'page', ts, page: { url: `https://shop.test${path}`, path, title: 'x' } });
    const events = [
      page('/pricing', t), page('/pricing/team', t + 1), page('/pricing', t + 1), page('/blog/%_x', t + 2), page('/Pricing', t + 3),
      { id: id(), type: 'track', name: 'Signup', ts: t + 4 }, { id: id(), type: 'track', name: 'page', ts: t + 5 },
      { id: id(), type: 'signal', name: 'rage_click', ts: t + 6 }, signup(t + 7), page('/', t + 8),
    ];
    expect((await post('/v1/collect', { site, anonymousId, events })).status).toBe(202);
    const stub = profileStub(env, site, await profileIdForAnonymous(site, anonymousId));
    const cases: FunnelStep[][] = [
      [{ type: 'page', path: '/pricing' }, { name: 'Signup' }],
      [{ path: '/pricing*' }, { type: 'track', name: 'Signup' }],
      [{ path: '*' }, { type: 'signal' }],
      [{ path: '/blog/%_*' }, { name: 'page' }],
      [{ type: 'page' }, { type: 'track' }, { name: 'rage_click' }],
      [{ name: 'nothing' }, { path: '/nowhere' }],
    ];
    await runInDurableObject(stub, (_o, state) => {
      const store = new EventStore(state.storage.sql);
      const all = store.steps(0, Date.now());
      expect(all.length).toBeGreaterThanOrEqual(events.length);
      for (const steps of cases) {
        expect(store.steps(0, Date.now(), steps)).toEqual(all.filter((e) => steps.some((s) => matchesStep(s, e))));
        expect(funnelProgress(steps, store.steps(0, Date.now(), steps), 3_600_000)).toEqual(funnelProgress(steps, all, 3_600_000));
      }
    });
  });
});
