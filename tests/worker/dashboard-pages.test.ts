import { describe, expect, it } from 'vitest';
import { admin, anon, BASE, call, createSite, event, feedWith, post } from './helpers';
import { form, session } from './dashboard-helpers';
import { conditionsFromRule, ruleFromConditions, conditionsFromForm, blankCondition, scalar } from '../../dashboard/rules';
import { MODEL_LABELS, parseSteps } from '../../dashboard/pages/reports';
import { DEFAULT_MODEL, MODELS } from '../../edge/measure/attribution';
import { wilson } from '../../dashboard/charts';

const json = async <T>(res: Response) => (await res.json()) as T;

/** Every page a site has, for the sign-in and rendering checks. */
const pages = (site: string) => [
  `/dashboard/sites/${site}`,
  `/dashboard/sites/${site}/settings`,
  `/dashboard/sites/${site}/install`,
  `/dashboard/sites/${site}/install/check`,
  `/dashboard/sites/${site}/live`,
  `/dashboard/sites/${site}/audiences`,
  `/dashboard/sites/${site}/audiences/new`,
  `/dashboard/sites/${site}/slots`,
  `/dashboard/sites/${site}/experiences`,
  `/dashboard/sites/${site}/experiences/new`,
  `/dashboard/sites/${site}/attribution`,
  `/dashboard/sites/${site}/funnels`,
  `/dashboard/sites/${site}/profiles`,
];

