import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedEvents, tagReady } from '../helpers/attune';
import { startDemoShop, SHOP_HOST as HOST, type DemoShop } from '../helpers/demo-shop';
import { eventually } from '../helpers/edge';
import { openAs as openAsVisitor, visitorIn as visitorInSite } from '../helpers/visitors';

/**
 * Changing elements without markup, end to end: a slot declared by selector, a page experience's
 * changes applied together, and a split-URL redirect — through the tag on the demo page and
 * through proxy mode (with JavaScript off) on the demo shop's own origin.
 */
let shop: DemoShop;
const HEADING = '#shop > h2:nth-child(1)'; // the "Bestsellers" heading, on /demo and on the shop's origin

/** The shop's page as proxy mode serves visitor `cookie` (what a browser with JavaScript off gets). */
const raw = async (path: string, cookie: string) => {
  const r = await shop.request(path, { headers: { cookie } });
  return { ...r, body: r.body.toString() };
};

async function api<T>(path: string, method = 'GET', body?: unknown): Promise<T> {
  const res = await shop.edge.api<T>(path, { method, ...(body !== undefined && { body: JSON.stringify(body) }) });
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body;
}

const visitorIn = (experience: string, variant: string | null, url: string) => visitorInSite(shop.edge, 'demo', experience, variant, url);
const openAs = (id: string, url: string, opts: { javaScriptEnabled?: boolean } = {}) => openAsVisitor(shop.browser, id, url, opts);

beforeAll(async () => {
  shop = await startDemoShop();
});

afterAll(() => shop?.stop());

describe('a slot declared by selector', () => {
  it('fills the "Bestsellers" heading (no data-attune-slot) through the tag and through proxy mode with JavaScript off; control keeps it', async () => {
    await api('/sites/demo/slots', 'POST', { name: 'bestsellers', selector: HEADING });
    await api('/sites/demo/experiences', 'POST', {
      id: 'best', name: 'Bestsellers heading', slot: 'bestsellers', status: 'running', priority: 50,
      variants: [{ key: 'control', weight: 1, content: null }, { key: 'loved', weight: 1, content: { type: 'text', value: 'Loved by thousands' } }],
    });
    const loved = await visitorIn('best', 'loved', `${shop.edge.url}/demo`);
    const { page, errors } = await openAs(loved, `${shop.edge.url}/demo`);
    await tagReady(page);
    await expect.poll(() => page.locator(HEADING).textContent(), { timeout: 10_000 }).toBe('Loved by thousands');
    const events = await eventually(async () => {
      const evs = await storedEvents(shop.edge, 'demo', loved);
      return evs.some((e) => e.name === '$exposure' && e.props?.experience === 'best') && evs;
    });
    expect(events.find((e) => e.name === '$exposure' && e.props?.experience === 'best')?.props).toMatchObject({ slot: 'bestsellers', variant: 'loved' });
    expect(errors).toEqual([]);

    // Proxy mode, JavaScript off: the edge filled it in the HTML stream.
    const html = await raw('/product', `_attune_aid=${loved}`);
    expect(html.body).toMatch(/<h2[^>]*data-attune-variant="loved"[^>]*>Loved by thousands<\/h2>/);
    const off = await openAs(loved, `http://${HOST}:${shop.port}/product`, { javaScriptEnabled: false });
    expect(await off.page.locator(HEADING).textContent()).toBe('Loved by thousands');

    const control = await visitorIn('best', 'control', `${shop.edge.url}/demo`);
    const c = await openAs(control, `${shop.edge.url}/demo`);
    await tagReady(c.page);
    await c.page.waitForTimeout(1500);
    expect(await c.page.locator(HEADING).textContent()).toBe('Bestsellers');
    expect((await raw('/product', `_attune_aid=${control}`)).body).toContain('<h2 data-attune-slot="bestsellers" data-attune-variant="control" data-attune-ready="">Bestsellers</h2>');
    await api('/sites/demo/experiences/best', 'PATCH', { status: 'ended' });
  });
});

describe('page experiences', () => {
  it('applies three changes together, in the tag and in proxy mode; a change whose element is missing applies none', async () => {
    const changes = [
      { selector: HEADING, text: 'Picked for you' },
      { selector: '#shop li:first-child img', attrs: { src: '/logo.png?featured', alt: 'Featured' } },
      { selector: 'header', hide: true },
    ];
    await api('/sites/demo/experiences', 'POST', {
      id: 'page3', name: 'Three changes', page: '/product', status: 'running', priority: 40,
      variants: [{ key: 'v', weight: 1, content: { type: 'changes', value: changes, css: '#hero{outline:3px solid rgb(255, 0, 0)}' } }],
    });
    await api('/sites/demo/experiences', 'POST', {
      id: 'missing', name: 'Missing element', page: '/product', status: 'running',
      variants: [{ key: 'v', weight: 1, content: { type: 'changes', value: [{ selector: HEADING, text: 'Should not show' }, { selector: '#no-such-element', hide: true }] } }],
    });
    const id = await visitorIn('page3', 'v', `http://${HOST}:${shop.port}/product`);
    for (const js of [false, true]) {
      const { page, errors } = await openAs(id, `http://${HOST}:${shop.port}/product`, { javaScriptEnabled: js });
      if (js) await tagReady(page);
      expect(await page.locator(HEADING).textContent(), `js ${js}`).toBe('Picked for you');
      expect(await page.locator('#shop li:first-child img').getAttribute('src')).toBe('/logo.png?featured');
      expect(await page.locator('#shop li:first-child img').getAttribute('alt')).toBe('Featured');
      expect(await page.locator('header').isVisible()).toBe(false);
      expect(await page.locator('#hero').evaluate((el) => getComputedStyle(el).outlineColor)).toBe('rgb(255, 0, 0)');
      expect(errors).toEqual([]);
    }
    await api('/sites/demo/experiences/page3', 'PATCH', { status: 'ended' });
    await api('/sites/demo/experiences/missing', 'PATCH', { status: 'ended' });
  });

  it('redirects a split-URL variant at the edge with a 302, without asking the origin; the destination counts the exposure', async () => {
    await api('/sites/demo/experiences', 'POST', {
      id: 'split', name: 'Pricing split', page: '/pricing', status: 'running', priority: 30,
      variants: [{ key: 'control', weight: 1, content: null }, { key: 'b', weight: 1, content: { type: 'redirect', url: '/product' } }],
    });
    const b = await visitorIn('split', 'b', `http://${HOST}:${shop.port}/pricing`);
    const asked = shop.origin.requests.length;
    const res = await raw('/pricing', `_attune_aid=${b}`);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`http://${HOST}:${shop.port}/product?attune_x=split.b`);
    expect(shop.origin.requests.slice(asked)).toEqual([]); // the origin was not asked
    // Following it in a browser: the destination page reports the exposure.
    const { page } = await openAs(b, `http://${HOST}:${shop.port}/pricing`);
    await tagReady(page);
    expect(new URL(page.url()).pathname).toBe('/product');
    await eventually(async () => (await storedEvents(shop.edge, 'demo', b)).some((e) => e.name === '$exposure' && e.props?.experience === 'split' && e.props?.variant === 'b'));
    const control = await visitorIn('split', 'control', `http://${HOST}:${shop.port}/pricing`);
    expect((await raw('/pricing', `_attune_aid=${control}`)).status).toBe(200);
    await api('/sites/demo/experiences/split', 'PATCH', { status: 'ended' });
  });
});
