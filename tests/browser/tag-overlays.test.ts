import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createExperience, flush, named, pause, requireAnonymousId, scrollTo, tagReady, waitForEvents, type StoredEvent } from '../helpers/attune';
import type { TagOptions } from '../helpers/fixtures';
import { decidesOf } from '../helpers/proxy';
import { useSuite } from '../helpers/suite';
import { exitIntent, overlayModuleArmed, overlayOf } from '../helpers/overlays';

/**
 * Triggered experiences in Chromium against a local edge: each trigger fires once and shows its
 * overlay; the triggering event is counted in the decision; frequency rules hold across reloads
 * and tabs; nothing shows before consent; an overlay's click and dismissal are recorded.
 */
const SITE = 'assist';
const s = useSuite([SITE]);

const toast = (heading: string, extra: Record<string, unknown> = {}) => ({
  type: 'overlay',
  value: { kind: 'toast', heading, text: `${heading}: we can help`, buttons: [{ label: 'Email me', url: '#notify' }, { label: 'No thanks' }], ...extra },
});
const TRIGGERS: [string, Record<string, unknown>][] = [
  ['rage', { signal: 'rage_click', selector: '#add' }],
  ['dead', { signal: 'dead_click' }],
  ['exit', { signal: 'exit_intent' }],
  ['form', { signal: 'form_abandon' }],
  ['repeat', { signal: 'repeat_view' }],
  ['event', { event: 'Add to cart' }],
  ['time', { afterSeconds: 2 }],
  ['scroll', { scrollDepth: 60 }],
];

const THEME = { background: '#fffbe6', text: '#222222', accent: '#b42318', accentText: '#ffffff', font: 'Georgia, serif', radius: 4 };

beforeAll(async () => {
  const themed = await s.edge.api(`/sites/${SITE}`, { method: 'PATCH', body: JSON.stringify({ overlays: { perPage: 1, theme: THEME } }) });
  expect(themed.status).toBe(200);
  for (const [id, trigger] of TRIGGERS) {
    await createExperience(s.edge, SITE, { id, name: id, page: `/${id}`, status: 'running', trigger, variants: [{ key: 'v', weight: 1, content: toast(`Help ${id}`) }] });
  }
  const aud = await s.edge.api('/sites/' + SITE + '/audiences', { method: 'POST', body: JSON.stringify({ id: 'raged', name: 'Rage-clicked', rule: { signal: 'rage_click' } }) });
  expect(aud.status).toBe(201);
  await createExperience(s.edge, SITE, {
    id: 'audience', name: 'Raged', page: '/audience', status: 'running', audience: 'raged', trigger: { signal: 'rage_click', selector: '#checkout' },
    variants: [{ key: 'v', weight: 1, content: toast('Checkout trouble?', { kind: 'modal' }) }],
  });
  await createExperience(s.edge, SITE, {
    id: 'hostile', name: 'Hostile', page: '/hostile', status: 'running', trigger: { afterSeconds: 1 },
    variants: [{ key: 'v', weight: 1, content: toast('<img src=x onerror="window.pwned=1">', { text: '<script>window.pwned=1</script>', kind: 'modal' }) }],
  });
});

const PAGE = (id: string) => ({
  title: id,
  body:
    `<h1>${id}</h1><button id="add">Add to cart</button><button id="checkout">Checkout</button><span id="dead" style="cursor:pointer">Sold out</span>` +
    `<form id="f"><input name="email" id="email"><button type="submit">Send</button></form><a href="#x" id="other">Other</a>` +
    '<div style="height:3000px"></div>',
});

async function open(path: string, tag: Partial<TagOptions> = {}, page?: Page): Promise<Page> {
  s.fx.page(path, PAGE(path.slice(1)));
  const p = page ?? (await s.open()).page;
  await p.goto(s.fx.url(path, { site: SITE, ...tag }));
  await tagReady(p);
  return p;
}

const overlay = overlayOf;
const heading = (page: Page) => overlay(page).locator('h2');

