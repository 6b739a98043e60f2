import { describe, expect, it } from 'vitest';
import type { StatsResponse, StatsTotals } from '../../protocol/stats';
import type { DecideResponse } from '../../protocol/decide';
import { admin, anon, call, createSite, event, post } from './helpers';
import { session } from './dashboard-helpers';
import { executable } from './security-helpers';

/**
 * The Overview tab as a marketer reads it, with traffic sent through /v1/collect like a tag sends
 * it: the totals, top lists and filtered numbers are the admin API's, a clicked row's filter
 * narrows the whole page, and what visitors wrote (paths, titles, referrers, campaign names) is
 * text on the page, never markup.
 */
const UA = {
  chrome: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  iphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1',
  firefox: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  bot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
};
const HOSTILE = {
  path: '/<img src=x onerror=alert(1)>',
  title: '"><script>alert(2)</script>',
  campaign: '"><svg onload=alert(3)>',
  referrer: 'https://news.example/"><img src=x onerror=alert(4)>',
};

/** One page view (and optional events) from one browser, with its country and user agent. */
async function visit(site: string, o: { ua: string; country?: string; path: string; query?: string; referrer?: string; title?: string; then?: ReturnType<typeof event>[] }) {
  const page = { url: `https://shop.test${o.path}${o.query ?? ''}`, path: o.path, title: o.title ?? 'Shop', referrer: o.referrer ?? '' };
  // In time order, a second apart: counting routes each event into a visit by its time.
  const start = Date.now() - 10_000;
  const events = [event('page', { page }), ...(o.then ?? [])].map((e, i) => ({ ...e, ts: start + i * 1000 }));
  const body = { site, anonymousId: anon(), events };
  const res = await call('/v1/collect', {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'text/plain', 'user-agent': o.ua },
    cf: o.country ? { country: o.country } : undefined,
  } as RequestInit);
  expect(res.status).toBe(202);
}

