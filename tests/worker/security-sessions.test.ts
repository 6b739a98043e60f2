import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Env } from '../../edge/env';
import worker from '../../edge/index';
import { AUTH_FAILURES } from '../../edge/objects/admin-access';
import { form, html, session } from './dashboard-helpers';
import { BASE, call, createSite, TOKEN } from './helpers';

/** Dashboard sessions end when they should; guessing the admin token is throttled per address. */
describe('dashboard sessions are revocable', () => {
  it('ends a session at sign-out: the same cookie and CSRF token load and change nothing afterwards', async () => {
    const site = await createSite();
    const s = await session();
    expect((await s.get(`/dashboard/sites/${site}`)).status).toBe(200);
    const out = await s.post('/dashboard/logout', {});
    expect(out.status).toBe(303);
    // A copy of the cookie, replayed after sign-out.
    expect((await s.get(`/dashboard/sites/${site}`)).status).toBe(303);
    const change = await s.post(`/dashboard/sites/${site}/settings`, { name: 'Taken over' });
    expect(change.status).toBe(401);
    const after = (await (await call(`/api/sites/${site}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { name: string };
    expect(after.name).not.toBe('Taken over');
  });

  it('signs out everywhere: every open session ends at once', async () => {
    const site = await createSite();
    const [laptop, phone] = [await session(), await session()];
    expect((await phone.get(`/dashboard/sites/${site}`)).status).toBe(200);
    expect((await laptop.post('/dashboard/logout-everywhere', {})).status).toBe(303);
    expect((await laptop.get(`/dashboard/sites/${site}`)).status).toBe(303);
    expect((await phone.get(`/dashboard/sites/${site}`)).status).toBe(303);
    // Without the CSRF token (a cross-site form), nobody is signed out.
    const other = await session();
    expect((await form('/dashboard/logout-everywhere', {}, { cookie: other.cookie })).status).toBe(403);
    expect((await other.get(`/dashboard/sites/${site}`)).status).toBe(200);
  });

  it('ends every session when ADMIN_TOKEN is rotated', async () => {
    const s = await session();
    const rotated = { ...(workerEnv as unknown as Env), ADMIN_TOKEN: 'a-new-admin-token' } as Env;
    const ctx = createExecutionContext();
    const res = await worker.fetch(new Request(`${BASE}/dashboard`, { headers: { cookie: s.cookie }, redirect: 'manual' }), rotated, ctx);
    await waitOnExecutionContext(ctx);
    expect(await res.text()).toContain('Sign in');
  });
});

describe('admin authentication is throttled per client address', () => {
  const from = (ip: string) => ({ 'cf-connecting-ip': ip });

  it(`answers 429 to every bearer attempt from an address after ${AUTH_FAILURES} wrong tokens, the right one included; other addresses carry on`, async () => {
    const ip = `198.51.100.${Math.floor(Math.random() * 200) + 1}`;
    for (let i = 0; i < AUTH_FAILURES; i++) {
      const res = await call('/api/sites', { headers: { authorization: 'Bearer wrong-guess', ...from(ip) } });
      expect(res.status, `attempt ${i + 1}`).toBe(401);
    }
    const blocked = await call('/api/sites', { headers: { authorization: `Bearer ${TOKEN}`, ...from(ip) } });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await blocked.json()) as { error: { code: string; limit: string } }).error).toMatchObject({ code: 'rate_limited', limit: 'auth' });
    const elsewhere = await call('/api/sites', { headers: { authorization: `Bearer ${TOKEN}`, ...from('203.0.113.99') } });
    expect(elsewhere.status).toBe(200);
  });

  it('throttles dashboard sign-in the same way, and an address that never guessed wrong signs in', async () => {
    const ip = `192.0.2.${Math.floor(Math.random() * 200) + 1}`;
    for (let i = 0; i < AUTH_FAILURES - 1; i++) expect((await form('/dashboard/login', { token: 'guess' }, from(ip))).status).toBe(401);
    const last = await form('/dashboard/login', { token: 'guess' }, from(ip));
    expect(last.status).toBe(429);
    const right = await form('/dashboard/login', { token: TOKEN }, from(ip));
    expect(right.status).toBe(429);
    expect(await right.text()).toContain('Too many wrong tokens');
    expect((await form('/dashboard/login', { token: TOKEN }, from('203.0.113.98'))).status).toBe(303);
    // Bearer and sign-in share the count.
    expect((await call('/api/sites', { headers: { authorization: `Bearer ${TOKEN}`, ...from(ip) } })).status).toBe(429);
    expect((await html('/dashboard')).status).toBe(200);
  });
});
