import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createExperience,
  flush,
  named,
  requireAnonymousId,
  tagReady,
  track,
  waitForEvents,
  type AttuneWindow,
  type StoredEvent,
} from '../helpers/attune';
import type { TagOptions } from '../helpers/fixtures';
import { decidesOf } from '../helpers/proxy';
import { useSuite } from '../helpers/suite';

/**
 * Personalization: slots filled from /v1/decide (at load, rendered later, after SPA navigations),
 * exposures only once a slot is on screen, anti-flicker, decisions embedded in the page, and
 * failing open (default content, no page errors) when the edge is down or answers garbage.
 */
const SITE = 'perso';
const s = useSuite([SITE]);

const variants = [
  { key: 'a', weight: 1, content: { type: 'html', value: '<b id="va">A</b>' } },
  { key: 'b', weight: 1, content: { type: 'text', value: 'B text' } },
];

beforeAll(async () => {
  for (const slot of ['hero', 'late', 'below'])
    await createExperience(s.edge, SITE, { id: `${slot}-exp`, name: `${slot} experience`, slot, status: 'running', variants });
  // A placeholder in a link: a visitor's trait can never make it a javascript: link.
  await createExperience(s.edge, SITE, {
    id: 'link-exp', name: 'Your site', slot: 'link', status: 'running',
    variants: [{ key: 'v', weight: 1, content: { type: 'html', value: '<a id="planted" href="{{traits.website | default:"/account"}}">Your site, {{traits.name}}</a>' } }],
  });
});

const EMBEDDED = JSON.stringify({
  profileToken: '…',
  decisions: { hero: { experience: 'x', variant: 'b', content: { type: 'text', value: 'Embedded' }, reason: 'matched' } },
  audiences: [],
});

function setupPages(): void {
  s.fx.page('/hero', {
    title: 'Hero',
    body: '<div data-attune-slot="hero">Default hero</div><button id="b" onclick="document.getElementById(\'o\').textContent=\'ok\'">Button</button><p id="o"></p>',
  });
  s.fx.page('/link', { title: 'Link', body: '<div data-attune-slot="link">Default link</div>' });
  s.fx.page('/empty', { title: 'No slots yet', body: '<h1>No slots yet</h1><div id="mount"></div>' });
  s.fx.page('/below', {
    title: 'Below the fold',
    body: '<h1>Top</h1><div style="height:4000px"></div><div data-attune-slot="below" style="min-height:40px">Default below</div><div style="height:2000px"></div>',
  });
  s.fx.page('/embedded', {
    title: 'Embedded decision',
    head: `<script type="application/json" id="attune-decisions">${EMBEDDED}</script>`,
    body: '<div data-attune-slot="hero">Default hero</div>',
  });
}

async function openPage(page: Page, path: string, tag: Partial<TagOptions> = {}): Promise<void> {
  setupPages();
  await page.goto(s.fx.url(path, { site: SITE, ...tag }));
  await tagReady(page);
}

const slotSel = (slot: string) => `[data-attune-slot="${slot}"]`;

/** Waits for the slot to be filled and checks it shows the content of the variant it names. */
async function expectFilled(page: Page, slot: string): Promise<string> {
  await page.waitForSelector(`${slotSel(slot)}[data-attune-variant]`, { state: 'attached', timeout: 10_000 });
  const el = page.locator(slotSel(slot));
  const variant = await el.getAttribute('data-attune-variant');
  expect(['a', 'b']).toContain(variant);
  if (variant === 'a') expect(await el.innerHTML()).toBe('<b id="va">A</b>');
  else expect(await el.textContent()).toBe('B text');
  return variant!;
}

async function settle(page: Page, aid: string, marker: string): Promise<StoredEvent[]> {
  await track(page, marker);
  await flush(page);
  return waitForEvents(s.edge, SITE, aid, (evs) => named(evs, marker).length > 0);
}

const exposures = (events: StoredEvent[], slot: string) => named(events, '$exposure', 'track').filter((e) => e.props?.slot === slot);

