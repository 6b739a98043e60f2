import { describe, expect, it } from 'vitest';
import { env as workerEnv } from 'cloudflare:workers';
import type { DecideResponse } from '../../protocol/decide';
import { signPreview } from '../../edge/decisions/preview';
import type { Env } from '../../edge/env';
import { identitySignature } from '../../edge/profiles/verify';
import { signProfileToken } from '../../edge/profiles/token';
import { admin, anon, call, createSite, event, post } from './helpers';
import { expectJsonError, navigate, ORIGIN_PAGE, proxiedSite, stubOrigin } from './security-helpers';

const env = workerEnv as unknown as Env; // the test project's bindings are the edge's
const ALLOWED = 'https://shop.secure.test';
const EVIL = 'https://evil.test';
const variants = [{ key: 'only', weight: 1, content: { type: 'text', value: 'Secret variant' } }];

async function experience(site: string, body: Record<string, unknown> = {}): Promise<string> {
  const res = await admin(`/sites/${site}/experiences`, { method: 'POST', body: JSON.stringify({ name: 'X', slot: 'hero', status: 'running', variants, ...body }) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function decide(site: string, anonymousId: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  return post('/v1/decide', { site, anonymousId, slots: ['hero'], context: { url: `${ALLOWED}/` }, ...extra }, headers);
}

async function profileOf(site: string, ref: string): Promise<{ profileId: string; eventCount: number; traits: Record<string, unknown> }> {
  const res = await admin(`/sites/${site}/profiles/${encodeURIComponent(ref)}`);
  expect(res.status, ref).toBe(200);
  return (await res.json()) as { profileId: string; eventCount: number; traits: Record<string, unknown> };
}

describe('CORS on the public API: only the site’s allowed origins', () => {
  const routes = [
    ['/v1/collect', (site: string) => ({ site, anonymousId: anon(), events: [event()] }), 202],
    ['/v1/decide', (site: string) => ({ site, anonymousId: anon(), context: { url: `${ALLOWED}/` } }), 200],
  ] as const;

  it.each(routes)('%s: an allowed origin gets its own origin back; another origin gets 403 and no CORS headers', async (path, body, ok) => {
    const site = await createSite({ origins: [ALLOWED] });
    const allowed = await post(path, body(site), { origin: ALLOWED });
    expect(allowed.status).toBe(ok);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    expect(allowed.headers.get('vary')).toMatch(/Origin/);

    for (const origin of [EVIL, 'null', `${ALLOWED}.evil.test`, ALLOWED.replace('https', 'http'), `${ALLOWED}:444`, ALLOWED.toUpperCase()]) {
      const refused = await post(path, body(site), { origin });
      const error = await expectJsonError(refused, 403);
      expect(error.code).toBe('origin_not_allowed');
      expect(refused.headers.get('access-control-allow-origin'), origin).toBeNull();
    }
    // A site without origins answers browsers only on its own host; servers (no Origin) always.
    const closed = await createSite();
    expect((await post(path, body(closed), { origin: ALLOWED })).headers.get('access-control-allow-origin')).toBeNull();
    const server = await post(path, body(closed));
    expect(server.status).toBe(ok);
    expect(server.headers.get('access-control-allow-origin')).toBeNull();
    // Errors before the site is known (a bad body) carry no CORS headers either.
    expect((await post(path, 'not json', { origin: EVIL })).headers.get('access-control-allow-origin')).toBeNull();
  });

  it.each(['/v1/collect', '/v1/decide'])('%s preflight: headers only for an allowed origin of the named site', async (path) => {
    const site = await createSite({ origins: [ALLOWED] });
    const preflight = (origin: string, key = site) =>
      call(`${path}?site=${key}`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    const ok = await preflight(ALLOWED);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(ok.headers.get('access-control-allow-methods')).toBe('POST, OPTIONS');
    expect(ok.headers.get('access-control-expose-headers')).toMatch(/Retry-After/);
    for (const [origin, key] of [[EVIL, site], [ALLOWED, 'no-such-site'], [ALLOWED, '../x'], ['null', site]] as const) {
      const res = await preflight(origin, key);
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin'), `${origin} ${key}`).toBeNull();
    }
  });
});

describe('profile tokens: forged and foreign ones are ignored (stale ones forward: identity.test.ts)', () => {
  it('resolves a visitor with a forged, foreign-site or preview-signed token from their anonymous id, never from the token', async () => {
    const site = await createSite();
    const other = await createSite();
    const victim = anon();
    const { profileToken: victimToken } = (await (await post('/v1/collect', { site, anonymousId: victim, events: [event()] })).json()) as { profileToken: string };
    const victimProfile = victimToken.split('.')[0]!;
    const [, exp = '', mac = ''] = victimToken.split('.');
    const forgeries = [
      `${victimProfile}.${exp}.${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BB' : 'AA'}`, // a changed signature
      `${victimProfile}.${exp}.`, // none
      `${victimProfile}.${exp}.${mac}.${mac}`, // extra part
      `${victimProfile}x.${exp}.${mac}`, // another profile under the victim's signature
      `${victimProfile}.${(parseInt(exp, 36) + 86_400).toString(36)}.${mac}`, // lifetime extended
      `${victimProfile}.${mac}`, // the old, unbound format
      await signProfileToken(env, other, victimProfile, victim), // signed for another site
      await signProfileToken(env, site, victimProfile, victim, Date.now() - 31 * 86_400_000), // expired
      await signPreview(env, { site, experience: 'x', variant: victimProfile, expiresAt: Date.now() + 60_000 }), // another kind of token
      `${victimProfile.toUpperCase()}.${exp}.${mac}`,
      victimToken.replace('.', '..'),
    ];
    for (const profileToken of forgeries) {
      const attacker = anon();
      const res = await post('/v1/collect', { site, anonymousId: attacker, profileToken, events: [event('track', { name: 'Injected' })] });
      expect(res.status).toBe(202);
      const { profileToken: issued } = (await res.json()) as { profileToken: string };
      expect(issued.split('.')[0], profileToken).not.toBe(victimProfile);
      const decided = (await (await decide(site, attacker, { profileToken })).json()) as DecideResponse;
      expect(decided.profileToken.split('.')[0]).not.toBe(victimProfile);
    }
    // Nothing reached the victim's profile.
    expect((await profileOf(site, `anon:${victim}`)).eventCount).toBe(1);
    // The genuine token works for the browser it was issued to, on its own site, and for no other.
    const own = (await (await decide(site, victim, { profileToken: victimToken })).json()) as DecideResponse;
    expect(own.profileToken).toBe(victimToken);
    const elsewhere = (await (await decide(other, victim, { profileToken: victimToken })).json()) as DecideResponse;
    expect(elsewhere.profileToken.split('.')[0]).not.toBe(victimProfile);
  });

  it('refuses a token replayed with another anonymous id: the other browser reaches only its own profile', async () => {
    const site = await createSite();
    const victim = anon();
    const { profileToken } = (await (await post('/v1/collect', { site, anonymousId: victim, events: [event()] })).json()) as { profileToken: string };
    const attacker = anon();
    const replayed = (await (await post('/v1/collect', { site, anonymousId: attacker, profileToken, events: [event('track', { name: 'Injected' })] })).json()) as { profileToken: string };
    expect(replayed.profileToken.split('.')[0]).not.toBe(profileToken.split('.')[0]);
    const decided = (await (await decide(site, attacker, { profileToken })).json()) as DecideResponse;
    expect(decided.profileToken.split('.')[0]).not.toBe(profileToken.split('.')[0]);
    expect((await profileOf(site, `anon:${victim}`)).eventCount).toBe(1);
  });
});

describe('identity verification: unverified identifies never reach a verified profile', () => {
  it("gives an unsigned or forged claimant neither the verified person's traits, audiences nor personalized content", async () => {
    const secret = 'verification-secret-0123456789';
    const site = await createSite({ verificationSecret: secret, verificationRequired: true });
    const aud = await admin(`/sites/${site}/audiences`, {
      method: 'POST',
      body: JSON.stringify({ id: 'vip', name: 'VIP', rule: { field: 'traits.plan', op: 'eq', value: 'secret-plan' } }),
    });
    expect(aud.status).toBe(201);
    await experience(site, {
      audience: 'vip',
      variants: [{ key: 'hi', weight: 1, content: { type: 'html', value: '<p>Hi {{traits.firstName | default:"there"}}, your code {{traits.code | default:"none"}}</p>' } }],
    });
    const owner = anon();
    const traits = { plan: 'secret-plan', firstName: 'Ada', code: 'SECRET-42' };
    const signed = event('identify', { userId: 'vip-user', signature: await identitySignature(secret, 'vip-user'), traits });
    expect((await post('/v1/collect', { site, anonymousId: owner, events: [signed] })).status).toBe(202);
    const ownerView = (await (await decide(site, owner)).json()) as DecideResponse;
    expect(ownerView.audiences).toContain('vip');
    expect(JSON.stringify(ownerView.decisions.hero?.content)).toContain('SECRET-42');

    const claims = [
      { userId: 'vip-user' },
      { userId: 'vip-user', signature: 'ab'.repeat(32) },
      { userId: 'vip-user', signature: await identitySignature('another-secret-0123456789', 'vip-user') },
      { userId: 'vip-user', signature: await identitySignature(secret, 'vip-user2') },
      { userId: 'vip-user', signature: (await identitySignature(secret, 'vip-user')).toUpperCase().slice(1) },
      { userId: 'VIP-USER', signature: await identitySignature(secret, 'vip-user') },
    ];
    for (const claim of claims) {
      const claimant = anon();
      const res = await post('/v1/collect', { site, anonymousId: claimant, events: [event(), event('identify', claim)] });
      expect(res.status).toBe(202);
      const view = (await (await decide(site, claimant)).json()) as DecideResponse;
      expect(view.audiences, JSON.stringify(claim)).not.toContain('vip');
      expect(JSON.stringify(view)).not.toContain('SECRET-42');
      expect(JSON.stringify(view)).not.toContain('Ada');
      const p = await profileOf(site, `anon:${claimant}`);
      expect(p.profileId).not.toBe((await profileOf(site, 'user:vip-user')).profileId);
      expect(JSON.stringify(p.traits ?? {})).not.toContain('SECRET-42');
    }
    // The verified profile holds only its own events.
    expect((await profileOf(site, 'user:vip-user')).eventCount).toBe(1);
  });
});

describe('signed preview links', () => {
  it('cannot be forged, edited, replayed after expiry or used on another site', async () => {
    const site = await createSite();
    const other = await createSite();
    const exp = await experience(site, { status: 'draft' });
    await experience(other, { id: exp, status: 'draft' });
    const shows = async (key: string, preview: string) => {
      const res = await decide(key, anon(), { preview });
      expect(res.status).toBe(200);
      return ((await res.json()) as DecideResponse).decisions.hero?.variant === 'only';
    };
    const res = await admin(`/sites/${site}/experiences/${exp}/preview`, { method: 'POST', body: JSON.stringify({ variant: 'only' }) });
    const { token } = (await res.json()) as { token: string };
    expect(await shows(site, token)).toBe(true);

    const [payload = '', sig = ''] = token.split('.');
    const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
    const encode = (o: unknown) => btoa(JSON.stringify(o)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const attempts = [
      `${encode({ ...claims, s: other })}.${sig}`, // re-pointed at another site
      `${encode({ ...claims, x: Date.now() + 365 * 86_400_000 })}.${sig}`, // lifetime extended
      `${payload}.${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`,
      `${payload}.`,
      `${payload}`,
      `${payload}.${sig}.x`,
      await signProfileToken(env, site, 'p_aaaaaaaaaaaa', anon()), // a profile token is no preview
    ];
    for (const forged of attempts) expect(await shows(site, forged), forged).toBe(false);
    // Valid for its own site only, and not once expired.
    expect(await shows(other, token)).toBe(false);
    const expired = await signPreview(env, { site, experience: exp, variant: 'only', expiresAt: Date.now() - 1 });
    expect(await shows(site, expired)).toBe(false);
  });
});

describe('proxy mode never lets a shared cache keep a personalized page', () => {
  it('marks personalized HTML private and no-store whatever the origin says, and varies on Cookie', async () => {
    const { host } = await proxiedSite();
    const origin = stubOrigin(ORIGIN_PAGE, { 'cache-control': 'public, max-age=86400, s-maxage=86400', etag: '"origin"', 'last-modified': 'Wed, 21 Oct 2015 07:28:00 GMT' });
    try {
      for (const cookie of [undefined, `_attune_aid=${anon()}`, '_attune_c=denied']) {
        const res = await navigate(host, cookie ? { cookie } : {});
        expect(res.status).toBe(200);
        expect(res.headers.get('cache-control')).toBe('private, no-store');
        expect(res.headers.get('vary')).toMatch(/Cookie/);
        expect(res.headers.get('etag')).toBeNull();
        await res.body?.cancel();
      }
      const page = await (await navigate(host)).text();
      expect(page).toContain('Personal hero');
    } finally {
      origin.mockRestore();
    }
  });

  it('treats a malformed cookie as no cookie instead of failing the page', async () => {
    const { host } = await proxiedSite();
    const origin = stubOrigin();
    try {
      for (const cookie of ['_attune_c=%', '_attune_aid=%E0%A4%A', '_attune_aid=%ZZ; _attune_c=%']) {
        const res = await navigate(host, { cookie });
        expect(res.status, cookie).toBe(200);
        expect(await res.text()).toContain('data-attune-slot="hero"');
      }
    } finally {
      origin.mockRestore();
    }
  });
});
