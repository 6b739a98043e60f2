import { describe, expect, it } from 'vitest';
import { admin, anon, call, createSite, event, feedWith, post } from './helpers';
import { session } from './dashboard-helpers';
import { executable } from './security-helpers';
import { CLIENT_PATH } from '../../dashboard/asset';

/**
 * The dashboard's side of "marketers change any element of their site without a developer":
 * declared slots, slot and page experiences (changes, redirects), "Edit on my site", the real-page
 * preview, and the pickers fed by what the site has seen.
 */
const json = async <T>(res: Response) => (await res.json()) as T;

const IMG = '<img src=x onerror=alert(1)>';
const ESCAPED_IMG = '&lt;img src=x onerror=alert(1)&gt;';

const base = (site: string) => `/dashboard/sites/${site}`;

const experienceForm = (fields: Record<string, string>) => ({
  audience: '', mode: 'split', priority: '0', status: 'draft', traffic: '100', goals: '', action: 'save',
  'v0.key': 'control', 'v0.name': '', 'v0.weight': '50', 'v0.type': '', 'v0.value': '', 'v0.url': '',
  ...fields,
});

describe('slots page', () => {
  it('lists, declares and deletes slots, shows the API refusing a bad selector, and explains itself', async () => {
    const s = await session();
    const site = await createSite();
    const empty = await s.get(`${base(site)}/slots`);
    expect(empty.status).toBe(200);
    expect(empty.text).toContain(`<a href="${base(site)}/slots" aria-current="page">Slots</a>`);
    expect(empty.text).toContain('No slots declared yet.');
    expect(empty.text).toMatch(/need no\s+<code>data-attune-slot<\/code> markup/);
    expect(empty.text).toContain('the visual editor');

    const created = await s.post(`${base(site)}/slots`, { name: 'hero', selector: 'main > h1.title', urlPattern: '/pricing' });
    expect(created.status).toBe(303);
    expect(created.headers.get('location')).toBe(`${base(site)}/slots`);
    expect(await json<{ selector: string; urlPattern: string }>(await admin(`/sites/${site}/slots/hero`))).toMatchObject({ selector: 'main > h1.title', urlPattern: '/pricing' });
    expect((await s.post(`${base(site)}/slots`, { name: 'everywhere', selector: '#promo', urlPattern: '' })).status).toBe(303);

    const list = await s.get(`${base(site)}/slots`);
    expect(list.text).toContain('<code>hero</code>');
    expect(list.text).toContain('<code>main &gt; h1.title</code>');
    expect(list.text).toContain('<code>/pricing</code>');
    expect(list.text).toContain('every page');
    expect(list.text).toContain(`action="${base(site)}/slots/hero/delete"`);
    expect(list.text).toMatch(/data-confirm="Delete the slot &quot;hero&quot;\?/);

    const bad = await s.post(`${base(site)}/slots`, { name: 'bad', selector: 'a:hover', urlPattern: '' });
    expect(bad.status).toBe(400);
    const badText = await bad.text();
    expect(badText).toContain('class="notice bad"');
    expect(badText).toContain('&quot;:hover&quot; is not supported');
    expect(badText).toContain('value="a:hover"'); // the input comes back to fix
    expect((await admin(`/sites/${site}/slots/bad`)).status).toBe(404);

    const deleted = await s.post(`${base(site)}/slots/hero/delete`, {});
    expect(deleted.status).toBe(303);
    expect((await admin(`/sites/${site}/slots/hero`)).status).toBe(404);
    expect((await s.get(`${base(site)}/slots`)).text).not.toContain('<code>hero</code>');
  });
});

describe('experience form: slot and page targets', () => {
  it('creates a slot experience on a declared slot picked from the list', async () => {
    const s = await session();
    const site = await createSite();
    await admin(`/sites/${site}/slots`, { method: 'POST', body: JSON.stringify({ name: 'banner', selector: '#banner', urlPattern: '/sale' }) });
    await post('/v1/collect', { site, anonymousId: anon(), events: [event('track', { name: '$exposure', props: { slot: 'marked', experience: 'x', variant: 'a' } })] });
    await feedWith(site, 1);

    const form = await s.get(`${base(site)}/experiences/new`);
    expect(form.text).toContain('<input id="slot" name="slot" type="text" list="slot-options"');
    expect(form.text).toContain('<option value="banner" label="declared: #banner on /sale">');
    expect(form.text).toContain('<option value="marked" label="seen on the site (data-attune-slot)">');
    expect(form.text).toMatch(/<input type="radio" name="target" value="slot" checked=""/);
    expect(form.text).toContain('<optgroup label="In a slot" data-target-group="slot">');
    expect(form.text).toContain('<optgroup label="On a page" data-target-group="page">');

    const created = await s.post(`${base(site)}/experiences/new`, experienceForm({
      name: 'Banner', id: 'banner-test', target: 'slot', slot: 'banner', page: '/ignored',
      'v1.key': 'sale', 'v1.weight': '50', 'v1.type': 'html', 'v1.value': '<b>Sale</b>', 'v1.url': '',
    }));
    expect(created.status).toBe(303);
    const exp = await json<Record<string, unknown>>(await admin(`/sites/${site}/experiences/banner-test`));
    expect(exp).toMatchObject({ slot: 'banner', variants: [{ key: 'control', content: null }, { key: 'sale', content: { type: 'html', value: '<b>Sale</b>' } }] });
    expect(exp.page ?? null).toBeNull();
  });

  it('creates a page experience with changes and a redirect experience, and shows what the API refuses', async () => {
    const s = await session();
    const site = await createSite({ origins: ['https://shop.test'] });
    const changes = { value: [{ selector: 'h1.hero', text: 'Free shipping' }, { selector: '#promo', hide: true }], css: '.cta{color:red}' };
    const created = await s.post(`${base(site)}/experiences/new`, experienceForm({
      name: 'Pricing copy', id: 'pricing-copy', target: 'page', page: '/pricing', slot: '',
      'v1.key': 'copy', 'v1.weight': '50', 'v1.type': 'changes', 'v1.value': JSON.stringify(changes), 'v1.url': '',
    }));
    expect(created.status).toBe(303);
    const exp = await json<Record<string, unknown>>(await admin(`/sites/${site}/experiences/pricing-copy`));
    expect(exp).toMatchObject({ page: '/pricing', variants: [{ key: 'control' }, { key: 'copy', content: { type: 'changes', ...changes } }] });
    expect(exp.slot ?? null).toBeNull();

    const editor = await s.get(`${base(site)}/experiences/pricing-copy`);
    expect(editor.text).toMatch(/<input type="radio" name="target" value="page" checked=""/);
    expect(editor.text).toContain('&quot;selector&quot;: &quot;h1.hero&quot;');
    expect(editor.text).toContain('<option value="changes" selected="">');
    expect(editor.text).toContain('placeholder="{&quot;value&quot;: [{&quot;selector&quot;'); // the example in the box

    const redirect = await s.post(`${base(site)}/experiences/new`, experienceForm({
      name: 'Pricing B', id: 'pricing-b', target: 'page', page: '/pricing', slot: 'hero',
      'v1.key': 'b', 'v1.weight': '50', 'v1.type': 'redirect', 'v1.value': '', 'v1.url': '/pricing-b',
    }));
    expect(redirect.status).toBe(303);
    expect(await json<Record<string, unknown>>(await admin(`/sites/${site}/experiences/pricing-b`))).toMatchObject({
      page: '/pricing', variants: [{ key: 'control' }, { key: 'b', content: { type: 'redirect', url: '/pricing-b' } }],
    });
    const redirectEditor = await s.get(`${base(site)}/experiences/pricing-b`);
    expect(redirectEditor.text).toMatch(/<input id="v1-url" name="v1\.url" type="text" inputmode="url" value="\/pricing-b"/);
    const list = await s.get(`${base(site)}/experiences`);
    expect(list.text).toContain('page <code>/pricing</code>');

    // Saving a page experience with a slot's content type, or a change with a selector outside the subset: the API's words.
    const wrongType = await s.post(`${base(site)}/experiences/pricing-copy`, experienceForm({
      name: 'Pricing copy', target: 'page', page: '/pricing', 'v1.key': 'copy', 'v1.weight': '50', 'v1.type': 'html', 'v1.value': '<b>x</b>',
    }));
    expect(wrongType.status).toBe(400);
    expect(await wrongType.text()).toContain('a page experience takes changes or redirect content');
    const badSelector = await s.post(`${base(site)}/experiences/pricing-copy`, experienceForm({
      name: 'Pricing copy', target: 'page', page: '/pricing', 'v1.key': 'copy', 'v1.weight': '50', 'v1.type': 'changes',
      'v1.value': '{"value":[{"selector":"a:hover","text":"x"}]}',
    }));
    expect(badSelector.status).toBe(400);
    const text = await badSelector.text();
    expect(text).toContain('class="notice bad"');
    expect(text).toContain('unsupported selector');
    const noPage = await s.post(`${base(site)}/experiences/pricing-copy`, experienceForm({ name: 'Pricing copy', target: 'page', page: '', 'v1.key': 'copy', 'v1.weight': '50', 'v1.type': 'redirect', 'v1.url': '/b' }));
    expect(noPage.status).toBe(400);
    expect(await noPage.text()).toContain('page');
  });
});

describe('Edit on my site and the real-page preview', () => {
  it('sends a draft to the site with attune_edit, and refuses a running one', async () => {
    const s = await session();
    const site = await createSite({ origins: ['https://shop.test'] });
    await admin(`/sites/${site}/experiences`, {
      method: 'POST',
      body: JSON.stringify({ id: 'draft-page', name: 'Draft', page: '/pricing', variants: [{ key: 'a', weight: 1, content: null }] }),
    });
    const page = await s.get(`${base(site)}/experiences/draft-page`);
    expect(page.text).toContain(`action="${base(site)}/experiences/draft-page/edit-on-site"`);
    expect(page.text).toContain('id="edit-url" name="url" type="url" required="" value="https://shop.test/pricing"');
    const csp = page.res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("form-action 'self' https://shop.test");
    expect(csp).toContain("frame-src 'self' https://shop.test");
    expect(csp).toContain("script-src 'self';");

    const sent = await s.post(`${base(site)}/experiences/draft-page/edit-on-site`, { url: 'https://shop.test/pricing' });
    expect(sent.status).toBe(303);
    const location = new URL(sent.headers.get('location') ?? '');
    expect(location.origin + location.pathname).toBe('https://shop.test/pricing');
    expect(location.searchParams.get('attune_edit')).toMatch(/.{20,}/);

    const elsewhere = await s.post(`${base(site)}/experiences/draft-page/edit-on-site`, { url: 'https://evil.test/' });
    expect(elsewhere.status).toBe(400);
    expect(await elsewhere.text()).toContain('is not one of the site&#39;s allowed origins');

    // A proxied site's pages are its proxy hosts, on any port; nothing but origins reaches the policy.
    const proxied = await createSite({ proxyOrigin: 'https://origin.shop.test', proxyHosts: ['www.shop.test'] });
    await admin(`/sites/${proxied}/experiences`, { method: 'POST', body: JSON.stringify({ id: 'p', name: 'P', slot: 'hero', variants: [{ key: 'a', weight: 1 }] }) });
    const proxiedPage = await s.get(`${base(proxied)}/experiences/p`);
    expect(proxiedPage.res.headers.get('content-security-policy')).toContain("frame-src 'self' https://www.shop.test:* http://www.shop.test:*; form-action 'self' https://www.shop.test:* http://www.shop.test:*;");
    expect(proxiedPage.text).toContain('value="https://www.shop.test/"');

    await admin(`/sites/${site}/experiences/draft-page`, { method: 'PATCH', body: JSON.stringify({ status: 'running' }) });
    const running = await s.get(`${base(site)}/experiences/draft-page`);
    expect(running.text).toContain('pause it to edit it on the page');
    expect(running.text).not.toContain('/edit-on-site"');
    const refused = await s.post(`${base(site)}/experiences/draft-page/edit-on-site`, { url: 'https://shop.test/pricing' });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('location')).toBeNull();
    expect(await refused.text()).toContain('pause it to edit it on the page');
  });

  it('frames a variant on the real page only when asked, sandboxed with scripts but never same-origin', async () => {
    const s = await session();
    const site = await createSite({ origins: ['https://shop.test'] });
    await admin(`/sites/${site}/experiences`, {
      method: 'POST',
      body: JSON.stringify({ id: 'hero', name: 'Hero', slot: 'hero', variants: [{ key: 'a', weight: 1, content: null }, { key: 'b', weight: 1, content: { type: 'text', value: 'B' } }] }),
    });
    const page = await s.get(`${base(site)}/experiences/hero`);
    expect(page.text).toContain('Preview on the real page');
    expect(page.text).toContain('<button type="submit" name="variant" value="b" class="secondary">Preview b</button>');
    expect(page.text).not.toContain('attune_preview'); // no token minted on load
    expect(page.text).not.toContain('class="real-preview"');

    const shown = await s.post(`${base(site)}/experiences/hero/preview`, { variant: 'b', url: 'https://shop.test/' });
    expect(shown.status).toBe(200);
    const text = await shown.text();
    expect(text).toMatch(/<iframe class="real-preview" sandbox="allow-scripts" src="https:\/\/shop\.test\/\?attune_preview=[^"]+"/);
    expect(text).toMatch(/<a href="https:\/\/shop\.test\/\?attune_preview=[^"]+" rel="noopener noreferrer" target="_blank">open it in a new tab<\/a>/);
    expect(text).not.toContain('allow-same-origin');

    // The client script asks for JSON and builds the same frame.
    const asked = await s.post(`${base(site)}/experiences/hero/preview`, { variant: 'a', url: 'https://shop.test/p' }, { accept: 'application/json' });
    expect(asked.status).toBe(200);
    const link = await json<{ variant: string; url: string }>(asked);
    expect(link.variant).toBe('a');
    expect(link.url).toMatch(/^https:\/\/shop\.test\/p\?attune_preview=/);
    const refused = await s.post(`${base(site)}/experiences/hero/preview`, { variant: 'nope', url: 'https://shop.test/' }, { accept: 'application/json' });
    expect(refused.status).toBe(400);
    expect((await json<{ error: string }>(refused)).error).toContain('is not a variant');
    // The script (a static asset, served through the Worker): cached for good under its versioned path.
    const served = await call(CLIENT_PATH);
    expect(served.headers.get('cache-control')).toContain('immutable');
    const script = await served.text();
    expect(script).toContain('"allow-scripts"');
    expect(script).not.toContain('allow-same-origin');
  });
});

