import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startLocalEdge, type LocalEdge } from '../helpers/edge';

/** The real `@segment/analytics-node` client, pointed at a local `wrangler dev` with the site key as write key. */
let edge: LocalEdge;
const SITE = 'segment-shop';

beforeAll(async () => {
  edge = await startLocalEdge();
  const res = await edge.api('/sites', { method: 'POST', body: JSON.stringify({ key: SITE, name: 'Segment shop' }) });
  expect(res.status).toBe(201);
});

afterAll(async () => {
  await edge?.stop();
});

interface Profile {
  profileId: string;
  traits: Record<string, unknown>;
  identifiers: { type: string; value: string }[];
}

describe('an existing Segment-spec client sending to Attune', () => {
  it('lands events and identity in the profile; a retried batch counts once', async () => {
    const errors: unknown[] = [];
    const analytics = new Analytics({ writeKey: SITE, host: edge.url, flushAt: 20, maxRetries: 2 });
    analytics.on('error', (err) => errors.push(err));
    const requests: number[] = [];
    analytics.on('http_request', () => requests.push(Date.now()));

    const anonymousId = crypto.randomUUID();
    analytics.page({ anonymousId, name: 'Pricing', properties: { url: 'https://shop.test/pricing?utm_source=newsletter', path: '/pricing', title: 'Pricing' } });
    analytics.track({ anonymousId, event: 'Product Viewed', properties: { sku: 'tote-1', price: 32, variant: { color: 'blue' } } });
    analytics.identify({ anonymousId, userId: 'cust-1001', traits: { email: 'grace@example.com', plan: 'team' } });
    analytics.track({ userId: 'cust-1001', event: 'Order Completed', properties: { revenue: 64, currency: 'EUR' } });
    analytics.alias({ userId: 'cust-1001', previousId: 'legacy-crm-77' });
    await analytics.closeAndFlush({ timeout: 20_000 });
    expect(errors).toEqual([]);
    expect(requests.length).toBeGreaterThan(0);

    const profile = await eventually(async () => {
      const res = await edge.api<Profile>(`/sites/${SITE}/profiles/user:cust-1001`);
      return res.status === 200 && res.body;
    });
    expect(profile.identifiers).toContainEqual(expect.objectContaining({ type: 'anonymous', value: anonymousId }));
    expect(profile.traits).toMatchObject({ plan: 'team' });
    expect(profile.traits.email).toMatch(/^[0-9a-f]{64}$/); // hashed, never stored in clear
    const byEmail = await edge.api<Profile>(`/sites/${SITE}/profiles/email:grace@example.com`);
    expect(byEmail.body.profileId).toBe(profile.profileId);

    const { body } = await edge.api<{ events: { id: string; type: string; name: string | null; props: Record<string, unknown> | null }[] }>(
      `/sites/${SITE}/profiles/user:cust-1001/events`,
    );
    const names = body.events.map((e) => `${e.type}:${e.name ?? ''}`);
    expect(names).toEqual(expect.arrayContaining(['page:Pricing', 'track:Product Viewed', 'identify:', 'track:Order Completed']));
    expect(body.events.find((e) => e.name === 'Product Viewed')!.props).toMatchObject({ sku: 'tote-1', price: 32, 'variant.color': 'blue' });
    expect(body.events.find((e) => e.name === 'Pricing')!.props).toMatchObject({ utm_source: 'newsletter' });
    expect(body.events.find((e) => e.name === 'Order Completed')!.id).toMatch(/^node-next-/); // messageId → event id

    // The client retries a batch whose answer it never saw: the same messageIds count once.
    const resend = await fetch(`${edge.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${SITE}:`).toString('base64')}` },
      body: JSON.stringify({ batch: body.events.filter((e) => e.type === 'track').map((e) => ({ type: 'track', userId: 'cust-1001', event: e.name, messageId: e.id })) }),
    });
    expect(await resend.json()).toMatchObject({ success: true, accepted: 0, duplicates: 2 });
  });

  it('a wrong write key is refused with 401 and the client reports it', async () => {
    const errors: unknown[] = [];
    const analytics = new Analytics({ writeKey: 'no-such-site', host: edge.url, maxRetries: 0 });
    const statuses: number[] = [];
    analytics.on('error', (err) => errors.push(err));
    analytics.on('http_response', (res) => statuses.push(res.status));
    analytics.track({ anonymousId: crypto.randomUUID(), event: 'X' });
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(statuses[0]).toBe(401);
    expect(errors).toContainEqual(expect.objectContaining({ code: 'delivery_failure' }));
  });
});
