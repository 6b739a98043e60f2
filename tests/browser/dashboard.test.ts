import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flush, requireAnonymousId, tagReady, trackErrors, type AttuneWindow } from '../helpers/attune';
import { launchChromium } from '../helpers/browser';
import { eventually, startLocalEdge, type LocalEdge } from '../helpers/edge';

/**
 * A marketer's whole flow in Chromium against a local edge: sign in, build an audience, create and
 * start an experience, watch a visitor arrive live, read the exposure in Results, find and delete
 * the visitor. Plus: hostile event names and traits render as text, unauthenticated requests and
 * forms without the CSRF token are refused. Screenshots land in test-results/screenshots/.
 */
const SHOTS = 'test-results/screenshots';
const XSS_IMG = '<img src=x onerror=alert(1)>';
const XSS_SCRIPT = '</script><script>alert(2)</script>';

let edge: LocalEdge;
let browser: Browser;
let marketer: BrowserContext;
let page: Page;
const dialogs: string[] = [];

async function shot(p: Page, name: string): Promise<void> {
  await p.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  [edge, browser] = await Promise.all([startLocalEdge(), launchChromium()]);
  marketer = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await marketer.newPage();
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    // Confirmations of deletes are the dashboard's own; anything else would be injected script.
    void (d.type() === 'confirm' ? d.accept() : d.dismiss());
  });
});

afterAll(async () => {
  await browser?.close();
  await edge?.stop();
});