describe('pickers from what the site has seen, and escaping', () => {
  it('offers seen events and trait keys in the audience builder, and shows hostile input as text', { timeout: 30_000 }, async () => {
    const s = await session();
    const site = await createSite({ origins: ['https://shop.test'] });
    const hostileKey = '"><svg onload=alert(3)>';
    await post('/v1/collect', {
      site, anonymousId: anon(),
      events: [
        event('track', { name: 'Viewed pricing' }),
        event('track', { name: IMG }),
        event('identify', { userId: 'u-1', traits: { plan: 'pro', [hostileKey]: 'x' } }),
        event('track', { name: '$exposure', props: { slot: IMG, experience: 'x', variant: 'a' } }),
      ],
    });
    await feedWith(site, 4);
    const hostileSelector = `[data-x="${IMG}"]`;
    expect((await admin(`/sites/${site}/slots`, { method: 'POST', body: JSON.stringify({ name: 'odd', selector: hostileSelector }) })).status).toBe(201);
    const hostilePage = '/"><svg/onload=alert(3)>';
    expect((await admin(`/sites/${site}/experiences`, {
      method: 'POST', body: JSON.stringify({ id: 'odd-page', name: IMG, page: hostilePage, variants: [{ key: 'a', weight: 1, content: { type: 'changes', value: [{ selector: hostileSelector, text: IMG }] } }] }),
    })).status).toBe(201);

    const audience = await s.get(`${base(site)}/audiences/new`);
    expect(audience.text).toContain(`<datalist id="rule-events"><option value="${ESCAPED_IMG}"></option><option value="Viewed pricing"></option></datalist>`);
    expect(audience.text).toContain('<option value="traits.plan" label="trait seen on the site">');
    expect(audience.text).toContain('<option value="geo.country" label="country (ISO code, e.g. CH)">');
    expect(audience.text).toMatch(/name="c0\.event" type="text" list="rule-events"/);

    const pages = [`${base(site)}/slots`, `${base(site)}/audiences/new`, `${base(site)}/experiences`, `${base(site)}/experiences/new`, `${base(site)}/experiences/odd-page`];
    for (const path of pages) {
      const page = await s.get(path);
      expect(page.status, path).toBe(200);
      expect(await executable(page.text), path).toEqual([]);
      expect(page.text, path).not.toContain(IMG);
      expect(page.text, path).not.toContain('<svg');
    }
    const slots = await s.get(`${base(site)}/slots`);
    expect(slots.text).toContain(`<code>[data-x=&quot;${ESCAPED_IMG}&quot;]</code>`);
    expect(slots.text).not.toContain('seen lately'); // a slot name no experience could target is not offered
    const odd = await s.get(`${base(site)}/experiences/odd-page`);
    expect(odd.text).toContain('value="/&quot;&gt;&lt;svg/onload=alert(3)&gt;"');
    // The preview frame of a hostile URL is still a sandboxed frame with an escaped src.
    const preview = await s.post(`${base(site)}/experiences/odd-page/preview`, { variant: 'a', url: 'https://shop.test/"><svg/onload=alert(3)>' });
    const previewText = await preview.text();
    expect(await executable(previewText)).toEqual([]);
    expect(previewText).toMatch(/<iframe class="real-preview" sandbox="allow-scripts" src="https:\/\/shop\.test\/%22%3E%3Csvg\/onload=alert\(3\)%3E\?attune_preview=/);
  });

  it('refuses the new forms without a session', async () => {
    const site = await createSite();
    for (const path of [`${base(site)}/slots`, `${base(site)}/slots/x/delete`, `${base(site)}/experiences/x/edit-on-site`]) {
      const res = await call(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=x&selector=a', redirect: 'manual' });
      expect(res.status, path).toBe(401);
    }
    const page = await call(`${base(site)}/slots`, { redirect: 'manual' });
    expect(page.status).toBe(303);
  });
});
