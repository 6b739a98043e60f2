import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  flush,
  named,
  pages,
  requireAnonymousId,
  scrollTo,
  tagReady,
  track,
  waitForEvents,
  type AttuneWindow,
  type StoredEvent,
} from '../helpers/attune';
import { useSuite } from '../helpers/suite';

/**
 * What the tag captures on a customer's page (another origin than the edge): page views, SPA
 * navigations, clicks, forms, scroll depth, engaged time, micro-signals and identify.
 */
const SITE = 'capture';
const s = useSuite([SITE]);

const SHOP = `
<h1>Shop</h1>
<p><a id="next" href="/next" data-nonav>Next page</a></p>
<p><button id="buy">Buy now</button></p>
<p><button id="nested"><span id="nested-inner">Inner label</span></button></p>
<p><button id="upgrade" data-attune-event="Upgrade" data-attune-prop-plan="pro" data-attune-prop-seats="3">Upgrade</button></p>
<p><a id="partner" href="https://partner.example/offer?x=1" data-nonav>Partner offer</a></p>
<p><a id="report" href="/files/report.pdf" data-nonav>Annual report</a></p>
<p><button id="live" onclick="document.getElementById('out').textContent='clicked ' + Date.now()">Live</button> <span id="out"></span></p>
<p><button id="noop">Nothing</button></p>
<div id="photo" style="width:200px;height:60px;background:#ccc">photo</div>
<form id="signup" onsubmit="event.preventDefault()">
  <input name="email" id="signup-email"> <input name="name" id="signup-name"> <button type="submit" id="go">Sign up</button>
</form>
<form name="lead-form" id="lead"><input name="email" id="lead-email"><input name="company" id="lead-company"></form>
`;

const TALL = `<h1>Tall</h1><button id="tall-button">Tall button</button><div style="height:6000px;background:linear-gradient(#fff,#ddd)"></div><p id="end">end</p>`;

function setupPages(): void {
  s.fx.page('/shop', { title: 'Shop page', body: SHOP });
  s.fx.page('/tall', { title: 'Tall page', body: TALL });
  s.fx.page('/rv', { title: 'Repeat me', body: '<p>repeat view</p>' });
  s.fx.page('/bye', { title: 'Elsewhere', body: '<p>no tag here</p>', noTag: true });
  s.fx.page('/early', {
    title: 'Early calls',
    body: `<script>attune('track', 'Early', { n: 1 }); attune('page', { section: 'docs' });</script><p>early</p>`,
  });
}

/** Opens a fixture page with the tag and waits for it; returns the page and the visitor's anonymous id. */
async function visit(path: string, opts: { off?: string[]; referer?: string; extra?: Record<string, string> } = {}) {
  setupPages();
  const { context, page, errors } = await s.open();
  await page.goto(s.fx.url(path, { site: SITE, off: opts.off }, opts.extra), { referer: opts.referer });
  await tagReady(page);
  const aid = await requireAnonymousId(page);
  return { context, page, errors, aid };
}

/** Tracks a marker event last and waits until it is stored: everything queued before it was sent too. */
async function settle(page: Page, aid: string, marker = 'sentinel'): Promise<StoredEvent[]> {
  await track(page, marker);
  await flush(page);
  return waitForEvents(s.edge, SITE, aid, (evs) => named(evs, marker).length > 0);
}

const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');

