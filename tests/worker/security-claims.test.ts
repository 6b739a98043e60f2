import { describe, expect, it } from 'vitest';
import type { DecideResponse } from '../../protocol/decide';
import { identitySignature } from '../../edge/profiles/verify';
import { admin, anon, call, createSite, event, hashEmail, post } from './helpers';

/**
 * Knowing someone's user id or email reveals nothing about them. On a site with default settings
 * an unsigned identify is a claim: it joins the browser to the person for measurement, but the
 * claiming browser is decided only from what it sent itself. Signed identifies (the site's server
 * vouches) are what personalizes across devices.
 */
const PERSONAL = '<p>Hi {{traits.firstName | default:"there"}} | plan={{traits.plan}} | company={{traits.company}} | <a href="{{traits.website | default:"/account"}}">site</a></p>';
const VICTIM_TRAITS = { firstName: 'Victoria', plan: 'enterprise', company: 'Acme', website: 'https://acme.example' };

async function setup(extra: Record<string, unknown> = {}) {
  const site = await createSite(extra);
  const res = await admin(`/sites/${site}/experiences`, {
    method: 'POST',
    body: JSON.stringify({ id: 'hero', name: 'Hero', slot: 'hero', status: 'running', variants: [{ key: 'hi', weight: 1, content: { type: 'html', value: PERSONAL } }] }),
  });
  expect(res.status).toBe(201);
  const aud = await admin(`/sites/${site}/audiences`, {
    method: 'POST',
    body: JSON.stringify({ id: 'enterprise', name: 'Enterprise', rule: { field: 'traits.plan', op: 'eq', value: 'enterprise' } }),
  });
  expect(aud.status).toBe(201);
  return site;
}

async function collect(site: string, anonymousId: string, events: unknown[]): Promise<string> {
  const res = await post('/v1/collect', { site, anonymousId, events });
  expect(res.status).toBe(202);
  return ((await res.json()) as { profileToken: string }).profileToken;
}

async function decide(site: string, anonymousId: string, profileToken?: string): Promise<DecideResponse> {
  const res = await post('/v1/decide', { site, anonymousId, slots: ['hero'], context: { url: 'https://shop.test/' }, ...(profileToken && { profileToken }) });
  expect(res.status).toBe(200);
  return (await res.json()) as DecideResponse;
}

const hero = (d: DecideResponse) => {
  const c = d.decisions.hero?.content;
  return c && (c.type === 'html' || c.type === 'text') ? c.value : '';
};

/** The victim: a customer's browser that identified (as the tag does, unsigned) with their traits. */
async function victim(site: string, traits: Record<string, unknown> = VICTIM_TRAITS): Promise<string> {
  const browser = anon();
  await collect(site, browser, [event(), event('identify', { userId: 'cust-victoria', traits: { ...traits, email: await hashEmail('victoria@acme.example') } })]);
  expect(hero(await decide(site, browser))).toContain('Hi Victoria | plan=enterprise | company=Acme');
  return browser;
}

/** What must hold after an attacker's claim: their browser sees only itself; the victim keeps everything. */
async function expectNothingLeaked(site: string, victimBrowser: string, attacker: string, token: string, attackerSees: string) {
  for (const view of [await decide(site, attacker), await decide(site, attacker, token)]) {
    expect(hero(view)).toBe(attackerSees);
    expect(view.audiences).not.toContain('enterprise');
    expect(JSON.stringify(view)).not.toMatch(/Victoria|Acme|enterprise/);
  }
  const own = hero(await decide(site, victimBrowser));
  expect(own).toContain('Hi Victoria | plan=enterprise | company=Acme');
  expect(own).toContain('href="https://acme.example"');
}

