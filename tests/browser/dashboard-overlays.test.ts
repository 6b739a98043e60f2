import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackErrors } from '../helpers/attune';
import { launchChromium } from '../helpers/browser';
import { startLocalEdge, type LocalEdge } from '../helpers/edge';

/**
 * The overlay designer in Chromium: a marketer makes a triggered overlay experience, the live
 * preview (the tag's own renderer, inside the preview box) follows every keystroke in the site's
 * theme, hostile text shows as text, and the experience saved is the one previewed. The settings
 * page's theme sample follows the theme fields. Set SHOTS_DIR to keep screenshots.
 */
const XSS_IMG = '<img src=x onerror=alert(1)>';
const SHOTS = process.env.SHOTS_DIR;
const THEME = { background: '#102030', text: '#f0f4f8', accent: '#ff8800', accentText: '#111111', font: 'Georgia, serif', radius: 14 };

let edge: LocalEdge;
let browser: Browser;
let page: Page;
const dialogs: string[] = [];

beforeAll(async () => {
  [edge, browser] = await Promise.all([startLocalEdge(), launchChromium()]);
  expect((await edge.api('/sites/demo', { method: 'PATCH', body: JSON.stringify({ overlays: { perPage: 1, theme: THEME } }) })).status).toBe(200);
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.on('dialog', (d) => (dialogs.push(d.message()), void d.dismiss()));
  await page.goto(`${edge.url}/dashboard`);
  await page.getByLabel('Admin token').fill(edge.token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'demo', exact: true }).waitFor();
});

afterAll(async () => {
  await browser?.close();
  await edge?.stop();
});

/** What the preview box shows: the overlay host's shadow root, read inside the page. */
const preview = (box: Locator) =>
  box.evaluate((el) => {
    const host = el.querySelector('[data-attune-overlay]');
    const root = host?.shadowRoot;
    const o = root?.querySelector<HTMLElement>('[role]');
    const b = el.getBoundingClientRect();
    const r = o?.getBoundingClientRect();
    // The box's edges the overlay keeps to (within a margin): where the renderer put it.
    const edges = r ? ([['top', r.top - b.top], ['bottom', b.bottom - r.bottom], ['left', r.left - b.left], ['right', b.right - r.right]] as const).filter(([, d]) => d < 30).map(([k]) => k).join(' ') : null;
    return {
      edges,
      hosts: el.querySelectorAll('[data-attune-overlay]').length,
      kind: host?.getAttribute('data-attune-overlay') ?? null,
      heading: root?.querySelector('h2')?.textContent ?? null,
      text: root?.querySelector('p')?.textContent ?? null,
      buttons: [...(root?.querySelectorAll('.b > *') ?? [])].map((b) => `${b.tagName.toLowerCase()}:${b.textContent}`),
      imgs: root?.querySelectorAll('img').length ?? 0,
      background: o ? getComputedStyle(o).backgroundColor : null,
      inside: o ? getComputedStyle(o).position : null,
      boxHeight: b.height,
    };
  });

