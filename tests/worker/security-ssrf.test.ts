import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Env } from '../../edge/env';
import worker from '../../edge/index';
import { BASE, TOKEN, createSite } from './helpers';

/**
 * Server-side request forgery through admin settings: a deployed edge (no local-development
 * opt-in) refuses destination URLs and proxy origins on loopback, private, link-local, CGNAT and
 * metadata addresses, in every spelling, with a 400 naming the rule.
 */
const deployed = { ...(workerEnv as unknown as Env), ATTUNE_ALLOW_PRIVATE_NETWORK: undefined } as Env;

async function asDeployed(path: string, method: string, body: unknown): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`${BASE}/api${path}`, { method, body: JSON.stringify(body), headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } }),
    deployed,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

const SPELLINGS: [string, RegExp][] = [
  ['http://127.0.0.1/', /loopback/],
  ['http://localhost:8787/', /local host name/],
  ['http://2130706433/', /loopback/],
  ['http://0x7f.1/', /loopback/],
  ['http://[::1]/', /loopback/],
  ['http://[::ffff:127.0.0.1]/', /loopback.*inside IPv6/],
  ['http://10.0.0.1/', /private/],
  ['http://192.168.0.10/', /private/],
  ['http://172.20.0.1/', /private/],
  ['http://100.64.1.1/', /carrier-grade NAT/],
  ['http://169.254.169.254/latest/meta-data/', /link-local/],
  ['http://[fe80::1]/', /link-local/],
  ['http://[fd12::1]/', /unique local/],
  ['http://metadata.google.internal/', /internal host name/],
];

describe('SSRF: outbound URLs set through the admin API must be public', () => {
  it('refuses each private spelling as a destination URL, on create and on edit', async () => {
    const site = await createSite();
    for (const [url, rule] of SPELLINGS) {
      const res = await asDeployed(`/sites/${site}/destinations`, 'POST', { name: 'Hook', url, events: { types: [], names: [] } });
      expect(res.status, url).toBe(400);
      const body = (await res.json()) as { error: { message: string; rule: string } };
      expect(body.error.message, url).toMatch(/^url: /);
      expect(body.error.rule, url).toMatch(rule);
    }
    const ok = await asDeployed(`/sites/${site}/destinations`, 'POST', { id: 'crm', name: 'CRM', url: 'https://hooks.example.com/attune', events: { types: [], names: [] } });
    expect(ok.status).toBe(201);
    const edit = await asDeployed(`/sites/${site}/destinations/crm`, 'PATCH', { url: 'http://[::ffff:a9fe:a9fe]/' });
    expect(edit.status).toBe(400);
  });

  it('refuses each private spelling as a proxy origin, on create and on edit', async () => {
    for (const [url, rule] of SPELLINGS) {
      const key = `ssrf-${crypto.randomUUID().slice(0, 8)}`;
      // An origin is written without a path; a non-canonical spelling (2130706433) is no origin at all.
      const written = url.replace(/^(\w+:\/\/[^/]+).*$/, '$1');
      const res = await asDeployed('/sites', 'POST', { key, name: 'SSRF', proxyOrigin: written, proxyHosts: [`${key}.example.com`] });
      expect(res.status, written).toBe(400);
      const { error } = (await res.json()) as { error: { message: string; rule?: string } };
      if (new URL(written).origin === written) expect(error.rule, written).toMatch(rule);
      else expect(error.message, written).toMatch(/proxyOrigin/);
    }
    const site = await createSite();
    const edit = await asDeployed(`/sites/${site}`, 'PATCH', { proxyOrigin: 'http://169.254.169.254', proxyHosts: [`${site}.example.com`] });
    expect(edit.status).toBe(400);
    const fine = await asDeployed(`/sites/${site}`, 'PATCH', { proxyOrigin: 'https://origin.example.com', proxyHosts: [`${site}.example.com`] });
    expect(fine.status).toBe(200);
  });
});
