import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Experience, Slot } from '../../protocol/admin';
import { storedEvents, tagReady, trackErrors } from '../helpers/attune';
import { startDemoShop, type DemoShop } from '../helpers/demo-shop';
import { eventually, type LocalEdge } from '../helpers/edge';
import { openAs, visitorIn } from '../helpers/visitors';

/**
 * A marketer's path with no developer, in Chromium on the demo: in the dashboard, a draft
 * experience for a slot that does not exist yet; "Edit on my site" opens the demo page with the
 * visual editor; clicking the "Bestsellers" heading (no data-attune-slot on it) makes it the slot,
 * typing new text and saving gives the variant; "Start" in the dashboard runs the test. Then a new
 * visitor of the variant sees the new text through the tag and through proxy mode with JavaScript
 * off, and a visitor of the control sees the original.
 *
 * Each step is screenshotted into ATTUNE_SCREENSHOTS (default test-results/screenshots/editor);
 * `node scripts/screenshots.mjs` runs this file to refresh docs/screenshots/ for the README.
 */
const SHOTS = process.env.ATTUNE_SCREENSHOTS ?? 'test-results/screenshots/editor';
const HEADING = '#shop > h2:nth-child(1)'; // the demo's "Bestsellers" heading, on /demo and on the shop's own origin
const NEW_TEXT = 'Our customers’ favourites';

let shop: DemoShop;
let edge: LocalEdge;
let browser: Browser;
let marketer: BrowserContext;

const shot = (p: Page, name: string) => p.screenshot({ path: `${SHOTS}/${name}.png` });

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // The demo site also answers, in proxy mode, for its shop's own host (the demo origin).
  shop = await startDemoShop();
  ({ edge, browser } = shop);
  marketer = await browser.newContext({ viewport: { width: 1280, height: 860 } });
});

afterAll(() => shop?.stop());

