import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatsResponse, StatsTotals } from '../../protocol/stats';
import { trackErrors } from '../helpers/attune';
import { launchChromium } from '../helpers/browser';
import { eventually, startLocalEdge, type LocalEdge } from '../helpers/edge';

/**
 * The Overview tab in Chromium against a local edge, with traffic sent to /v1/collect as tags send
 * it: the totals are the stats API's; clicking a referrer filters the whole page (the URL carries
 * ?filter=, the totals become the filtered API's, a chip shows the filter and removes it); a
 * hostile campaign name and page path render as text, fire no dialog and inject no element.
 */
const SITE = 'overview-shop';
const XSS_CAMPAIGN = '"><img src=x onerror=alert(1)>';
const XSS_PATH = '/<svg onload=alert(2)>';
const UA = {
  desktop: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  phone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1',
};

let edge: LocalEdge;
let browser: Browser;
let marketer: BrowserContext;
let page: Page;
const dialogs: string[] = [];
let n = 0;

const id = () => `ov${Date.now().toString(36)}${(n++).toString(36)}${Math.random().toString(36).slice(2, 8)}`;

/** One visitor's page views, from a user agent that is not a bot (headless Chromium's would be). */
async function visit(o: { paths: string[]; query?: string; referrer?: string; ua?: string }): Promise<void> {
  const events = o.paths.map((path, i) => ({
    id: id(), type: 'page', ts: Date.now() - (o.paths.length - i) * 20_000,
    page: { url: `https://shop.test${path}${i === 0 ? o.query ?? '' : ''}`, path, title: 'Shop', referrer: i === 0 ? o.referrer ?? '' : `https://shop.test${o.paths[i - 1]}` },
  }));
  const res = await fetch(`${edge.url}/v1/collect`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain', 'User-Agent': o.ua ?? UA.desktop },
    body: JSON.stringify({ site: SITE, anonymousId: id(), events }),
  });
  expect(res.status).toBe(202);
}

const stats = async (filter?: string) => {
  const today = new Date().toISOString().slice(0, 10);
  const qs = new URLSearchParams({ from: today, to: today, limit: '10', ...(filter && { filter }) });
  const res = await edge.api<StatsResponse>(`/sites/${SITE}/stats?${qs}`);
  expect(res.status).toBe(200);
  return res.body;
};

const tile = (p: Page, key: keyof StatsTotals) => p.locator(`[data-total="${key}"] b`).textContent();

beforeAll(async () => {
  [edge, browser] = await Promise.all([startLocalEdge(), launchChromium()]);
  expect((await edge.api('/sites', { method: 'POST', body: JSON.stringify({ key: SITE, name: 'Overview shop', origins: ['https://shop.test'] }) })).status).toBe(201);
  for (let i = 0; i < 3; i++) await visit({ paths: ['/blog/linen', '/pricing'], referrer: 'https://news.example/best-basics' });
  for (let i = 0; i < 2; i++) await visit({ paths: ['/'], referrer: 'https://www.google.com/', ua: UA.phone });
  await visit({ paths: ['/', XSS_PATH, '/pricing'] });
  await visit({ paths: ['/'], query: `?utm_source=newsletter&utm_medium=email&utm_campaign=${encodeURIComponent(XSS_CAMPAIGN)}` });
  // 7 visitors, 12 page views, once the traffic queue has delivered them.
  await eventually(async () => (await stats()).totals.pageviews === 12, 120);
  marketer = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await marketer.newPage();
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(`${edge.url}/dashboard`);
  await page.getByLabel('Admin token').fill(edge.token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: SITE, exact: true }).waitFor();
});

afterAll(async () => {
  await browser?.close();
  await edge?.stop();
});