describe('page views', () => {
  it('records the page view on load with url, path, title, referrer and the campaign params of the URL', async () => {
    const { page, errors, aid } = await visit('/shop', {
      referer: 'https://search.example/results?q=shop',
      extra: {
        utm_source: 'newsletter',
        utm_medium: 'email',
        utm_campaign: 'spring',
        gclid: 'G-123',
        fbclid: 'F-456',
        msclkid: 'M-789',
        ttclid: 'T-1',
        li_fat_id: 'L-2',
        ref: 'friend',
        color: 'blue',
      },
    });
    const href = await page.evaluate(() => location.href);
    const events = await settle(page, aid);
    const views = pages(events);
    expect(views).toHaveLength(1);
    expect(views[0]).toMatchObject({
      type: 'page',
      url: href,
      path: '/shop',
      title: 'Shop page',
      referrer: 'https://search.example/results?q=shop',
    });
    expect(views[0]!.props).toMatchObject({
      utm_source: 'newsletter',
      utm_medium: 'email',
      utm_campaign: 'spring',
      gclid: 'G-123',
      fbclid: 'F-456',
      msclkid: 'M-789',
      ttclid: 'T-1',
      li_fat_id: 'L-2',
      ref: 'friend',
    });
    expect(views[0]!.props).not.toHaveProperty('color');
    expect(views[0]!.props).not.toHaveProperty('site');
    expect(errors).toEqual([]);
  });

  it('records SPA navigations (pushState, replaceState, popstate, hashchange) once each, the referrer being the previous URL', async () => {
    const { page, errors, aid } = await visit('/shop');
    const start = await page.evaluate(() => location.href);
    await page.evaluate(() => history.pushState({}, '', '/spa/a?tab=1'));
    await page.evaluate(() => history.replaceState({}, '', '/spa/b'));
    await page.evaluate(() => {
      const popped = new Promise((r) => addEventListener('popstate', r, { once: true }));
      history.back();
      return popped;
    });
    await page.evaluate(() => {
      const changed = new Promise((r) => addEventListener('hashchange', r, { once: true }));
      location.hash = 'more';
      return changed;
    });
    const events = await settle(page, aid);
    const origin = s.fx.origin;
    const seen = pages(events)
      .map((e) => `${e.url} <- ${e.referrer}`)
      .sort();
    const expected = [
      `${start} <- `,
      `${origin}/spa/a?tab=1 <- ${start}`,
      `${origin}/spa/b <- ${origin}/spa/a?tab=1`,
      `${start} <- ${origin}/spa/b`,
      `${start}#more <- ${start}`,
    ].sort();
    expect(seen).toEqual(expected);
    const spaB = pages(events).find((e) => e.url === `${origin}/spa/b`);
    expect(spaB).toMatchObject({ path: '/spa/b', title: 'Shop page' });
    expect(errors).toEqual([]);
  });

  it('replays calls made before the tag loaded (the queueing stub)', async () => {
    const { page, errors, aid } = await visit('/early');
    const events = await settle(page, aid);
    expect(named(events, 'Early', 'track')).toHaveLength(1);
    expect(named(events, 'Early', 'track')[0]!.props).toEqual({ n: 1 });
    expect(pages(events).some((e) => e.props?.section === 'docs')).toBe(true);
    expect(errors).toEqual([]);
  });
});

