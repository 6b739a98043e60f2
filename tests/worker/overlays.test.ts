import { describe, expect, it } from 'vitest';
import type { DecideResponse } from '../../protocol/decide';
import { OVERLAY_DEFAULTS } from '../../protocol/triggers';
import { admin, anon, createSite, event, post } from './helpers';

/**
 * Overlay experiences and triggers at the edge: what the admin API accepts, what a page's answer
 * lists for the tag to watch, the decision asked for when a trigger fires (with the triggering
 * event counted), and results that count an overlay's exposures and button presses.
 */
const toast = (text = 'Out of stock — get an email when it is back', extra: Record<string, unknown> = {}) => ({
  type: 'overlay',
  value: { kind: 'toast', heading: 'Need help?', text, buttons: [{ label: 'Email me', url: '/notify' }, { label: 'No thanks' }], ...extra },
});

async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

async function create(site: string, body: Record<string, unknown>): Promise<Response> {
  return admin(`/sites/${site}/experiences`, { method: 'POST', body: JSON.stringify({ status: 'running', name: 'Help', ...body }) });
}

async function decide(site: string, anonymousId: string, slots: string[] = [], url = 'https://shop.test/products/sold-out', fresh = false): Promise<DecideResponse> {
  const res = await post('/v1/decide', { site, anonymousId, slots, context: { url }, ...(fresh && { fresh }) });
  expect(res.status, await res.clone().text()).toBe(200);
  return json<DecideResponse>(res);
}

async function problem(res: Response): Promise<string> {
  expect(res.status).toBe(400);
  return (await json<{ error: { message: string } }>(res)).error.message;
}

describe('overlay experiences in the admin API', () => {
  it('accepts a triggered toast and refuses what cannot work, naming the field', async () => {
    const site = await createSite();
    const ok = await create(site, { id: 'help', trigger: { signal: 'rage_click', selector: '#add-to-cart' }, variants: [{ key: 'v', weight: 1, content: toast() }] });
    expect(ok.status, await ok.clone().text()).toBe(201);
    expect(await json(ok)).toMatchObject({ trigger: { signal: 'rage_click', selector: '#add-to-cart' }, variants: [{ content: { type: 'overlay', value: { kind: 'toast' } } }] });

    const cases: [Record<string, unknown>, string][] = [
      [{ slot: 'hero', trigger: { signal: 'rage_click' }, variants: [{ key: 'v', weight: 1, content: { type: 'text', value: 'x' } }] }, 'trigger'],
      [{ trigger: { signal: 'rage_click', event: 'Add to cart' }, variants: [{ key: 'v', weight: 1, content: toast() }] }, 'exactly one of'],
      [{ trigger: { afterSeconds: 30, selector: '#x' }, variants: [{ key: 'v', weight: 1, content: toast() }] }, 'selector'],
      [{ trigger: { signal: 'shake' }, variants: [{ key: 'v', weight: 1, content: toast() }] }, 'trigger.signal'],
      [{ variants: [{ key: 'v', weight: 1, content: toast('x', { position: 'top' }) }] }, 'position'],
      [{ variants: [{ key: 'v', weight: 1, content: toast('x', { buttons: [{ label: 'Go', url: 'javascript:alert(1)' }] }) }] }, 'url'],
      [{ variants: [{ key: 'v', weight: 1, content: toast('x', { buttons: [{ label: 'a' }, { label: 'b' }, { label: 'c' }] }) }] }, 'buttons'],
      [{ slot: 'hero', frequency: { days: 7 }, variants: [{ key: 'v', weight: 1, content: { type: 'text', value: 'x' } }] }, 'frequency'],
      [{ trigger: { signal: 'exit_intent' }, variants: [{ key: 'a', weight: 1, content: toast() }, { key: 'b', weight: 1, content: { type: 'html', value: '<b>x</b>' } }] }, 'overlay content'],
    ];
    for (const [body, named] of cases) expect(await problem(await create(site, body)), JSON.stringify(body)).toContain(named);

    const theme = await admin(`/sites/${site}`, { method: 'PATCH', body: JSON.stringify({ overlays: { perPage: 1, theme: { ...OVERLAY_DEFAULTS.theme, accent: 'red;x' } } }) });
    expect(await problem(theme)).toContain('overlays.theme.accent');
    const font = await admin(`/sites/${site}`, { method: 'PATCH', body: JSON.stringify({ overlays: { perPage: 1, theme: { ...OVERLAY_DEFAULTS.theme, font: '"Inter, sans-serif' } } }) });
    expect(await problem(font)).toContain('overlays.theme.font');
    const saved = await admin(`/sites/${site}`, { method: 'PATCH', body: JSON.stringify({ overlays: { perPage: 2, theme: { ...OVERLAY_DEFAULTS.theme, font: 'Inter, "Segoe UI", sans-serif' } } }) });
    expect(saved.status).toBe(200);
    const site2 = await json<{ overlays: { perPage: number } }>(await admin(`/sites/${site}`));
    expect(site2.overlays.perPage).toBe(2);
  });
});

