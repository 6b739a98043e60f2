import { describe, expect, it } from 'vitest';
import { env as workerEnv } from 'cloudflare:workers';
import type { Env } from '../../edge/env';
import { addressBucket, externalAddress, ipAllowed, RATE_LIMIT_PERIOD_S, WRITE_KEY_PERIOD_S } from '../../edge/http/rate-limit';
import { anon, call, createSite, event, post } from './helpers';
import { navigate, proxiedSite, stubOrigin } from './security-helpers';
import { cachedSiteConfigs, getSiteConfig, MAX_ENTRIES } from '../../edge/sites/config-cache';

const env = workerEnv as unknown as Env; // the test project's bindings are the edge's

// The limits are wrangler.toml's production defaults (600 a minute per address, 120 per visitor),
// simulated by Miniflare with fixed one-minute windows. Only requests with an external
// CF-Connecting-IP count, so the other suites (no such header) never meet them.
const PER_IP = 600;
const PER_VISITOR = 120;

let octet = 0;
/** A fresh documentation-range address (RFC 5737) per burst, so bursts never share a counter. */
const address = () => `198.51.100.${(octet++ % 250) + 1}`;
const minute = () => Math.floor(Date.now() / 60_000);

interface ErrorBody {
  error: { code: string; message: string; limit?: string };
}

interface Burst<T> {
  passed: number;
  refused: Response | null;
  who: T;
}

/**
 * Sends requests until the first 429 or `max`; returns how many were let through. A burst that
 * crosses a minute boundary (the simulated window resets) is run again once, for a fresh client
 * made by `setup`, now clear of the boundary.
 */
async function burst<T>(setup: () => T, send: (who: T) => Promise<Response>, max: number): Promise<Burst<T>> {
  for (let attempt = 0; ; attempt++) {
    const started = minute();
    const who = setup();
    const make = () => send(who);
    let passed = 0;
    let refused: Response | null = null;
    while (passed < max) {
      const res = await make();
      if (res.status === 429) {
        refused = res;
        break;
      }
      await res.body?.cancel();
      passed++;
    }
    if (minute() === started || attempt > 0) return { passed, refused, who };
  }
}

async function expectRateLimited(res: Response | null, limit: 'ip' | 'visitor' | 'write_key', period = RATE_LIMIT_PERIOD_S) {
  expect(res?.status).toBe(429);
  expect(res!.headers.get('retry-after')).toBe(String(period));
  expect(res!.headers.get('content-type')).toMatch(/^application\/json/);
  const { error } = (await res!.json()) as ErrorBody;
  expect(error).toMatchObject({ code: 'rate_limited', limit, message: expect.stringMatching(/too many requests/) });
}

