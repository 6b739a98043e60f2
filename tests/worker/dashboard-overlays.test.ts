import { describe, expect, it } from 'vitest';
import { admin, anon, call, createSite, event, feedWith, post } from './helpers';
import { session } from './dashboard-helpers';

/**
 * The dashboard's side of triggered experiences: the experience form's third target (an overlay),
 * its trigger picker and per-variant overlay designer, what it posts through the admin API, the
 * API's refusals next to the form, and the site's overlay settings (theme, per page).
 */
const json = async <T>(res: Response) => (await res.json()) as T;
const base = (site: string) => `/dashboard/sites/${site}`;
const IMG = '<img src=x onerror=alert(1)>';

const overlayForm = (fields: Record<string, string>) => ({
  audience: '', mode: 'split', priority: '0', status: 'draft', traffic: '100', goals: '', action: 'save', slot: '',
  target: 'overlay', page: '', trigger: 'load', 'trigger.when': 'rage_click', 'trigger.event': '', 'trigger.seconds': '', 'trigger.scroll': '', 'trigger.selector': '',
  frequency: 'session', 'frequency.days': '',
  'v0.key': 'control', 'v0.name': '', 'v0.weight': '50', 'v0.type': '',
  'v1.key': 'offer', 'v1.name': '', 'v1.weight': '50', 'v1.type': 'overlay',
  'v1.o.kind': 'toast', 'v1.o.position': '', 'v1.o.heading': '', 'v1.o.text': 'Hello', 'v1.o.image': '', 'v1.o.imageAlt': '',
  'v1.o.b0.label': '', 'v1.o.b0.url': '', 'v1.o.b1.label': '', 'v1.o.b1.url': '',
  ...fields,
});

