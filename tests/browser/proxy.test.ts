import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM script shared with `npm start` and bench/.
import { LOGO, productPage, startDemoOrigin } from '../../scripts/demo-origin.mjs';
// @ts-expect-error: plain ESM script shared with `npm start`.
import { DEMO_EXPERIENCE } from '../../scripts/edge-server.mjs';
import { storedEvents, trackErrors } from '../helpers/attune';
import { startDemoShop, SHOP_HOST as HOST, type DemoOrigin, type DemoShop, type RawResponse as Raw } from '../helpers/demo-shop';
import { eventually, type LocalEdge } from '../helpers/edge';

/**
 * Proxy mode against a real origin (a Node server) through `wrangler dev`: the shop's host is
 * served by the edge, HTML comes back with the hero already decided — visible with JavaScript off —
 * headers, status and cookies kept, assets byte for byte, and the fail-open paths.
 */
let shop: DemoShop;
let edge: LocalEdge;
let origin: DemoOrigin;
let browser: Browser;
let port: number;
const VARIANT_TEXT: Record<string, string> = { sale: 'Summer sale: 20% off everything.', shipping: 'Free shipping, every order.' };
const DEFAULT_HERO = 'New season, same good basics.';
const raw = (path: string, init?: Parameters<DemoShop['request']>[1]) => shop.request(path, init);

