import { beforeAll, describe, expect, it } from 'vitest';
import { createExperience, tagReady, type AttuneWindow } from '../helpers/attune';
import { collectsOf, decidesOf } from '../helpers/proxy';
import { useSuite } from '../helpers/suite';

/**
 * The tag and the sealed digest: the profile token it keeps seals what the edge decides from, so a
 * decision needs no profile lookup; an event the page tracked a moment ago is sent before the
 * tag asks, so it counts in that very decision.
 */
const SITE = 'digest';
const s = useSuite([SITE]);

beforeAll(async () => {
  const aud = await s.edge.api<unknown>(`/sites/${SITE}/audiences`, {
    method: 'POST',
    body: JSON.stringify({ id: 'carts', name: 'Added to cart today', rule: { event: 'Added to cart', atLeast: 1, withinDays: 1 } }),
  });
  expect(aud.status).toBe(201);
  await createExperience(s.edge, SITE, {
    id: 'upsell', name: 'Upsell', slot: 'upsell', status: 'running', audience: 'carts',
    variants: [{ key: 'offer', weight: 1, content: { type: 'text', value: 'Add socks for 5.-' } }],
  });
});

describe('the tag with a sealed digest', () => {
  it('counts an event tracked a moment ago in the next decision of the same page view', async () => {
    const { page, errors } = await s.open();
    s.fx.page('/cart', { title: 'Cart', body: '<div data-attune-slot="upsell">No offer</div>' });
    await page.goto(s.fx.url('/cart', { site: SITE }));
    await tagReady(page);
    await page.waitForSelector('[data-attune-slot="upsell"][data-attune-ready]', { state: 'attached' });
    expect(await page.locator('[data-attune-slot="upsell"]').textContent()).toBe('No offer');
    const decided = await page.evaluate(async () => {
      const { attune } = window as unknown as AttuneWindow;
      attune.track('Added to cart');
      return (await attune.decide(['upsell'])) as Record<string, { variant: string } | undefined>;
    });
    expect(decided.upsell?.variant).toBe('offer');
    expect(await page.locator('[data-attune-slot="upsell"]').textContent()).toBe('Add socks for 5.-');
    // The track went out before the decision was asked for, and the decision carried the token
    // that answer sealed (a digest that has seen it).
    const collects = collectsOf(s.proxy.requests);
    const decides = decidesOf(s.proxy.requests);
    const lastDecide = decides.at(-1)!;
    expect(collects.some((c) => c.body.includes('Added to cart') && c.seq < lastDecide.seq)).toBe(true);
    const token = JSON.parse(lastDecide.body).profileToken as string;
    expect(token.split('.')).toHaveLength(3);
    expect(token.split('.')[2]!.length).toBeGreaterThan(40); // sealed, not the old 22-character signature
    expect(errors).toEqual([]);
  });

  it('keeps the variant on the next page, decided from the stored token', async () => {
    const { page, errors } = await s.open();
    s.fx.page('/cart', { title: 'Cart', body: '<div data-attune-slot="upsell">No offer</div>' });
    await page.goto(s.fx.url('/cart', { site: SITE }));
    await tagReady(page);
    await page.evaluate(async () => {
      const { attune } = window as unknown as AttuneWindow;
      attune.track('Added to cart');
      await attune.decide(['upsell']);
    });
    await page.reload();
    await tagReady(page);
    await page.waitForSelector('[data-attune-slot="upsell"][data-attune-variant="offer"]', { state: 'attached', timeout: 10_000 });
    const stored = await page.evaluate(() => localStorage.getItem('_attune_pt'));
    const decide = decidesOf(s.proxy.requests).at(-1)!;
    expect(JSON.parse(decide.body)).toMatchObject({ profileToken: stored });
    expect(JSON.parse(decide.body).fresh).toBeUndefined();
    expect(errors).toEqual([]);
  });
});
