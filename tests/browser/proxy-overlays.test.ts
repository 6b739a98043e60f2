import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecideResponse, PageTrigger } from '../../protocol/decide';
import { named, pause, storedEvents, tagReady, trackErrors, type StoredEvent } from '../helpers/attune';
import { startDemoShop, type DemoShop } from '../helpers/demo-shop';
import { eventually } from '../helpers/edge';
import { exitIntent, overlayModuleArmed, overlayOf } from '../helpers/overlays';

/**
 * Triggered overlays in proxy mode, in Chromium: the demo shop's origin behind the edge. The edge
 * decides a triggered experience with the page and embeds its decision in the page's trigger; the
 * tag shows it when the trigger fires with no request to /v1/decide, and its exposure counts only
 * then. Results of a two-variant triggered experience (control and toast) count the visitors who
 * met the trigger — controls too, at the trigger's moment — and the toast's button presses.
 */
let shop: DemoShop;

const HELP = 'proxy-help'; // a rage click on the first "Add to cart" of /product
const LEAVE = 'proxy-leave'; // exit intent on /pricing, control vs toast
const ADD = '#shop li:first-child button';

const toast = (heading: string, buttons: { label: string; url?: string }[]) => ({
  type: 'overlay',
  value: { kind: 'toast', heading, text: `${heading} — we can help`, buttons },
});

async function api<T>(path: string, method = 'GET', body?: unknown): Promise<T> {
  const res = await shop.edge.api<T>(path, { method, ...(body !== undefined && { body: JSON.stringify(body) }) });
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body;
}

/** The tag markup proxy mode injected: the embedded decisions and the tag's script element. */
const injectedOf = (html: string) => /<script type="application\/json" id="attune-decisions">[\s\S]*?<\/script><script async src="\/attune\.js"[^>]*><\/script>/.exec(html)?.[0] ?? '';
const embeddedOf = (html: string) => {
  const m = /<script type="application\/json" id="attune-decisions">([\s\S]*?)<\/script>/.exec(html);
  return m ? (JSON.parse(m[1]!) as Partial<DecideResponse> & { anonymousId?: string }) : null;
};

interface Visit {
  context: BrowserContext;
  page: Page;
  html: string;
  aid: string;
  trigger: PageTrigger | undefined;
  /** Every request the browser made, in order. */
  requests: string[];
  errors: string[];
}

/** A first-time visitor (a fresh context: the edge mints its id) opens `path` on the shop's host. */
async function visit(path: string, experience: string): Promise<Visit> {
  const context = await shop.browser.newContext();
  const page = await context.newPage();
  const errors = trackErrors(page);
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  const res = await page.goto(shop.shopUrl(path));
  expect(res?.status()).toBe(200);
  const html = await res!.text();
  const aid = (await context.cookies()).find((c) => c.name === '_attune_aid')?.value ?? '';
  expect(aid).toMatch(/^[a-z0-9]{32}$/);
  const trigger = embeddedOf(html)?.triggers?.find((t) => t.experience === experience);
  await tagReady(page);
  await overlayModuleArmed(page);
  return { context, page, html, aid, trigger, requests, errors };
}

const flush = (page: Page) => page.evaluate(() => (window as unknown as { attune: { flush(): Promise<void> } }).attune.flush());
const overlay = overlayOf;
const decides = (urls: string[]) => urls.filter((u) => new URL(u).pathname === '/v1/decide');
const exposuresOf = (events: StoredEvent[], exp: string) => named(events, '$exposure').filter((e) => e.props?.experience === exp);

async function rageClick(page: Page): Promise<void> {
  for (let i = 0; i < 3; i++) await page.click(ADD, { delay: 10 });
}

/** Polls the visitor's stored events (flushing the tag first) until `done` holds; the last list seen otherwise. */
async function eventsWhen(v: Visit, done: (evs: StoredEvent[]) => boolean): Promise<StoredEvent[]> {
  let last: StoredEvent[] = [];
  try {
    return await eventually(async () => {
      await flush(v.page);
      last = await storedEvents(shop.edge, 'demo', v.aid);
      return done(last) && last;
    });
  } catch {
    return last;
  }
}

