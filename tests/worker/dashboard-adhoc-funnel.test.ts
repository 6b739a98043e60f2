import { env as workerEnv } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { funnelCoverage } from '../../dashboard/pages/reports';
import type { Env } from '../../edge/env';
import { feedStub } from '../../edge/objects/stubs';
import { anon, createSite, post } from './helpers';
import { session } from './dashboard-helpers';

/** The dashboard's ad hoc Funnels page says how many profiles it read, and each step's interval when it sampled. */
const env = workerEnv as unknown as Env;
let n = 0;
const id = () => `evt_${Date.now().toString(36)}${(n++).toString(36)}${crypto.randomUUID().slice(0, 8)}`;
const HOSTILE = '<img src=x onerror=alert(1)>';

async function seed(site: string, count: number): Promise<void> {
  const ts = Date.now() - 60_000;
  for (let i = 0; i < count; i++) {
    const events = [
      { id: id(), type: 'page', ts, page: { url: 'https://shop.test/pricing', path: '/pricing', title: 'Pricing' } },
      ...(i % 2 ? [{ id: id(), type: 'track', name: HOSTILE, ts: ts + 1_000 }] : []),
    ];
    expect((await post('/v1/collect', { site, anonymousId: anon(), events })).status).toBe(202);
  }
  for (let i = 0; i < 200 && (await feedStub(env, site).recentProfiles(0, 1)).total < count; i++) await new Promise((r) => setTimeout(r, 50));
}

describe('dashboard: the ad hoc funnel', () => {
  it('says it read all profiles, or how many of how many with each step’s interval', async () => {
    const s = await session();
    const site = await createSite();
    await seed(site, 10);
    const steps = encodeURIComponent(`page /pricing\ntrack ${HOSTILE}`);

    const all = await s.get(`/dashboard/sites/${site}/funnels?steps=${steps}`);
    expect(all.status).toBe(200);
    expect(all.text).toContain('All 10 profiles, window 24 h.');
    expect(all.text).not.toContain('95% interval');
    expect(all.text).not.toContain(HOSTILE);
    expect(all.text).toContain('&lt;img src=x onerror=alert(1)&gt;');

    const some = await s.get(`/dashboard/sites/${site}/funnels?steps=${steps}&sample=4`);
    expect(some.status).toBe(200);
    expect(some.text).toContain('Read 4 of 10 profiles (uniform random sample), window 24 h.');
    expect(some.text).toContain('<th class="num">95% interval</th>');
    expect(some.text).toContain('100.0% – 100.0%'); // the first step's
    expect(some.text).toMatch(/\d+\.\d% – \d+\.\d%<\/td>\s*<td class="num">(\d|—)/);
    expect(some.text).not.toContain(HOSTILE);
  });

  it('words the coverage of an answer', () => {
    expect(funnelCoverage({ population: 3000, sampled: 3000, exact: true })).toBe('All 3,000 profiles');
    expect(funnelCoverage({ population: 12345, sampled: 1200, exact: false })).toBe('Read 1,200 of 12,345 profiles (uniform random sample)');
  });
});