describe('experience form: overlays', () => {
  it('renders the overlay target, the trigger picker with the site’s event names, and a designer with a preview box in the site’s theme', async () => {
    const s = await session();
    const site = await createSite({ overlays: { perPage: 2, theme: { background: '#102030', text: '#ffffff', accent: '#ff8800', accentText: '#000000', font: 'Georgia, serif', radius: 4 } } });
    await post('/v1/collect', { site, anonymousId: anon(), events: [event('track', { name: 'Add to cart' })] });
    await feedWith(site, 1);

    const form = (await s.get(`${base(site)}/experiences/new`)).text;
    expect(form).toMatch(/<input type="radio" name="target" value="overlay"\/?> Overlay \(banner, toast or modal\)/);
    expect(form).toContain('<optgroup label="Over the page" data-target-group="overlay"><option value="overlay">');
    // The trigger picker: the page load, or one of the visitor's doings; frequency.
    expect(form).toContain('data-trigger-picker');
    expect(form).toMatch(/name="trigger" value="load" checked=""/);
    for (const [value, label] of [['rage_click', 'rage-clicks'], ['dead_click', 'dead-clicks'], ['exit_intent', 'shows exit intent'], ['form_abandon', 'abandons a form'], ['repeat_view', 'views a page again'], ['event', 'does an event'], ['afterSeconds', 'has been on the page for'], ['scrollDepth', 'has scrolled down']]) {
      expect(form).toMatch(new RegExp(`<option value="${value}"[^>]*>${label}</option>`));
    }
    expect(form).toContain('<datalist id="event-options"><option value="Add to cart"></option></datalist>');
    expect(form).toContain('<input id="trigger.seconds" type="number" name="trigger.seconds" value="" min="1" max="3600"/>');
    expect(form).toContain('<input id="trigger.scroll" type="number" name="trigger.scroll" value="" min="1" max="100"/>');
    expect(form).toContain('<label for="trigger.selector">Only on elements matching (optional)</label>');
    expect(form).toMatch(/name="frequency" value="session" checked=""/);
    expect(form).toContain('name="frequency.days" type="number"');
    // A designer per variant: kind, positions tagged by kind, heading, text, image, two buttons, and the preview box.
    expect(form).toContain('data-overlay-designer');
    expect(form).toContain('<select id="v1.o.kind" name="v1.o.kind" data-overlay="kind">');
    expect(form).toContain('<option data-kind="banner">top</option>');
    expect(form).toContain('<option data-kind="toast">bottom-left</option>');
    for (const f of ['heading', 'text', 'image', 'imageAlt', 'b0.label', 'b0.url', 'b1.label', 'b1.url']) expect(form).toContain(`name="v1.o.${f}"`);
    expect(form).not.toContain('name="v1.o.b2.label"');
    expect(form).toContain('class="overlay-preview" data-overlay-preview="true" data-theme="{&quot;background&quot;:&quot;#102030&quot;');
    expect(form).toContain('&quot;font&quot;:&quot;Georgia, serif&quot;');
  });

  it('creates an overlay experience with a trigger and a frequency through the admin API, and shows it again in the form', async () => {
    const s = await session();
    const site = await createSite();
    const created = await s.post(`${base(site)}/experiences/new`, overlayForm({
      name: 'Cart rescue', id: 'cart-rescue', page: '/cart', slot: 'hero', // a slot typed before switching to overlay is not sent
      trigger: 'visitor', 'trigger.when': 'event', 'trigger.event': 'Add to cart', 'trigger.selector': '#buy', 'trigger.seconds': '9',
      frequency: 'days', 'frequency.days': '7',
      'v1.o.kind': 'modal', 'v1.o.heading': `Wait ${IMG}`, 'v1.o.text': 'Your cart misses you', 'v1.o.image': 'https://cdn.test/cart.png', 'v1.o.imageAlt': 'A cart',
      'v1.o.b0.label': 'Back to cart', 'v1.o.b0.url': '/cart', 'v1.o.b1.label': 'No thanks',
    }));
    expect(created.status).toBe(303);
    expect(created.headers.get('location')).toBe(`${base(site)}/experiences/cart-rescue`);
    const exp = await json<Record<string, unknown>>(await admin(`/sites/${site}/experiences/cart-rescue`));
    expect(exp.trigger).toEqual({ event: 'Add to cart', selector: '#buy' });
    expect(exp.frequency).toEqual({ days: 7 });
    expect(exp.page).toBe('/cart');
    expect(exp.slot ?? null).toBeNull();
    expect(exp.variants).toEqual([
      { key: 'control', weight: 50, content: null },
      {
        key: 'offer', weight: 50,
        content: {
          type: 'overlay',
          value: { kind: 'modal', heading: `Wait ${IMG}`, text: 'Your cart misses you', image: 'https://cdn.test/cart.png', imageAlt: 'A cart', buttons: [{ label: 'Back to cart', url: '/cart' }, { label: 'No thanks' }] },
        },
      },
    ]);

    const editor = await s.get(`${base(site)}/experiences/cart-rescue`);
    expect(editor.text).toMatch(/name="target" value="overlay" checked=""/);
    expect(editor.text).toMatch(/name="trigger" value="visitor" checked=""/);
    expect(editor.text).toMatch(/<option value="event" selected=""/);
    expect(editor.text).toContain('value="Add to cart"');
    expect(editor.text).toContain('value="#buy"');
    expect(editor.text).toMatch(/name="frequency" value="days" checked=""/);
    expect(editor.text).toContain('<option value="modal" selected="">modal</option>');
    expect(editor.text).toContain('value="Wait &lt;img src=x onerror=alert(1)&gt;"');
    expect(editor.text).not.toContain(IMG);
    expect(editor.text).toContain('>Your cart misses you</textarea>');
    // The editor shows https images in the preview; nothing else about the policy changes.
    const csp = editor.res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("img-src 'self' data: https:;");
    expect(csp).toContain("script-src 'self';");
    const list = await s.get(`${base(site)}/experiences`);
    expect(list.text).toContain('overlay on <code>/cart</code>');

    // Saved again as "when the page loads", every page, once per session: the trigger and frequency go.
    const saved = await s.post(`${base(site)}/experiences/cart-rescue`, overlayForm({ name: 'Cart rescue', 'v1.o.text': 'Hi' }));
    expect(saved.status).toBe(303);
    const again = await json<Record<string, unknown>>(await admin(`/sites/${site}/experiences/cart-rescue`));
    expect(again.trigger ?? null).toBeNull();
    expect(again.frequency ?? null).toBeNull();
    expect(again.page ?? null).toBeNull();
    expect(again).toMatchObject({ variants: [{ key: 'control' }, { key: 'offer', content: { type: 'overlay', value: { kind: 'toast', text: 'Hi', buttons: [] } } }] });
  });

  it('sends each trigger choice as the protocol names it', async () => {
    const s = await session();
    const site = await createSite();
    const cases: [Record<string, string>, unknown][] = [
      [{ 'trigger.when': 'exit_intent', 'trigger.selector': '#ignored' }, { signal: 'exit_intent' }],
      [{ 'trigger.when': 'rage_click', 'trigger.selector': 'nav a' }, { signal: 'rage_click', selector: 'nav a' }],
      [{ 'trigger.when': 'afterSeconds', 'trigger.seconds': '30', 'trigger.selector': '#ignored' }, { afterSeconds: 30 }],
      [{ 'trigger.when': 'scrollDepth', 'trigger.scroll': '60' }, { scrollDepth: 60 }],
    ];
    for (const [i, [fields, trigger]] of cases.entries()) {
      const res = await s.post(`${base(site)}/experiences/new`, overlayForm({ name: `T${i}`, id: `t${i}`, trigger: 'visitor', ...fields }));
      expect(res.status, JSON.stringify(fields)).toBe(303);
      expect((await json<{ trigger: unknown }>(await admin(`/sites/${site}/experiences/t${i}`))).trigger).toEqual(trigger);
    }
  });

  it('shows what the API refuses next to the form, with the marketer’s input kept', async () => {
    const s = await session();
    const site = await createSite();
    const corner = await s.post(`${base(site)}/experiences/new`, overlayForm({ name: 'Bad', 'v1.o.kind': 'banner', 'v1.o.position': 'top-left', 'v1.o.heading': IMG }));
    expect(corner.status).toBe(400);
    const text = await corner.text();
    expect(text).toContain('class="notice bad"');
    expect(text).toContain('a banner is top or bottom');
    expect(text).toContain('value="&lt;img src=x onerror=alert(1)&gt;"');
    expect(text).not.toContain(IMG);
    const noText = await s.post(`${base(site)}/experiences/new`, overlayForm({ name: 'Bad', 'v1.o.text': '' }));
    expect(noText.status).toBe(400);
    expect(await noText.text()).toContain('text');
    const scripted = await s.post(`${base(site)}/experiences/new`, overlayForm({ name: 'Bad', 'v1.o.b0.label': 'Go', 'v1.o.b0.url': 'javascript:alert(1)' }));
    expect(scripted.status).toBe(400);
    expect(await scripted.text()).toContain('must be a path on this site or an http(s), mailto or tel URL');
    const seconds = await s.post(`${base(site)}/experiences/new`, overlayForm({ name: 'Bad', trigger: 'visitor', 'trigger.when': 'afterSeconds', 'trigger.seconds': '' }));
    expect(seconds.status).toBe(400);
    expect((await admin(`/sites/${site}/experiences`)).ok).toBe(true);
    expect((await json<{ experiences: unknown[] }>(await admin(`/sites/${site}/experiences`))).experiences).toEqual([]);
  });
});

