import { describe, expect, it } from 'vitest';
import type { DecideResponse } from '../../protocol/decide';
import { admin, anon, createSite, event, post } from './helpers';

/**
 * Marketers change any element without a developer: slots declared by selector, page experiences
 * (a list of changes applied together), split-URL redirects, and hostile variants neutralized.
 */
async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

async function decide(site: string, url: string, slots: string[] = [], anonymousId = anon()): Promise<DecideResponse> {
  const res = await post('/v1/decide', { site, anonymousId, slots, context: { url } });
  expect(res.status).toBe(200);
  return json<DecideResponse>(res);
}

async function experience(site: string, body: Record<string, unknown>): Promise<Response> {
  return admin(`/sites/${site}/experiences`, { method: 'POST', body: JSON.stringify({ status: 'running', ...body }) });
}

describe('slots declared by selector', () => {
  it('creates, lists, edits and deletes a slot; a selector outside the shared subset is a 400 naming the part', async () => {
    const site = await createSite();
    const created = await admin(`/sites/${site}/slots`, { method: 'POST', body: JSON.stringify({ name: 'bestsellers', selector: 'section.best > h2', urlPattern: '/' }) });
    expect(created.status).toBe(201);
    expect(await json(created)).toMatchObject({ name: 'bestsellers', selector: 'section.best > h2', urlPattern: '/' });
    expect((await admin(`/sites/${site}/slots`, { method: 'POST', body: JSON.stringify({ name: 'bestsellers', selector: 'h2' }) })).status).toBe(409);
    for (const [selector, part] of [['a:hover', ':hover'], ['h1 + p', '+'], ['h1, h2', ','], ['p::before', '::before']]) {
      const bad = await admin(`/sites/${site}/slots`, { method: 'POST', body: JSON.stringify({ name: 'bad', selector }) });
      expect(bad.status, selector).toBe(400);
      expect(((await json<{ error: { message: string } }>(bad)).error.message), selector).toContain(part);
    }
    const badPattern = await admin(`/sites/${site}/slots`, { method: 'POST', body: JSON.stringify({ name: 'x', selector: 'h1', urlPattern: 'pricing' }) });
    expect(badPattern.status).toBe(400);
    const patched = await admin(`/sites/${site}/slots/bestsellers`, { method: 'PATCH', body: JSON.stringify({ selector: '#best h2' }) });
    expect(await json(patched)).toMatchObject({ name: 'bestsellers', selector: '#best h2', urlPattern: '/' });
    expect((await json<{ slots: unknown[] }>(await admin(`/sites/${site}/slots`))).slots).toHaveLength(1);
    expect((await admin(`/sites/${site}/slots/bestsellers`, { method: 'DELETE' })).status).toBe(204);
    expect((await admin(`/sites/${site}/slots/bestsellers`)).status).toBe(404);
  });

  it('decides a declared slot the page does not mark, with its selector, only where its URL pattern applies', async () => {
    const site = await createSite();
    await admin(`/sites/${site}/slots`, { method: 'POST', body: JSON.stringify({ name: 'bestsellers', selector: 'section.best h2', urlPattern: '/shop*' }) });
    expect((await experience(site, { id: 'best', name: 'Best', slot: 'bestsellers', variants: [{ key: 'v', weight: 1, content: { type: 'text', value: 'Loved by thousands' } }] })).status).toBe(201);
    const here = await decide(site, 'https://shop.test/shop/tote');
    expect(here.decisions.bestsellers).toMatchObject({ experience: 'best', selector: 'section.best h2', content: { type: 'text', value: 'Loved by thousands' } });
    const elsewhere = await decide(site, 'https://shop.test/pricing');
    expect(elsewhere.decisions.bestsellers).toBeUndefined();
    // The site says so when the tag posts events: pages without markup are personalized here.
    const res = await post('/v1/collect', { site, anonymousId: anon(), events: [event()] });
    expect(await json(res)).toMatchObject({ p: 1 });
  });

  it('a site without declared slots or page experiences does not ask the tag to decide every page', async () => {
    const site = await createSite();
    const res = await json<Record<string, unknown>>(await post('/v1/collect', { site, anonymousId: anon(), events: [event()] }));
    expect(res.p).toBeUndefined();
  });
});