beforeAll(async () => {
  shop = await startDemoShop();
  // Only this suite's overlays on the shop: any other triggered or overlay experience the demo seeds is paused.
  const { experiences } = await api<{ experiences: { id: string; trigger?: unknown; slot?: string; variants: { content: { type: string } | null }[] }[] }>(
    '/sites/demo/experiences',
  );
  for (const e of experiences ?? []) {
    if (e.trigger != null || e.variants.some((v) => v.content?.type === 'overlay')) await api(`/sites/demo/experiences/${e.id}`, 'PATCH', { status: 'paused' });
  }
  await api('/sites/demo/experiences', 'POST', {
    id: HELP, name: 'Help with Add to cart', page: '/product', status: 'running', trigger: { signal: 'rage_click', selector: ADD },
    variants: [{ key: 'help', weight: 1, content: toast('Trouble adding it?', [{ label: 'Email me', url: '#notify' }, { label: 'No thanks' }]) }],
  });
  await api('/sites/demo/experiences', 'POST', {
    id: LEAVE, name: 'Price promise on leaving', page: '/pricing', status: 'running', trigger: { signal: 'exit_intent' },
    variants: [
      { key: 'control', weight: 1, content: null },
      { key: 'toast', weight: 1, content: toast('Before you go', [{ label: 'See the promise', url: '#promise' }, { label: 'No thanks' }]) },
    ],
  });
});

afterAll(() => shop?.stop());

describe('proxy mode: a triggered overlay embedded in the page', () => {
  it('embeds the decision in its trigger, shows it when the trigger fires with no /v1/decide request, and stores the exposure only then', async () => {
    const v = await visit('/product', HELP);
    // Embedded for this visitor, decided: in the trigger only, not among the page's decisions.
    const embedded = embeddedOf(v.html)!;
    expect(embedded.anonymousId).toBe(v.aid);
    expect(v.trigger).toEqual({
      experience: HELP,
      on: { signal: 'rage_click', selector: ADD },
      decision: { experience: HELP, variant: 'help', content: toast('Trouble adding it?', [{ label: 'Email me', url: '#notify' }, { label: 'No thanks' }]), reason: 'matched' },
    });
    expect(embedded.decisions).not.toHaveProperty(`!${HELP}`);
    expect(embedded.overlay?.module).toMatch(/^\/attune-overlay\.js\?v=\w+/);
    // Small: the whole injected markup (decisions JSON, hero decision included, and the tag's element).
    const injected = injectedOf(v.html);
    expect(injected).not.toBe('');
    const bytes = Buffer.byteLength(injected);
    const triggerBytes = Buffer.byteLength(JSON.stringify(embedded.triggers));
    console.log(`proxy-overlays: injected markup ${bytes} B (embedded JSON ${Buffer.byteLength(JSON.stringify(embedded))} B, of it triggers ${triggerBytes} B)`);
    expect(bytes).toBeLessThan(2048);

    // Loaded and armed; nothing shown, no exposure for it yet.
    expect(await overlay(v.page).count()).toBe(0);
    const before = await eventsWhen(v, (evs) => evs.some((e) => e.type === 'page'));
    expect(before.some((e) => e.type === 'page')).toBe(true);
    expect(exposuresOf(before, HELP)).toEqual([]);

    const fired = v.requests.length;
    await rageClick(v.page);
    await expect.poll(() => overlay(v.page).locator('h2').textContent(), { timeout: 10_000 }).toBe('Trouble adding it?');
    expect(await overlay(v.page).getAttribute('data-attune-overlay')).toBe('toast');
    const events = await eventsWhen(v, (evs) => exposuresOf(evs, HELP).length > 0);
    expect(exposuresOf(events, HELP).map((e) => e.props)).toEqual([{ slot: `!${HELP}`, experience: HELP, variant: 'help' }]);
    expect(named(events, 'rage_click', 'signal')).toHaveLength(1);
    // No request to /v1/decide: not when the trigger fired, not at any moment of this page view.
    expect(decides(v.requests.slice(fired))).toEqual([]);
    expect(decides(v.requests)).toEqual([]);
    expect(v.errors).toEqual([]);
    await v.context.close();
  });
});

interface Results {
  experience: { goals: string[] };
  variants: { key: string; visitors: number; conversions: Record<string, number> }[];
}

