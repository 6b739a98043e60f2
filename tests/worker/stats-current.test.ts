import { describe, expect, it } from 'vitest';
import type { StatsResponse } from '../../protocol/stats';
import { admin, anon, createSite, event, post } from './helpers';

const CHROME = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const BOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

describe('current visitors', () => {
  it('are the people with an event in the last 5 minutes, bots left out', async () => {
    const site = await createSite();
    const now = Date.now();
    await post('/v1/collect', { site, anonymousId: anon(), events: [event('page', { ts: now - 20 * 60_000 })] }, { 'user-agent': CHROME }); // earlier
    await post('/v1/collect', { site, anonymousId: anon(), events: [event('page', { ts: now - 60_000 })] }, { 'user-agent': CHROME });
    await post('/v1/collect', { site, anonymousId: anon(), events: [event('page', { ts: now - 30_000 })] }, { 'user-agent': CHROME });
    await post('/v1/collect', { site, anonymousId: anon(), events: [event('page', { ts: now })] }, { 'user-agent': BOT });
    let stats: StatsResponse | null = null;
    for (let i = 0; i < 150 && stats?.totals.visitors !== 3; i++) {
      stats = (await (await admin(`/sites/${site}/stats`)).json()) as StatsResponse;
      if (stats.totals.visitors !== 3) await new Promise((r) => setTimeout(r, 100));
    }
    expect(stats!.totals.visitors).toBe(3);
    expect(stats!.current).toBe(2);
    // Not narrowed by a filter: it says who is on the site.
    const filtered = (await (await admin(`/sites/${site}/stats?filter=pages:/nowhere`)).json()) as StatsResponse;
    expect(filtered.current).toBe(2);
  });
});
