import { describe, expect, it } from 'vitest';
import { admin, anon, BASE, call, createSite, event, post, TOKEN, feedWith } from './helpers';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const PASSWORD_INPUT = /<input[^>]*type="password"/;
/** The sign-in form (site settings have a password field too: the verification secret). */
const SIGN_IN_FORM = /action="\/dashboard\/login"/;

/** Posts a form without following the redirect (the worker's loopback fetch would follow it). */
function form(path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  const body = new URLSearchParams(fields).toString();
  return call(path, { method: 'POST', headers: { ...FORM, ...headers }, body, redirect: 'manual' });
}

/** Signs in and returns the `Cookie` header value for the session. */
async function signIn(): Promise<string> {
  const res = await form('/dashboard/login', { token: TOKEN });
  expect(res.status).toBe(303);
  const cookie = res.headers.get('set-cookie')?.split(';')[0];
  expect(cookie).toMatch(/^attune_session=.+/);
  return cookie ?? '';
}

async function html(path: string, cookie?: string): Promise<{ status: number; text: string; res: Response }> {
  const res = await call(path, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
  return { status: res.status, text: await res.text(), res };
}

const csrfOf = (page: string) => /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

describe('dashboard sign-in', () => {
  it('shows a sign-in form without a session', async () => {
    const { status, text, res } = await html('/dashboard');
    expect(status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(text).toMatch(PASSWORD_INPUT);
    expect(text).toContain('action="/dashboard/login"');
    expect(text).not.toContain('name="csrf"');
  });

  it.each([
    ['a wrong token', { token: 'wrong-token' }],
    ['an empty token', { token: '' }],
    ['no token field', {}],
  ])('refuses %s with 401 and no cookie', async (_name, fields: Record<string, string>) => {
    const res = await form('/dashboard/login', fields);
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    const text = await res.text();
    expect(text).toContain('That token is not valid.');
    expect(text).toMatch(PASSWORD_INPUT);
  });

  it('signs in with the admin token: 303 and an HttpOnly, SameSite=Strict session cookie', async () => {
    const res = await form('/dashboard/login', { token: TOKEN });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/dashboard');
    const setCookie = res.headers.get('set-cookie') ?? '';
    const attributes = setCookie.split(';').map((a) => a.trim());
    expect(attributes[0]).toMatch(/^attune_session=/);
    expect(attributes).toContain('HttpOnly');
    expect(attributes).toContain('SameSite=Strict');
    expect(attributes).toContain('Path=/dashboard');
    expect(setCookie).not.toContain(TOKEN);
  });

  it('refuses a cross-origin sign-in with 403 even with the right token', async () => {
    const res = await form('/dashboard/login', { token: TOKEN }, { origin: 'https://evil.test' });
    expect(res.status).toBe(403);
    expect(res.headers.get('set-cookie')).toBeNull();
    const sameOrigin = await form('/dashboard/login', { token: TOKEN }, { origin: BASE });
    expect(sameOrigin.status).toBe(303);
  });

  it('shows the sign-in page for a tampered or malformed cookie', async () => {
    const cookie = await signIn();
    const tampered = cookie.slice(0, -1) + (cookie.endsWith('A') ? 'B' : 'A');
    const [, value = ''] = cookie.split('=');
    const [exp = '', nonce = '', sig = ''] = value.split('.');
    const extended = `attune_session=${Number(exp) + 3600}.${nonce}.${sig}`;
    for (const bad of [tampered, extended, 'attune_session=garbage', 'attune_session=1.2.3']) {
      const page = await html('/dashboard', bad);
      expect(page.status).toBe(200);
      expect(page.text).toMatch(PASSWORD_INPUT);
      expect(page.text).not.toContain('name="csrf"');
    }
  });

  it('redirects a site page to /dashboard without a session', async () => {
    const res = await call('/dashboard/sites/x', { redirect: 'manual' }); // the loopback fetch follows redirects by default
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/dashboard');
  });
});

describe('dashboard pages', () => {
  it('lists the sites', async () => {
    const cookie = await signIn();
    const site = await createSite({ name: 'Listed shop', origins: ['https://listed.test'] });
    const { status, text } = await html('/dashboard', cookie);
    expect(status).toBe(200);
    expect(text).toContain(`href="/dashboard/sites/${site}"`);
    expect(text).toContain('Listed shop');
    expect(text).toContain('https://listed.test');
    expect(text).not.toMatch(SIGN_IN_FORM);
    expect(csrfOf(text)).not.toBe('');
  });

  it('shows a site with its experiences and recent events', async () => {
    const cookie = await signIn();
    const site = await createSite({ name: 'Detail shop' });
    const created = await admin(`/sites/${site}/experiences`, {
      method: 'POST',
      body: JSON.stringify({
        name: 'Hero test',
        slot: 'hero',
        status: 'running',
        traffic: 0.25,
        variants: [{ key: 'bold', weight: 1, content: { type: 'html', value: '<b>A</b>' } }, { key: 'control', weight: 1 }],
      }),
    });
    expect(created.status).toBe(201);
    expect((await post('/v1/collect', { site, anonymousId: anon(), events: [event('track', { name: 'Add to cart' })] })).status).toBe(202);
    await feedWith(site, 1);

    const { status, text } = await html(`/dashboard/sites/${site}`, cookie);
    expect(status).toBe(200);
    expect(text).toContain('Detail shop');
    expect(text).toContain('Hero test');
    expect(text).toContain('<code>hero</code>');
    expect(text).toContain('25%');
    expect(text).toContain('&lt;b&gt;A&lt;/b&gt;');
    expect(text).not.toContain('<b>A</b>');
    expect(text).toContain('Recent events');
    expect(text).toContain('Add to cart');
    expect(text).toContain('/products');
  });

  it('escapes event names and properties', async () => {
    const cookie = await signIn();
    const site = await createSite();
    const img = '<img src=x onerror=alert(1)>';
    const name = '</script><script>alert(1)</script>';
    const res = await post('/v1/collect', { site, anonymousId: anon(), events: [event('track', { name, props: { payload: img } })] });
    expect(res.status).toBe(202);
    await feedWith(site, 1);

    const { text } = await html(`/dashboard/sites/${site}`, cookie);
    expect(text).not.toContain(img);
    expect(text).not.toContain(name);
    expect(text).not.toContain('<script>');
    expect(text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(text).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('answers an unknown site with a 404 page', async () => {
    const { status, text } = await html('/dashboard/sites/no-such-site', await signIn());
    expect(status).toBe(404);
    expect(text).toContain('No such site.');
  });
});

describe('dashboard sign-out', () => {
  it('needs the CSRF field from the page and a same-origin post', async () => {
    const cookie = await signIn();
    const csrf = csrfOf((await html('/dashboard', cookie)).text);
    expect(csrf).not.toBe('');

    for (const [fields, headers] of [
      [{}, {}],
      [{ csrf: 'forged' }, {}],
      [{ csrf }, { origin: 'https://evil.test' }],
    ] as const) {
      const refused = await form('/dashboard/logout', fields, { cookie, ...headers });
      expect(refused.status).toBe(403);
      expect(refused.headers.get('set-cookie')).toBeNull();
    }
    // still signed in
    expect((await html('/dashboard', cookie)).text).not.toMatch(SIGN_IN_FORM);

    const res = await form('/dashboard/logout', { csrf }, { cookie });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/dashboard');
    const cleared = (res.headers.get('set-cookie') ?? '').split(';').map((a) => a.trim());
    expect(cleared[0]).toBe('attune_session=');
    expect(cleared).toContain('Max-Age=0');
    expect(cleared).toContain('Path=/dashboard');
  });
});