describe('the overlay designer', () => {
  it('previews the overlay live as the marketer types, shows hostile text as text, and saves what it showed', async () => {
    const errors = trackErrors(page);
    await page.goto(`${edge.url}/dashboard/sites/demo/experiences/new`);
    await page.locator('#name').fill('Exit offer');
    await page.getByLabel('Id (optional)').fill('exit-offer');
    const picker = page.locator('[data-trigger-picker]');
    expect(await picker.isVisible()).toBe(false); // a slot experience has no trigger
    await page.getByLabel('Overlay (banner, toast or modal)').check();
    expect(await picker.isVisible()).toBe(true);
    await page.locator('#page').fill('/demo*');

    // The trigger picker shows what its choice needs.
    const when = page.getByLabel('The visitor…', { exact: true });
    expect(await when.isVisible()).toBe(false);
    await page.getByLabel('When the visitor…', { exact: true }).check();
    await when.selectOption('event');
    expect(await page.getByLabel('Event name', { exact: true }).isVisible()).toBe(true);
    expect(await page.getByLabel('Only on elements matching (optional)').isVisible()).toBe(true);
    expect(await page.getByLabel('Seconds on the page').isVisible()).toBe(false);
    await when.selectOption('scrollDepth');
    expect(await page.getByLabel('Scrolled (% of the page)').isVisible()).toBe(true);
    expect(await page.getByLabel('Only on elements matching (optional)').isVisible()).toBe(false);
    await when.selectOption('rage_click');
    expect(await page.getByLabel('Event name', { exact: true }).isVisible()).toBe(false);
    await page.getByLabel('Only on elements matching (optional)').fill('#checkout');
    await page.getByRole('spinbutton', { name: 'Days', exact: true }).fill('3'); // picks "at most once every N days"
    expect(await page.locator('input[name="frequency"][value="days"]').isChecked()).toBe(true);

    // Variant 2 became an overlay with the target; its designer draws into its preview box.
    const row = page.locator('[data-variant-row]').nth(1);
    expect(await row.locator('select[data-content-type]').inputValue()).toBe('overlay');
    expect(await page.locator('[data-variant-row]').nth(0).locator('[data-overlay-designer]').isVisible()).toBe(false);
    const box = row.locator('[data-overlay-preview]');
    const heading = row.getByLabel('Heading');
    await heading.fill('Free shipping');
    await expect.poll(async () => (await preview(box)).heading).toBe('Free shipping');
    await heading.pressSequentially(' today', { delay: 20 });
    await expect.poll(async () => (await preview(box)).heading).toBe('Free shipping today');
    await row.getByLabel('Text', { exact: true }).fill('On every order over $50.');
    await row.getByLabel('Button 1').fill('Shop now');
    await row.getByLabel('Opens (empty: closes)').first().fill('/demo');
    await row.getByLabel('Button 2').fill('No thanks');
    let shown = await preview(box);
    expect(shown).toMatchObject({ hosts: 1, kind: 'toast', text: 'On every order over $50.', buttons: ['a:Shop now', 'button:No thanks'], inside: 'absolute', imgs: 0 });
    expect(shown.edges).toBe('bottom right');
    expect(shown.background).toBe('rgb(16, 32, 48)'); // the site's theme
    expect(shown.boxHeight).toBe(300);

    // Positions follow the kind: a banner is top or bottom, a modal has none.
    const position = row.getByLabel('Position');
    await row.getByLabel('Kind').selectOption('banner');
    const visible = () => position.locator('option').evaluateAll((os) => os.filter((o) => !(o as HTMLOptionElement).hidden).map((o) => o.textContent));
    expect(await visible()).toEqual(['default', 'bottom', 'top']);
    await position.selectOption('top');
    await expect.poll(async () => (await preview(box)).edges).toBe('top left right');
    if (SHOTS) await box.screenshot({ path: `${SHOTS}/overlay-banner.png` });
    await row.getByLabel('Kind').selectOption('modal');
    expect(await position.isVisible()).toBe(false);
    await expect.poll(async () => (await preview(box)).kind).toBe('modal');
    expect((await preview(box)).edges).not.toMatch(/top|bottom/); // centred
    if (SHOTS) await box.screenshot({ path: `${SHOTS}/overlay-modal.png` });
    await row.getByLabel('Kind').selectOption('toast');
    expect(await visible()).toEqual(['default', 'bottom-right', 'bottom-left', 'top-right', 'top-left']);
    expect(await position.inputValue()).toBe(''); // "top" is no toast's

    // Hostile text is text: no element made of it, nothing run.
    await heading.fill(XSS_IMG);
    await expect.poll(async () => (await preview(box)).heading).toBe(XSS_IMG);
    shown = await preview(box);
    expect(shown.imgs).toBe(0);
    expect(shown.hosts).toBe(1);
    expect(await page.locator('img').count()).toBe(0);
    await heading.fill('Free shipping today');
    await expect.poll(async () => (await preview(box)).heading).toBe('Free shipping today');

    // A link in the preview does not take the dashboard away; the overlay comes back.
    const url = page.url();
    await box.locator('[data-attune-overlay]').evaluate((h) => h.shadowRoot!.querySelector('a')!.click());
    expect(page.url()).toBe(url);
    await expect.poll(async () => (await preview(box)).hosts, { timeout: 5_000 }).toBe(1);

    if (SHOTS) {
      await row.scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${SHOTS}/overlay-designer-page.png`, fullPage: true });
      await row.screenshot({ path: `${SHOTS}/overlay-designer.png` });
    }

    await page.getByRole('button', { name: 'Create experience' }).click();
    await page.getByRole('heading', { name: 'Exit offer' }).waitFor();
    const saved = (await edge.api<Record<string, unknown>>('/sites/demo/experiences/exit-offer')).body;
    expect(saved).toMatchObject({
      page: '/demo*',
      trigger: { signal: 'rage_click', selector: '#checkout' },
      frequency: { days: 3 },
      variants: [
        { key: 'control', content: null },
        { content: { type: 'overlay', value: { kind: 'toast', heading: 'Free shipping today', text: 'On every order over $50.', buttons: [{ label: 'Shop now', url: '/demo' }, { label: 'No thanks' }] } } },
      ],
    });
    // The editor draws the saved overlay as it opens.
    await expect.poll(async () => (await preview(page.locator('[data-variant-row]').nth(1).locator('[data-overlay-preview]'))).heading).toBe('Free shipping today');
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('draws the settings page’s sample in the theme as it is edited', async () => {
    await page.goto(`${edge.url}/dashboard/sites/demo/settings`);
    const box = page.locator('[data-overlay-preview]');
    await expect.poll(async () => (await preview(box)).background).toBe('rgb(16, 32, 48)');
    await page.getByLabel('Background', { exact: true }).fill('#fafafa');
    await expect.poll(async () => (await preview(box)).background).toBe('rgb(250, 250, 250)');
    if (SHOTS) await page.locator('.designer').screenshot({ path: `${SHOTS}/overlay-settings.png` });
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Saved.').waitFor();
    expect((await edge.api<{ overlays: unknown }>('/sites/demo')).body.overlays).toEqual({ perPage: 1, theme: { ...THEME, background: '#fafafa' } });
  });
});