describe('dashboard access', () => {
  it('redirects every page to the sign-in without a session, and refuses posts and the socket', async () => {
    const site = await createSite();
    const exp = await json<{ id: string }>(await admin(`/sites/${site}/experiences`, { method: 'POST', body: JSON.stringify({ name: 'X', slot: 'hero', variants: [{ key: 'a', weight: 1 }] }) }));
    const aud = await json<{ id: string }>(await admin(`/sites/${site}/audiences`, { method: 'POST', body: JSON.stringify({ name: 'A', rule: { signal: 'exit_intent' } }) }));
    const gets = [
      ...pages(site),
      `/dashboard/sites/${site}/experiences/${exp.id}`,
      `/dashboard/sites/${site}/experiences/${exp.id}/results`,
      `/dashboard/sites/${site}/audiences/${aud.id}`,
      `/dashboard/sites/${site}/profiles/anon:${anon()}`,
      `/dashboard/sites/${site}/profiles/p_0123456789abcdef/export`,
    ];
    for (const path of gets) {
      const res = await call(path, { redirect: 'manual' });
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location'), path).toBe('/dashboard');
    }
    const posts = [
      '/dashboard/sites',
      `/dashboard/sites/${site}/settings`,
      `/dashboard/sites/${site}/audiences/new`,
      `/dashboard/sites/${site}/audiences/estimate`,
      `/dashboard/sites/${site}/audiences/${aud.id}/delete`,
      `/dashboard/sites/${site}/experiences/new`,
      `/dashboard/sites/${site}/experiences/${exp.id}/status`,
      `/dashboard/sites/${site}/experiences/${exp.id}/preview`,
      `/dashboard/sites/${site}/experiences/${exp.id}/edit-on-site`,
      `/dashboard/sites/${site}/slots`,
      `/dashboard/sites/${site}/slots/hero/delete`,
      `/dashboard/sites/${site}/profiles/p_0123456789abcdef/delete`,
    ];
    for (const path of posts) expect((await form(path, { status: 'ended' })).status, path).toBe(401);
    const socket = await call(`/dashboard/sites/${site}/live/socket`, { headers: { upgrade: 'websocket', origin: BASE } });
    expect(socket.status).toBe(401);
    // Nothing changed.
    expect((await json<{ status: string }>(await admin(`/sites/${site}/experiences/${exp.id}`))).status).toBe('draft');
    expect((await admin(`/sites/${site}/audiences/${aud.id}`)).status).toBe(200);
  });

  it('refuses a signed-in post without the CSRF token, with a wrong one, or from another origin', async () => {
    const s = await session();
    const site = await createSite({ name: 'Before' });
    const path = `/dashboard/sites/${site}/settings`;
    const fields = { name: 'After', retentionDays: '30', consentDefault: 'granted', proxyDecideMs: '300', holdout: '0', limitUser: '1', limitEmail: '3', limitPhone: '3', limitProfiles: '100' };
    expect((await form(path, fields, { cookie: s.cookie })).status).toBe(403);
    expect((await form(path, { ...fields, csrf: 'forged' }, { cookie: s.cookie })).status).toBe(403);
    expect((await s.post(path, fields, { origin: 'https://evil.test' })).status).toBe(403);
    expect((await json<{ name: string }>(await admin(`/sites/${site}`))).name).toBe('Before');
    const ok = await s.post(path, fields);
    expect(ok.status).toBe(303);
    expect((await json<{ name: string; retentionDays: number }>(await admin(`/sites/${site}`)))).toMatchObject({ name: 'After', retentionDays: 30 });
  });

  it('renders every site page with the strict CSP and the bundled script', async () => {
    const s = await session();
    const site = await createSite();
    for (const path of pages(site).filter((p) => !p.endsWith('/check'))) {
      const { status, text, res } = await s.get(path);
      expect(status, path).toBe(200);
      expect(res.headers.get('content-security-policy'), path).toContain("script-src 'self'");
      expect(text, path).toMatch(/<script src="\/dashboard\/app\.js\?v=[\w-]+" defer/);
      expect(text, path).not.toMatch(/<script>/);
    }
    const script = await call('/dashboard/app.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    const etag = script.headers.get('etag') ?? '';
    expect(etag).toMatch(/^".+"$/);
    expect((await script.text()).length).toBeGreaterThan(1000);
    expect((await call('/dashboard/app.js', { headers: { 'if-none-match': etag } })).status).toBe(304);
  });
});

describe('sites', () => {
  it('creates a site from the form and edits its settings', async () => {
    const s = await session();
    const key = `dash-${Date.now().toString(36)}`;
    const created = await s.post('/dashboard/sites', {
      key, name: 'Form shop', origins: 'https://a.test\nhttps://b.test', proxyOrigin: '', proxyHosts: '', proxyDecideMs: '250',
      verificationSecret: 'a-long-enough-secret-value', verificationRequired: 'on', retentionDays: '90', consentDefault: 'required',
      holdout: '10', limitUser: '2', limitEmail: '3', limitPhone: '3', limitProfiles: '50',
    });
    expect(created.status).toBe(303);
    expect(created.headers.get('location')).toBe(`/dashboard/sites/${key}/install`);
    const site = await json<Record<string, unknown>>(await admin(`/sites/${key}`));
    expect(site).toMatchObject({
      name: 'Form shop', origins: ['https://a.test', 'https://b.test'], proxyDecideMs: 250, verificationRequired: true, verificationSecretSet: true,
      retentionDays: 90, consentDefault: 'required', holdout: 0.1, identifierLimits: { user: 2, email: 3, phone: 3, profilesPerIdentifier: 50 },
    });
    const install = await s.get(`/dashboard/sites/${key}/install`);
    expect(install.text).toContain(`data-site=&quot;${key}&quot;`);
    expect(install.text).toContain('No events from this site yet');

    const bad = await s.post('/dashboard/sites', { key: 'Bad Key!', name: 'x', retentionDays: '1', consentDefault: 'granted', proxyDecideMs: '0', holdout: '0', limitUser: '1', limitEmail: '1', limitPhone: '1', limitProfiles: '1' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('class="notice bad"');
  });
});

describe('audiences', () => {
  it('builds a rule from the form, estimates its size and saves it', async () => {
    const s = await session();
    const site = await createSite();
    for (let i = 0; i < 3; i++) {
      await post('/v1/collect', { site, anonymousId: anon(), events: [event('track', { name: i < 2 ? 'Viewed pricing' : 'Other' })] });
    }
    await feedWith(site, 3);
    const fields = {
      name: 'Pricing fans', id: 'pricing-fans', description: '', combine: 'all',
      'c0.kind': 'event', 'c0.event': 'Viewed pricing', 'c0.atLeast': '1', 'c0.withinDays': '7', 'c0.field': '', 'c0.op': 'eq', 'c0.value': '',
      'c1.kind': 'field', 'c1.not': 'on', 'c1.field': 'geo.country', 'c1.op': 'in', 'c1.value': 'CH, DE',
      json: '', action: 'estimate',
    };
    const estimate = await json<{ estimate?: { estimate: number; sampled: number; matched: number } }>(await s.post(`/dashboard/sites/${site}/audiences/estimate`, fields));
    expect(estimate.estimate).toMatchObject({ sampled: 3, matched: 2, estimate: 2 });
    const shown = await s.post(`/dashboard/sites/${site}/audiences/new`, fields);
    expect(shown.status).toBe(200);
    expect(await shown.text()).toContain('2 of 3 visitors seen in the last 30 days');

    const saved = await s.post(`/dashboard/sites/${site}/audiences/new`, { ...fields, action: 'save' });
    expect(saved.status).toBe(303);
    const audience = await json<{ rule: unknown }>(await admin(`/sites/${site}/audiences/pricing-fans`));
    expect(audience.rule).toEqual({ all: [{ event: 'Viewed pricing', atLeast: 1, withinDays: 7 }, { not: { field: 'geo.country', op: 'in', value: ['CH', 'DE'] } }] });
    const editor = await s.get(`/dashboard/sites/${site}/audiences/pricing-fans`);
    expect(editor.text).toContain('value="CH, DE"');

    const broken = await s.post(`/dashboard/sites/${site}/audiences/pricing-fans`, { name: 'x', useJson: 'on', json: '{"field":"a","op":"between","value":[1]}', action: 'save' });
    expect(broken.status).toBe(400);
    expect(await broken.text()).toContain('between');

    expect((await s.post(`/dashboard/sites/${site}/audiences/pricing-fans/delete`, {})).status).toBe(303);
    expect((await admin(`/sites/${site}/audiences/pricing-fans`)).status).toBe(404);
  });

  it('turns builder rows into rules and back, for every kind of condition', () => {
    const rows = [
      { ...blankCondition(), field: 'sessionCount', op: 'between' as const, value: '2, 5' },
      { ...blankCondition(), field: 'traits.code', op: 'eq' as const, value: '"42"', not: true },
      { ...blankCondition(), field: 'traits.email', op: 'exists' as const },
      { ...blankCondition(), kind: 'signal' as const, signal: 'exit_intent' },
      { ...blankCondition(), kind: 'recency' as const, days: '3' },
    ];
    const rule = ruleFromConditions('any', rows);
    expect(rule).toEqual({
      any: [
        { field: 'sessionCount', op: 'between', value: [2, 5] },
        { not: { field: 'traits.code', op: 'eq', value: '42' } },
        { field: 'traits.email', op: 'exists' },
        { signal: 'exit_intent' },
        { lastSeenWithinDays: 3 },
      ],
    });
    const back = conditionsFromRule(rule);
    expect(back?.combine).toBe('any');
    expect(ruleFromConditions('any', back!.conditions)).toEqual(rule);
    expect(conditionsFromRule({ all: [{ any: [{ signal: 'x' }] }] })).toBeNull();
    expect(scalar('true')).toBe(true);
    expect(scalar('"true"')).toBe('true');
    expect(conditionsFromForm({ 'c3.kind': 'signal', 'c3.signal': 's', 'c0.kind': 'bogus', 'c0.op': 'bogus' }).map((c) => [c.kind, c.op])).toEqual([['field', 'eq'], ['signal', 'eq']]);
  });
});

describe('experiences and results', () => {
  it('creates a running experience with two variants, previews HTML in a sandbox and counts exposures in results', async () => {
    const s = await session();
    const site = await createSite({ origins: ['https://shop.test'] });
    const created = await s.post(`/dashboard/sites/${site}/experiences/new`, {
      name: 'Hero copy', id: 'hero-copy', slot: 'hero', audience: '', mode: 'split', priority: '5', status: 'running', traffic: '100', goals: 'Add to cart',
      'v0.key': 'control', 'v0.name': 'Control', 'v0.weight': '50', 'v0.type': '', 'v0.value': '',
      'v1.key': 'bold', 'v1.name': 'Bold', 'v1.weight': '50', 'v1.type': 'html', 'v1.value': '<h1 onclick="x()">Bold</h1><script>alert(1)</script>',
      action: 'save',
    });
    expect(created.status).toBe(303);
    const exp = await json<Record<string, unknown>>(await admin(`/sites/${site}/experiences/hero-copy`));
    expect(exp).toMatchObject({ status: 'running', priority: 5, traffic: 1, goals: ['Add to cart'], variants: [{ key: 'control', content: null }, { key: 'bold', weight: 50 }] });

    const editor = await s.get(`/dashboard/sites/${site}/experiences/hero-copy`);
    expect(editor.text).toContain('<iframe class="preview" sandbox="" srcdoc="&lt;h1 onclick=&quot;x()&quot;&gt;Bold&lt;/h1&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(editor.text).not.toContain('<script>alert(1)</script>');

    const preview = await s.post(`/dashboard/sites/${site}/experiences/hero-copy/preview`, { variant: 'bold', url: 'https://shop.test/' });
    expect(preview.status).toBe(200);
    expect(await preview.text()).toMatch(/href="https:\/\/shop\.test\/\?attune_preview=[^"]+"/);

    const anonymousId = anon();
    const decided = await json<{ decisions: Record<string, { variant: string }> }>(
      await post('/v1/decide', { site, anonymousId, slots: ['hero'], context: { url: 'https://shop.test/' } }),
    );
    const variant = decided.decisions.hero!.variant;
    await post('/v1/collect', { site, anonymousId, events: [event('track', { name: '$exposure', props: { slot: 'hero', experience: 'hero-copy', variant } })] });
    let text = '';
    for (let i = 0; i < 60 && !text.includes('id="total-visitors">1<'); i++) {
      text = (await s.get(`/dashboard/sites/${site}/experiences/hero-copy/results`)).text;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(text).toContain('id="total-visitors">1<');
    expect(text).toContain('Goal: Add to cart');
    expect(text).toMatch(/<svg[^>]*role="img"/);

    expect((await s.post(`/dashboard/sites/${site}/experiences/hero-copy/status`, { status: 'paused' })).status).toBe(303);
    expect((await json<{ status: string }>(await admin(`/sites/${site}/experiences/hero-copy`))).status).toBe('paused');

    const invalid = await s.post(`/dashboard/sites/${site}/experiences/hero-copy`, { name: 'x', slot: 'hero', 'v0.key': 'a', 'v0.weight': '0', 'v0.type': '', action: 'save' });
    expect(invalid.status).toBe(400);
    expect(await invalid.text()).toContain('at least one variant needs a weight above 0');
  });
});

describe('profiles, live and reports', () => {
  it('finds a visitor, shows the journey and traits escaped, exports and deletes them', async () => {
    const s = await session();
    const site = await createSite();
    const anonymousId = anon();
    const xss = '<img src=x onerror=alert(1)>';
    await post('/v1/collect', {
      site, anonymousId,
      events: [event('identify', { userId: 'u-1', traits: { name: xss } }), event('track', { name: '</script><script>alert(2)</script>', props: { p: xss } })],
    });
    await feedWith(site, 2);
    const found = await call(`/dashboard/sites/${site}/profiles?kind=anon&q=${anonymousId}`, { headers: { cookie: s.cookie }, redirect: 'manual' });
    expect(found.status).toBe(303);
    const location = found.headers.get('location') ?? '';
    expect(location).toMatch(/\/profiles\/p_/);
    const page = await s.get(location);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain(xss);
    expect(page.text).not.toContain('<script>alert(2)');
    expect(page.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page.text).toContain(anonymousId);

    const missing = await s.get(`/dashboard/sites/${site}/profiles?kind=user&q=nobody`);
    expect(missing.text).toContain('No profile for user:nobody');

    const exported = await s.get(`${location}/export`);
    expect(exported.res.headers.get('content-disposition')).toMatch(/^attachment/);
    expect(JSON.parse(exported.text).events).toHaveLength(2);

    expect((await s.post(`${location}/delete`, {})).status).toBe(400);
    const deleted = await s.post(`${location}/delete`, { confirm: 'on' });
    expect(deleted.status).toBe(303);
    expect((await admin(`/sites/${site}/profiles/anon:${anonymousId}`)).status).toBe(404);
  });

  it('streams accepted events over the live socket', async () => {
    const s = await session();
    const site = await createSite();
    const live = await s.get(`/dashboard/sites/${site}/live`);
    expect(live.text).toContain(`data-socket="/dashboard/sites/${site}/live/socket"`);
    expect((await call(`/dashboard/sites/${site}/live/socket`, { headers: { upgrade: 'websocket', origin: 'https://evil.test', cookie: s.cookie } })).status).toBe(403);
    const res = await call(`/dashboard/sites/${site}/live/socket`, { headers: { upgrade: 'websocket', origin: BASE, cookie: s.cookie } });
    expect(res.status).toBe(101);
    const ws = res.webSocket!;
    ws.accept();
    const message = new Promise<string>((resolve) => ws.addEventListener('message', (m) => resolve(String(m.data))));
    await post('/v1/collect', { site, anonymousId: anon(), events: [event('track', { name: 'Live one' })] });
    const got = JSON.parse(await message) as { events: { name: string; profileId: string }[] };
    expect(got.events[0]).toMatchObject({ name: 'Live one' });
    ws.close();
  });

  it('shows attribution and funnels', async () => {
    const s = await session();
    const site = await createSite();
    const attribution = await s.get(`/dashboard/sites/${site}/attribution?model=linear`);
    expect(attribution.status).toBe(200);
    expect(attribution.text).toContain('<option value="linear" selected="">');
    expect(attribution.text).toContain('By channel');
    // The select offers every model the edge has, in its order, and falls back to the default one.
    const offered = [...attribution.text.matchAll(/<option value="([a-z_]+)"[^>]*>[^<]+<\/option>/g)].map((m) => m[1]).filter((v) => (MODELS as readonly string[]).includes(v!));
    expect(offered).toEqual([...MODELS]);
    expect(Object.keys(MODEL_LABELS)).toEqual([...MODELS]);
    const fallback = await s.get(`/dashboard/sites/${site}/attribution?model=constructor`);
    expect(fallback.text).toContain(`<option value="${DEFAULT_MODEL}" selected="">`);
    const funnel = await s.get(`/dashboard/sites/${site}/funnels?steps=${encodeURIComponent('page /demo\ntrack Add to cart')}`);
    expect(funnel.status).toBe(200);
    expect(funnel.text).toContain('From previous');
  });

  it('parses funnel steps and draws intervals that stay in [0, 1]', () => {
    expect(parseSteps('page /pricing\n track Add to cart \nSignup\n')).toEqual([
      { type: 'page', path: '/pricing', label: 'page /pricing' },
      { type: 'track', name: 'Add to cart', label: 'track Add to cart' },
      { type: 'track', name: 'Signup', label: 'Signup' },
    ]);
    // Every event type but consent may start a line (any case); `consent …` is an event name.
    expect(parseSteps('SIGNAL rage_click\nidentify x\nconsent granted')).toEqual([
      { type: 'signal', name: 'rage_click', label: 'SIGNAL rage_click' },
      { type: 'identify', name: 'x', label: 'identify x' },
      { type: 'track', name: 'consent granted', label: 'consent granted' },
    ]);
    expect(wilson(0, 0)).toBeNull();
    const w = wilson(1, 1)!;
    expect(w.y).toBe(1);
    expect(w.high).toBeLessThanOrEqual(1);
    expect(w.low).toBeGreaterThan(0.2);
  });
});