async function fire(page: Page, id: string): Promise<void> {
  if (id === 'rage' || id === 'audience') for (let i = 0; i < 3; i++) await page.click(id === 'rage' ? '#add' : '#checkout', { delay: 10 });
  if (id === 'dead') await page.click('#dead');
  if (id === 'exit') await exitIntent(page);
  if (id === 'form') {
    await page.fill('#email', 'half typed');
    await page.mouse.move(300, 200);
    await page.evaluate(() => (document.activeElement as HTMLElement).blur());
    await page.evaluate(() => document.dispatchEvent(new MouseEvent('mouseout', { clientY: -1, relatedTarget: null, bubbles: true })));
  }
  if (id === 'event') await page.evaluate(() => (window as unknown as { attune: { track(n: string): void } }).attune.track('Add to cart'));
  if (id === 'scroll') await scrollTo(page, 0.7);
}

const exposures = (events: StoredEvent[], exp: string) => named(events, '$exposure').filter((e) => e.props?.experience === exp);

describe('each trigger', () => {
  it.each(TRIGGERS.map(([id]) => id))('%s fires once and shows its overlay, its exposure counted when shown', async (id) => {
    let page = await open(`/${id}`);
    if (id === 'repeat') await overlayModuleArmed(page), (page = await open('/repeat', {}, page)); // the second view of the page in its session
    await overlayModuleArmed(page);
    if (id !== 'time' && id !== 'repeat') expect(await overlay(page).count()).toBe(0);
    await fire(page, id);
    await expect.poll(() => heading(page).textContent(), { timeout: 10_000 }).toBe(`Help ${id}`);
    expect(await overlay(page).getAttribute('data-attune-overlay')).toBe('toast');
    expect(await overlay(page).locator('[role="status"]').count()).toBe(1); // a toast is announced politely
    // Once per page view: firing again shows no second one.
    await overlay(page).locator('button[aria-label="Close"]').click();
    await fire(page, id);
    await pause(800);
    expect(await overlay(page).count()).toBe(0);
    const aid = await requireAnonymousId(page);
    const events = await waitForEvents(s.edge, SITE, aid, (evs) => exposures(evs, id).length > 0 && named(evs, '$overlay_dismiss').length > 0);
    expect(exposures(events, id).map((e) => e.props)).toEqual([{ slot: `!${id}`, experience: id, variant: 'v' }]);
    expect(named(events, '$overlay_dismiss').map((e) => e.props)).toEqual([{ experience: id, variant: 'v' }]);
  });
});

describe('the decision when a trigger fires', () => {
  it('counts the triggering event: an audience "rage-clicked this session" matches at the first rage click', async () => {
    const page = await open('/audience');
    await overlayModuleArmed(page);
    await fire(page, 'audience');
    await expect.poll(() => heading(page).textContent(), { timeout: 10_000 }).toBe('Checkout trouble?');
    const asked = decidesOf(s.proxy.requests).map((r) => JSON.parse(r.body) as { slots?: string[] }).filter((b) => b.slots?.includes('!audience'));
    expect(asked).toHaveLength(1);
  });

  it('a rage click elsewhere than the selector shows nothing', async () => {
    const page = await open('/rage');
    await overlayModuleArmed(page);
    for (let i = 0; i < 3; i++) await page.click('#checkout', { delay: 10 });
    await pause(1500);
    expect(await overlay(page).count()).toBe(0);
  });
});

describe('frequency and consent', () => {
  it('shows an experience once per session across reloads and tabs', async () => {
    const { context, page } = await s.open();
    await open('/event', {}, page);
    await overlayModuleArmed(page);
    await fire(page, 'event');
    await expect.poll(() => heading(page).textContent(), { timeout: 10_000 }).toBe('Help event');
    await page.reload();
    await tagReady(page);
    await overlayModuleArmed(page);
    await fire(page, 'event');
    const other = await context.newPage();
    await open('/event', {}, other);
    await overlayModuleArmed(other);
    await fire(other, 'event');
    await pause(1500);
    expect(await overlay(page).count()).toBe(0);
    expect(await overlay(other).count()).toBe(0);
  });

  it('waits while a form field has the focus, then shows', async () => {
    const page = await open('/time');
    await page.focus('#email');
    await page.keyboard.type('typing', { delay: 300 }); // past the 2 s trigger
    await pause(500);
    expect(await overlay(page).count()).toBe(0);
    await page.click('h1');
    await expect.poll(() => heading(page).textContent(), { timeout: 10_000 }).toBe('Help time');
  });

  it('shows nothing before consent', async () => {
    const page = await open('/time', { consent: 'required' });
    await pause(4000);
    expect(await overlay(page).count()).toBe(0);
    expect(decidesOf(s.proxy.requests)).toHaveLength(0);
  });
});