describe('the traffic overview in Chromium', () => {
  it('shows the API totals, and a clicked referrer filters the whole page until the chip is removed', async () => {
    const errors = trackErrors(page);
    await page.getByRole('link', { name: SITE, exact: true }).click();
    await page.getByRole('heading', { name: 'Overview shop' }).waitFor();
    await page.getByRole('link', { name: 'Today' }).click();
    await page.waitForURL(/\?period=today$/);
    const all = await stats();
    expect(all.totals).toMatchObject({ visitors: 7, visits: 7, pageviews: 12 });
    expect(await tile(page, 'visitors')).toBe('7');
    expect(await tile(page, 'visits')).toBe('7');
    expect(await tile(page, 'pageviews')).toBe('12');
    expect(await tile(page, 'bounceRate')).toBe(`${Math.round(all.totals.bounceRate * 100)}%`);
    expect(await page.locator('#active-filter').count()).toBe(0);

    // Sources card: the Referrers tab, then its news.example row.
    const sources = page.locator('section.topcard', { hasText: 'Top sources' });
    await sources.getByText('Referrers', { exact: true }).click();
    const row = sources.locator('ol[data-dimension="referrers"] a', { hasText: 'news.example' });
    await expect(row.isVisible()).resolves.toBe(true);
    expect(await sources.locator('ol[data-dimension="channels"]').isVisible()).toBe(false);
    await row.click();
    await page.waitForURL(/filter=referrers/);
    const url = new URL(page.url());
    expect(url.searchParams.get('filter')).toBe('referrers:news.example');
    expect(url.searchParams.get('period')).toBe('today');

    const filtered = await stats('referrers:news.example');
    expect(filtered.totals).toMatchObject({ visitors: 3, pageviews: 6 });
    expect(await tile(page, 'visitors')).toBe('3');
    expect(await tile(page, 'pageviews')).toBe('6');
    expect(await page.locator('#active-filter').textContent()).toContain('Referrer is news.example');
    // Every list is narrowed: only the pages those three visitors saw.
    const pages = await page.locator('ol[data-dimension="pages"] a').evaluateAll((as) => as.map((a) => a.getAttribute('data-key')));
    expect(pages.sort()).toEqual(filtered.breakdowns.pages.map((r) => r.key).sort());
    expect(pages).not.toContain('/');
    // The card opened on the tab of the filter, the row marked as the active one.
    expect(await sources.locator('ol[data-dimension="referrers"] a[aria-current]').textContent()).toBe('news.example');

    await page.getByRole('link', { name: 'Remove the filter' }).click();
    await page.waitForURL((u) => !u.searchParams.has('filter'));
    expect(await tile(page, 'visitors')).toBe('7');
    expect(errors).toEqual([]);
  });

  it('renders a hostile campaign name and page path as text: no dialog, no injected element', async () => {
    const errors = trackErrors(page);
    await page.goto(`${edge.url}/dashboard/sites/${SITE}?period=today`);
    const sources = page.locator('section.topcard', { hasText: 'Top sources' });
    await sources.getByText('Campaigns', { exact: true }).click();
    const campaign = sources.locator('ol[data-dimension="campaigns"] a').first();
    expect(await campaign.textContent()).toBe(XSS_CAMPAIGN);
    const path = page.locator('ol[data-dimension="pages"] a', { hasText: XSS_PATH });
    expect(await path.textContent()).toBe(XSS_PATH);
    expect(await page.locator('main img, main svg[onload], [onerror], [onload]').count()).toBe(0);

    await campaign.click();
    await page.waitForURL(/filter=campaigns/);
    expect(new URL(page.url()).searchParams.get('filter')).toBe(`campaigns:${XSS_CAMPAIGN}`);
    expect(await page.locator('#active-filter b').textContent()).toBe(XSS_CAMPAIGN);
    expect(await tile(page, 'visitors')).toBe(String((await stats(`campaigns:${XSS_CAMPAIGN}`)).totals.visitors));
    expect(await tile(page, 'visitors')).toBe('1');
    expect(await page.locator('main img, [onerror], [onload]').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('fits a phone screen', async () => {
    const phone = await browser.newContext({ viewport: { width: 375, height: 740 }, storageState: await marketer.storageState() });
    const p = await phone.newPage();
    await p.goto(`${edge.url}/dashboard/sites/${SITE}?period=today`);
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await phone.close();
  });
});