describe('an overlay experience in the list and its results', () => {
  it('says when it shows and how often, sketches each overlay as text, and names the overlay click goal', async () => {
    const s = await session();
    const site = await createSite();
    const overlay = { type: 'overlay', value: { kind: 'toast', heading: IMG, text: 'Get an email', buttons: [{ label: 'Email me', url: '/notify' }] } };
    const made = await admin(`/sites/${site}/experiences`, {
      method: 'POST',
      body: JSON.stringify({ id: 'help', name: 'Help', status: 'running', page: '/demo', trigger: { signal: 'rage_click', selector: '#add' }, frequency: { days: 7 }, variants: [{ key: 'v', weight: 1, content: overlay }] }),
    });
    expect(made.status).toBe(201);
    const list = (await s.get(`${base(site)}/experiences`)).text;
    expect(list).toContain('overlay on <code>/demo</code>, when the visitor rage-clicks on #add · at most once every 7 days');
    expect(list).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(list).not.toContain(IMG);
    expect(list).toMatch(/<span class="pill">Email me<\/span>/);
    const edit = (await s.get(`${base(site)}/experiences/help`)).text;
    expect(edit).toContain('An overlay is designed above, with its live preview');
    expect(edit).not.toContain('pause it to edit it on the page');
    const results = (await s.get(`${base(site)}/experiences/help/results`)).text;
    expect(results).toContain('overlay</span> on <code>/demo</code>, when the visitor rage-clicks on #add');
    expect(results).toContain('Goal: an overlay button pressed <code>$overlay_click</code>');
  });
});