describe('a page with triggered experiences', () => {
  it('lists its triggers (not decided yet) with the overlay settings and module; decides one when asked for !<id>', async () => {
    const site = await createSite();
    expect((await create(site, { id: 'help', page: '/products/*', trigger: { signal: 'rage_click' }, variants: [{ key: 'v', weight: 1, content: toast() }] })).status).toBe(201);
    expect((await create(site, { id: 'later', status: 'draft', trigger: { afterSeconds: 5 }, variants: [{ key: 'v', weight: 1, content: toast() }] })).status).toBe(201);
    const browser = anon();
    const page = await decide(site, browser);
    expect(page.decisions).toEqual({});
    expect(page.triggers).toEqual([{ experience: 'help', on: { signal: 'rage_click' } }]);
    expect(page.overlay).toMatchObject({ ...OVERLAY_DEFAULTS, module: expect.stringMatching(/^\/attune-overlay\.js\?v=\w+/) });
    // Elsewhere (the page pattern), nothing to watch.
    const other = await decide(site, browser, [], 'https://shop.test/pricing');
    expect(other.triggers).toBeUndefined();
    expect(other.overlay).toBeUndefined();
    // The trigger fired: the tag asks for the experience by key.
    const fired = await decide(site, browser, ['!help']);
    expect(fired.decisions['!help']).toMatchObject({ experience: 'help', variant: 'v', content: { type: 'overlay', value: { kind: 'toast', heading: 'Need help?' } } });
    expect(fired.triggers).toBeUndefined();
    // A bad key is a 400 naming it.
    const bad = await post('/v1/decide', { site, anonymousId: browser, slots: ['!Bad Key'], context: { url: 'https://shop.test/' } });
    expect(await problem(bad)).toContain('slots');
    // The site tells the tag to decide its pages (it has overlays, no slots).
    expect(await json(await post('/v1/collect', { site, anonymousId: anon(), events: [event()] }))).toMatchObject({ p: 1 });
  });

  it('decides an untriggered overlay with the page, placeholders filled as text', async () => {
    const site = await createSite();
    const content = toast('Hi {{traits.name | default:"there"}}', { buttons: [{ label: 'Go', url: '{{traits.site | default:"/sale"}}' }] });
    expect((await create(site, { id: 'hello', variants: [{ key: 'v', weight: 1, content }] })).status).toBe(201);
    const browser = anon();
    await post('/v1/collect', { site, anonymousId: browser, events: [event('identify', { traits: { name: '<b>Ada</b>', site: 'javascript:alert(1)' } })] });
    const d = await decide(site, browser, [], 'https://shop.test/', true);
    expect(d.decisions['!hello']?.content).toMatchObject({ type: 'overlay', value: { text: 'Hi <b>Ada</b>', buttons: [{ label: 'Go', url: '/sale' }] } });
    expect(d.overlay?.module).toMatch(/^\/attune-overlay\.js/);
  });

  it('counts the triggering event: an audience "rage-clicked this session" matches at the first rage click', async () => {
    const site = await createSite();
    const aud = await admin(`/sites/${site}/audiences`, { method: 'POST', body: JSON.stringify({ id: 'raged', name: 'Rage-clicked', rule: { signal: 'rage_click' } }) });
    expect(aud.status).toBe(201);
    expect((await create(site, { id: 'help', audience: 'raged', trigger: { signal: 'rage_click', selector: '#checkout' }, variants: [{ key: 'v', weight: 1, content: toast() }] })).status).toBe(201);
    const browser = anon();
    await post('/v1/collect', { site, anonymousId: browser, events: [event()] });
    expect((await decide(site, browser, ['!help'], undefined, true)).decisions['!help']).toBeUndefined();
    const collected = await post('/v1/collect', { site, anonymousId: browser, events: [event('signal', { name: 'rage_click', props: { tag: 'button', text: 'Checkout' } })] });
    const { profileToken } = await json<{ profileToken: string }>(collected);
    // As the tag does: the event is sent first and the answer's token has seen it.
    const res = await post('/v1/decide', { site, anonymousId: browser, profileToken, slots: ['!help'], context: { url: 'https://shop.test/products/sold-out' } });
    expect((await json<DecideResponse>(res)).decisions['!help']).toMatchObject({ experience: 'help', variant: 'v' });
  });
});

