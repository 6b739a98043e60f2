import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DecideResponse } from '../../protocol/decide';
import { flush, named, requireAnonymousId, tagReady, trackErrors, waitForEvents } from '../helpers/attune';
import { startDemoShop, type DemoShop } from '../helpers/demo-shop';
import { eventually, type LocalEdge } from '../helpers/edge';
import { overlayModuleArmed } from '../helpers/overlays';

/**
 * The demo's two triggered overlays, as `npm start` seeds them (scripts/edge-server.mjs): a rage
 * click on the sold-out product's "Add to cart" on /demo shows the help toast; the pointer leaving
 * the pricing page through the top of the window shows the price-promise banner. Each is triggered
 * as a visitor would trigger it, in a fresh browser (an overlay shows once per session); results
 * count its exposure and button press; both are listed in the dashboard. The proxied shop (the demo
 * origin behind the edge) embeds the banner's decision in its pricing page.
 */
const TOAST = { id: 'sold-out-help', name: 'Help on the sold-out product (rage click)' };
const BANNER = { id: 'price-promise-exit', name: 'Price promise when leaving pricing (exit intent)' };

let shop: DemoShop;
let edge: LocalEdge;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  shop = await startDemoShop();
  edge = shop.edge;
});

afterEach(async () => {
  for (const c of contexts.splice(0)) await c.close().catch(() => {});
});

afterAll(async () => {
  await shop?.stop();
});

async function visitor(): Promise<{ page: Page; errors: string[] }> {
  const context = await shop.browser.newContext({ viewport: { width: 1280, height: 800 } });
  contexts.push(context);
  const page = await context.newPage();
  return { page, errors: trackErrors(page) };
}

/** Opens `path` and returns the page's decision (the one answering the page view, which names its triggers). */
async function open(page: Page, path: string): Promise<DecideResponse> {
  const decided = page.waitForResponse((r) => r.url().endsWith('/v1/decide') && r.request().method() === 'POST', { timeout: 20_000 });
  await page.goto(`${edge.url}${path}`);
  await tagReady(page);
  // Without slots (the pricing page) the first decision waits for the first report's answer: a moment of interaction brings it on.
  await page.mouse.move(640, 400);
  const answer = (await (await decided).json()) as DecideResponse;
  await overlayModuleArmed(page);
  return answer;
}

/** Up and out through the top edge of the window, as a visitor heading for the tabs does. */
async function leaveThroughTop(page: Page): Promise<void> {
  await page.mouse.move(640, 300);
  await page.mouse.move(640, 2, { steps: 6 });
  await page.mouse.move(640, -20, { steps: 2 });
}

interface Results {
  analysis: { goals: { goal: string; variants: { key: string; visitors: number; conversions: number }[] }[] };
}

const overlay = (page: Page, kind: string) => page.locator(`[data-attune-overlay="${kind}"]`);