describe('slots', () => {
  it('fills a slot present at load and records its exposure', async () => {
    const { page, errors } = await s.open();
    await openPage(page, '/hero');
    const variant = await expectFilled(page, 'hero');
    const aid = await requireAnonymousId(page);
    const events = await waitForEvents(s.edge, SITE, aid, (evs) => exposures(evs, 'hero').length > 0);
    expect(exposures(events, 'hero').map((e) => e.props)).toEqual([{ slot: 'hero', experience: 'hero-exp', variant }]);
    const decide = decidesOf(s.proxy.requests);
    expect(decide).toHaveLength(1);
    expect(JSON.parse(decide[0]!.body)).toMatchObject({ site: SITE, anonymousId: aid, slots: ['hero'] });
    expect(errors).toEqual([]);
  });

  it('never turns a planted trait into a javascript: link: the placeholder takes its default', async () => {
    const { page, errors } = await s.open();
    await openPage(page, '/link');
    const html = await page.evaluate(async () => {
      const { attune } = window as unknown as AttuneWindow;
      await attune.identify('u-planted', { website: 'javascript:alert(document.cookie)', name: '<img src=x onerror=alert(1)>' });
      await attune.flush();
      const decided = (await attune.decide(['link'])) as Record<string, { content: { value: string } | null }>;
      return decided.link?.content?.value ?? '';
    });
    // The decision made after the trait was stored: escaped text, the default link.
    expect(html).toBe('<a id="planted" href="/account">Your site, &lt;img src=x onerror=alert(1)&gt;</a>');
    // The next page view fills the slot with it.
    await page.reload();
    await tagReady(page);
    await page.waitForSelector('#planted', { state: 'attached', timeout: 10_000 });
    expect(await page.locator('#planted').getAttribute('href')).toBe('/account');
    expect(await page.locator('#planted').textContent()).toBe('Your site, <img src=x onerror=alert(1)>');
    expect(await page.locator('[data-attune-slot="link"] img').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it("sends the visit's context to /v1/decide: the document referrer on load, the previous URL after an SPA navigation", async () => {
    const { page, errors } = await s.open();
    setupPages();
    await page.goto(s.fx.url('/hero', { site: SITE }), { referer: 'https://search.example/?q=attune' });
    await tagReady(page);
    const start = await page.evaluate(() => location.href);
    await expectFilled(page, 'hero');
    await page.evaluate(() => history.pushState({}, '', '/hero/next'));
    await expect.poll(() => decidesOf(s.proxy.requests).length, { timeout: 10_000 }).toBe(2);
    const contexts = decidesOf(s.proxy.requests).map((r) => (JSON.parse(r.body) as { context: { url: string; referrer?: string } }).context);
    expect(contexts).toEqual([
      expect.objectContaining({ url: start, referrer: 'https://search.example/?q=attune' }),
      expect.objectContaining({ url: `${s.fx.origin}/hero/next`, referrer: start }),
    ]);
    expect(errors).toEqual([]);
  });

  it('fills a slot a script inserts after load', async () => {
    const { page, errors } = await s.open();
    await openPage(page, '/empty');
    await page.evaluate(() => {
      const el = document.createElement('div');
      el.setAttribute('data-attune-slot', 'late');
      el.textContent = 'Default late';
      document.getElementById('mount')!.appendChild(el);
    });
    await expectFilled(page, 'late');
    const asked = (slot: string) => decidesOf(s.proxy.requests).some((r) => (JSON.parse(r.body) as { slots?: string[] }).slots?.includes(slot));
    expect(asked('late')).toBe(true);
    // Personalization is running now: a further slot rendered later is filled too.
    await page.evaluate(() => {
      const el = document.createElement('section');
      el.setAttribute('data-attune-slot', 'below');
      el.textContent = 'Default below';
      document.body.appendChild(el);
    });
    await expectFilled(page, 'below');
    expect(asked('below')).toBe(true);
    expect(errors).toEqual([]);
  });

  it('asks /v1/decide again on an SPA navigation', async () => {
    const { page, errors } = await s.open();
    await openPage(page, '/hero');
    await expectFilled(page, 'hero');
    expect(decidesOf(s.proxy.requests)).toHaveLength(1);
    await page.evaluate(() => history.pushState({}, '', '/hero/next'));
    await expect.poll(() => decidesOf(s.proxy.requests).length, { timeout: 10_000 }).toBe(2);
    const second = JSON.parse(decidesOf(s.proxy.requests)[1]!.body) as { context?: { url?: string } };
    expect(second.context?.url).toBe(`${s.fx.origin}/hero/next`);
    expect(errors).toEqual([]);
  });

  it('records an exposure only once the slot is on screen, and once per page view', async () => {
    const { page, errors } = await s.open();
    await openPage(page, '/below');
    const variant = await expectFilled(page, 'below');
    const aid = await requireAnonymousId(page);
    let events = await settle(page, aid, 'before-scroll');
    expect(exposures(events, 'below'), 'no exposure while the slot is below the fold').toEqual([]);

    await page.locator(slotSel('below')).scrollIntoViewIfNeeded();
    await flush(page);
    events = await waitForEvents(s.edge, SITE, aid, (evs) => {
      return exposures(evs, 'below').length > 0;
    });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(100);
    await page.locator(slotSel('below')).scrollIntoViewIfNeeded();
    await page.waitForTimeout(100);
    events = await settle(page, aid, 'after-scroll');
    expect(exposures(events, 'below').map((e) => e.props)).toEqual([{ slot: 'below', experience: 'below-exp', variant }]);
    expect(errors).toEqual([]);
  });

  it('applies a decision embedded in the page without asking /v1/decide', async () => {
    const { page, errors } = await s.open();
    await openPage(page, '/embedded');
    await page.waitForSelector(`${slotSel('hero')}[data-attune-variant="b"]`, { state: 'attached', timeout: 10_000 });
    expect(await page.locator(slotSel('hero')).textContent()).toBe('Embedded');
    const aid = await requireAnonymousId(page);
    const events = await settle(page, aid, 'embedded-done');
    expect(exposures(events, 'hero').map((e) => e.props)).toEqual([{ slot: 'hero', experience: 'x', variant: 'b' }]);
    expect(decidesOf(s.proxy.requests)).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe('split-URL tests through the tag', () => {
  it('redirects with location.replace while anti-flicker is on, and the destination page reports the exposure', async () => {
    await createExperience(s.edge, SITE, {
      id: 'split-tag', name: 'Split', page: '/split-a', status: 'running',
      variants: [{ key: 'b', weight: 1, content: { type: 'redirect', url: '/split-b' } }],
    });
    setupPages();
    s.fx.page('/split-a', { title: 'A', body: '<h1>Page A</h1>' });
    s.fx.page('/split-b', { title: 'B', body: '<h1>Page B</h1>' });
    const { page, errors } = await s.open();
    await page.goto(s.fx.url('/split-a', { site: SITE, antiFlicker: 300 }));
    await page.waitForURL(/\/split-b\?.*attune_x=split-tag\.b/, { timeout: 15_000 });
    await tagReady(page);
    const aid = await requireAnonymousId(page);
    await flush(page);
    const events = await waitForEvents(s.edge, SITE, aid, (evs) => named(evs, '$exposure', 'track').some((e) => e.props?.experience === 'split-tag'));
    expect(named(events, '$exposure', 'track').find((e) => e.props?.experience === 'split-tag')?.props).toMatchObject({ variant: 'b' });
    // Without anti-flicker the tag does not leave a page the visitor already sees.
    const other = await s.open();
    await other.page.goto(s.fx.url('/split-a', { site: SITE }));
    await tagReady(other.page);
    await other.page.waitForTimeout(2500);
    expect(new URL(other.page.url()).pathname).toBe('/split-a');
    expect([...errors, ...other.errors]).toEqual([]);
  });
});

describe('anti-flicker', () => {
  /** Records each change of the hero slot's computed visibility, frame by frame, from the first frame. */
  const recordVisibility = (page: Page) =>
    page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { __visibility: string[] }).__visibility = seen;
      const sample = () => {
        const el = document.querySelector('[data-attune-slot="hero"]');
        if (el) {
          const v = getComputedStyle(el).visibility;
          if (seen[seen.length - 1] !== v) seen.push(v);
        }
        if (performance.now() < 6000) requestAnimationFrame(sample);
      };
      requestAnimationFrame(sample);
    });
  const visibility = (page: Page) => page.evaluate(() => (window as unknown as { __visibility: string[] }).__visibility);

  it('hides the slot while deciding, shows the default once /v1/decide is slower than the window, and never applies the late variant', async () => {
    const { page, errors } = await s.open();
    await recordVisibility(page);
    s.proxy.intercept((r) => (r.path === '/v1/decide' ? { delayMs: 1000 } : undefined));
    // Answered late, or (on a loaded machine) given up by the tag's own timeout: either way the window is past.
    const decided = new Promise<void>((resolve) => {
      page.on('response', (res) => res.url().endsWith('/v1/decide') && resolve());
      page.on('requestfailed', (req) => req.url().endsWith('/v1/decide') && resolve());
    });
    await openPage(page, '/hero', { antiFlicker: 300 });
    await decided;
    await page.waitForTimeout(300); // the tag handles the (late) answer
    expect(await visibility(page)).toContain('hidden');
    expect(await page.locator(slotSel('hero')).evaluate((el) => getComputedStyle(el).visibility)).toBe('visible');
    expect(await page.locator(slotSel('hero')).textContent()).toBe('Default hero');
    expect(await page.locator(slotSel('hero')).getAttribute('data-attune-variant')).toBeNull();
    const aid = await requireAnonymousId(page);
    const events = await settle(page, aid, 'af-done');
    expect(exposures(events, 'hero'), 'no exposure for a variant never shown').toEqual([]);
    expect(errors).toEqual([]);
  });

  it('applies a decision that arrives within the anti-flicker window', async () => {
    const { page, errors } = await s.open();
    await recordVisibility(page);
    await openPage(page, '/hero', { antiFlicker: 3000 });
    await expectFilled(page, 'hero');
    await expect.poll(() => page.locator(slotSel('hero')).evaluate((el) => getComputedStyle(el).visibility)).toBe('visible');
    expect(errors).toEqual([]);
  });
});

describe('failing open', () => {
  it.each([
    ['the edge refuses connections', 'abort'],
    ['the edge answers 500', '500'],
    ['the edge answers garbage', 'garbage'],
  ] as const)('keeps the default content and throws nothing when %s', async (_label, mode) => {
    const { page, errors } = await s.open();
    s.proxy.intercept((r) => {
      if (!r.path.startsWith('/v1/')) return undefined;
      if (mode === 'abort') return { abort: true };
      if (mode === '500') return { status: 500, body: '{"error":{}}' };
      return { status: 200, body: '<html>oops', headers: { 'Content-Type': 'application/json' } };
    });
    await openPage(page, '/hero', { antiFlicker: 300 });
    await page.click('#b');
    await flush(page);
    const decided = await page.evaluate(() => (window as unknown as AttuneWindow).attune.decide());
    expect(decided).toEqual({});
    await page.evaluate(() => history.pushState({}, '', '/hero/spa'));
    await flush(page);
    await page.waitForTimeout(500);
    expect(await page.locator('#o').textContent()).toBe('ok'); // the page's own script still works
    expect(await page.locator(slotSel('hero')).textContent()).toBe('Default hero');
    expect(await page.locator(slotSel('hero')).getAttribute('data-attune-variant')).toBeNull();
    expect(await page.locator(slotSel('hero')).evaluate((el) => getComputedStyle(el).visibility)).toBe('visible');
    expect(errors).toEqual([]);
  });

  it('leaves the page working when the tag itself cannot be loaded', async () => {
    const { page, errors } = await s.open();
    s.proxy.intercept(() => ({ abort: true }));
    setupPages();
    await page.goto(s.fx.url('/hero', { site: SITE }));
    await page.evaluate(() => {
      const w = window as unknown as AttuneWindow;
      w.attune('track', 'Queued', { a: 1 });
    });
    await page.click('#b');
    expect(await page.locator('#o').textContent()).toBe('ok');
    expect(await page.locator(slotSel('hero')).textContent()).toBe('Default hero');
    expect(errors).toEqual([]);
  });
});
