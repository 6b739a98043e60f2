import { describe, expect, it } from 'vitest';
import { app } from '../../edge/app';
import { call, TOKEN } from './helpers';
import { form, session } from './dashboard-helpers';
import { expectJsonError } from './security-helpers';

/**
 * Access control over the whole route table (`app.routes`): every /api route wants the admin
 * token, every dashboard page a session and every dashboard post the CSRF token. A route outside
 * /api and /dashboard must be listed in PUBLIC with the reason it may be, so a new route cannot
 * slip past these checks unnoticed.
 */
const PUBLIC: Record<string, string> = {
  'GET /': 'redirects to the demo',
  'GET /healthz': 'liveness',
  'GET /attune.js': 'the tag',
  'GET /:file{attune-[a-z]+\\.js}': "the tag's on-demand module and the editor",
  'GET /demo': 'the demo shop',
  'GET /demo/pricing': "the demo shop's pricing page",
  'ALL /v1/collect': 'per-IP rate limit (middleware)',
  'POST /v1/collect': 'the tag: site origins and rate limits',
  'OPTIONS /v1/collect': 'CORS preflight',
  'ALL /v1/decide': 'per-IP rate limit (middleware)',
  'POST /v1/decide': 'the tag: site origins and rate limits',
  'OPTIONS /v1/decide': 'CORS preflight',
  'POST /v1/batch': 'Segment spec: write key (Basic auth)',
  'POST /v1/track': 'Segment spec: write key (Basic auth)',
  'POST /v1/page': 'Segment spec: write key (Basic auth)',
  'POST /v1/identify': 'Segment spec: write key (Basic auth)',
  'POST /v1/alias': 'Segment spec: write key (Basic auth)',
  'POST /v1/screen': 'Segment spec: write key (Basic auth)',
  'POST /v1/group': 'Segment spec: write key (Basic auth)',
  ...Object.fromEntries(['b', 'import', 't', 'p', 'i', 'a', 's', 'g'].map((p) => [`POST /v1/${p}`, 'Segment spec: write key (Basic auth or in the body), site origins'])),
  ...Object.fromEntries(['batch', 'b', 'import', 'track', 'page', 'identify', 'alias', 'screen', 'group', 't', 'p', 'i', 'a', 's', 'g', 'm'].map((p) => [`OPTIONS /v1/${p}`, 'CORS preflight (only for origins some site allows)'])),
  'POST /v1/m': "Segment's browser library's metrics: accepted and ignored, nothing stored",
  'OPTIONS /v1/editor/*': 'CORS preflight for the visual editor (only for origins some site allows)',
  'GET /v1/editor/session': 'the visual editor: its own token (tests/worker/editor.test.ts)',
  'PUT /v1/editor/slots/:name': 'the visual editor: its own token (tests/worker/editor.test.ts)',
  'PATCH /v1/editor/experiences/:id': 'the visual editor: its own token (tests/worker/editor.test.ts)',
  'GET /api/openapi.json': 'the API description: the code is open source, it holds no data',
  'GET /dashboard': 'the sign-in form (the site list once signed in)',
  'GET /dashboard/app.js': "the dashboard's static script",
  'GET /dashboard/app.css': "the dashboard's static stylesheet",
  'POST /dashboard/login': 'sign-in: same origin and the admin token',
  'POST /dashboard/logout': 'sign-out: CSRF checked when signed in',
};
const SEGMENT = ['batch', 'b', 'import', 'track', 'page', 'identify', 'alias', 'screen', 'group', 't', 'p', 'i', 'a', 's', 'g'];

const table = [...new Map(app.routes.filter((r) => r.path !== '/*' && r.path !== '*').map((r) => [`${r.method} ${r.path}`, r])).values()];
const concrete = (path: string) =>
  path
    .replace(/:site\b/g, 'demo')
    .replace(/:ref\b/g, 'anon:abcdefgh1234')
    .replace(/:[a-z]+(\{[^}]*\})?/gi, 'x1')
    .replace(/\*$/, 'anything');
const methodOf = (m: string) => (m === 'ALL' ? 'GET' : m);
const admin = table.filter((r) => r.path.startsWith('/api') && !PUBLIC[`${r.method} ${r.path}`]);
const dash = table.filter((r) => r.path.startsWith('/dashboard') && !PUBLIC[`${r.method} ${r.path}`]);

describe('the route table', () => {
  it('has every route under /api, under /dashboard or listed as public with a reason', () => {
    expect(table.length).toBeGreaterThan(80);
    const unlisted = table
      .map((r) => `${r.method} ${r.path}`)
      .filter((k) => !PUBLIC[k] && !k.split(' ')[1]!.startsWith('/api') && !k.split(' ')[1]!.startsWith('/dashboard'));
    expect(unlisted, 'new public routes: add them to PUBLIC with the reason they need no credentials').toEqual([]);
    expect(admin.length).toBeGreaterThan(35);
    expect(dash.length).toBeGreaterThan(30);
  });
});