describe("the demo shop's overlays in Chromium", () => {
  it('shows the help toast when the sold-out product\'s "Add to cart" is rage-clicked, and counts its button', async () => {
    const { page, errors } = await visitor();
    const answer = await open(page, '/demo');
    expect((answer.triggers ?? []).map((t) => t.experience)).toEqual([TOAST.id]);

    const add = page.locator('#add-sold-out');
    expect(await add.textContent()).toContain('Add to cart');
    expect(await page.locator('#product-wool-scarf').textContent()).toContain('Sold out');
    expect(await overlay(page, 'toast').count()).toBe(0);
    for (let i = 0; i < 3; i++) await add.click({ delay: 10 }); // three clicks within a second: a rage click

    const toast = overlay(page, 'toast');
    await expect.poll(() => toast.locator('h2').textContent(), { timeout: 10_000 }).toBe('Out of stock');
    expect(await toast.locator('p').textContent()).toBe('Get an email when it is back.');
    expect(await toast.locator('[role="status"]').count()).toBe(1);
    expect(await toast.locator('.b a, .b button').allTextContents()).toEqual(["Email me when it's back", 'No thanks']);
    // The sold-out product added nothing to the cart.
    expect(await page.locator('#cart').textContent()).toBe('Cart (0)');

    await toast.getByRole('link', { name: "Email me when it's back" }).click();
    await expect.poll(() => page.locator('#notify').isVisible()).toBe(true);
    expect(await toast.count()).toBe(0);
    await page.getByLabel('Email').fill('ada@example.com');
    await page.getByRole('button', { name: 'Notify me' }).click();
    await expect.poll(() => page.locator('#notify').textContent()).toContain('Thanks!');
    await flush(page);

    const aid = await requireAnonymousId(page);
    const events = await waitForEvents(edge, 'demo', aid, (evs) =>
      named(evs, '$overlay_click').length > 0 && named(evs, 'Back in stock signup').length > 0,
    );
    expect(named(events, 'rage_click', 'signal')).toHaveLength(1);
    expect(named(events, '$exposure').filter((e) => e.props?.experience === TOAST.id).map((e) => e.props)).toEqual([
      { slot: `!${TOAST.id}`, experience: TOAST.id, variant: 'notify' },
    ]);
    expect(named(events, '$overlay_click').map((e) => e.props)).toEqual([
      { experience: TOAST.id, variant: 'notify', label: "Email me when it's back", url: '#notify' },
    ]);
    expect(named(events, 'Back in stock signup').map((e) => e.props)).toEqual([{ product: 'wool-scarf' }]);
    expect(JSON.stringify(events)).not.toContain('ada@example.com'); // field values never leave the page
    expect(named(events, 'Add to cart')).toHaveLength(0);

    // Results: one visitor shown the toast, who pressed its button and signed up.
    const results = await eventually(async () => {
      const r = (await edge.api<Results>(`/sites/demo/experiences/${TOAST.id}/results`)).body;
      const goal = (g: string) => r.analysis?.goals.find((x) => x.goal === g)?.variants.find((v) => v.key === 'notify');
      return goal('$overlay_click')?.conversions === 1 && goal('Back in stock signup')?.conversions === 1 ? r : null;
    });
    expect(results.analysis.goals.map((g) => [g.goal, g.variants[0]!.visitors, g.variants[0]!.conversions])).toEqual([
      ['Back in stock signup', 1, 1],
      ['$overlay_click', 1, 1],
    ]);
    expect(errors).toEqual([]);
  });

  it('shows the price-promise banner when the pointer leaves the pricing page through the top, and only there', async () => {
    const { page, errors } = await visitor();
    const home = await open(page, '/demo');
    expect((home.triggers ?? []).map((t) => t.experience)).not.toContain(BANNER.id);

    const answer = await open(page, '/demo/pricing');
    expect((answer.triggers ?? []).map((t) => t.experience)).toEqual([BANNER.id]);
    expect(await overlay(page, 'banner').count()).toBe(0);
    await leaveThroughTop(page);

    const banner = overlay(page, 'banner');
    await expect.poll(() => banner.locator('h2').textContent(), { timeout: 10_000 }).toBe('Our price promise');
    expect(await banner.locator('p').textContent()).toBe('Found it cheaper within 30 days? We refund the difference.');
    expect(await banner.locator('[role="region"]').count()).toBe(1);
    expect(await banner.locator('.b a').getAttribute('href')).toBe('#price-promise');
    expect(await page.locator('#price-promise').textContent()).toContain('we refund the difference');

    await banner.getByRole('button', { name: 'Got it' }).click();
    expect(await banner.count()).toBe(0);
    const aid = await requireAnonymousId(page);
    const events = await waitForEvents(edge, 'demo', aid, (evs) => named(evs, '$overlay_dismiss').length > 0);
    expect(named(events, 'exit_intent', 'signal').length).toBeGreaterThanOrEqual(1);
    expect(named(events, '$exposure').filter((e) => e.props?.experience === BANNER.id)).toHaveLength(1);
    expect(named(events, '$overlay_dismiss').map((e) => e.props)).toEqual([{ experience: BANNER.id, variant: 'banner' }]);
    expect(errors).toEqual([]);
  });

  it("shows the banner on the proxied shop's pricing page too, its decision embedded in the page", async () => {
    const { page, errors } = await visitor();
    const res = await page.goto(shop.shopUrl('/pricing'));
    const html = await res!.text();
    const embedded = JSON.parse(/<script type="application\/json" id="attune-decisions">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '{}') as Partial<DecideResponse>;
    expect(embedded.triggers?.map((t) => [t.experience, t.decision?.variant])).toEqual([[BANNER.id, 'banner']]);
    await tagReady(page);
    await page.mouse.move(640, 400);
    await overlayModuleArmed(page);
    await leaveThroughTop(page);
    await expect.poll(() => overlay(page, 'banner').locator('h2').textContent(), { timeout: 10_000 }).toBe('Our price promise');
    expect(errors).toEqual([]);
  });

  it('lists both in the dashboard, running', async () => {
    const { page } = await visitor();
    await page.goto(`${edge.url}/dashboard`);
    await page.getByLabel('Admin token').fill(edge.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'demo', exact: true }).waitFor();
    await page.goto(`${edge.url}/dashboard/sites/demo/experiences`);
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).toContain(TOAST.name);
    expect(text).toContain(BANNER.name);
    for (const { id } of [TOAST, BANNER]) {
      expect((await edge.api<{ status: string }>(`/sites/demo/experiences/${id}`)).body.status).toBe('running');
    }
  });
});
