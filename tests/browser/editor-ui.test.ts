import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Experience, Site, Slot } from '../../protocol/admin';
import { LAZY_MODULES } from '../../edge/generated/tag';
import { trackErrors } from '../helpers/attune';
import { launchChromium } from '../helpers/browser';
import { startLocalEdge, type LocalEdge } from '../helpers/edge';
import { startFixtureServer, type FixtureServer } from '../helpers/fixtures';

/**
 * The visual editor (/attune-editor.js, snippet/editor/) driven in Chromium on a customer's page
 * of another origin: pointing and selecting (stable selectors), making an element a slot and
 * editing its text, changing a page (text, hide, link, CSS), previewing each variant, saving
 * through the editor routes — checked through the admin API — and staying isolated (the page's
 * text shown as text, the site's CSS not reaching the editor's UI), and refusing a forged link.
 */
let edge: LocalEdge;
let fx: FixtureServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

const PAGE_CSS = 'button { color: red !important; font-size: 50px } div { all: unset } article { display: block; padding: 12px }';
const HOSTILE = '<img src=x onerror="window.__pwned=1">';
const BODY = `<main style="max-width:560px">
<h1 id="title">Summer sale</h1>
<section id="offers"><p>Intro</p><p class="promo">Free shipping on orders over $50</p></section>
<article data-testid="hero-card" data-role="card"><h2>Welcome</h2></article>
<p><a id="buy" href="/files/buy">Buy now</a></p>
<img id="pic" src="/files/a.png" alt="A picture" width="40" height="40">
<ul><li>One</li><li class="two">Two</li></ul>
<p id="hostile">${HOSTILE.replace(/</g, '&lt;').replace(/>/g, '&gt;')} not markup</p>
<ol><li id="dup">First</li><li id="dup" data-id="second">Second</li></ol>
<button id="site-button" onclick="document.title='clicked'">Site button</button>
</main>`;

const variant = (key: string, content: unknown = null) => ({ key, weight: 1, content });
const EXPERIENCES = [
  { id: 'ed-slot', name: 'Promo banner', slot: 'promo', status: 'draft', variants: [variant('a'), variant('b', { type: 'text', value: 'Old promo' })] },
  {
    id: 'ed-page', name: 'Landing changes', page: '/old', status: 'paused',
    variants: [variant('control'), variant('b'), variant('c', { type: 'redirect', url: '/landing-c' })],
  },
  { id: 'ed-hostile', name: HOSTILE, slot: 'x-slot', status: 'draft', variants: [variant('a')] },
  {
    id: 'ed-to-slot', name: 'Headline', page: '/shop', status: 'draft',
    variants: [variant('a'), variant('b', { type: 'changes', value: [{ selector: '#title', text: 'Page text' }] }), variant('c', { type: 'redirect', url: '/c' })],
  },
  { id: 'ed-to-page', name: 'Picture', slot: 'pic-slot', status: 'draft', variants: [variant('a'), variant('b', { type: 'html', value: '<i>old</i>' })] },
  { id: 'ed-live', name: 'Soon live', slot: 'live-slot', status: 'draft', variants: [variant('a'), variant('b')] },
];

beforeAll(async () => {
  [edge, browser] = await Promise.all([startLocalEdge(), launchChromium()]);
  fx = await startFixtureServer(edge.url);
  fx.page('/shop', { title: 'Shop', head: `<style>${PAGE_CSS}</style>`, body: BODY, noTag: true });
  const site = await edge.api<Site>('/sites/demo');
  const patched = await edge.api<Site>('/sites/demo', { method: 'PATCH', body: JSON.stringify({ origins: [...site.body.origins, fx.origin] }) });
  expect(patched.status).toBe(200);
  for (const e of EXPERIENCES) {
    const res = await edge.api<unknown>('/sites/demo/experiences', { method: 'POST', body: JSON.stringify(e) });
    if (res.status !== 201) throw new Error(`creating ${e.id}: ${res.status} ${JSON.stringify(res.body)}`);
  }
});

afterAll(async () => {
  await browser?.close();
  await fx?.stop();
  await edge?.stop();
});

afterEach(async () => {
  for (const c of contexts.splice(0)) await c.close().catch(() => {});
});

async function openPage(): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  return { page, errors: trackErrors(page) };
}

