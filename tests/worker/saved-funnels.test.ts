import { describe, expect, it } from 'vitest';
import type { FunnelStepResult, SavedFunnel } from '../../protocol/stats';
import { admin, anon, createSite, event, hashEmail, post } from './helpers';

const page = (path: string, ts: number) => event('page', { ts, page: { url: `https://shop.test${path}`, path, title: path } });
const track = (name: string, ts: number, props?: Record<string, unknown>) => event('track', { name, ts, ...(props && { props }) });
const identify = (email: string, ts: number) => event('identify', { ts, traits: { email } });
const collect = async (site: string, anonymousId: string, events: unknown[]) => {
  const res = await post('/v1/collect', { site, anonymousId, events });
  expect(res.status).toBe(202);
};

const STEPS = [{ type: 'page', path: '/pricing' }, { name: 'Signup' }, { name: 'Purchase' }];

async function saveFunnel(site: string): Promise<SavedFunnel> {
  const res = await admin(`/sites/${site}/funnels`, { method: 'POST', body: JSON.stringify({ name: 'Pricing to purchase', steps: STEPS, windowHours: 24 }) });
  expect(res.status).toBe(201);
  return (await res.json()) as SavedFunnel;
}

const visitorsOf = (steps: FunnelStepResult[]) => steps.map((s) => s.visitors);

/** The saved funnel's answer once it reaches `expected` visitors per step (the traffic queue delivers within about a second). */
async function savedUntil(site: string, id: string, expected: number[]): Promise<{ steps: FunnelStepResult[]; exact: boolean }> {
  let last: { steps: FunnelStepResult[]; exact: boolean } | null = null;
  for (let i = 0; i < 150; i++) {
    last = (await (await admin(`/sites/${site}/funnels/${id}`)).json()) as { steps: FunnelStepResult[]; exact: boolean };
    if (JSON.stringify(visitorsOf(last.steps)) === JSON.stringify(expected)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`saved funnel stayed at ${JSON.stringify(last && visitorsOf(last.steps))}, expected ${JSON.stringify(expected)}`);
}

async function adHoc(site: string): Promise<{ steps: FunnelStepResult[]; population: number }> {
  const steps = encodeURIComponent(JSON.stringify(STEPS));
  // The ad hoc funnel samples the activity feed's profiles, which the feed queue fills within about a second.
  let body: { steps: FunnelStepResult[]; population: number } | null = null;
  for (let i = 0; i < 100; i++) {
    body = (await (await admin(`/sites/${site}/funnels?steps=${steps}&windowHours=24`)).json()) as { steps: FunnelStepResult[]; population: number };
    if (body.population >= 5) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return body!;
}

describe('saved funnels', () => {
  it('counts each person as their events arrive, matching the ad hoc funnel on the same traffic, a merged person once', async () => {
    const site = await createSite();
    const funnel = await saveFunnel(site);
    const t = funnel.createdAt + 1; // counted from the moment it was saved
    const [a, b, c, d, laptop, phone] = [anon(), anon(), anon(), anon(), anon(), anon()];
    await collect(site, a, [page('/', t), page('/pricing', t + 1_000), track('Signup', t + 60_000), track('Purchase', t + 120_000, { revenue: 49 })]);
    await collect(site, b, [page('/pricing', t), track('Signup', t + 30_000)]);
    await collect(site, c, [page('/pricing', t), track('Purchase', t + 5_000)]); // skipped Signup: reaches step 1 only
    await collect(site, d, [page('/blog', t)]); // never enters
    // One person on two devices: pricing on the laptop, sign-up on the phone; once they merge they are one person at step 2.
    const email = await hashEmail('ada@example.com');
    await collect(site, laptop, [page('/pricing', t), identify(email, t + 1_000)]);
    await collect(site, phone, [page('/', t + 10_000), track('Signup', t + 20_000), identify(email, t + 30_000)]);

    const saved = await savedUntil(site, funnel.id, [4, 3, 1]);
    expect(saved.exact).toBe(true);
    expect(saved.steps[1]).toMatchObject({ label: 'Signup', fromPrevious: 3 / 4, fromFirst: 3 / 4 });
    const adhoc = await adHoc(site);
    expect(visitorsOf(adhoc.steps)).toEqual(visitorsOf(saved.steps));
    // Medians come from a histogram of step times: within its 2.2% of the exact ones.
    for (const [i, s] of saved.steps.entries()) {
      const exact = adhoc.steps[i]!.medianMsFromPrevious;
      if (exact === null) expect(s.medianMsFromPrevious).toBeNull();
      else expect(Math.abs(s.medianMsFromPrevious! - exact) / exact).toBeLessThan(0.03);
    }
  });

  it('changes nothing when a batch is retried, and counts progress that moves on', async () => {
    const site = await createSite();
    const funnel = await saveFunnel(site);
    const t = funnel.createdAt + 1;
    const v = anon();
    const batch = [page('/pricing', t), track('Signup', t + 1_000)];
    await collect(site, v, batch);
    await savedUntil(site, funnel.id, [1, 1, 0]);
    await collect(site, v, batch); // the tag retrying
    await collect(site, v, [track('Purchase', t + 2_000)]);
    const after = await savedUntil(site, funnel.id, [1, 1, 1]);
    expect(after.steps[2]).toMatchObject({ fromPrevious: 1, fromFirst: 1 });
  });

  it('counts only what happens after it was saved, lists, and deletes', async () => {
    const site = await createSite();
    const v = anon();
    const t = Date.now() - 60_000;
    await collect(site, v, [page('/pricing', t), track('Signup', t + 1_000)]);
    const funnel = await saveFunnel(site);
    const w = anon();
    await collect(site, w, [page('/pricing', Date.now()), track('Signup', Date.now() + 1)]);
    await savedUntil(site, funnel.id, [1, 1, 0]);
    const list = (await (await admin(`/sites/${site}/funnels`)).json()) as { funnels: SavedFunnel[] };
    expect(list.funnels.map((f) => f.name)).toEqual(['Pricing to purchase']);
    expect((await admin(`/sites/${site}/funnels/${funnel.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await admin(`/sites/${site}/funnels/${funnel.id}`)).status).toBe(404);
  });

  it('refuses a funnel it cannot count, naming the problem', async () => {
    const site = await createSite();
    const bad = async (body: unknown) => {
      const res = await admin(`/sites/${site}/funnels`, { method: 'POST', body: JSON.stringify(body) });
      expect(res.status).toBe(400);
      return ((await res.json()) as { error: { message: string } }).error.message;
    };
    expect(await bad({ name: 'x', steps: [{ name: 'only one' }] })).toMatch(/steps/);
    expect(await bad({ name: '', steps: STEPS })).toMatch(/name/);
    expect(await bad({ name: 'x', steps: STEPS, windowHours: 0 })).toMatch(/windowHours/);
    expect(await bad({ name: 'x', steps: [{}, { name: 'a' }] })).toMatch(/step/);
    expect((await admin(`/sites/${site}/funnels/fun_nope`)).status).toBe(404);
  });
});