const heroOf = (html: string) => /<div id="hero"[^>]*>([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '';
const embeddedOf = (html: string) => {
  const m = /<script type="application\/json" id="attune-decisions">([\s\S]*?)<\/script>/.exec(html);
  return m ? (JSON.parse(m[1]!) as { anonymousId?: string; decisions?: Record<string, { variant: string; reason: string }> }) : null;
};
const cookiesOf = (r: Raw) => ([] as string[]).concat(r.headers['set-cookie'] ?? []);
const aidOf = (r: Raw) => /_attune_aid=([^;]+)/.exec(cookiesOf(r).join('\n'))?.[1];

async function patchSite(body: Record<string, unknown>): Promise<void> {
  const res = await edge.api('/sites/demo', { method: 'PATCH', body: JSON.stringify(body) });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  shop = await startDemoShop();
  ({ edge, origin, browser, port } = shop);
});

afterAll(() => shop?.stop());

describe('proxy mode', () => {
  it('serves the page with the hero already decided: visible with JavaScript disabled', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    const res = await page.goto(`http://${HOST}:${port}/product`);
    expect(res?.status()).toBe(200);
    const hero = await page.locator('#hero h1').textContent();
    expect(Object.values(VARIANT_TEXT)).toContain(hero);
    expect(await page.locator('#hero').getAttribute('data-attune-variant')).toMatch(/^(sale|shipping)$/);
    // The origin's cookies and the visitor id cookie both arrived.
    const names = (await context.cookies()).map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['origin_session', 'origin_pref', '_attune_aid']));
    // The same browser keeps its variant on every page view.
    for (let i = 0; i < 3; i++) {
      await page.goto(`http://${HOST}:${port}/product`);
      expect(await page.locator('#hero h1').textContent()).toBe(hero);
    }
    await context.close();
  });

  it('keeps status, headers and cookies; marks personalized HTML private; embeds the decision for the tag', async () => {
    const res = await raw('/product');
    expect(res.status).toBe(200);
    expect(res.headers['x-origin']).toBe('demo-shop');
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(res.headers.etag).toBeUndefined();
    const cookies = cookiesOf(res);
    expect(cookies.some((c) => c.startsWith('origin_session=s3ss10n') && /HttpOnly/i.test(c))).toBe(true);
    expect(cookies.some((c) => c.startsWith('origin_pref=compact'))).toBe(true);
    const aid = aidOf(res);
    expect(aid).toMatch(/^[a-z0-9]{32}$/);

    const html = res.body.toString('utf8');
    const embedded = embeddedOf(html);
    expect(embedded?.anonymousId).toBe(aid);
    const decided = embedded?.decisions?.hero;
    expect(decided?.variant).toMatch(/^(sale|shipping)$/);
    expect(heroOf(html)).toContain(VARIANT_TEXT[decided!.variant]);
    // The tag carries the profile token the page was decided with: its first report carries it too.
    expect(html).toMatch(new RegExp(`<script async src="/attune.js" data-site="demo" data-aid="${aid}" data-pt="p_[a-z0-9]+\\.[0-9a-z]+\\.[A-Za-z0-9_-]+"></script></head>`));
    expect(embedded).not.toHaveProperty('profileToken');
    // Only the hero and the injected tag differ from the origin's page: a small overhead.
    const extra = Buffer.byteLength(html) - Buffer.byteLength(productPage() as string);
    expect(extra).toBeLessThan(3 * 1024);

    // A returning visitor (cookie sent back) gets the same variant and no new cookie.
    const again = await raw('/product', { headers: { cookie: `_attune_aid=${aid}` } });
    expect(aidOf(again)).toBeUndefined();
    expect(embeddedOf(again.body.toString('utf8'))?.decisions?.hero?.variant).toBe(decided!.variant);
  });

  it('passes binary responses, errors, redirects and posts through untouched', async () => {
    const logo = await raw('/logo.png', { headers: { accept: 'image/*' } });
    expect(logo.status).toBe(200);
    expect(logo.headers['content-type']).toBe('image/png');
    expect(Buffer.compare(logo.body, LOGO as Buffer)).toBe(0);
    expect(logo.headers['set-cookie']).toBeUndefined();

    const missing = await raw('/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.toString()).toBe('<!doctype html><title>Not found</title><h1>Not found</h1>');

    const moved = await raw('/old');
    expect(moved.status).toBe(301);
    expect(moved.headers.location).toBe(`http://${HOST}:${port}/product`);

    const echo = await raw('/echo', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', cookie: 'a=1' }, body: '{"x":1}' });
    expect(JSON.parse(echo.body.toString())).toEqual({ method: 'POST', body: '{"x":1}', forwardedHost: `${HOST}:${port}`, forwardedProto: 'http', cookie: 'a=1' });
  });

  it('serves the tag first-party, and the tag uses the embedded decision without asking again', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = trackErrors(page);
    const decides: string[] = [];
    page.on('request', (r) => r.url().includes('/v1/decide') && decides.push(r.url()));
    await page.goto(`http://${HOST}:${port}/product`);
    const variant = await page.locator('#hero').getAttribute('data-attune-variant');
    const aid = (await context.cookies()).find((c) => c.name === '_attune_aid')!.value;
    // The exposure is recorded for the variant the edge chose, on the visitor the edge saw.
    const exposure = await eventually(async () => {
      await page.evaluate(() => (window as unknown as { attune: { flush(): Promise<void> } }).attune.flush());
      const events = await storedEvents(edge, 'demo', aid);
      return events.find((e) => e.name === '$exposure');
    });
    expect(exposure.props).toMatchObject({ slot: 'hero', experience: DEMO_EXPERIENCE.id, variant });
    // …and counted: the assignment the edge made for this first-time visitor was recorded.
    await eventually(async () => {
      const r = await edge.api<{ variants: { key: string; visitors: number }[] }>(`/sites/demo/experiences/${DEMO_EXPERIENCE.id}/results`);
      return (r.body.variants.find((v) => v.key === variant)?.visitors ?? 0) >= 1;
    });
    expect(await page.locator('#hero').getAttribute('data-attune-variant')).toBe(variant);
    expect(decides).toEqual([]);
    expect(errors).toEqual([]);
    // The tag took the edge's visitor id, so both sides speak of one person.
    expect(await page.evaluate(() => localStorage.getItem('_attune_aid'))).toBe(aid);

    // A denial in the tag reaches the edge: no id, no decision, defaults on the next page.
    await page.evaluate(() => (window as unknown as { attune: { consent(s: string): void } }).attune.consent('denied'));
    const names = (await context.cookies()).map((c) => c.name);
    expect(names).not.toContain('_attune_aid');
    await page.goto(`http://${HOST}:${port}/product`);
    expect(await page.locator('#hero h1').textContent()).toBe(DEFAULT_HERO);
    expect((await context.cookies()).map((c) => c.name)).not.toContain('_attune_aid');
    await context.close();
  });

  it('shows the variant a signed preview link names, without touching the assignment', async () => {
    const first = await raw('/product');
    const aid = aidOf(first)!;
    const mine = embeddedOf(first.body.toString())!.decisions!.hero!.variant;
    const other = mine === 'sale' ? 'shipping' : 'sale';
    const link = await edge.api<{ url: string; token: string }>(`/sites/demo/experiences/${DEMO_EXPERIENCE.id}/preview`, {
      method: 'POST',
      body: JSON.stringify({ variant: other, url: `http://${HOST}:${port}/product` }),
    });
    expect(link.status).toBe(201);
    const path = new URL(link.body.url).pathname + new URL(link.body.url).search;
    const previewed = await raw(path, { headers: { cookie: `_attune_aid=${aid}` } });
    expect(heroOf(previewed.body.toString())).toContain(VARIANT_TEXT[other]);
    expect(embeddedOf(previewed.body.toString())?.decisions?.hero?.reason).toBe('preview');
    // A forged token shows nothing special; the visitor's own variant is unchanged.
    const forged = await raw(path.replace(/\.[^.&]+$/, '.AAAA'), { headers: { cookie: `_attune_aid=${aid}` } });
    expect(embeddedOf(forged.body.toString())?.decisions?.hero?.variant).toBe(mine);
    const after = await raw('/product', { headers: { cookie: `_attune_aid=${aid}` } });
    expect(embeddedOf(after.body.toString())?.decisions?.hero?.variant).toBe(mine);
  });

  it('fails open: no decision in budget → origin HTML plus the tag; origin down → a clear 502', async () => {
    await patchSite({ proxyDecideMs: 0 });
    try {
      await eventually(async () => {
        const res = await raw('/product');
        const html = res.body.toString();
        return heroOf(html).includes(DEFAULT_HERO) && html.includes('src="/attune.js"') && !embeddedOf(html)?.decisions;
      });
    } finally {
      await patchSite({ proxyDecideMs: 300 });
    }

    const stopped = (await startDemoOrigin()) as DemoOrigin;
    await stopped.stop();
    await patchSite({ proxyOrigin: stopped.url });
    try {
      const down = await eventually(async () => {
        const res = await raw('/product');
        return res.status === 502 && res;
      });
      expect(JSON.parse(down.body.toString()).error.code).toBe('origin_unreachable');
    } finally {
      await patchSite({ proxyOrigin: origin.url });
    }
  });

  it('keeps consent: a site that requires it gets no visitor cookie and no decision before consent', async () => {
    await patchSite({ consentDefault: 'required' });
    try {
      const res = await eventually(async () => {
        const r = await raw('/product');
        return !aidOf(r) && r;
      });
      expect(heroOf(res.body.toString())).toContain(DEFAULT_HERO);
      expect(res.body.toString()).toContain('src="/attune.js"');
    } finally {
      await patchSite({ consentDefault: 'granted' });
    }
  });

  it('fills placeholders with the same escaping as the tag: a planted javascript: link gets its default', async () => {
    const created = await edge.api('/sites/demo/experiences', {
      method: 'POST',
      body: JSON.stringify({
        id: 'planted-link', name: 'Planted link', slot: 'hero', status: 'running', priority: 100,
        variants: [{ key: 'v', weight: 1, content: { type: 'html', value: '<a id="planted" href="{{traits.website | default:"/account"}}">Hi {{traits.name}}</a>' } }],
      }),
    });
    expect(created.status).toBe(201);
    try {
      const aid = `planted${crypto.randomUUID().replace(/-/g, '')}`;
      const identify = { id: `evt_${crypto.randomUUID().replace(/-/g, '')}`, type: 'identify', ts: Date.now(), traits: { website: 'javascript:alert(document.cookie)', name: '<script>alert(1)</script>' } };
      const sent = await fetch(`${edge.url}/v1/collect`, { method: 'POST', body: JSON.stringify({ site: 'demo', anonymousId: aid, events: [identify] }) });
      expect(sent.status).toBe(202);
      const page = await eventually(async () => {
        const r = await raw('/product', { headers: { cookie: `_attune_aid=${aid}` } });
        return heroOf(r.body.toString()).includes('planted') && r;
      });
      const hero = heroOf(page.body.toString());
      expect(hero).toBe('<a id="planted" href="/account">Hi &lt;script&gt;alert(1)&lt;/script&gt;</a>');
    } finally {
      await fetch(`${edge.url}/api/sites/demo/experiences/planted-link`, { method: 'DELETE', headers: { Authorization: `Bearer ${edge.token}` } });
    }
  });
});