describe('admin API: every route refuses a missing or wrong token', () => {
  const credentials: [string, Record<string, string>][] = [
    ['no token', {}],
    ['a wrong token', { authorization: 'Bearer not-the-token' }],
    ['the token with a trailing byte', { authorization: `Bearer ${TOKEN}x` }],
    ['the token as Basic auth', { authorization: `Basic ${btoa(`${TOKEN}:`)}` }],
    ['the token in a cookie', { cookie: `token=${TOKEN}` }],
  ];
  const cases = admin.flatMap((r) => credentials.map(([who, headers]) => [methodOf(r.method), concrete(r.path), who, headers] as const));

  it.each(cases)('%s %s with %s → 401 JSON', async (method, path, _who, headers) => {
    const body = method === 'GET' || method === 'DELETE' ? undefined : '{}';
    const res = await call(path, { method, body, headers: { 'content-type': 'application/json', ...headers } });
    const error = await expectJsonError(res, 401);
    expect(error.code).toBe('unauthorized');
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });
});

describe('dashboard: every page needs a session, every post the CSRF token from this origin', () => {
  it.each(dash.map((r) => [methodOf(r.method), concrete(r.path)] as const))('%s %s without a session is refused', async (method, path) => {
    const res = await call(path, { method, redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: method === 'GET' ? undefined : 'csrf=x' });
    if (method === 'GET') {
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/dashboard');
    } else {
      expect([401, 403]).toContain(res.status);
    }
    await res.body?.cancel();
  });

  it('refuses a forged or expired session cookie on every page', async () => {
    const forged = ['attune_session=9999999999.bm9uY2U.AAAA', `attune_session=${Math.floor(Date.now() / 1000) - 1}.bm9uY2U.AAAA`, 'attune_session=', 'attune_session=a.b.c.d'];
    for (const r of dash.filter((d) => methodOf(d.method) === 'GET').slice(0, 12)) {
      for (const cookie of forged) {
        const res = await call(concrete(r.path), { redirect: 'manual', headers: { cookie } });
        expect(res.status, `${r.path} with ${cookie}`).toBe(303);
        await res.body?.cancel();
      }
    }
  });

  const posts = dash.filter((r) => r.method === 'POST').map((r) => concrete(r.path));
  it.each(posts)('POST %s with a session but no, a wrong, or a cross-site CSRF token → 403', async (path) => {
    const s = await session();
    for (const [fields, headers] of [
      [{}, {}],
      [{ csrf: 'x'.repeat(43) }, {}],
      [{ csrf: s.csrf.slice(0, -1) + (s.csrf.endsWith('A') ? 'B' : 'A') }, {}],
      [{ csrf: s.csrf }, { origin: 'https://evil.test' }],
      [{ csrf: s.csrf }, { origin: 'null' }],
    ] as [Record<string, string>, Record<string, string>][]) {
      const res = await form(path, fields, { cookie: s.cookie, ...headers });
      expect(res.status, `${path} ${JSON.stringify(fields)} ${JSON.stringify(headers)}`).toBe(403);
      await res.body?.cancel();
    }
    // The CSRF header the client script sends is held to the same token.
    const res = await call(path, { method: 'POST', headers: { cookie: s.cookie, 'x-csrf-token': 'nope', 'content-type': 'application/json' }, body: '{}', redirect: 'manual' });
    expect(res.status).toBe(403);
    await res.body?.cancel();
  });

  it('refuses a cross-site sign-in and a sign-in with the wrong token', async () => {
    expect((await form('/dashboard/login', { token: TOKEN }, { origin: 'https://evil.test' })).status).toBe(403);
    expect((await form('/dashboard/login', { token: 'wrong' })).status).toBe(401);
    expect((await form('/dashboard/login', {})).status).toBe(401);
  });
});

describe('Segment-spec routes: only a known write key', () => {
  it.each(SEGMENT)('/v1/%s refuses a missing, malformed or unknown write key with 401 JSON', async (route) => {
    for (const authorization of [undefined, 'Basic', `Basic ${btoa('no-such-site:')}`, `Bearer ${TOKEN}`, `Basic ${btoa('../../x:')}`]) {
      const res = await call(`/v1/${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization && { authorization }) },
        body: JSON.stringify(route === 'batch' ? { batch: [{ type: 'track', event: 'x', anonymousId: 'a' }] } : { event: 'x', anonymousId: 'a', userId: 'u', previousId: 'p' }),
      });
      const error = await expectJsonError(res, 401);
      expect(error.code).toBe('invalid_write_key');
    }
  });
});
