import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { flush, named, pages, requireAnonymousId, scrollTo, tagReady, track, waitForEvents, type StoredEvent } from '../helpers/attune';
import { useSuite } from '../helpers/suite';

/**
 * What reacts to the visitor is loaded with the first interaction (attune-more.js): what the
 * visitor does before it runs is replayed into it, or, when the page is left first, recorded by
 * the page-view tag itself. Each first interaction runs twice: as it comes, and with the module
 * held back at the edge (so it certainly arrives after the interaction, or after the page is left).
 */
const SITE = 'first';
const s = useSuite([SITE]);
const MODULE = '/attune-more.js';

const SHOP = `
<h1>Shop</h1>
<p><a id="away" href="AWAY">Partner offer</a></p>
<div id="photo" style="width:200px;height:60px;background:#ccc">photo</div>
<p><button id="spa-link" onclick="history.pushState({}, '', '/spa/next')">Next (SPA)</button></p>
<p><button id="live" onclick="document.getElementById('out').textContent = 'clicked'">Live</button> <span id="out"></span></p>
<form id="search" onsubmit="event.preventDefault()"><input name="q" id="q"><input name="lang" value="en" type="hidden"></form>
<form id="leave" action="/bye"><input name="q" id="leave-q"></form>
`;
const TALL = `<h1>Tall</h1><div style="height:6000px"></div><p>end</p>`;

function setupPages(): void {
  // Another host than the page's (localhost, not 127.0.0.1): an outbound link, to a page that answers at once.
  s.fx.page('/shop', { title: 'Shop', body: SHOP.replace('AWAY', s.fx.origin.replace('127.0.0.1', 'localhost') + '/bye') });
  s.fx.page('/tall', { title: 'Tall', body: TALL });
  s.fx.page('/bye', { title: 'Elsewhere', body: '<p>no tag here</p>', noTag: true });
}

const moduleRequests = () => s.proxy.requests.filter((r) => r.path.startsWith(MODULE));

/** A fresh visitor on `path`, the module held back `holdMs` (0: as it comes). */
async function visit(path: string, holdMs = 0) {
  setupPages();
  if (holdMs) s.proxy.intercept((r) => (r.path.startsWith(MODULE) ? { delayMs: holdMs } : undefined));
  const { page, errors } = await s.open();
  await page.goto(s.fx.url(path, { site: SITE }));
  await tagReady(page);
  const aid = await requireAnonymousId(page);
  return { page, errors, aid };
}

/**
 * Waits for the module to have arrived (and what waited for it to be replayed), then tracks a
 * marker last and waits until it is stored: everything the page queued before it was sent too.
 */
async function settle(page: Page, aid: string): Promise<StoredEvent[]> {
  await expect.poll(() => moduleRequests().some((r) => r.status === 200), { timeout: 10_000 }).toBe(true);
  await page.waitForTimeout(100);
  await track(page, 'marker');
  await flush(page);
  return waitForEvents(s.edge, SITE, aid, (evs) => named(evs, 'marker').length > 0);
}