describe('clicks', () => {
  it('records clicks on links and buttons, data-attune-event elements, outbound links and downloads', async () => {
    const { page, errors, aid } = await visit('/shop');
    await page.click('#next');
    await page.click('#buy');
    await page.click('#nested-inner');
    await page.click('#upgrade');
    await page.click('#partner');
    await page.click('#report');
    const events = await settle(page, aid);
    const origin = s.fx.origin;

    const clicks = named(events, 'click', 'track').map((e) => e.props);
    expect(clicks).toContainEqual({ tag: 'a', text: 'Next page', href: `${origin}/next`, id: 'next' });
    expect(clicks).toContainEqual({ tag: 'button', text: 'Buy now', id: 'buy' });
    expect(clicks).toContainEqual({ tag: 'button', text: 'Inner label', id: 'nested' });
    // The named event replaces the generic click; outbound and download links are classified.
    expect(clicks.some((p) => p?.id === 'upgrade' || p?.id === 'partner' || p?.id === 'report')).toBe(false);
    expect(clicks).toHaveLength(3);

    expect(named(events, 'Upgrade', 'track').map((e) => e.props)).toEqual([{ plan: 'pro', seats: '3' }]);
    expect(named(events, 'outbound', 'track').map((e) => e.props)).toEqual([{ href: 'https://partner.example/offer?x=1' }]);
    expect(named(events, 'download', 'track').map((e) => e.props)).toEqual([{ href: `${origin}/files/report.pdf` }]);
    for (const e of [...named(events, 'click'), ...named(events, 'Upgrade')]) expect(e.path).toBe('/shop');
    expect(errors).toEqual([]);
  });

  it('with data-off="clicks,scroll" records page views but no clicks and no scroll depth', async () => {
    const { page, errors, aid } = await visit('/tall', { off: ['clicks', 'scroll'] });
    await page.click('#tall-button');
    await scrollTo(page, 0.5);
    await scrollTo(page, 1);
    await page.evaluate(() => history.pushState({}, '', '/tall/2'));
    await page.click('#tall-button');
    const events = await settle(page, aid);
    expect(pages(events).map((e) => e.path)).toEqual(['/tall', '/tall/2']);
    expect(named(events, 'click')).toEqual([]);
    expect(named(events, 'scroll')).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('with data-off="spa" records the load but not history navigations', async () => {
    const { page, errors, aid } = await visit('/shop', { off: ['spa'] });
    await page.evaluate(() => history.pushState({}, '', '/spa/off'));
    await page.evaluate(() => {
      location.hash = 'x';
    });
    const events = await settle(page, aid);
    expect(pages(events).map((e) => e.path)).toEqual(['/shop']);
    expect(errors).toEqual([]);
  });
});

describe('forms', () => {
  it('records a submit with the form id and field names, never the values', async () => {
    const { page, errors, aid } = await visit('/shop');
    await page.fill('#signup-email', 'zelda.secret@example.org');
    await page.fill('#signup-name', 'Zelda Quartermain');
    await page.click('#go');
    await settle(page, aid);
    // Leaving the page: a submitted form is not abandoned.
    await page.goto(s.fx.url('/bye'));
    const events = await waitForEvents(s.edge, SITE, aid, (evs) => named(evs, 'engagement').length > 0);
    expect(named(events, 'form_submit', 'track').map((e) => e.props)).toEqual([{ form: 'signup', fields: 'email,name' }]);
    expect(named(events, 'form_abandon')).toEqual([]);
    const bodies = s.proxy.requests.map((r) => r.body).join('\n');
    expect(bodies).toContain('form_submit');
    expect(bodies).not.toContain('zelda');
    expect(bodies).not.toContain('Quartermain');
    expect(JSON.stringify(events)).not.toContain('zelda');
    expect(errors).toEqual([]);
  });

  it('signals form_abandon when the visitor typed into a form and left without submitting', async () => {
    const { page, errors, aid } = await visit('/shop');
    await page.fill('#lead-email', 'yuri.hidden@example.net');
    await page.fill('#lead-company', 'Hidden Corp');
    await flush(page);
    await page.goto(s.fx.url('/bye'));
    const events = await waitForEvents(s.edge, SITE, aid, (evs) => named(evs, 'form_abandon').length > 0);
    expect(named(events, 'form_abandon', 'signal').map((e) => e.props)).toEqual([{ form: 'lead' }]);
    const bodies = s.proxy.requests.map((r) => r.body).join('\n');
    expect(bodies).not.toContain('yuri');
    expect(bodies).not.toContain('Hidden Corp');
    expect(errors).toEqual([]);
  });
});

describe('scroll depth and engaged time', () => {
  it('records each scroll milestone at most once per page view', async () => {
    const { page, errors, aid } = await visit('/tall');
    await scrollTo(page, 0.3);
    await scrollTo(page, 0.6);
    await scrollTo(page, 0);
    await scrollTo(page, 1);
    await scrollTo(page, 0.2);
    await scrollTo(page, 1);
    // A new page view (SPA) counts its milestones again.
    await page.evaluate(() => history.pushState({}, '', '/tall/next'));
    await scrollTo(page, 0);
    await scrollTo(page, 1);
    const events = await settle(page, aid);
    const depths = (path: string) =>
      named(events, 'scroll', 'track')
        .filter((e) => e.path === path)
        .map((e) => e.props?.depth)
        .sort((a, b) => Number(a) - Number(b));
    expect(depths('/tall')).toEqual([25, 50, 75, 90, 100]);
    expect(depths('/tall/next')).toEqual([25, 50, 75, 90, 100]);
    expect(errors).toEqual([]);
  });

  it('records engaged time and depth once per page view when the visitor leaves the page', async () => {
    const { page, errors, aid } = await visit('/tall');
    await page.mouse.move(100, 100);
    await scrollTo(page, 0.55);
    await page.mouse.move(200, 200);
    await page.keyboard.press('Shift');
    await flush(page);
    await page.goto(s.fx.url('/bye'));
    const events = await waitForEvents(s.edge, SITE, aid, (evs) => named(evs, 'engagement').length > 0);
    const engagement = named(events, 'engagement', 'track');
    expect(engagement).toHaveLength(1);
    expect(engagement[0]!.path).toBe('/tall');
    expect(engagement[0]!.props).toMatchObject({ depth: 50 });
    expect(engagement[0]!.props?.ms).toBeGreaterThan(0);
    expect(Object.keys(engagement[0]!.props ?? {}).sort()).toEqual(['depth', 'ms']);
    expect(errors).toEqual([]);
  });

  it('records engaged time for each SPA page view on navigation', async () => {
    const { page, errors, aid } = await visit('/tall');
    await scrollTo(page, 0.3);
    await page.evaluate(() => history.pushState({}, '', '/tall/second'));
    await scrollTo(page, 0);
    await page.evaluate(() => history.pushState({}, '', '/tall/third'));
    const events = await settle(page, aid);
    const engagement = named(events, 'engagement', 'track');
    // Two page views ended (the first two); the third is still open.
    expect(engagement).toHaveLength(2);
    expect(engagement.map((e) => e.props?.depth).sort()).toEqual([0, 25]);
    for (const e of engagement) expect(e.props?.ms).toBeGreaterThanOrEqual(0);
    expect(errors).toEqual([]);
  });

  it('attributes the engagement of an SPA page view to that page (its path), not to the next one', async () => {
    const { page, errors, aid } = await visit('/tall');
    await scrollTo(page, 0.3);
    await page.evaluate(() => history.pushState({}, '', '/tall/after'));
    const events = await settle(page, aid);
    const engagement = named(events, 'engagement', 'track');
    expect(engagement.map((e) => [e.path, e.props?.depth])).toEqual([['/tall', 25]]);
    expect(errors).toEqual([]);
  });
});

describe('signals', () => {
  it('signals a rage click (3 clicks within a second) once per burst', async () => {
    const { page, errors, aid } = await visit('/shop');
    await page.click('#photo', { clickCount: 3 });
    const events = await settle(page, aid);
    expect(named(events, 'rage_click', 'signal')).toHaveLength(1);
    expect(named(events, 'rage_click')[0]!.props).toMatchObject({ tag: 'div', text: 'photo' });
    expect(errors).toEqual([]);
  });

  it('signals a dead click on a button that changes nothing, and not on one that does', async () => {
    const { page, errors, aid } = await visit('/shop');
    await page.click('#live');
    await page.click('#noop');
    // The signal is decided a second after the click and sent with the next batch.
    const events = await waitForEvents(s.edge, SITE, aid, (evs) => named(evs, 'dead_click').length > 0);
    expect(named(events, 'dead_click', 'signal').map((e) => e.props)).toEqual([{ tag: 'button', text: 'Nothing' }]);
    expect(errors).toEqual([]);
  });

  it('signals exit intent once when the pointer leaves through the top of the window', async () => {
    const { page, errors, aid } = await visit('/shop');
    const mouseout = (clientY: number) =>
      page.evaluate((y) => {
        document.dispatchEvent(new MouseEvent('mouseout', { clientX: 300, clientY: y, relatedTarget: null, bubbles: true }));
      }, clientY);
    await mouseout(400); // leaving through the bottom/side: not an exit intent
    await mouseout(0);
    await mouseout(0);
    const events = await settle(page, aid);
    expect(named(events, 'exit_intent', 'signal')).toHaveLength(1);
    expect(named(events, 'exit_intent')[0]!.path).toBe('/shop');
    expect(errors).toEqual([]);
  });

  it('signals a repeat view (the same path seen again in the session) exactly once, with its count', async () => {
    const { page, errors, aid } = await visit('/rv');
    await flush(page);
    await page.goto(s.fx.url('/shop', { site: SITE }));
    await tagReady(page);
    await flush(page);
    await page.goto(s.fx.url('/rv', { site: SITE }));
    await tagReady(page);
    await flush(page);
    await waitForEvents(s.edge, SITE, aid, (evs) => named(evs, 'repeat_view').length > 0);
    const events = await settle(page, aid);
    expect(pages(events).map((e) => e.path)).toEqual(['/rv', '/shop', '/rv']);
    expect(named(events, 'repeat_view', 'signal').map((e) => e.props)).toEqual([{ path: '/rv', count: 2 }]);
    expect(errors).toEqual([]);
  });
});

describe('identify', () => {
  it('hashes email and phone in the browser: no plaintext in any request, hashed traits stored', async () => {
    const { page, errors, aid } = await visit('/shop');
    await page.evaluate(() =>
      (window as unknown as AttuneWindow).attune.identify('u1', { email: ' Ada@Example.com ', phone: '+44 20 7946 0958', plan: 'pro' }),
    );
    await flush(page);
    // Leave the page too, so the pagehide beacon is among the bodies checked.
    await page.goto(s.fx.url('/bye'));
    await waitForEvents(s.edge, SITE, aid, (evs) => evs.some((e) => e.type === 'identify') && named(evs, 'engagement').length > 0);

    const sent = s.proxy.requests
      .filter((r) => r.path === '/v1/collect')
      .flatMap((r) => (JSON.parse(r.body) as { events: Record<string, unknown>[] }).events);
    const identify = sent.filter((e) => e.type === 'identify');
    expect(identify.length).toBeGreaterThan(0);
    for (const e of identify) {
      expect(e.userId).toBe('u1');
      expect(e.traits).toEqual({ email: sha256('ada@example.com'), phone: sha256('+442079460958'), plan: 'pro' });
    }
    const bodies = s.proxy.requests.map((r) => r.body.toLowerCase()).join('\n');
    expect(bodies).not.toContain('ada@example.com');
    expect(bodies).not.toContain('7946');
    expect(bodies).not.toContain('2079460958');

    const profile = await s.edge.api<{ identifiers: { type: string; value: string }[]; traits: Record<string, unknown> }>(
      `/sites/${SITE}/profiles/anon:${aid}`,
    );
    expect(profile.body.identifiers).toContainEqual(expect.objectContaining({ type: 'user', value: 'u1' }));
    expect(profile.body.traits).toMatchObject({ email: sha256('ada@example.com'), phone: sha256('+442079460958'), plan: 'pro' });
    expect(JSON.stringify(profile.body).toLowerCase()).not.toContain('ada@example.com');
    expect(errors).toEqual([]);
  });
});

describe('page lifecycle', () => {
  it('never registers an unload or beforeunload listener (keeps the page bfcache-eligible)', async () => {
    setupPages();
    const { page, errors } = await s.open();
    await page.addInitScript(() => {
      const types: string[] = [];
      (window as unknown as { __listenerTypes: string[] }).__listenerTypes = types;
      const orig = EventTarget.prototype.addEventListener;
      EventTarget.prototype.addEventListener = function (this: EventTarget, ...args: Parameters<EventTarget['addEventListener']>) {
        types.push(String(args[0]));
        return orig.apply(this, args);
      };
    });
    await page.goto(s.fx.url('/shop', { site: SITE }));
    await tagReady(page);
    await page.click('#buy');
    await page.evaluate(() => history.pushState({}, '', '/spa/lifecycle'));
    await page.fill('#lead-email', 'x');
    await flush(page);
    const { types, onunload, onbeforeunload } = await page.evaluate(() => ({
      types: (window as unknown as { __listenerTypes: string[] }).__listenerTypes,
      onunload: window.onunload === null,
      onbeforeunload: window.onbeforeunload === null,
    }));
    expect(types).toContain('pagehide'); // the wrapper saw the tag's listeners
    expect(types).not.toContain('unload');
    expect(types).not.toContain('beforeunload');
    expect(onunload).toBe(true);
    expect(onbeforeunload).toBe(true);
    expect(errors).toEqual([]);
  });
});