describe('an overlay', () => {
  it('is a modal that takes the focus, keeps Tab inside, closes on Escape and gives the focus back; hostile text is text', async () => {
    const page = await open('/hostile');
    await page.focus('#other');
    const box = overlay(page).locator('[role="dialog"]');
    await expect.poll(() => box.count(), { timeout: 10_000 }).toBe(1);
    expect(await box.getAttribute('aria-modal')).toBe('true');
    expect(await heading(page).textContent()).toBe('<img src=x onerror="window.pwned=1">');
    expect(await overlay(page).locator('p').textContent()).toBe('<script>window.pwned=1</script>');
    expect(await overlay(page).locator('img, script').count()).toBe(0);
    const focused = () => page.evaluate(() => document.querySelector('[data-attune-overlay]')?.shadowRoot?.activeElement?.textContent ?? null);
    expect(await focused()).toBe('Email me');
    for (let i = 0; i < 3; i++) await page.keyboard.press('Tab');
    expect(await focused()).toBe('Email me'); // Email me → No thanks → Close → back to Email me
    await page.keyboard.press('Escape');
    expect(await overlay(page).count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('other');
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
  });

  it("follows the site's theme, and moves only without prefers-reduced-motion", async () => {
    const animationOf = async (reducedMotion: 'reduce' | 'no-preference') => {
      const { page } = await s.open({ reducedMotion });
      await open('/time', {}, page);
      await expect.poll(() => heading(page).textContent(), { timeout: 10_000 }).toBe('Help time');
      return overlay(page).locator('[role="status"]').evaluate((el) => {
        const cs = getComputedStyle(el);
        return { background: cs.backgroundColor, color: cs.color, font: cs.fontFamily, radius: cs.borderTopLeftRadius, animation: cs.animationName };
      });
    };
    const theme = { background: 'rgb(255, 251, 230)', color: 'rgb(34, 34, 34)', font: 'Georgia, serif', radius: '4px' };
    expect(await animationOf('reduce')).toEqual({ ...theme, animation: 'none' });
    expect(await animationOf('no-preference')).toEqual({ ...theme, animation: 'i' });
  });

  it("is styled on a site whose Content-Security-Policy allows no inline styles", async () => {
    s.fx.page('/time-csp', { title: 'CSP', head: `<meta http-equiv="Content-Security-Policy" content="style-src 'self'">`, body: PAGE('time').body });
    await createExperience(s.edge, SITE, { id: 'csp', name: 'csp', page: '/time-csp', status: 'running', trigger: { afterSeconds: 1 }, variants: [{ key: 'v', weight: 1, content: toast('Help csp') }] });
    const { page } = await s.open();
    await page.goto(s.fx.url('/time-csp', { site: SITE }));
    await tagReady(page);
    await expect.poll(() => heading(page).textContent(), { timeout: 10_000 }).toBe('Help csp');
    expect(await overlay(page).locator('[role="status"]').evaluate((el) => getComputedStyle(el).position)).toBe('fixed');
  });

  /** Shows experience `id`'s overlay, presses the control named `label` (`a` a link, `button` one without) and waits for `recorded`. */
  async function press(id: string, control: 'a' | 'button', label: string, recorded: string): Promise<StoredEvent[]> {
    const page = await open(`/${id}`);
    await overlayModuleArmed(page);
    await fire(page, id);
    await expect.poll(() => heading(page).textContent(), { timeout: 10_000 }).toBe(`Help ${id}`);
    await overlay(page).locator(control, { hasText: label }).click();
    expect(await overlay(page).count()).toBe(0);
    const aid = await requireAnonymousId(page);
    await flush(page);
    return waitForEvents(s.edge, SITE, aid, (evs) => named(evs, recorded).length > 0);
  }

  it('records a button press as $overlay_click', async () => {
    const events = await press('event', 'a', 'Email me', '$overlay_click');
    expect(named(events, '$overlay_click').map((e) => e.props)).toEqual([{ experience: 'event', variant: 'v', label: 'Email me', url: '#notify' }]);
  });

  it('records a button without a link as a dismissal, not a click', async () => {
    const events = await press('dead', 'button', 'No thanks', '$overlay_dismiss');
    expect(named(events, '$overlay_dismiss').map((e) => e.props)).toEqual([{ experience: 'dead', variant: 'v' }]);
    expect(named(events, '$overlay_click')).toEqual([]);
  });
});
