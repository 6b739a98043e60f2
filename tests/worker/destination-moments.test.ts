import { afterEach, describe, expect, it, vi } from 'vitest';
import { MOMENT_NAMES, type WebhookPayload } from '../../protocol/destinations';
import { OVERLAY_CLICK, OVERLAY_DISMISS } from '../../protocol/triggers';
import { verifySignature } from '../../edge/destinations/sign';
import { profileIdForAnonymous } from '../../edge/profiles/address';
import { admin, anon, createSite, event, hashEmail, post } from './helpers';

/**
 * Moments: a destination subscribes to `experience.shown` / `overlay.clicked` / `overlay.dismissed`
 * by name, and its webhook says which experience, variant and button, and who the person is —
 * so a CRM can follow up by email. The receiver is this test: the worker runs in the test's
 * isolate, so its outbound `fetch` (the queue consumer's delivery) is the one stubbed here.
 */
const HOOKS = 'https://crm.example';

interface Received {
  path: string;
  body: string;
  payload: WebhookPayload;
  signature: string | null;
}

/** Answers 200 to every webhook for HOOKS and records it; anything else goes out as usual. */
function receiver() {
  const got: Received[] = [];
  const real = globalThis.fetch;
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    if (!req.url.startsWith(HOOKS)) return real(input, init);
    const body = await req.text();
    got.push({ path: new URL(req.url).pathname, body, payload: JSON.parse(body) as WebhookPayload, signature: req.headers.get('x-attune-signature') });
    return new Response('{}', { status: 200 });
  });
  const at = (path: string) => got.filter((r) => r.path === path);
  return {
    at,
    /** Waits until `path` got at least `n` webhooks (the queue delivers after a batch fills or a second passes). */
    async waitFor(path: string, n: number): Promise<Received[]> {
      for (let i = 0; i < 200 && at(path).length < n; i++) await new Promise((r) => setTimeout(r, 50));
      return at(path);
    },
  };
}

afterEach(() => vi.restoreAllMocks());

async function createDestination(site: string, body: Record<string, unknown>) {
  return admin(`/sites/${site}/destinations`, { method: 'POST', body: JSON.stringify({ name: 'Hook', ...body }) });
}

async function created(site: string, body: Record<string, unknown>): Promise<{ id: string; secret: string; moments: string[] }> {
  const res = await createDestination(site, body);
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { id: string; secret: string; moments: string[] };
}

const errorOf = async (res: Response) => ((await res.json()) as { error: { message: string } }).error.message;

