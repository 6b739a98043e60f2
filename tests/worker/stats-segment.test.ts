import { describe, expect, it } from 'vitest';
import type { StatsResponse } from '../../protocol/stats';
import { admin, anon, call, createSite } from './helpers';

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';

describe('traffic overview from Segment-spec page calls', () => {
  it("counts a server's page call on the device its context.userAgent names, and not where the server is", async () => {
    const site = await createSite();
    const res = await call('/v1/page', {
      method: 'POST',
      body: JSON.stringify({
        anonymousId: anon(), messageId: `msg-${crypto.randomUUID()}`, name: 'Pricing', timestamp: new Date(Date.now() - 60_000).toISOString(),
        properties: { url: 'https://shop.test/pricing?utm_source=newsletter&utm_medium=email', path: '/pricing' },
        context: { userAgent: IPHONE },
      }),
      // The server's own request: its user agent and location are not the visitor's.
      headers: { 'content-type': 'application/json', authorization: `Basic ${btoa(`${site}:`)}`, 'user-agent': 'analytics-node/6.2.0' },
      cf: { country: 'US' },
    } as RequestInit);
    expect(res.status).toBe(200);
    let stats: StatsResponse | null = null;
    for (let i = 0; i < 150 && !stats?.totals.pageviews; i++) {
      stats = (await (await admin(`/sites/${site}/stats`)).json()) as StatsResponse;
      if (!stats.totals.pageviews) await new Promise((r) => setTimeout(r, 100));
    }
    expect(stats!.totals).toMatchObject({ visitors: 1, visits: 1, pageviews: 1, bounceRate: 1 });
    expect(stats!.breakdowns.devices.map((r) => r.key)).toEqual(['mobile']);
    expect(stats!.breakdowns.browsers.map((r) => r.key)).toEqual(['Safari']);
    expect(stats!.breakdowns.os.map((r) => r.key)).toEqual(['iOS']);
    expect(stats!.breakdowns.channels.map((r) => r.key)).toEqual(['email']);
    expect(stats!.breakdowns.countries).toEqual([]);
  });
});