interface Results {
  experience: { goals: string[] };
  variants: { key: string; visitors: number; conversions: Record<string, number> }[];
}

describe('results of an overlay experience', () => {
  it('counts exposures when shown and a button press as its conversion, not another overlay’s', async () => {
    const site = await createSite();
    const variants = [{ key: 'control', weight: 1, content: null }, { key: 'toast', weight: 1, content: toast() }];
    expect((await create(site, { id: 'help', trigger: { signal: 'exit_intent' }, variants })).status).toBe(201);
    expect((await create(site, { id: 'other', trigger: { signal: 'exit_intent' }, variants })).status).toBe(201);
    const people = Array.from({ length: 6 }, anon);
    const assigned: Record<string, string> = {};
    for (const p of people) {
      const d = await decide(site, p, ['!help', '!other']);
      assigned[p] = d.decisions['!help']!.variant;
      const shown = (exp: string, variant: string) => event('track', { name: '$exposure', props: { slot: `!${exp}`, experience: exp, variant } });
      const events = [shown('help', assigned[p]!), shown('other', d.decisions['!other']!.variant)];
      // Everyone presses the other experience's button; only the toast's viewers press help's.
      events.push(event('track', { name: '$overlay_click', ts: Date.now() + 5, props: { experience: 'other', variant: d.decisions['!other']!.variant, label: 'Email me' } }));
      if (assigned[p] === 'toast') events.push(event('track', { name: '$overlay_click', ts: Date.now() + 10, props: { experience: 'help', variant: 'toast', label: 'Email me' } }));
      expect((await post('/v1/collect', { site, anonymousId: p, events })).status).toBe(202);
    }
    const toasts = Object.values(assigned).filter((v) => v === 'toast').length;
    let r: Results | undefined;
    for (let i = 0; i < 80; i++) {
      r = await json<Results>(await admin(`/sites/${site}/experiences/help/results`));
      if (r.variants.reduce((s, v) => s + v.visitors, 0) === people.length && (r.variants.find((v) => v.key === 'toast')?.conversions.$overlay_click ?? 0) === toasts) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    expect(r!.experience.goals).toEqual(['$overlay_click']);
    expect(r!.variants.find((v) => v.key === 'control')).toMatchObject({ visitors: people.length - toasts, conversions: { $overlay_click: 0 } });
    expect(r!.variants.find((v) => v.key === 'toast')).toMatchObject({ visitors: toasts, conversions: { $overlay_click: toasts } });
  });
});