describe('destination moments: the admin API', () => {
  it('takes moments on their own, names a bad one in a 400, and keeps the events filter as it was', async () => {
    const site = await createSite();
    const url = `${HOOKS}/a`;
    const d = await created(site, { id: 'crm', url, moments: ['overlay.clicked', 'experience.shown'] });
    expect(d).toMatchObject({ moments: ['overlay.clicked', 'experience.shown'], events: null, audiences: null });

    const bad = await createDestination(site, { url, moments: ['overlay.clicked', 'overlay.clickd'] });
    expect(bad.status).toBe(400);
    const message = await errorOf(bad);
    expect(message).toContain('moments[1]');
    expect(message).toContain('"overlay.clickd"');
    expect(message).toContain(MOMENT_NAMES.join(', '));
    const twice = await createDestination(site, { url, moments: ['experience.shown', 'experience.shown'] });
    expect(twice.status).toBe(400);
    expect(await errorOf(twice)).toMatch(/moments: names a moment twice/);
    const patchBad = await admin(`/sites/${site}/destinations/crm`, { method: 'PATCH', body: JSON.stringify({ moments: ['page.viewed'] }) });
    expect(patchBad.status).toBe(400);
    expect(await errorOf(patchBad)).toContain('"page.viewed"');
    // No moments, events or audiences: still a destination that hears nothing.
    const deaf = await createDestination(site, { url, moments: [] });
    expect(deaf.status).toBe(400);
    expect(await errorOf(deaf)).toMatch(/set events or audiences/);

    // An events-only destination is as before, with no moments.
    const legacy = await created(site, { id: 'legacy', url, events: { names: ['Signup'] } });
    expect(legacy).toMatchObject({ events: { types: [], names: ['Signup'] }, moments: [] });
    // Unsubscribing from every moment of a moments-only destination leaves it deaf: refused.
    const off = await admin(`/sites/${site}/destinations/crm`, { method: 'PATCH', body: JSON.stringify({ moments: [] }) });
    expect(off.status).toBe(400);
    const patched = await admin(`/sites/${site}/destinations/legacy`, { method: 'PATCH', body: JSON.stringify({ moments: ['overlay.dismissed'] }) });
    expect(await patched.json()).toMatchObject({ events: { names: ['Signup'] }, moments: ['overlay.dismissed'] });
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await (await admin('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { description?: string; requestBody: { content: Record<string, { schema: { properties: Record<string, { items?: { enum?: string[] } }> } }> } }>>;
    };
    const create = doc.paths['/api/sites/{site}/destinations']!.post!;
    expect(create.requestBody.content['application/json']!.schema.properties.moments?.items?.enum).toEqual(MOMENT_NAMES);
    expect(create.description).toContain('`overlay.clicked` (track `$overlay_click`)');
    const patch = doc.paths['/api/sites/{site}/destinations/{id}']!.patch!;
    expect(patch.requestBody.content['application/json']!.schema.properties.moments?.items?.enum).toEqual(MOMENT_NAMES);
  });
});

describe('destination moments: webhooks from /v1/collect', () => {
  it('sends overlay.clicked and experience.shown to who subscribed, with the experience, the button and the person', async () => {
    const hooks = receiver();
    const site = await createSite();
    const clicks = await created(site, { id: 'clicks', url: `${HOOKS}/clicks`, moments: ['overlay.clicked'] });
    const shown = await created(site, { id: 'shown', url: `${HOOKS}/shown`, moments: ['experience.shown'] });
    // Hears the click by name only: its webhook is an event webhook as before, no moment fields.
    await created(site, { id: 'by-name', url: `${HOOKS}/by-name`, events: { names: [OVERLAY_CLICK] } });
    // Hears both ways: one webhook, as a moment.
    await created(site, { id: 'both', url: `${HOOKS}/both`, events: { types: ['track'] }, moments: ['overlay.clicked'] });

    const anonymousId = anon();
    const email = await hashEmail('ada@example.com');
    expect((await post('/v1/collect', { site, anonymousId, events: [event('identify', { userId: 'user-ada', traits: { email, plan: 'pro' } })] })).status).toBe(202);
    const exposure = event('track', { name: '$exposure', props: { slot: 'overlay:spring', experience: 'spring', variant: 'ten-off' } });
    const click = event('track', { name: OVERLAY_CLICK, props: { experience: 'spring', variant: 'ten-off', label: 'Get 10% off', url: 'https://shop.test/offer' } });
    const dismiss = event('track', { name: OVERLAY_DISMISS, props: { experience: 'spring', variant: 'ten-off' } });
    expect((await post('/v1/collect', { site, anonymousId, events: [exposure, click, dismiss] })).status).toBe(202);
    const profileId = await profileIdForAnonymous(site, anonymousId);

    const [got] = await hooks.waitFor('/clicks', 1);
    await hooks.waitFor('/shown', 1);
    await hooks.waitFor('/by-name', 1);
    await hooks.waitFor('/both', 3); // identify is not track; exposure and dismiss by type, the click as a moment
    await new Promise((r) => setTimeout(r, 1500)); // nothing more should come

    expect(hooks.at('/clicks')).toHaveLength(1);
    expect(await verifySignature(clicks.secret, got!.body, got!.signature, Math.floor(Date.now() / 1000))).toBe(true);
    expect(got!.payload).toMatchObject({
      id: `evt_${profileId}_${click.id}`,
      type: 'event',
      site,
      destination: 'clicks',
      profileId,
      moment: 'overlay.clicked',
      experience: { id: 'spring', variant: 'ten-off' },
      button: { label: 'Get 10% off', url: 'https://shop.test/offer' },
      event: { id: click.id, type: 'track', name: OVERLAY_CLICK, anonymousId, props: { experience: 'spring', variant: 'ten-off', label: 'Get 10% off' } },
    });
    expect(got!.payload.person).toEqual({
      identifiers: expect.arrayContaining([{ type: 'user', value: 'user-ada' }, { type: 'email', value: email }]),
      traits: { email, plan: 'pro' },
      verified: false,
    });
    expect(got!.payload.person!.identifiers.some((i) => i.type === 'anonymous')).toBe(false);

    // Subscribed to experience.shown only: the exposure, never the click or the dismissal.
    const s = hooks.at('/shown');
    expect(s.map((r) => r.payload.event?.name)).toEqual(['$exposure']);
    expect(await verifySignature(shown.secret, s[0]!.body, s[0]!.signature, Math.floor(Date.now() / 1000))).toBe(true);
    expect(s[0]!.payload).toMatchObject({
      moment: 'experience.shown',
      experience: { id: 'spring', variant: 'ten-off', slot: 'overlay:spring' },
      person: { identifiers: expect.arrayContaining([{ type: 'user', value: 'user-ada' }]) },
    });
    expect(s[0]!.payload.button).toBeUndefined();

    // The events filter alone: the webhook exactly as before moments existed.
    const byName = hooks.at('/by-name');
    expect(byName.map((r) => r.payload.event?.name)).toEqual([OVERLAY_CLICK]);
    expect(Object.keys(byName[0]!.payload).sort()).toEqual(['createdAt', 'destination', 'event', 'id', 'profileId', 'site', 'type']);

    const both = hooks.at('/both');
    expect(both.map((r) => r.payload.event?.name).sort()).toEqual(['$exposure', OVERLAY_CLICK, OVERLAY_DISMISS].sort());
    expect(new Set(both.map((r) => r.payload.id)).size).toBe(3);
    expect(both.find((r) => r.payload.event?.name === OVERLAY_CLICK)!.payload.moment).toBe('overlay.clicked');
    expect(both.find((r) => r.payload.event?.name === '$exposure')!.payload.moment).toBeUndefined();
  });

  it('leaves out events of a moment name that are about no experience', async () => {
    const hooks = receiver();
    const site = await createSite();
    await created(site, { id: 'clicks', url: `${HOOKS}/clicks`, moments: ['overlay.clicked'] });
    const anonymousId = anon();
    const stray = event('track', { name: OVERLAY_CLICK, props: { label: 'no experience' } });
    const real = event('track', { name: OVERLAY_CLICK, props: { experience: 'spring', variant: null, label: 'Close' } });
    expect((await post('/v1/collect', { site, anonymousId, events: [stray, real] })).status).toBe(202);
    await hooks.waitFor('/clicks', 1);
    await new Promise((r) => setTimeout(r, 1500));
    const got = hooks.at('/clicks');
    expect(got.map((r) => r.payload.event?.id)).toEqual([real.id]);
    expect(got[0]!.payload).toMatchObject({ experience: { id: 'spring', variant: null }, button: { label: 'Close' }, person: { identifiers: [], traits: {} } });
    expect(got[0]!.payload.button).not.toHaveProperty('url');
  });
});