describe('the very first interaction on a fresh page is recorded exactly once', () => {
  it.each([
    ['as the module comes', 0],
    ['with the module arriving after the page is gone', 3000],
  ])('an outbound link click that navigates away at once (%s)', async (_label, holdMs) => {
    const { page, errors, aid } = await visit('/shop', holdMs);
    const href = await page.locator('#away').getAttribute('href');
    await page.click('#away');
    await page.waitForURL(/localhost.*\/bye$/);
    const events = await waitForEvents(s.edge, SITE, aid, (evs) => named(evs, 'outbound').length > 0);
    expect(named(events, 'outbound', 'track').map((e) => e.props)).toEqual([{ href }]);
    expect(named(events, 'click')).toEqual([]);
    expect(pages(events).map((e) => e.path)).toEqual(['/shop']);
    expect(errors).toEqual([]);
  });

  it.each([
    ['as the module comes', 0],
    ['replayed into the module once it arrives', 800],
  ])('three fast clicks are one rage click (%s)', async (_label, holdMs) => {
    const { page, errors, aid } = await visit('/shop', holdMs);
    await page.click('#photo', { clickCount: 3 });
    const events = await settle(page, aid);
    expect(named(events, 'rage_click', 'signal').map((e) => e.props)).toEqual([{ tag: 'div', text: 'photo' }]);
    expect(errors).toEqual([]);
  });

  it.each([
    ['as the module comes', 0],
    ['replayed into the module once it arrives', 800],
  ])('Enter in a form is a submit, with its field names (%s)', async (_label, holdMs) => {
    const { page, errors, aid } = await visit('/shop', holdMs);
    await page.locator('#q').press('Enter');
    const events = await settle(page, aid);
    expect(named(events, 'form_submit', 'track').map((e) => e.props)).toEqual([{ form: 'search', fields: 'q,lang' }]);
    expect(errors).toEqual([]);
  });

  it('Enter in a form that leaves the page before the module arrives is still a submit, of that form', async () => {
    const { page, errors, aid } = await visit('/shop', 3000);
    await page.locator('#leave-q').press('Enter');
    await page.waitForURL(/\/bye\?q=$/);
    const events = await waitForEvents(s.edge, SITE, aid, (evs) => named(evs, 'form_submit').length > 0);
    // The page-view tag records what identifies it; the module, gone with the page, would add its fields.
    expect(named(events, 'form_submit', 'track').map((e) => e.props)).toEqual([{ form: 'leave' }]);
    expect(errors).toEqual([]);
  });

  it.each([
    ['as the module comes', 0],
    ['measured where the page was, though it was scrolled back before the module arrived', 800],
  ])('a scroll to the bottom reaches every milestone, once each (%s)', async (_label, holdMs) => {
    const { page, errors, aid } = await visit('/tall', holdMs);
    await scrollTo(page, 1);
    if (holdMs) await scrollTo(page, 0);
    const events = await settle(page, aid);
    expect(named(events, 'scroll', 'track').map((e) => Number(e.props?.depth)).sort((a, b) => a - b)).toEqual([25, 50, 75, 90, 100]);
    expect(errors).toEqual([]);
  });

  it('a first click that changes the page in an SPA is credited to the page it was made on, which reports its engaged time', async () => {
    const { page, errors, aid } = await visit('/shop', 800);
    await page.click('#spa-link');
    await page.click('#live'); // on the next page view, while the module is still on its way
    const events = await settle(page, aid);
    expect(named(events, 'click', 'track').map((e) => `${e.props?.id} on ${e.path}`).sort()).toEqual(['live on /spa/next', 'spa-link on /shop']);
    expect(named(events, 'engagement', 'track').map((e) => e.path)).toEqual(['/shop']);
    expect(pages(events).map((e) => e.path).sort()).toEqual(['/shop', '/spa/next']);
    // #live changed the page: not a dead click, though the module judged it late.
    expect(named(events, 'dead_click')).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe('a page view that ends before the module arrives', () => {
  it('still reports its engaged time and scroll depth, credited to it, and flush() sends them', async () => {
    const { page, errors, aid } = await visit('/tall', 800);
    await scrollTo(page, 0.3);
    await page.evaluate(() => history.pushState({}, '', '/tall/after'));
    // No interaction on the next page view: nothing else tells the module the first one ended.
    await track(page, 'marker');
    await flush(page); // waits for the module and what it records from what waited
    const events = await waitForEvents(s.edge, SITE, aid, (evs) => named(evs, 'marker').length > 0);
    expect(named(events, 'engagement', 'track').map((e) => [e.path, e.props?.depth])).toEqual([['/tall', 25]]);
    expect(errors).toEqual([]);
  });
});

describe('a visit with no interaction', () => {
  it('loads only the page-view tag: no request for the on-demand module, the page view delivered', async () => {
    const { page, errors, aid } = await visit('/shop');
    await flush(page);
    const events = await waitForEvents(s.edge, SITE, aid, (evs) => pages(evs).length > 0);
    expect(pages(events)).toHaveLength(1);
    await page.waitForTimeout(1500);
    await page.goto(s.fx.url('/bye')); // leaving is no interaction either
    expect(moduleRequests()).toEqual([]);
    expect(s.proxy.requests.some((r) => r.path === '/attune.js')).toBe(true);
    expect(errors).toEqual([]);
  });
});

describe('when the module cannot be loaded', () => {
  it('leaves the page working and its page views delivered; what waited is recorded once it loads', async () => {
    setupPages();
    s.proxy.intercept((r) => (r.path.startsWith(MODULE) ? { abort: true } : undefined));
    const { page, errors } = await s.open();
    await page.goto(s.fx.url('/shop', { site: SITE }));
    await tagReady(page);
    const aid = await requireAnonymousId(page);
    await page.click('#live');
    await page.click('#spa-link');
    expect(await page.locator('#out').textContent()).toBe('clicked'); // the page's own script still works
    await flush(page);
    let events = await waitForEvents(s.edge, SITE, aid, (evs) => pages(evs).length === 2);
    expect(pages(events).map((e) => e.path)).toEqual(['/shop', '/spa/next']);
    expect(moduleRequests().length).toBeGreaterThan(0);
    expect(moduleRequests().every((r) => r.outcome === 'aborted')).toBe(true);

    // The edge serves it again: the next interaction loads it, and what waited is recorded then.
    s.proxy.intercept(null);
    await page.click('#photo');
    events = await settle(page, aid);
    expect(named(events, 'click', 'track').map((e) => e.props?.id).sort()).toEqual(['live', 'spa-link']);
    expect(errors).toEqual([]);
  });
});