describe('site settings: overlays', () => {
  it('saves the overlay theme and the per-page limit, and shows the API refusing a bad font', async () => {
    const s = await session();
    const site = await createSite();
    const page = (await s.get(`${base(site)}/settings`)).text;
    expect(page).toContain('<h3>Overlays</h3>');
    expect(page).toContain('id="overlays.background" type="color" name="overlays.background" value="#ffffff" data-theme-field="background"');
    expect(page).toContain('data-sample="{&quot;kind&quot;:&quot;toast&quot;');
    const fields = {
      name: 'Shop', origins: '', proxyOrigin: '', proxyHosts: '', proxyDecideMs: '300', retentionDays: '395', consentDefault: 'granted', holdout: '0',
      limitUser: '1', limitEmail: '3', limitPhone: '3', limitProfiles: '100',
      'overlays.background': '#111111', 'overlays.text': '#eeeeee', 'overlays.accent': '#00aa55', 'overlays.accentText': '#ffffff',
      'overlays.font': 'Inter, sans-serif', 'overlays.radius': '16', 'overlays.perPage': '3',
    };
    expect((await s.post(`${base(site)}/settings`, fields)).status).toBe(303);
    expect((await json<{ overlays: unknown }>(await admin(`/sites/${site}`))).overlays).toEqual({
      perPage: 3, theme: { background: '#111111', text: '#eeeeee', accent: '#00aa55', accentText: '#ffffff', font: 'Inter, sans-serif', radius: 16 },
    });
    const shown = (await s.get(`${base(site)}/settings`)).text;
    expect(shown).toContain('value="#00aa55"');
    expect(shown).toContain('value="Inter, sans-serif"');

    const bad = await s.post(`${base(site)}/settings`, { ...fields, 'overlays.font': 'x;}body{display:none' });
    expect(bad.status).toBe(400);
    const text = await bad.text();
    expect(text).toContain('class="notice bad"');
    expect(text).toContain('must be a font-family list');
    expect((await json<{ overlays: { theme: { font: string } } }>(await admin(`/sites/${site}`))).overlays.theme.font).toBe('Inter, sans-serif');
  });
});

describe('the stylesheet', () => {
  it('is served from the dashboard, versioned and cached for good, and every page links it', async () => {
    const s = await session();
    const page = await s.get('/dashboard');
    const href = /<link rel="stylesheet" href="(\/dashboard\/app\.css\?v=[\w-]+)"\/>/.exec(page.text)?.[1] ?? '';
    expect(href).not.toBe('');
    expect(page.text).not.toContain('<style>');
    expect(page.res.headers.get('content-security-policy')).toContain("style-src 'self' 'unsafe-inline'");
    const css = await call(href);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(css.headers.get('cache-control')).toContain('immutable');
    const text = await css.text();
    expect(text).toContain('.overlay-preview{position:relative');
    expect(text).toContain('[hidden]{display:none!important}');
    expect((await call(href, { headers: { 'if-none-match': css.headers.get('etag') ?? '' } })).status).toBe(304);
  });
});