describe('page experiences', () => {
  it('decides three changes applied together, with placeholders filled and escaped for where they land', async () => {
    const site = await createSite();
    const changes = [
      { selector: 'h1', text: 'Hi {{traits.name | default:"there"}}' },
      { selector: '.promo a', attrs: { href: '{{traits.website | default:"/sale"}}', title: 'Sale for {{traits.name}}' } },
      { selector: '#banner', hide: true },
    ];
    const res = await experience(site, { id: 'home', name: 'Home', page: '/', variants: [{ key: 'v', weight: 1, content: { type: 'changes', value: changes, css: '.promo{color:red}' } }] });
    expect(res.status, await res.clone().text()).toBe(201);
    const browser = anon();
    await post('/v1/collect', { site, anonymousId: browser, events: [event('identify', { traits: { name: '<b>Ada</b>', website: 'javascript:alert(1)' } })] });
    const d = await decide(site, 'https://shop.test/', [], browser);
    expect(d.decisions['@home']).toMatchObject({
      experience: 'home',
      content: {
        type: 'changes',
        css: '.promo{color:red}',
        value: [
          { selector: 'h1', text: 'Hi <b>Ada</b>' }, // text: set as text by the tag and the rewriter
          { selector: '.promo a', attrs: { href: '/sale', title: 'Sale for <b>Ada</b>' } },
          { selector: '#banner', hide: true },
        ],
      },
    });
    expect((await decide(site, 'https://shop.test/pricing')).decisions['@home']).toBeUndefined();
  });

  it('decides a split-URL redirect', async () => {
    const site = await createSite();
    await experience(site, { id: 'split', name: 'Split', page: '/pricing', variants: [{ key: 'b', weight: 1, content: { type: 'redirect', url: '/pricing-b' } }] });
    expect((await decide(site, 'https://shop.test/pricing')).decisions['@split']).toMatchObject({ variant: 'b', content: { type: 'redirect', url: '/pricing-b' } });
  });

  it('refuses hostile or mismatched variants on save, and neutralizes hostile HTML when deciding', async () => {
    const site = await createSite();
    const refusals: [unknown, RegExp][] = [
      [{ page: '/', variants: [{ key: 'v', weight: 1, content: { type: 'changes', value: [{ selector: 'a', attrs: { onclick: 'x()' } }] } }] }, /onclick|Invalid/],
      [{ page: '/', variants: [{ key: 'v', weight: 1, content: { type: 'changes', value: [{ selector: 'a', attrs: { href: ' javascript:alert(1)' } }] } }] }, /javascript/],
      [{ page: '/', variants: [{ key: 'v', weight: 1, content: { type: 'changes', value: [{ selector: 'a:hover', text: 'x' }] } }] }, /:hover/],
      [{ page: '/', variants: [{ key: 'v', weight: 1, content: { type: 'changes', value: [{ selector: 'a', text: 'x', hide: true }] } }] }, /exactly one/],
      [{ page: '/', variants: [{ key: 'v', weight: 1, content: { type: 'redirect', url: 'javascript:alert(1)' } }] }, /path on this site/],
      [{ page: '/', variants: [{ key: 'v', weight: 1, content: { type: 'html', value: '<p>x</p>' } }] }, /page experience takes changes or redirect/],
      [{ slot: 'hero', variants: [{ key: 'v', weight: 1, content: { type: 'redirect', url: '/b' } }] }, /slot takes html, text or json/],
      [{ slot: 'hero', page: '/', variants: [{ key: 'v', weight: 1, content: null }] }, /either slot/],
      [{ variants: [{ key: 'v', weight: 1, content: null }] }, /either slot/],
    ];
    for (const [body, message] of refusals) {
      const res = await experience(site, { name: 'X', ...(body as object) });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await json<{ error: { message: string } }>(res)).error.message, JSON.stringify(body)).toMatch(message);
    }
    const hostile = '<h1 onclick="steal()">Sale</h1><script>alert(1)</script><a href="javascript:alert(2)">go</a></script><img src=x onerror=alert(3)>';
    await experience(site, { id: 'hero', name: 'Hero', slot: 'hero', variants: [{ key: 'v', weight: 1, content: { type: 'html', value: hostile } }] });
    await experience(site, { id: 'page', name: 'Page', page: '/', variants: [{ key: 'v', weight: 1, content: { type: 'changes', value: [{ selector: 'main', html: hostile }] } }] });
    const d = await decide(site, 'https://shop.test/', ['hero']);
    const shown = JSON.stringify(d.decisions);
    expect(shown).not.toMatch(/onclick|onerror|<script|javascript:/);
    expect(d.decisions.hero?.content).toEqual({ type: 'html', value: '<h1>Sale</h1><a>go</a><img src=x>' });
  });
});