describe('proxy mode: results of a triggered overlay experience', () => {
  it('count the visitors exposed when the trigger fired (controls too) and the toast’s button presses as $overlay_click', async () => {
    const met: Record<string, number> = { control: 0, toast: 0 };
    let presses = 0;
    let toastsSeen = 0;
    let largest = 0; // the largest injected markup seen on /pricing
    // First a visitor who never meets the trigger: decided at the edge, never exposed, not counted.
    const idle = await visit('/pricing', LEAVE);
    expect(idle.trigger?.decision?.variant).toMatch(/^(control|toast)$/);
    await eventsWhen(idle, (evs) => evs.some((e) => e.type === 'page'));
    await idle.context.close();
    // Fresh visitors until both variants have at least two (bounded: at most 16 browsers).
    for (let i = 0; i < 16 && (met.control! + met.toast! < 6 || met.control! < 2 || met.toast! < 2); i++) {
      const v = await visit('/pricing', LEAVE);
      const variant = v.trigger?.decision?.variant;
      expect(variant, JSON.stringify(v.trigger)).toMatch(/^(control|toast)$/);
      expect(v.trigger?.decision?.content ?? null).toEqual(variant === 'control' ? null : expect.objectContaining({ type: 'overlay' }));
      largest = Math.max(largest, Buffer.byteLength(injectedOf(v.html)));
      const fired = v.requests.length;
      await exitIntent(v.page);
      if (variant === 'toast') await expect.poll(() => overlay(v.page).locator('h2').textContent(), { timeout: 10_000 }).toBe('Before you go');
      // Exposed at the trigger's moment (a control shows nothing, and is exposed all the same), with no request to /v1/decide.
      const shown = await eventsWhen(v, (evs) => exposuresOf(evs, LEAVE).length > 0);
      expect(exposuresOf(shown, LEAVE).map((e) => e.props)).toEqual([{ slot: `!${LEAVE}`, experience: LEAVE, variant }]);
      expect(decides(v.requests.slice(fired))).toEqual([]);
      if (variant === 'control') expect(await overlay(v.page).count()).toBe(0);
      // Every other toast viewer presses the link (to #promise: the hash change is a new page view,
      // whose slots the tag then asks for); the rest leave it on screen.
      if (variant === 'toast' && toastsSeen++ % 2 === 0) {
        await overlay(v.page).locator('a', { hasText: 'See the promise' }).click();
        expect(await overlay(v.page).count()).toBe(0);
        presses++;
        const events = await eventsWhen(v, (evs) => named(evs, '$overlay_click').length > 0);
        expect(named(events, '$overlay_click').map((e) => e.props)).toEqual([{ experience: LEAVE, variant: 'toast', label: 'See the promise', url: '#promise' }]);
      }
      expect(v.errors).toEqual([]);
      met[variant!]!++;
      await v.context.close();
    }
    expect(met.control).toBeGreaterThanOrEqual(2);
    expect(met.toast).toBeGreaterThanOrEqual(2);
    expect(largest).toBeLessThan(2048);

    let r: Results | undefined;
    for (let i = 0; i < 80; i++) { // bounded: the counters arrive through the profiles' outboxes
      r = await api<Results>(`/sites/demo/experiences/${LEAVE}/results`);
      const of = (k: string) => r!.variants.find((x) => x.key === k);
      if (of('control')?.visitors === met.control && of('toast')?.visitors === met.toast && of('toast')?.conversions.$overlay_click === presses) break;
      await pause(250);
    }
    console.log(`proxy-overlays: /pricing injected markup up to ${largest} B; ${met.control} control and ${met.toast} toast visitors, ${presses} presses; results ${JSON.stringify(r!.variants.map((x) => [x.key, x.visitors, x.conversions]))}`);
    expect(r!.experience.goals).toEqual(['$overlay_click']);
    expect(r!.variants.find((x) => x.key === 'control')).toMatchObject({ visitors: met.control, conversions: { $overlay_click: 0 } });
    expect(r!.variants.find((x) => x.key === 'toast')).toMatchObject({ visitors: met.toast, conversions: { $overlay_click: presses } });
  });
});

describe('proxy mode: an audience the triggering event decides', () => {
  it('does not embed "nothing" for a visitor not yet in it: the tag asks when the trigger fires, and the rage click itself lets them in', async () => {
    const RAGED = 'proxy-raged';
    await api('/sites/demo/audiences', 'POST', { id: 'raged-proxy', name: 'Rage-clicked this session', rule: { signal: 'rage_click' } });
    await api('/sites/demo/experiences', 'POST', {
      id: RAGED, name: 'Help the frustrated', page: '/', status: 'running', audience: 'raged-proxy', trigger: { signal: 'rage_click', selector: ADD },
      variants: [{ key: 'help', weight: 1, content: toast('Let us help', [{ label: 'Chat with us', url: '#chat' }]) }],
    });
    const v = await visit('/', RAGED);
    expect(v.trigger).toEqual({ experience: RAGED, on: { signal: 'rage_click', selector: ADD } }); // no decision: asked for when it fires
    const fired = v.requests.length;
    await rageClick(v.page);
    await expect.poll(() => overlay(v.page).locator('h2').textContent(), { timeout: 10_000 }).toBe('Let us help');
    expect(decides(v.requests.slice(fired))).toHaveLength(1);
    expect(v.errors).toEqual([]);
    await v.context.close();
    await api(`/sites/demo/experiences/${RAGED}`, 'PATCH', { status: 'ended' });
  });
});
