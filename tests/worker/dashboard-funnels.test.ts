import { describe, expect, it } from 'vitest';
import type { SavedFunnel } from '../../protocol/stats';
import { admin, anon, createSite, event, post } from './helpers';
import { session } from './dashboard-helpers';
import { executable } from './security-helpers';

const page = (path: string, ts: number) => event('page', { ts, page: { url: `https://shop.test${path}`, path, title: path } });

describe('dashboard: saved funnels', () => {
  it('saves the funnel shown, lists it, shows its exact counts as a chart, and deletes it', async () => {
    const site = await createSite();
    const s = await session();
    const steps = 'page /pricing\ntrack Signup';
    const saved = await s.post(`/dashboard/sites/${site}/funnels/saved`, { name: 'Pricing <b>to</b> signup', steps, windowHours: '24' });
    expect(saved.status).toBe(303);
    const where = saved.headers.get('location')!;
    expect(where).toMatch(new RegExp(`^/dashboard/sites/${site}/funnels/saved/fun_`));
    const { funnels } = (await (await admin(`/sites/${site}/funnels`)).json()) as { funnels: SavedFunnel[] };
    expect(funnels).toHaveLength(1);
    expect(funnels[0]!.steps).toEqual([{ type: 'page', path: '/pricing', label: 'page /pricing' }, { type: 'track', name: 'Signup', label: 'track Signup' }]);

    const t = funnels[0]!.createdAt + 1;
    for (const reached of [2, 2, 1]) {
      const events = [page('/pricing', t), ...(reached > 1 ? [event('track', { name: 'Signup', ts: t + 1000 })] : [])];
      expect((await post('/v1/collect', { site, anonymousId: anon(), events })).status).toBe(202);
    }
    let view = '';
    for (let i = 0; i < 150; i++) {
      view = (await s.get(where)).text;
      if (/<td class="num">2<\/td>/.test(view) && /<td class="num">3<\/td>/.test(view)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // The name a marketer typed is text; the table and the chart carry the API's exact counts.
    expect(view).toContain('Pricing &lt;b&gt;to&lt;/b&gt; signup');
    expect(await executable(view)).toEqual([]);
    expect(view).toMatch(/1\. page \/pricing<\/td><td class="num">3<\/td>/);
    expect(view).toMatch(/2\. track Signup<\/td><td class="num">2<\/td><td class="num">66\.7%<\/td>/);
    expect(view).toContain('Visitors reaching each step');
    expect(view).not.toContain('95% interval'); // exact counts have none

    const list = (await s.get(`/dashboard/sites/${site}/funnels`)).text;
    expect(list).toContain(`href="${where}"`);

    const deleted = await s.post(`${where}/delete`, {});
    expect(deleted.status).toBe(303);
    expect((await admin(`/sites/${site}/funnels`)).status).toBe(200);
    expect(((await (await admin(`/sites/${site}/funnels`)).json()) as { funnels: SavedFunnel[] }).funnels).toEqual([]);
    expect((await s.get(where)).status).toBe(404);
  });

  it('refuses a save without the CSRF token, and says why a funnel was not saved', async () => {
    const site = await createSite();
    const s = await session();
    const forged = await s.post(`/dashboard/sites/${site}/funnels/saved`, { csrf: 'forged', name: 'x', steps: 'page /a\ntrack b', windowHours: '24' });
    expect(forged.status).toBe(403);
    const oneStep = await s.post(`/dashboard/sites/${site}/funnels/saved`, { name: 'x', steps: 'page /a', windowHours: '24' });
    expect(oneStep.status).toBe(400);
    expect(await oneStep.text()).toMatch(/not saved: steps/);
    expect(((await (await admin(`/sites/${site}/funnels`)).json()) as { funnels: SavedFunnel[] }).funnels).toEqual([]);
  });
});