describe('rate limits on the public routes', () => {
  it(`refuses the ${PER_IP + 1}st request from one address within a minute, before reading the body`, { timeout: 60_000 }, async () => {
    // Cheap requests: the per-IP limit is checked before the body, so even a bad one counts.
    const { passed, refused, who: ip } = await burst(address, (ip) => post('/v1/decide', 'not json', { 'cf-connecting-ip': ip }), PER_IP + 1);
    expect(passed).toBe(PER_IP);
    await expectRateLimited(refused, 'ip');
    // Both public routes share the address's counter; another address is unaffected.
    await expectRateLimited(await post('/v1/collect', '{}', { 'cf-connecting-ip': ip }), 'ip');
    expect((await post('/v1/collect', '{}', { 'cf-connecting-ip': address() })).status).toBe(400);
    // A preflight is never counted or refused.
    expect((await call('/v1/collect?site=x', { method: 'OPTIONS', headers: { 'cf-connecting-ip': ip } })).status).toBe(204);

    // Proxy mode: the address still gets its pages, with their defaults and no decision work.
    const { host } = await proxiedSite();
    const origin = stubOrigin();
    try {
      const limited = await navigate(host, { 'cf-connecting-ip': ip });
      expect(limited.status).toBe(200);
      const page = await limited.text();
      expect(page).toContain('Default hero');
      expect(page).not.toContain('Personal hero');
      expect(limited.headers.get('server-timing')).toMatch(/default/);
      const other = await (await navigate(host, { 'cf-connecting-ip': address() })).text();
      expect(other).toContain('Personal hero');
    } finally {
      origin.mockRestore();
    }
  });

  it(`refuses a visitor's ${PER_VISITOR + 1}st request within a minute, readable cross-origin by an allowed origin`, { timeout: 60_000 }, async () => {
    const origin = 'https://shop.rate.test';
    const site = await createSite({ origins: [origin] });
    const fresh = () => ({ visitor: anon(), headers: { 'cf-connecting-ip': address(), origin } });
    const decide = ({ visitor, headers }: ReturnType<typeof fresh>) =>
      post('/v1/decide', { site, anonymousId: visitor, context: { url: `${origin}/` } }, headers);
    const { passed, refused, who } = await burst(fresh, decide, PER_VISITOR + 1);
    const { visitor, headers } = who;
    expect(passed).toBe(PER_VISITOR);
    expect(refused?.headers.get('access-control-allow-origin')).toBe(origin);
    expect(refused?.headers.get('access-control-expose-headers')).toMatch(/Retry-After/);
    await expectRateLimited(refused, 'visitor');
    // The same visitor's events are refused too (the tag keeps and resends them later) …
    const collect = await post('/v1/collect', { site, anonymousId: visitor, events: [event()] }, headers);
    await expectRateLimited(collect, 'visitor');
    // … while another visitor behind the same address carries on.
    expect((await post('/v1/collect', { site, anonymousId: anon(), events: [event()] }, headers)).status).toBe(202);
  });

  it('never limits requests without an external client address (local development, tests)', () => {
    const req = (ip?: string) => new Request('http://edge.test/v1/collect', { headers: ip ? { 'cf-connecting-ip': ip } : {} });
    expect(externalAddress(req())).toBeNull();
    for (const local of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) expect(externalAddress(req(local))).toBeNull();
    expect(externalAddress(req('203.0.113.9'))).toBe('203.0.113.9');
    expect(externalAddress(req('2001:DB8::1'))).toBe('2001:db8::1');
  });

  it('counts an IPv6 client by its /64 and an IPv4-mapped address as the IPv4 address', () => {
    expect(addressBucket('203.0.113.9')).toBe('203.0.113.9');
    expect(addressBucket('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(addressBucket('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressBucket('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressBucket('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressBucket('::1:2')).toBe('0:0:0:0::/64');
  });

  it('never hands the client address to the limiter: the key is a keyed hash of it', async () => {
    const keys: string[] = [];
    const recording: RateLimit = { limit: async ({ key }) => (keys.push(key), { success: true }) };
    const ip = '203.0.113.77';
    const req = new Request('http://edge.test/v1/collect', { headers: { 'cf-connecting-ip': ip } });
    expect(await ipAllowed({ ...env, RATE_LIMIT_IP: recording }, req)).toBe(true);
    expect(await ipAllowed({ ...env, RATE_LIMIT_IP: recording }, req)).toBe(true);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[0]).toMatch(/^ip:[A-Za-z0-9_-]{22}$/);
    expect(keys[0]).not.toContain('203.0.113');
    // Another deploy (another secret) counts the same address under another key.
    await ipAllowed({ ...env, TOKEN_SECRET: 'another-deploy-secret', RATE_LIMIT_IP: recording }, req);
    expect(keys[2]).not.toBe(keys[0]);
  });

  it('lets requests through when the limiter fails (fail open)', async () => {
    const broken: RateLimit = { limit: async () => Promise.reject(new Error('limiter down')) };
    const req = new Request('http://edge.test/v1/collect', { headers: { 'cf-connecting-ip': '203.0.113.78' } });
    expect(await ipAllowed({ ...env, RATE_LIMIT_IP: broken }, req)).toBe(true);
  });

  it('keeps the per-isolate site cache bounded under a flood of unknown site keys', async () => {
    const asked: string[] = [];
    const fake = { SITES: { idFromName: (k: string) => k, get: (k: string) => ({ config: async () => (asked.push(k), null) }) } } as unknown as Env;
    for (let i = 0; i < MAX_ENTRIES * 2 + 5; i++) expect(await getSiteConfig(fake, `flood-${i}`)).toBeNull();
    expect(asked).toHaveLength(MAX_ENTRIES * 2 + 5);
    expect(cachedSiteConfigs()).toBeLessThanOrEqual(MAX_ENTRIES);
  });
});

// wrangler.toml: 1,000 requests per 10 seconds per write key; Miniflare's windows are aligned to
// the wall clock, so a burst is started at the beginning of one and checked to have stayed in it.
const PER_WRITE_KEY = 1000;

describe('rate limit per write key on the Segment-spec routes', () => {
  const basic = (key: string) => `Basic ${btoa(`${key}:`)}`;
  const windowOf = () => Math.floor(Date.now() / (WRITE_KEY_PERIOD_S * 1000));
  const windowStart = () => new Promise((r) => setTimeout(r, WRITE_KEY_PERIOD_S * 1000 - (Date.now() % (WRITE_KEY_PERIOD_S * 1000)) + 20));

  /** Sends `n` requests for one fresh site, 25 at a time, each from another address; counts the answers. */
  async function flood(n: number): Promise<{ site: string; passed: number; refused: Response[] }> {
    for (let attempt = 0; ; attempt++) {
      const site = await createSite();
      await windowStart();
      const started = windowOf();
      let passed = 0;
      const refused: Response[] = [];
      for (let sent = 0; sent < n; sent += 25) {
        const answers = await Promise.all(
          Array.from({ length: Math.min(25, n - sent) }, () => post('/v1/track', 'not json', { authorization: basic(site), 'cf-connecting-ip': address() })),
        );
        for (const res of answers) {
          if (res.status === 429) refused.push(res);
          else {
            expect(res.status).toBe(400); // the key passed, then the body was refused
            passed++;
            await res.body?.cancel();
          }
        }
      }
      if (windowOf() === started || attempt >= 2) return { site, passed, refused }; // 3 tries: a loaded machine may cross a window
      for (const r of refused) await r.body?.cancel();
    }
  }

  it(`refuses a write key's requests past ${PER_WRITE_KEY} within ${WRITE_KEY_PERIOD_S} seconds, whatever the address; other write keys carry on`, { timeout: 60_000 }, async () => {
    const { site, passed, refused } = await flood(PER_WRITE_KEY + 20);
    expect(passed).toBe(PER_WRITE_KEY);
    expect(refused).toHaveLength(20);
    await expectRateLimited(refused[0]!, 'write_key', WRITE_KEY_PERIOD_S);
    for (const r of refused.slice(1)) await r.body?.cancel();
    // Every Segment route shares the key's counter, also with the key in the body …
    const message = { type: 'track', event: 'Signed up', anonymousId: 'server-anon-1', messageId: 'm-rate-1' };
    const batch = await post('/v1/batch', { batch: [message] }, { authorization: basic(site), 'cf-connecting-ip': address() });
    await expectRateLimited(batch, 'write_key', WRITE_KEY_PERIOD_S);
    await expectRateLimited(await post('/v1/track', { ...message, writeKey: site }, { 'cf-connecting-ip': address() }), 'write_key', WRITE_KEY_PERIOD_S);
    // … and another site's server is unaffected.
    const other = await createSite();
    const ok = await post('/v1/batch', { batch: [message] }, { authorization: basic(other), 'cf-connecting-ip': address() });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ success: true, accepted: 1 });
  });

  it('counts only existing write keys, and never limits requests without an external address', async () => {
    const unknown = await post('/v1/track', 'not json', { authorization: basic('no-such-site-rate'), 'cf-connecting-ip': address() });
    expect(unknown.status).toBe(401);
    const keys: string[] = [];
    const recording: RateLimit = { limit: async ({ key }) => (keys.push(key), { success: false }) };
    const site = await createSite();
    const { app } = await import('../../edge/app');
    const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext; // only waitUntil is used
    const send = (headers: Record<string, string>) =>
      app.request('/v1/track', { method: 'POST', body: 'not json', headers: { authorization: basic(site), ...headers } }, { ...env, RATE_LIMIT_WRITE_KEY: recording }, ctx);
    expect((await send({})).status).toBe(400); // local: not asked
    expect(keys).toEqual([]);
    expect((await send({ 'cf-connecting-ip': address() })).status).toBe(429);
    expect(keys).toEqual([`writekey:${site}`]);
  });
});
