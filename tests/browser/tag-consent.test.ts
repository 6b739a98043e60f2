import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  anonymousId,
  flush,
  named,
  pages,
  pause,
  tagReady,
  track,
  waitForEvents,
  type AttuneWindow,
  type StoredEvent,
} from '../helpers/attune';
import type { TagOptions } from '../helpers/fixtures';
import { useSuite } from '../helpers/suite';

/**
 * Consent and privacy signals: with data-consent="required" nothing leaves the browser and nothing
 * is stored on the device before consent; denial (or Global Privacy Control) means nothing, ever.
 */
const REQUIRED = 'consent-required';
const DENIED = 'consent-denied';
const GPC = 'gpc-on';
const GPC_IGNORED = 'gpc-ignored';
const s = useSuite([REQUIRED, DENIED, GPC, GPC_IGNORED]);

function setupPages(): void {
  s.fx.page('/consent', {
    title: 'Consent',
    body: '<h1>Consent</h1><button id="b">Buy</button><form id="f"><input name="email" id="email"></form>',
  });
}

async function openPage(page: Page, tag: TagOptions): Promise<void> {
  setupPages();
  await page.goto(s.fx.url('/consent', tag));
  await tagReady(page);
}

/** Whatever the device keeps for the tag: localStorage keys, cookies, the outbox database. */
async function deviceState(page: Page): Promise<{ storage: string[]; cookies: string; databases: string[] }> {
  return page.evaluate(async () => ({
    storage: Object.keys(localStorage).filter((k) => k.startsWith('_attune') && k !== '_attune_c'),
    cookies: document.cookie,
    databases: (await indexedDB.databases()).map((d) => d.name ?? '').filter((n) => n.startsWith('attune')),
  }));
}

const toEdge = () => s.proxy.requests.filter((r) => r.path.startsWith('/v1/'));

async function siteFeed(site: string): Promise<StoredEvent[]> {
  const res = await s.edge.api<{ events: StoredEvent[] }>(`/sites/${site}/events?limit=100`);
  expect(res.status).toBe(200);
  return res.body.events;
}

/** Some activity: a click, a custom event, typing, an SPA navigation. */
async function activity(page: Page, label: string): Promise<void> {
  await page.click('#b');
  await track(page, label);
  await page.fill('#email', 'private@example.com');
  await page.evaluate((l) => history.pushState({}, '', `/consent/${l}`), label);
}

describe('consent', () => {
  it('data-consent="required": nothing is sent or stored before consent; after it the earlier events arrive with their original time', async () => {
    const { page, errors } = await s.open();
    await openPage(page, { site: REQUIRED, consent: 'required' });
    await activity(page, 'before-grant');
    await flush(page);
    await pause(1500); // longer than the batch window
    expect(toEdge(), 'no request to the edge before consent').toEqual([]);
    expect(await anonymousId(page)).toBeNull();
    expect(await deviceState(page)).toEqual({ storage: [], cookies: '', databases: [] });

    const grantedAt = await page.evaluate(() => Date.now());
    await page.evaluate(() => (window as unknown as AttuneWindow).attune.consent('granted'));
    await flush(page);
    const aid = await anonymousId(page);
    expect(aid).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    const events = await waitForEvents(s.edge, REQUIRED, aid!, (evs) => named(evs, 'before-grant').length > 0 && pages(evs).length >= 2);
    const early = [...pages(events), ...named(events, 'before-grant'), ...named(events, 'click')];
    expect(pages(events)).toHaveLength(2);
    expect(named(events, 'before-grant')).toHaveLength(1);
    expect(named(events, 'click')).toHaveLength(1);
    for (const e of early) expect(e.ts).toBeLessThan(grantedAt);
    expect(JSON.stringify(events)).not.toContain('private@example.com');
    expect(errors).toEqual([]);
  });

  it('consent("denied"): nothing is ever sent or stored, across page loads', async () => {
    const { page, errors } = await s.open();
    await openPage(page, { site: DENIED, consent: 'required' });
    await activity(page, 'before-deny');
    await page.evaluate(() => (window as unknown as AttuneWindow).attune.consent('denied'));
    await activity(page, 'after-deny');
    await flush(page);
    await openPage(page, { site: DENIED, consent: 'required' }); // a new page load: the choice is remembered
    await activity(page, 'after-reload');
    await page.evaluate(() => (window as unknown as AttuneWindow).attune.identify('u-denied', { email: 'denied@example.com' }));
    await flush(page);
    await page.goto(s.fx.url('/nowhere')); // pagehide: the beacon path
    await pause(1500);
    expect(toEdge(), 'no request to the edge').toEqual([]);
    await page.goto(s.fx.url('/consent'));
    expect(await deviceState(page)).toEqual({ storage: [], cookies: '', databases: [] });
    expect(await siteFeed(DENIED)).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe('Global Privacy Control', () => {
  const gpcOn = (page: Page) =>
    page.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true, configurable: true });
    });

  it('navigator.globalPrivacyControl = true: nothing is sent or stored', async () => {
    const { page, errors } = await s.open();
    await gpcOn(page);
    await openPage(page, { site: GPC });
    expect(await page.evaluate(() => (navigator as Navigator & { globalPrivacyControl?: boolean }).globalPrivacyControl)).toBe(true);
    await activity(page, 'with-gpc');
    await flush(page);
    await page.goto(s.fx.url('/nowhere'));
    await pause(1500);
    expect(toEdge(), 'no request to the edge').toEqual([]);
    await page.goto(s.fx.url('/consent'));
    expect(await deviceState(page)).toEqual({ storage: [], cookies: '', databases: [] });
    expect(await siteFeed(GPC)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('data-gpc="ignore": events are sent despite Global Privacy Control', async () => {
    const { page, errors } = await s.open();
    await gpcOn(page);
    await openPage(page, { site: GPC_IGNORED, gpc: 'ignore' });
    await activity(page, 'gpc-ignored');
    await flush(page);
    const aid = await anonymousId(page);
    expect(aid).not.toBeNull();
    const events = await waitForEvents(s.edge, GPC_IGNORED, aid!, (evs) => named(evs, 'gpc-ignored').length > 0);
    expect(pages(events).length).toBeGreaterThanOrEqual(1);
    expect(errors).toEqual([]);
  });
});