describe('claims: an unsigned identify never reveals or overwrites another device’s data', () => {
  it('claiming a customer’s user id joins for measurement but shows the claimant only itself', async () => {
    const site = await setup();
    const victimBrowser = await victim(site);
    const attacker = anon();
    const token = await collect(site, attacker, [event('identify', { userId: 'cust-victoria', traits: { plan: 'free', website: 'javascript:alert(document.cookie)' } })]);
    // Its own planted trait is all it sees, and the javascript: link it planted becomes the default.
    await expectNothingLeaked(site, victimBrowser, attacker, token, '<p>Hi there | plan=free | company= | <a href="/account">site</a></p>');
    // The claim did join the person, for measurement: both browsers are one profile.
    const person = (await (await admin(`/sites/${site}/profiles/user:cust-victoria`)).json()) as { identifiers: { value: string }[]; browsers: { anonymousId: string; verified: boolean }[] };
    expect(person.identifiers.map((i) => i.value)).toEqual(expect.arrayContaining([victimBrowser, attacker]));
    expect(person.browsers.every((b) => !b.verified)).toBe(true);
  });

  it('claiming only the SHA-256 of the customer’s email shows nothing either', async () => {
    const site = await setup();
    const victimBrowser = await victim(site);
    const attacker = anon();
    const token = await collect(site, attacker, [event('identify', { traits: { email: await hashEmail('Victoria@Acme.example'), firstName: 'Mallory' } })]);
    for (const view of [await decide(site, attacker), await decide(site, attacker, token)]) {
      expect(hero(view)).toBe('<p>Hi Mallory | plan= | company= | <a href="/account">site</a></p>');
    }
    expect(hero(await decide(site, victimBrowser))).toContain('Hi Victoria | plan=enterprise');
  });

  it('claiming the user id through Segment’s /v1/identify with the public write key shows nothing either', async () => {
    const site = await setup();
    const victimBrowser = await victim(site);
    const attacker = anon();
    const res = await call('/v1/identify', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${btoa(`${site}:`)}` },
      body: JSON.stringify({ anonymousId: attacker, userId: 'cust-victoria', traits: { plan: 'free', firstName: 'Mallory' }, messageId: `m-${attacker}` }),
    });
    expect(res.status).toBe(200);
    const view = await decide(site, attacker);
    expect(hero(view)).not.toMatch(/Victoria|enterprise|Acme/);
    expect(hero(await decide(site, victimBrowser))).toContain('Hi Victoria | plan=enterprise | company=Acme');
  });

  it('hashes a plaintext email sent to /v1/collect by a non-tag client: no profile, export or placeholder holds it', async () => {
    const site = await createSite();
    await admin(`/sites/${site}/experiences`, {
      method: 'POST',
      body: JSON.stringify({ id: 'mail', name: 'Mail', slot: 'hero', status: 'running', variants: [{ key: 'm', weight: 1, content: { type: 'text', value: 'Mail: {{traits.email}} / {{traits.work_email}} / {{traits.phone}}' } }] }),
    });
    const browser = anon();
    await collect(site, browser, [event('identify', { userId: 'u-plain', traits: { email: ' Victoria@Acme.example ', work_email: 'v@acme.example', phone: '+41 79 123 45 67', note: 'ok' } })]);
    const expected = await hashEmail('victoria@acme.example');
    const profile = (await (await admin(`/sites/${site}/profiles/user:u-plain`)).json()) as { traits: Record<string, unknown> };
    expect(profile.traits.email).toBe(expected);
    expect(profile.traits.note).toBe('ok');
    const exported = await (await admin(`/sites/${site}/profiles/user:u-plain/export`)).text();
    expect(exported).not.toMatch(/acme\.example|123 45 67/i);
    expect(JSON.stringify(await decide(site, browser))).not.toMatch(/acme\.example|123 45 67/i);
    // Hashed as the tag hashes it, so the email joins like one the tag sent.
    expect((await admin(`/sites/${site}/profiles/email:victoria@acme.example`)).status).toBe(200);
  });
});

describe('verified identity still personalizes across devices', () => {
  it('shows a verified browser what the person’s other verified browsers sent, and no claimant’s traits', async () => {
    const secret = 'site-secret-0123456789abcdef';
    const site = await setup({ verificationSecret: secret });
    const signature = await identitySignature(secret, 'cust-victoria');
    const laptop = anon();
    await collect(site, laptop, [event(), event('identify', { userId: 'cust-victoria', signature, traits: VICTIM_TRAITS })]);
    // A claimant (unsigned; the site does not require signatures, so it joins for measurement).
    const attacker = anon();
    await collect(site, attacker, [event('identify', { userId: 'cust-victoria', traits: { firstName: 'Mallory', plan: 'free' } })]);
    // The customer's phone signs in: it sees the laptop's traits, never the claimant's.
    const phone = anon();
    await collect(site, phone, [event('identify', { userId: 'cust-victoria', signature })]);
    const onPhone = await decide(site, phone);
    expect(hero(onPhone)).toContain('Hi Victoria | plan=enterprise | company=Acme');
    expect(onPhone.audiences).toContain('enterprise');
    expect(hero(await decide(site, laptop))).toContain('Hi Victoria | plan=enterprise');
    expect(hero(await decide(site, attacker))).toBe('<p>Hi Mallory | plan=free | company= | <a href="/account">site</a></p>');
    const person = (await (await admin(`/sites/${site}/profiles/user:cust-victoria`)).json()) as { browsers: { anonymousId: string; verified: boolean }[] };
    expect(Object.fromEntries(person.browsers.map((b) => [b.anonymousId, b.verified]))).toEqual({ [laptop]: true, [attacker]: false, [phone]: true });
  });
});