describe('a marketer, without a developer', () => {
  it('makes the demo\'s "Bestsellers" heading a slot in the visual editor, gives it new text and starts the test from the dashboard', async () => {
    const dash = await marketer.newPage();
    const errors = trackErrors(dash);
    await dash.goto(`${edge.url}/dashboard`);
    await dash.getByLabel('Admin token').fill(edge.token);
    await dash.getByRole('button', { name: 'Sign in' }).click();
    await dash.getByRole('link', { name: 'demo', exact: true }).click();

    // A draft for a slot that is nowhere on the site yet: the editor will make it.
    await dash.getByRole('link', { name: 'Experiences' }).click();
    await dash.getByRole('link', { name: 'New experience' }).click();
    await dash.locator('#name').fill('Bestsellers heading');
    await dash.getByLabel('Id (optional)').fill('bestsellers-heading');
    await dash.getByLabel('Slot', { exact: true }).fill('bestsellers');
    await dash.getByRole('button', { name: 'Create experience' }).click();
    await dash.locator('#edit-on-site').waitFor();
    await dash.locator('#edit-on-site').scrollIntoViewIfNeeded();
    await shot(dash, '1-edit-on-my-site');

    // "Edit on my site": the demo page opens (in the same tab) with the editor over it.
    await dash.locator('#edit-on-site').getByRole('button', { name: 'Edit on my site' }).click();
    await dash.waitForURL((u) => u.pathname === '/demo' && u.searchParams.has('attune_edit'));
    const status = dash.locator('[data-editor=status]');
    await expect.poll(() => status.textContent(), { timeout: 15_000 }).toContain('Editing "Bestsellers heading"');
    const heading = dash.locator(HEADING);
    expect(await heading.getAttribute('data-attune-slot')).toBeNull();

    // Click the heading: selected, with a stable selector; use it as the slot "bestsellers".
    await heading.click();
    const selector = (await dash.locator('[data-editor=selector]').textContent())!;
    expect(await dash.evaluate((s) => document.querySelectorAll(s).length, selector)).toBe(1);
    expect(await dash.locator('[data-editor=slot-name]').inputValue()).toBe('bestsellers');
    await shot(dash, '2-select-the-heading');
    await dash.locator('[data-editor=use-as-slot]').click();
    await expect.poll(() => status.textContent()).toContain('is now the slot "bestsellers"');

    // The variant's text, typed in place of the heading's, previewed on the page, then saved.
    const variants = await dash.locator('[data-editor=variant]').evaluateAll((els) => els.map((el) => el.getAttribute('data-key')!));
    const variant = variants.find((k) => k !== 'control')!;
    await dash.locator(`[data-editor=variant][data-key="${variant}"]`).click();
    await dash.locator('[data-editor=edit-text]').click();
    await dash.locator('[data-editor=text-input]').fill(NEW_TEXT);
    await dash.locator('[data-editor=apply-text]').click();
    expect(await heading.textContent()).toBe(NEW_TEXT);
    await shot(dash, '3-new-text-previewed');
    await dash.locator('[data-editor=save]').click();
    await expect.poll(() => status.textContent()).toContain('Saved');

    const slot = (await edge.api<Slot>('/sites/demo/slots/bestsellers')).body;
    expect(slot.selector).toBe(selector);
    const saved = (await edge.api<Experience>('/sites/demo/experiences/bestsellers-heading')).body;
    expect(saved.variants.find((v) => v.key === variant)?.content).toEqual({ type: 'text', value: NEW_TEXT });

    // Back in the dashboard: start it.
    await dash.goto(`${edge.url}/dashboard/sites/demo/experiences/bestsellers-heading`);
    await dash.getByRole('button', { name: 'Start', exact: true }).click();
    await dash.getByText('running', { exact: true }).first().waitFor();
    await shot(dash, '4-running');
    expect((await edge.api<Experience>('/sites/demo/experiences/bestsellers-heading')).body.status).toBe('running');
    expect(errors).toEqual([]);

    // A new visitor of the variant: the new text through the tag …
    const inVariant = await visitorIn(edge, 'demo', 'bestsellers-heading', variant, `${edge.url}/demo`);
    const viaTag = await openAs(browser, inVariant, `${edge.url}/demo`);
    await tagReady(viaTag.page);
    await expect.poll(() => viaTag.page.locator(HEADING).textContent(), { timeout: 10_000 }).toBe(NEW_TEXT);
    await shot(viaTag.page, '5-visitor-sees-the-variant');
    await eventually(async () =>
      (await storedEvents(edge, 'demo', inVariant)).some((e) => e.name === '$exposure' && e.props?.experience === 'bestsellers-heading' && e.props?.variant === variant),
    );
    expect(viaTag.errors).toEqual([]);

    // … and through proxy mode with JavaScript off (filled in the HTML the edge streams).
    const viaProxy = await openAs(browser, inVariant, shop.shopUrl('/'), { javaScriptEnabled: false });
    expect(await viaProxy.page.locator(HEADING).textContent()).toBe(NEW_TEXT);
    expect((await shop.request('/', { headers: { cookie: `_attune_aid=${inVariant}` } })).body.toString()).toContain(`>${NEW_TEXT}</h2>`);

    // A visitor of the control sees the original, in both.
    const inControl = await visitorIn(edge, 'demo', 'bestsellers-heading', 'control', `${edge.url}/demo`);
    const control = await openAs(browser, inControl, `${edge.url}/demo`);
    await tagReady(control.page);
    await eventually(async () => (await storedEvents(edge, 'demo', inControl)).some((e) => e.name === '$exposure' && e.props?.variant === 'control'));
    expect(await control.page.locator(HEADING).textContent()).toBe('Bestsellers');
    const controlProxy = await openAs(browser, inControl, shop.shopUrl('/'), { javaScriptEnabled: false });
    expect(await controlProxy.page.locator(HEADING).textContent()).toBe('Bestsellers');
  });

  it('never loads the editor without a valid editor link: a forged token or another site\'s shows nothing', async () => {
    const other = await edge.api('/sites', { method: 'POST', body: JSON.stringify({ key: 'elsewhere', name: 'Elsewhere', origins: [edge.url] }) });
    expect(other.status).toBeLessThan(300);
    const link = await edge.api<{ url: string }>('/sites/elsewhere/editor-links', { method: 'POST', body: JSON.stringify({ url: `${edge.url}/demo` }) });
    expect(link.status).toBe(201);
    const othersToken = new URL(link.body.url).searchParams.get('attune_edit')!;
    const mine = await edge.api<{ url: string }>('/sites/demo/editor-links', { method: 'POST', body: JSON.stringify({ url: `${edge.url}/demo` }) });
    const valid = new URL(mine.body.url).searchParams.get('attune_edit')!;
    const forged = `${valid.slice(0, -4)}${valid.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    for (const token of [forged, othersToken, 'garbage']) {
      const page = await (await browser.newContext()).newPage();
      const errors = trackErrors(page);
      const editorRequests: string[] = [];
      page.on('request', (r) => r.url().includes('/attune-editor.js') && editorRequests.push(r.url()));
      await page.goto(`${edge.url}/demo?attune_edit=${encodeURIComponent(token)}`);
      await tagReady(page);
      await page.waitForTimeout(1500); // long enough for the page view, the more module and a refused session
      expect(editorRequests, token).toEqual([]);
      expect(await page.locator('attune-editor').count()).toBe(0);
      expect(errors).toEqual([]);
      await page.context().close();
    }
    // The valid link does load it (the same wait, so the refusals above are not just slowness).
    const page = await (await browser.newContext()).newPage();
    await page.goto(mine.body.url);
    await expect.poll(() => page.locator('attune-editor').count(), { timeout: 10_000 }).toBe(1);
    await page.context().close();
  });
});
