import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flush, tagReady } from '../helpers/attune';
import { launchChromium } from '../helpers/browser';
import { eventually, startLocalEdge, type LocalEdge } from '../helpers/edge';

interface StoredEvent {
  type: string;
  name: string | null;
  path: string | null;
  props: Record<string, unknown> | null;
}

const VARIANT_HEADLINES = ['Summer sale: 20% off everything.', 'Free shipping, every order.'];
const DEFAULT_HEADLINE = 'Everyday goods, made well.';

let edge: LocalEdge;
let browser: Browser;

beforeAll(async () => {
  [edge, browser] = await Promise.all([startLocalEdge(), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await edge?.stop();
});

function trackErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}

async function heroHeadline(page: Page): Promise<string> {
  return (await page.locator('[data-attune-slot="hero"] h1').textContent()) ?? '';
}

describe('the demo shop in Chromium', () => {
  it('shows a sticky variant in the hero and records page views and clicks in the profile', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = trackErrors(page);
    await page.goto(`${edge.url}/demo`);
    await page.waitForSelector('[data-attune-slot="hero"][data-attune-variant]');
    const first = await heroHeadline(page);
    expect(VARIANT_HEADLINES).toContain(first);

    const anonymousId = await page.evaluate(() => localStorage.getItem('_attune_aid'));
    expect(anonymousId).toMatch(/^[a-z0-9]{28}$/);

    await page.getByRole('button', { name: 'Add to cart' }).first().click();
    await page.evaluate(() => (window as unknown as { attune: { flush(): Promise<void> } }).attune.flush());

    // The same browser sees the same variant on every visit.
    for (let i = 0; i < 3; i++) {
      await page.reload();
      await page.waitForSelector('[data-attune-slot="hero"][data-attune-variant]');
      expect(await heroHeadline(page)).toBe(first);
    }
    await page.evaluate(() => (window as unknown as { attune: { flush(): Promise<void> } }).attune.flush());

    const events = await eventually(async () => {
      const res = await edge.api<{ events: StoredEvent[] }>(`/sites/demo/profiles/anon:${anonymousId}/events`);
      const list = res.body.events ?? [];
      return list.filter((e) => e.type === 'page').length >= 4 && list.some((e) => e.name === 'Add to cart') ? list : null;
    });
    expect(events.filter((e) => e.type === 'page')).toHaveLength(4);
    expect(events.find((e) => e.name === 'Add to cart')).toMatchObject({ path: '/demo', props: { product: 'linen-shirt' } });
    expect(events.some((e) => e.name === '$exposure')).toBe(true);

    const profile = await edge.api<{ assignments: { experience: string; variant: string }[] }>(
      `/sites/demo/profiles/anon:${anonymousId}`,
    );
    expect(profile.body.assignments).toHaveLength(1);
    expect(profile.body.assignments[0]!.experience).toBe('hero-test');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('splits new visitors across both variants', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 12 && seen.size < 2; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${edge.url}/demo`);
      await page.waitForSelector('[data-attune-slot="hero"][data-attune-variant]');
      seen.add(await heroHeadline(page));
      await context.close();
    }
    expect([...seen].sort()).toEqual([...VARIANT_HEADLINES].sort());
  });

  it.each([
    ['the edge is down', 'abort'],
    ['the edge answers 500', 500],
    ['the edge answers garbage', 'garbage'],
  ] as const)('keeps the default hero and throws nothing when %s', async (_name, mode) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = trackErrors(page);
    await page.route('**/v1/**', (route) => {
      if (mode === 'abort') return route.abort('connectionrefused');
      if (mode === 'garbage') return route.fulfill({ status: 200, body: '<html>oops', contentType: 'application/json' });
      return route.fulfill({ status: mode, body: '{"error":{}}', contentType: 'application/json' });
    });
    await page.goto(`${edge.url}/demo`);
    await page.getByRole('button', { name: 'Add to cart' }).first().click();
    await page.evaluate(() => (window as unknown as { attune: { flush(): Promise<void> } }).attune.flush());
    // The decide request has settled (failed) once the tag reports no decision.
    const decided = await page.evaluate(() =>
      (window as unknown as { attune: { decide(): Promise<Record<string, unknown>> } }).attune.decide(),
    );
    expect(decided).toEqual({});
    expect(await heroHeadline(page)).toBe(DEFAULT_HEADLINE);
    expect(await page.locator('[data-attune-slot="hero"]').getAttribute('data-attune-variant')).toBeNull();
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows the price-promise hero to a visitor who viewed pricing twice (an audience-targeted experience)', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${edge.url}/demo`);
    await page.waitForSelector('[data-attune-slot="hero"][data-attune-variant]');
    expect(VARIANT_HEADLINES).toContain(await heroHeadline(page));
    // Each view of the pricing page is a "Viewed pricing" event.
    for (let i = 0; i < 2; i++) {
      await Promise.all([page.waitForEvent('load'), page.getByRole('link', { name: 'Pricing', exact: true }).click()]);
      expect(new URL(page.url()).pathname).toBe('/demo/pricing');
      await tagReady(page);
      await flush(page);
    }
    await page.getByRole('link', { name: 'Shop', exact: true }).click();
    await page.waitForSelector('[data-attune-slot="hero"][data-attune-variant="price-promise"]');
    expect(await heroHeadline(page)).toBe('Still comparing? We match any lower price.');
    await context.close();
  });

  it('shows the visit in the dashboard', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${edge.url}/demo`);
    await page.getByRole('button', { name: 'Add to cart' }).nth(1).click();
    await page.evaluate(() => (window as unknown as { attune: { flush(): Promise<void> } }).attune.flush());

    await page.goto(`${edge.url}/dashboard`);
    await page.getByLabel('Admin token').fill(edge.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'demo' }).click();
    await expect.poll(async () => {
      await page.reload();
      return page.locator('table').last().textContent();
    }, { timeout: 15_000 }).toContain('canvas-tote'); // the Overview reads each running experience's results too
    expect(await page.textContent('body')).toContain('Homepage hero: sale vs free shipping');
    await context.close();
  });
});
