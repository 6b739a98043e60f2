import { describe, expect, it } from 'vitest';
import { identitySignature } from '../../edge/profiles/verify';
import { form, session } from './dashboard-helpers';
import { admin, createSite } from './helpers';

/** Identity verification is easy to switch on: the secret, server snippets and a signature test. */
describe('identity verification setup', () => {
  it('admin API: reads, creates and checks the secret', async () => {
    const site = await createSite();
    expect(await (await admin(`/sites/${site}/verification`)).json()).toEqual({ secret: null, required: false });
    const created = await admin(`/sites/${site}/verification/secret`, { method: 'POST' });
    expect(created.status).toBe(201);
    const { secret } = (await created.json()) as { secret: string };
    expect(secret).toMatch(/^avs_[A-Za-z0-9_-]{40,}$/);
    expect(((await (await admin(`/sites/${site}/verification`)).json()) as { secret: string }).secret).toBe(secret);
    // The site's own view still never carries it.
    expect(JSON.stringify(await (await admin(`/sites/${site}`)).json())).not.toContain(secret);
    const good = await identitySignature(secret, 'u-1');
    const check = (signature: string) => admin(`/sites/${site}/verification/check`, { method: 'POST', body: JSON.stringify({ userId: 'u-1', signature }) });
    expect(await (await check(good)).json()).toEqual({ valid: true, expected: good });
    expect(await (await check('00'.repeat(32))).json()).toEqual({ valid: false, expected: good });
  });

  it('dashboard: explains claims, shows the secret and snippets, and tests a signature (escaped)', async () => {
    const site = await createSite();
    const s = await session();
    const first = await s.get(`/dashboard/sites/${site}/verification`);
    expect(first.status).toBe(200);
    expect(first.text).toContain('is a <b>claim</b>');
    expect(first.text).toContain('Cross-device personalization is a verified-identity feature');
    expect(first.text).toContain('Node.js');
    expect(first.text).toContain('Python');
    expect((await s.post(`/dashboard/sites/${site}/verification/secret`, {})).status).toBe(303);
    const { secret } = (await (await admin(`/sites/${site}/verification`)).json()) as { secret: string };
    const shown = await s.get(`/dashboard/sites/${site}/verification`);
    expect(shown.text).toContain(secret);
    const valid = await s.post(`/dashboard/sites/${site}/verification/test`, { userId: 'u-42', signature: await identitySignature(secret, 'u-42') });
    expect(await valid.text()).toContain('Valid: an identify of <code>u-42</code>');
    const hostile = await s.post(`/dashboard/sites/${site}/verification/test`, { userId: '<script>alert(1)</script>', signature: 'x' });
    const text = await hostile.text();
    expect(text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(text).not.toContain('<script>alert(1)');
    // Without the CSRF token nothing changes.
    const before = secret;
    expect((await form(`/dashboard/sites/${site}/verification/secret`, {}, { cookie: s.cookie })).status).toBe(403);
    expect(((await (await admin(`/sites/${site}/verification`)).json()) as { secret: string }).secret).toBe(before);
  });
});