describe('the dashboard in Chromium', () => {
  it('takes a marketer from sign-in to a live experiment, its results and a deleted profile', async () => {
    const errors = trackErrors(page);
    await page.goto(`${edge.url}/dashboard`);
    await shot(page, '01-sign-in');
    await page.getByLabel('Admin token').fill(edge.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'demo', exact: true }).click();
    await page.getByRole('heading', { name: 'Attune Goods' }).waitFor();
    await shot(page, '02-site-overview');

    // An audience, built with the rule builder; its size estimate updates as it is edited.
    await page.getByRole('link', { name: 'Audiences' }).click();
    await page.getByRole('link', { name: 'New audience' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Demo shoppers');
    await page.getByLabel('Id (optional)').fill('demo-shoppers');
    await page.getByLabel('Field', { exact: true }).fill('path');
    await page.getByLabel('Operator').selectOption('starts_with');
    await page.getByLabel('Value', { exact: true }).fill('/demo');
    await page.locator('[data-estimate-text]').filter({ hasText: /visitors seen in the last 30 days/ }).waitFor();
    await shot(page, '03-audience-builder');
    await page.getByRole('button', { name: 'Create audience' }).click();
    await page.getByRole('heading', { name: 'Demo shoppers' }).waitFor();
    expect((await edge.api<{ rule: unknown }>('/sites/demo/audiences/demo-shoppers')).body.rule).toEqual({ field: 'path', op: 'starts_with', value: '/demo' });

    // An experience with two variants for that audience, started at once.
    await page.getByRole('link', { name: 'Experiences' }).click();
    await page.getByRole('link', { name: 'New experience' }).click();
    await page.locator('#name').fill('Dashboard hero');
    await page.getByLabel('Id (optional)').fill('dash-hero');
    await page.getByLabel('Slot').fill('hero');
    await page.getByLabel('Audience', { exact: true }).selectOption('demo-shoppers');
    await page.getByLabel('Priority').fill('50');
    await page.getByLabel('Status').selectOption('running');
    await page.getByLabel('Goals (one event name per line)').fill('Add to cart');
    await page.locator('#v1-value').fill('<h1>Hello from the dashboard</h1><p>Made without a developer.</p>');
    await page.getByRole('button', { name: 'Create experience' }).click();
    await page.getByRole('heading', { name: 'Dashboard hero' }).waitFor();
    await expect(page.locator('.pill.running').first().textContent()).resolves.toBe('running');
    const frame = page.frameLocator('iframe.preview').first();
    await expect(frame.locator('h1').textContent()).resolves.toBe('Hello from the dashboard');
    await shot(page, '04-experience-editor');
    // Full-page shots leave out-of-viewport (out-of-process) frames blank in headless Chromium; shoot the variant in view.
    await page.locator('[data-variant-row]').nth(1).screenshot({ path: `${SHOTS}/04b-variant-preview.png` });

    // Live, connected before the visitor arrives.
    await page.getByRole('link', { name: 'Live' }).click();
    await page.locator('#live-status').filter({ hasText: 'live' }).waitFor();

    const visitor = await browser.newContext();
    const vp = await visitor.newPage();
    const visitorErrors = trackErrors(vp);
    await vp.goto(`${edge.url}/demo`);
    await tagReady(vp);
    await vp.waitForSelector('[data-attune-slot="hero"][data-attune-variant]');
    const aid = await requireAnonymousId(vp);
    await vp.evaluate(([img, script]) => {
      const a = (window as unknown as AttuneWindow).attune;
      a.track(img, { note: script });
      void a.identify('dash-user-1', { name: img, bio: script });
    }, [XSS_IMG, XSS_SCRIPT] as const);
    await flush(vp);
    await eventually(async () => (await vp.evaluate(() => (window as unknown as AttuneWindow).attune.flush()), true));

    const hostile = page.locator('#live-events tr', { hasText: XSS_IMG }).first();
    await hostile.waitFor();
    expect(await hostile.textContent()).toContain(XSS_SCRIPT);
    await page.locator('#live-events tr', { hasText: '$exposure' }).first().waitFor();
    expect(Number(await page.locator('#live-active').textContent())).toBeGreaterThanOrEqual(1);
    await shot(page, '05-live');

    // Results: the exposure is counted (increments settle within a second or two).
    const resultsUrl = `${edge.url}/dashboard/sites/demo/experiences/dash-hero/results`;
    await eventually(async () => {
      await page.goto(resultsUrl);
      return (await page.locator('#total-visitors').textContent()) === '1';
    }, 40, 500);
    await shot(page, '06-results');

    // Profiles: find the visitor by anonymous id; hostile traits show as text; delete them.
    await page.getByRole('link', { name: 'Profiles' }).click();
    await page.getByLabel('Find by').selectOption('anon');
    await page.getByLabel('Value').fill(aid);
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('heading', { name: 'Journey' }).waitFor();
    await expect(page.locator('main').textContent()).resolves.toContain(XSS_IMG);
    expect(await page.locator('main img').count()).toBe(0);
    await shot(page, '07-profile');
    await page.getByLabel('I understand this cannot be undone').check();
    await page.getByRole('button', { name: 'Delete profile' }).click();
    await page.getByText(/Deleted profile p_/).waitFor();
    expect((await edge.api(`/sites/demo/profiles/anon:${aid}`)).status).toBe(404);

    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    expect(visitorErrors).toEqual([]);
    await visitor.close();
  });

  it('renders the pages readably at phone width', async () => {
    const phone = await browser.newContext({ viewport: { width: 375, height: 740 }, storageState: await marketer.storageState() });
    const p = await phone.newPage();
    for (const [path, name] of [
      ['experiences/dash-hero/results', '08-phone-results'],
      ['live', '09-phone-live'],
      ['audiences/demo-shoppers', '10-phone-audience'],
      ['install', '11-phone-install'],
    ] as const) {
      await p.goto(`${edge.url}/dashboard/sites/demo/${path}`);
      // Nothing wider than the screen except inside the sideways-scrolling table regions.
      const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, path).toBeLessThanOrEqual(1);
      await shot(p, name);
    }
    await phone.close();
  });

  it('refuses every dashboard page and admin route without a session, and forms without the CSRF token', async () => {
    const anon = await browser.newContext();
    for (const path of ['', 'install', 'live', 'audiences', 'audiences/new', 'experiences', 'experiences/hero-test', 'experiences/hero-test/results', 'attribution', 'funnels', 'profiles', 'settings']) {
      const res = await anon.request.get(`${edge.url}/dashboard/sites/demo${path ? `/${path}` : ''}`, { maxRedirects: 0 });
      expect(res.status(), path).toBe(303);
      expect(res.headers().location, path).toBe('/dashboard');
    }
    for (const path of ['/sites', '/sites/demo', '/sites/demo/experiences', '/sites/demo/audiences', '/sites/demo/events', '/sites/demo/experiences/hero-test/results']) {
      expect((await anon.request.get(`${edge.url}/api${path}`)).status(), path).toBe(401);
    }
    const refused = await anon.request.post(`${edge.url}/dashboard/sites/demo/experiences/hero-test/status`, { form: { status: 'ended' }, maxRedirects: 0 });
    expect(refused.status()).toBe(401);
    await anon.close();

    // Signed in, but the form lacks the token (as a cross-site page's would).
    const noCsrf = await page.request.post(`${edge.url}/dashboard/sites/demo/experiences/hero-test/status`, { form: { status: 'ended' }, maxRedirects: 0 });
    expect(noCsrf.status()).toBe(403);
    expect((await edge.api<{ status: string }>('/sites/demo/experiences/hero-test')).body.status).toBe('running');
  });
});