/** The stats answer once `done` holds: profiles count a second after events arrive, the queue batches for another. */
async function statsWith(site: string, qs: string, done: (s: StatsResponse) => boolean): Promise<StatsResponse> {
  for (let i = 0; i < 400; i++) {
    const res = await admin(`/sites/${site}/stats?${qs}`);
    expect(res.status).toBe(200);
    const s = (await res.json()) as StatsResponse;
    if (done(s)) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the traffic never arrived');
}

/** The figure a headline tile shows. */
const tile = (html: string, key: keyof StatsTotals) => new RegExp(`data-total="${key}"[^>]*>\\s*<span[^>]*>[^<]*</span>\\s*<b>([^<]*)</b>`).exec(html)?.[1];

/** What the dashboard shows for each total (the tests' own spelling, not the page's code). */
function shown(t: StatsTotals): Partial<Record<keyof StatsTotals, string>> {
  return {
    visitors: t.visitors.toLocaleString('en'),
    visits: t.visits.toLocaleString('en'),
    pageviews: t.pageviews.toLocaleString('en'),
    viewsPerVisit: String(Math.round(t.viewsPerVisit * 100) / 100),
    bounceRate: `${Math.round(t.bounceRate * 100)}%`,
    conversions: String(t.conversions),
  };
}

async function seed() {
  const site = await createSite({ origins: ['https://shop.test'], goals: ['Signup'] });
  await visit(site, {
    ua: UA.chrome, country: 'DE', path: '/pricing', referrer: 'https://news.example/story', title: HOSTILE.title,
    then: [event('page', { page: { url: 'https://shop.test/signup', path: '/signup', title: 'Sign up' } }), event('track', { name: 'Signup' })],
  });
  await visit(site, { ua: UA.iphone, country: 'US', path: '/', query: `?utm_source=newsletter&utm_medium=email&utm_campaign=${encodeURIComponent(HOSTILE.campaign)}` });
  await visit(site, { ua: UA.firefox, country: 'DE', path: HOSTILE.path, referrer: HOSTILE.referrer });
  await visit(site, { ua: UA.bot, country: 'DE', path: '/pricing' });
  // 4 page views from the three people; the bot's is not counted.
  const stats = await statsWith(site, 'limit=10', (s) => s.totals.pageviews >= 4 && s.totals.conversions >= 1);
  return { site, stats };
}

describe('the Overview tab', () => {
  it('shows the totals, the chart and the top lists the stats API answers, with their filter links', { timeout: 60_000 }, async () => {
    const s = await session();
    const { site, stats } = await seed();
    expect(stats.totals).toMatchObject({ visitors: 3, visits: 3, pageviews: 4, conversions: 1 });

    const page = await s.get(`/dashboard/sites/${site}?period=today`);
    expect(page.status).toBe(200);
    const today = await statsWith(site, `from=${stats.to}&to=${stats.to}&limit=10`, () => true);
    for (const [key, value] of Object.entries(shown(today.totals))) expect(tile(page.text, key as keyof StatsTotals), key).toBe(value);
    expect(page.text).toContain(`<b id="current-visitors">${today.current}</b> current visitors`);
    // One chart point per hour of the day, named in the hidden table; page views of the busy hour.
    expect(page.text).toContain('role="img" aria-label="Visitors and pageviews per hour');
    const busy = today.series.find((p) => p.pageviews > 0)!;
    expect(page.text).toContain(`:00–${busy.bucket.slice(11)}:59 UTC</td><td>${busy.visitors}</td><td>${busy.pageviews}</td>`);
    // Every row of every breakdown is a filter link keeping the range, its count beside it.
    for (const [d, rows] of Object.entries(today.breakdowns)) {
      for (const r of rows) {
        const href = `href="/dashboard/sites/${site}?period=today&amp;filter=${d}:${encodeURIComponent(r.key).replace(/'/g, '&#39;')}"`;
        expect(page.text, `${d} ${r.key}`).toContain(href);
      }
    }
    expect(today.breakdowns.countries).toEqual([
      expect.objectContaining({ key: 'DE', visitors: 2 }),
      expect.objectContaining({ key: 'US', visitors: 1 }),
    ]);
    expect(page.text).toMatch(/data-key="DE"[^>]*>.*?Germany<\/span><\/a><span class="num">2<\/span>/);
    expect(today.breakdowns.devices.map((r) => r.key).sort()).toEqual(['desktop', 'mobile']);
    expect(today.breakdowns.goals).toEqual([expect.objectContaining({ key: 'Signup', visitors: 1 })]);
  });

  it('narrows the whole page to a clicked row, shows the filter as a removable chip', { timeout: 60_000 }, async () => {
    const s = await session();
    const { site, stats } = await seed();
    const filtered = await statsWith(site, `from=${stats.to}&to=${stats.to}&limit=10&filter=countries:DE`, () => true);
    expect(filtered.totals).toMatchObject({ visitors: 2, pageviews: 3 });

    const page = await s.get(`/dashboard/sites/${site}?period=today&filter=countries:DE`);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<p class="chips" id="active-filter"><span class="chip">Country is <b>Germany<\/b><a href="\/dashboard\/sites\/[^"?]+\?period=today" class="chip-x"/);
    for (const [key, value] of Object.entries(shown(filtered.totals))) expect(tile(page.text, key as keyof StatsTotals), key).toBe(value);
    // The other lists are the filtered ones: only the German visitors' pages and browsers.
    expect(filtered.breakdowns.browsers.map((r) => r.key).sort()).toEqual(['Chrome', 'Firefox']);
    expect(page.text).toContain('filter=browsers:Chrome"');
    expect(page.text).not.toContain('filter=browsers:Safari"');
    // The custom range form keeps the filter; the preset ranges do too.
    expect(page.text).toContain('<input type="hidden" name="filter" value="countries:DE"');
    expect(page.text).toContain(`href="/dashboard/sites/${site}?period=30d&amp;filter=countries:DE"`);

    // A custom range asks the API for exactly those days.
    const custom = await s.get(`/dashboard/sites/${site}?from=${stats.to}&to=${stats.to}`);
    expect(tile(custom.text, 'visitors')).toBe('3');
    const empty = await s.get(`/dashboard/sites/${site}?from=2020-01-01&to=2020-01-07`);
    expect(tile(empty.text, 'visitors')).toBe('0');
    expect(empty.text).toContain('No visits in this range.');
  });

  it('renders hostile paths, titles, referrers and campaign names as text only', { timeout: 60_000 }, async () => {
    const s = await session();
    const { site, stats } = await seed();
    expect(stats.breakdowns.pages.map((r) => r.key)).toContain(HOSTILE.path);
    expect(stats.breakdowns.campaigns.map((r) => r.key)).toContain(HOSTILE.campaign);
    const pages = [
      `/dashboard/sites/${site}`,
      `/dashboard/sites/${site}?filter=campaigns:${encodeURIComponent(HOSTILE.campaign)}`,
      `/dashboard/sites/${site}?filter=pages:${encodeURIComponent(HOSTILE.path)}`,
      `/dashboard/sites/${site}?filter=${encodeURIComponent(`referrers:${HOSTILE.referrer}`)}`,
    ];
    for (const path of pages) {
      const { text, status } = await s.get(path);
      expect(status, path).toBe(200);
      expect(await executable(text), path).toEqual([]);
      for (const payload of Object.values(HOSTILE)) expect(text, path).not.toContain(payload);
      expect(text).not.toContain('<script>alert');
      expect((text.match(/<script\b/gi) ?? []).length, path).toBe((text.match(/<\/script>/gi) ?? []).length);
    }
    const { text } = await s.get(`/dashboard/sites/${site}`);
    // Shown as text, linked percent-encoded.
    expect(text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(text).toContain('&quot;&gt;&lt;svg onload=alert(3)&gt;');
    expect(text).toContain(`filter=pages:${encodeURIComponent(HOSTILE.path)}"`);
    expect(text).toContain(`filter=campaigns:${encodeURIComponent(HOSTILE.campaign)}"`);
    const chip = await s.get(`/dashboard/sites/${site}?filter=campaigns:${encodeURIComponent(HOSTILE.campaign)}`);
    expect(chip.text).toContain('Campaign is <b>&quot;&gt;&lt;svg onload=alert(3)&gt;</b>');
    expect(tile(chip.text, 'visitors')).toBe('1');
  });

  it('lists running experiences with each variant rendered safely and its live result', { timeout: 60_000 }, async () => {
    const s = await session();
    const site = await createSite();
    const html = '<h1>Big sale</h1><img src=x onerror=alert(1)><script>alert(2)</script>';
    const created = await admin(`/sites/${site}/experiences`, {
      method: 'POST',
      body: JSON.stringify({
        id: 'hero', name: 'Hero test', slot: 'hero', status: 'running', goals: ['Purchase'],
        variants: [
          { key: 'control', weight: 1, content: null },
          { key: 'sale', name: 'Sale', weight: 1, content: { type: 'html', value: html } },
          { key: 'plain', weight: 1, content: { type: 'text', value: HOSTILE.title } },
        ],
      }),
    });
    expect(created.status).toBe(201);
    const draft = await admin(`/sites/${site}/experiences`, { method: 'POST', body: JSON.stringify({ id: 'later', name: 'Later', slot: 'promo', variants: [{ key: 'a', weight: 1 }] }) });
    expect(draft.status).toBe(201);
    // Visitors decided and exposed, some converting: the live result the results API answers.
    for (let i = 0; i < 9; i++) {
      const anonymousId = anon();
      const d = (await (await post('/v1/decide', { site, anonymousId, slots: ['hero'], context: { url: 'https://shop.test/' } })).json()) as DecideResponse;
      const variant = d.decisions.hero?.variant ?? 'control';
      const events = [event('track', { name: '$exposure', props: { slot: 'hero', experience: 'hero', variant } })];
      if (i % 3 === 0) events.push(event('track', { name: 'Purchase' }));
      expect((await post('/v1/collect', { site, anonymousId, events })).status).toBe(202);
    }
    type R = { variants: { key: string; visitors: number }[]; analysis: { goals: { variants: { key: string; rate: number; chanceToBeat: number | null }[] }[] } };
    let r: R | undefined;
    for (let i = 0; i < 100 && (r?.variants.reduce((n, v) => n + v.visitors, 0) ?? 0) < 9; i++) {
      r = (await (await admin(`/sites/${site}/experiences/hero/results`)).json()) as R;
      await new Promise((res) => setTimeout(res, 50));
    }
    expect(r!.variants.reduce((n, v) => n + v.visitors, 0)).toBe(9);

    for (const path of [`/dashboard/sites/${site}`, `/dashboard/sites/${site}/experiences`]) {
      const { text } = await s.get(path);
      expect(await executable(text), path).toEqual([]);
      // HTML only inside a sandboxed frame without scripts; text variants as text.
      expect(text, path).toMatch(/<iframe class="thumb-frame" sandbox="" srcdoc="[^"]*&lt;h1&gt;Big sale/);
      expect(text, path).toContain('&lt;h1&gt;Big sale&lt;/h1&gt;&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
      expect(text, path).not.toMatch(/sandbox="[^"]*allow-(scripts|same-origin)/);
      expect(text, path).toContain('<p class="variant-body variant-text">&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;</p>');
      expect(text, path).not.toContain(html);
      for (const v of r!.variants) {
        const tileHtml = new RegExp(`data-variant="${v.key}"[\\s\\S]*?</section>`).exec(text)?.[0] ?? '';
        const goal = r!.analysis.goals[0]!.variants.find((g) => g.key === v.key)!;
        expect(tileHtml, v.key).toContain(`<dd data-result="visitors">${v.visitors}</dd>`);
        expect(tileHtml, v.key).toContain(`<dd data-result="rate">${(goal.rate * 100).toFixed(1)}%</dd>`);
        if (v.key !== 'control' && goal.chanceToBeat !== null) expect(tileHtml, v.key).toContain(`<dd data-result="chance">${Math.round(goal.chanceToBeat * 100)}%</dd>`);
      }
    }
    // The overview lists the running one and links to the rest; the Experiences tab lists both.
    const overview = (await s.get(`/dashboard/sites/${site}`)).text;
    expect(overview).toContain('data-experience="hero"');
    expect(overview).not.toContain('data-experience="later"');
    expect(overview).toContain('All 2 experiences');
    expect((await s.get(`/dashboard/sites/${site}/experiences`)).text).toContain('data-experience="later"');
  });
});