async function editorLink(experience?: string): Promise<{ url: string; token: string }> {
  const res = await edge.api<{ url: string }>('/sites/demo/editor-links', {
    method: 'POST',
    body: JSON.stringify({ url: fx.url('/shop'), ...(experience && { experience }) }),
  });
  expect(res.status).toBe(201);
  return { url: res.body.url, token: new URL(res.body.url).searchParams.get('attune_edit')! };
}

/** Loads the editor on the page the way the tag's loader does: import(), then start(). */
async function startEditor(page: Page, token: string): Promise<void> {
  await page.addScriptTag({
    type: 'module',
    content: `import(${JSON.stringify(`${edge.url}/attune-editor.js`)}).then((m) => m.start({ api: ${JSON.stringify(edge.url)}, site: 'demo', token: ${JSON.stringify(token)} }))`,
  });
  await page.locator('[data-editor="toolbar"]').waitFor();
}

/** Opens the editor through a fresh link for `experience` and waits for its session. */
async function openEditor(experience?: string): Promise<{ page: Page; errors: string[] }> {
  const opened = await openPage();
  const link = await editorLink(experience);
  await opened.page.goto(link.url);
  await startEditor(opened.page, link.token);
  await expect.poll(() => status(opened.page)).toMatch(/^Editing "/);
  return opened;
}

const ui = (page: Page, name: string) => page.locator(`[data-editor="${name}"]`);
const status = (page: Page) => ui(page, 'status').textContent();
const statusKind = (page: Page) => ui(page, 'status').getAttribute('data-kind');
const text = (page: Page, sel: string) => page.locator(sel).evaluate((el) => el.textContent);

/** Selects `sel` on the page by clicking it and returns the selector the editor shows. */
async function pick(page: Page, sel: string, position?: { x: number; y: number }): Promise<string> {
  await page.click(sel, { position });
  const shown = (await ui(page, 'selector').textContent())!;
  // The selector matches exactly the element clicked.
  expect(await page.evaluate(([s, clicked]) => {
    const all = document.querySelectorAll(s);
    return all.length === 1 && all[0] === document.querySelector(clicked);
  }, [shown, sel] as const)).toBe(true);
  return shown;
}

async function experience(id: string): Promise<Experience> {
  const res = await edge.api<Experience>(`/sites/demo/experiences/${id}`);
  expect(res.status).toBe(200);
  return res.body;
}

describe('the visual editor', () => {
  it('is served unversioned (briefly cached) and versioned (immutable), CORS-readable', async () => {
    const mod = LAZY_MODULES['attune-editor.js'];
    expect(mod).toBeDefined();
    const plain = await fetch(`${edge.url}/attune-editor.js`);
    expect(plain.status).toBe(200);
    expect(plain.headers.get('access-control-allow-origin')).toBe('*');
    expect(plain.headers.get('content-type')).toMatch(/javascript/);
    expect(plain.headers.get('cache-control')).toMatch(/max-age=300/);
    expect(await plain.text()).toMatch(/export\s*\{/);
    const versioned = await fetch(`${edge.url}/attune-editor.js?v=${mod!.version}`);
    expect(versioned.headers.get('cache-control')).toMatch(/immutable/);
    expect((await fetch(`${edge.url}/attune-editor.js?v=00000000`)).headers.get('cache-control')).not.toMatch(/immutable/);
  });

  it('highlights in its own layer, selects on click (no navigation, no site handler) and shows stable, unique selectors', async () => {
    const { page, errors } = await openEditor('ed-slot');
    await page.hover('#title');
    const [hover, target] = await page.evaluate(() => {
      const box = document.querySelector('attune-editor')!.shadowRoot!.querySelector('.box:not(.sel)') as HTMLElement;
      const r = document.getElementById('title')!.getBoundingClientRect();
      return [box.hidden ? null : box.getBoundingClientRect().toJSON(), r.toJSON()] as const;
    });
    expect(hover).not.toBeNull();
    expect(Math.abs(hover!.left - (target.left - 2))).toBeLessThan(1);
    expect(Math.abs(hover!.width - (target.width + 4))).toBeLessThan(1);
    // The page's element is not restyled to show the highlight.
    expect(await page.locator('#title').getAttribute('style')).toBeNull();

    expect(await pick(page, '#title')).toBe('#title');
    expect(await pick(page, '#offers .promo')).toBe('#offers > p:nth-child(2)');
    expect(await pick(page, 'article', { x: 4, y: 4 })).toBe('article[data-testid="hero-card"]');
    expect(await pick(page, 'article h2')).toBe('body > main:nth-child(1) > article:nth-child(3) > h2:nth-child(1)');
    expect(await pick(page, 'li.two')).toBe('body > main:nth-child(1) > ul:nth-child(6) > li:nth-child(2)');
    // A duplicated id is not unique: a data attribute, else the path.
    expect(await pick(page, 'li[data-id="second"]')).toBe('li[data-id="second"]');
    expect(await pick(page, 'ol li:first-child')).toBe('body > main:nth-child(1) > ol:nth-child(8) > li:nth-child(1)');

    const before = page.url();
    expect(await pick(page, '#buy')).toBe('#buy');
    await pick(page, '#site-button');
    await page.waitForTimeout(300);
    expect(page.url()).toBe(before);
    expect(await page.title()).toBe('Shop');
    expect(errors).toEqual([]);
  });

  it('makes the selected element the slot, edits its text, previews each variant and saves', async () => {
    const { page, errors } = await openEditor('ed-slot');
    expect(await ui(page, 'experience').inputValue()).toBe('ed-slot');
    expect(await pick(page, '#offers .promo')).toBe('#offers > p:nth-child(2)');
    expect(await ui(page, 'slot-name').inputValue()).toBe('promo');
    await ui(page, 'use-as-slot').click();
    await expect.poll(() => status(page)).toMatch(/is now the slot "promo"/);
    expect(await statusKind(page)).toBe('ok');

    // Variant b (the one with content) is shown: its saved text fills the new slot.
    expect(await ui(page, 'variant').and(page.locator('[aria-selected="true"]')).getAttribute('data-key')).toBe('b');
    expect(await text(page, '#offers .promo')).toBe('Old promo');
    await ui(page, 'edit-text').click();
    expect(await ui(page, 'text-input').inputValue()).toBe('Old promo');
    await ui(page, 'text-input').fill('Free shipping on every order');
    await ui(page, 'apply-text').click();
    expect(await text(page, '#offers .promo')).toBe('Free shipping on every order');

    await page.locator('[data-editor="variant"][data-key="a"]').click();
    expect(await text(page, '#offers .promo')).toBe('Free shipping on orders over $50');
    await page.locator('[data-editor="variant"][data-key="b"]').click();
    expect(await text(page, '#offers .promo')).toBe('Free shipping on every order');

    await ui(page, 'save').click();
    await expect.poll(() => status(page)).toBe('Saved. Start the experience from the dashboard.');

    const slot = await edge.api<Slot>('/sites/demo/slots/promo');
    expect(slot.status).toBe(200);
    expect(slot.body.selector).toBe('#offers > p:nth-child(2)');
    const exp = await experience('ed-slot');
    expect(exp.slot).toBe('promo');
    expect(exp.status).toBe('draft');
    expect(exp.variants.map((v) => [v.key, v.content])).toEqual([
      ['a', null],
      ['b', { type: 'text', value: 'Free shipping on every order' }],
    ]);
    expect(errors).toEqual([]);
  });

  it('changes a page (text, hide, link, CSS) all together, previews every variant without navigating, and saves the changes', async () => {
    const { page, errors } = await openEditor('ed-page');
    const url = page.url();
    expect(await ui(page, 'page-pattern').inputValue()).toBe('/old');
    await ui(page, 'page-pattern').fill('/shop');
    await page.locator('[data-editor="variant"][data-key="b"]').click();

    await pick(page, '#title');
    await ui(page, 'edit-text').click();
    expect(await ui(page, 'text-input').inputValue()).toBe('Summer sale');
    await ui(page, 'text-input').fill('Winter sale');
    await ui(page, 'apply-text').click();
    expect(await text(page, '#title')).toBe('Winter sale');

    expect(await pick(page, 'article', { x: 4, y: 4 })).toBe('article[data-testid="hero-card"]');
    await ui(page, 'hide').click();
    expect(await page.locator('article').evaluate((el) => getComputedStyle(el).display)).toBe('none');

    await pick(page, '#buy');
    expect(await ui(page, 'href-input').inputValue()).toBe('/files/buy');
    await ui(page, 'href-input').fill('javascript:alert(1)');
    await ui(page, 'apply-attrs').click();
    expect(await statusKind(page)).toBe('error');
    expect(await page.locator('#buy').getAttribute('href')).toBe('/files/buy');
    await ui(page, 'href-input').fill('/files/buy-now');
    await ui(page, 'apply-attrs').click();
    expect(await page.locator('#buy').getAttribute('href')).toBe('/files/buy-now');

    await ui(page, 'css-input').fill('h1 { letter-spacing: 3px }');
    await ui(page, 'apply-css').click();
    const spacing = () => page.locator('#title').evaluate((el) => getComputedStyle(el).letterSpacing);
    expect(await spacing()).toBe('3px');
    expect(await ui(page, 'change').count()).toBe(3);

    // The control: the page as it is.
    await page.locator('[data-editor="variant"][data-key="control"]').click();
    expect(await text(page, '#title')).toBe('Summer sale');
    expect(await page.locator('article').evaluate((el) => getComputedStyle(el).display)).toBe('block');
    expect(await page.locator('#buy').getAttribute('href')).toBe('/files/buy');
    expect(await spacing()).not.toBe('3px');
    // The redirect: a notice, never a navigation.
    await page.locator('[data-editor="variant"][data-key="c"]').click();
    expect(await ui(page, 'notice').textContent()).toContain('/landing-c');
    expect(await text(page, '#title')).toBe('Summer sale');
    await page.waitForTimeout(300);
    expect(page.url()).toBe(url);
    // Back to b: everything again.
    await page.locator('[data-editor="variant"][data-key="b"]').click();
    expect(await text(page, '#title')).toBe('Winter sale');
    expect(await page.locator('article').evaluate((el) => getComputedStyle(el).display)).toBe('none');
    expect(await page.locator('#buy').getAttribute('href')).toBe('/files/buy-now');

    await ui(page, 'save').click();
    await expect.poll(() => status(page)).toBe('Saved. Start the experience from the dashboard.');
    const exp = await experience('ed-page');
    expect(exp.page).toBe('/shop');
    expect(exp.slot ?? null).toBeNull();
    expect(exp.variants.map((v) => [v.key, v.content])).toEqual([
      ['control', null],
      [
        'b',
        {
          type: 'changes',
          value: [
            { selector: '#title', text: 'Winter sale' },
            { selector: 'article[data-testid="hero-card"]', hide: true },
            { selector: '#buy', attrs: { href: '/files/buy-now' } },
          ],
          css: 'h1 { letter-spacing: 3px }',
        },
      ],
      ['c', { type: 'redirect', url: '/landing-c' }],
    ]);
    expect(errors).toEqual([]);
  });

  it('turns a page experience into a slot experience (and back the other way), with HTML made inert in the preview', async () => {
    const { page, errors } = await openEditor('ed-to-slot');
    await ui(page, 'mode-slot').click();
    expect(await ui(page, 'mode-slot').getAttribute('aria-pressed')).toBe('true');
    // Page content cannot stay in a slot experience: cleared (and saved with the slot).
    expect(await status(page)).toMatch(/content of 2 variant\(s\) of the other kind was cleared/);
    expect(await pick(page, '#title')).toBe('#title');
    expect(await ui(page, 'slot-name').inputValue()).toBe('title');
    await ui(page, 'slot-name').fill('headline');
    await ui(page, 'use-as-slot').click();
    await expect.poll(() => status(page)).toMatch(/is now the slot "headline"/);
    await page.locator('[data-editor="variant"][data-key="b"]').click();
    await ui(page, 'edit-html').click();
    expect(await ui(page, 'html-input').inputValue()).toBe('Summer sale');
    const html = '<b>Big</b> sale<img src=x onerror="window.__pwned=2">';
    await ui(page, 'html-input').fill(html);
    await ui(page, 'apply-html').click();
    expect(await page.locator('#title').innerHTML()).toBe('<b>Big</b> sale<img src="x">');
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await ui(page, 'save').click();
    await expect.poll(() => status(page)).toBe('Saved. Start the experience from the dashboard.');
    let exp = await experience('ed-to-slot');
    expect([exp.slot, exp.page ?? null]).toEqual(['headline', null]);
    expect(exp.variants.map((v) => v.content)).toEqual([null, { type: 'html', value: html }, null]);
    expect((await edge.api<Slot>('/sites/demo/slots/headline')).body.selector).toBe('#title');

    // Another experience, from the picker: a slot experience that becomes a page experience.
    await ui(page, 'experience').selectOption('ed-to-page');
    expect(await text(page, '#title')).toBe('Summer sale');
    await ui(page, 'mode-page').click();
    expect(await ui(page, 'page-pattern').inputValue()).toBe('/shop');
    await page.locator('[data-editor="variant"][data-key="b"]').click();
    await pick(page, '#pic');
    await ui(page, 'src-input').fill('/files/b.png');
    await ui(page, 'alt-input').fill('Another picture');
    await ui(page, 'apply-attrs').click();
    expect(await page.locator('#pic').getAttribute('src')).toBe('/files/b.png');
    await ui(page, 'save').click();
    await expect.poll(() => status(page)).toBe('Saved. Start the experience from the dashboard.');
    exp = await experience('ed-to-page');
    expect([exp.slot ?? null, exp.page]).toEqual([null, '/shop']);
    expect(exp.variants.map((v) => v.content)).toEqual([null, { type: 'changes', value: [{ selector: '#pic', attrs: { src: '/files/b.png', alt: 'Another picture' } }] }]);
    expect(errors).toEqual([]);
  });

  it("shows the page's and the API's text as text, and the site's CSS does not restyle it", async () => {
    const { page, errors } = await openEditor('ed-hostile');
    const option = page.locator('[data-editor="experience"] option:checked');
    expect(await option.textContent()).toContain(HOSTILE);
    await pick(page, '#hostile');
    expect(await ui(page, 'element-text').textContent()).toBe(`${HOSTILE} not markup`);
    const shadowImages = await page.evaluate(() => document.querySelector('attune-editor')!.shadowRoot!.querySelectorAll('img').length);
    expect(shadowImages).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();

    // The site's CSS applies to its own button...
    const site = await page.locator('#site-button').evaluate((el) => [getComputedStyle(el).color, getComputedStyle(el).fontSize]);
    expect(site).toEqual(['rgb(255, 0, 0)', '50px']);
    // ...and not to the editor's: its buttons and boxes keep their own styles.
    const [color, fontSize] = await ui(page, 'save').evaluate((el) => [getComputedStyle(el).color, getComputedStyle(el).fontSize]);
    expect(color).not.toBe('rgb(255, 0, 0)');
    expect(fontSize).toBe('12px');
    const panel = await ui(page, 'panel').evaluate((el) => [getComputedStyle(el).display, getComputedStyle(el).position, getComputedStyle(el).backgroundColor]);
    expect(panel).toEqual(['block', 'fixed', 'rgb(255, 255, 255)']);
    expect(errors).toEqual([]);
  });

  it("shows the API's error message when a save is refused", async () => {
    const { page, errors } = await openEditor('ed-live');
    // Started in the dashboard meanwhile: the editor may no longer change it.
    const started = await edge.api<unknown>('/sites/demo/experiences/ed-live', { method: 'PATCH', body: JSON.stringify({ status: 'running' }) });
    expect(started.status).toBe(200);
    await ui(page, 'save').click();
    await expect.poll(() => statusKind(page)).toBe('error');
    expect(await status(page)).toMatch(/ed-live.*running/);
    expect(errors).toEqual([]);
  });

  it('with a forged or tampered link: an error in its status line, and the page left alone', async () => {
    const { token } = await editorLink('ed-slot');
    const before = await experience('ed-slot');
    const [payload, signature] = token.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const extended = Buffer.from(JSON.stringify({ ...claims, x: Date.now() + 86_400_000 })).toString('base64url');
    const forged = [`${extended}.${signature}`, `${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`, 'garbage'];
    for (const bad of forged) {
      const { page, errors } = await openPage();
      await page.goto(fx.url('/shop', undefined, { attune_edit: bad }));
      const body = await page.evaluate(() => document.body.innerHTML);
      await startEditor(page, bad);
      await expect.poll(() => statusKind(page)).toBe('error');
      expect(await status(page)).toMatch(/forged|expired|not allowed/i);
      expect(await page.locator('[data-editor="experience"] option').count()).toBe(0);
      expect(await page.evaluate(() => document.body.innerHTML)).toBe(body);
      // Not picking either: the site's own button works as usual.
      await page.click('#site-button');
      expect(await page.title()).toBe('clicked');
      expect(errors).toEqual([]);
    }
    expect(await experience('ed-slot')).toEqual(before);
  });
});
