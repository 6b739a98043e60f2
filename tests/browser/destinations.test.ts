import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startLocalEdge, type LocalEdge } from '../helpers/edge';
import { startReceiver, verifyWebhook } from '../helpers/webhook-receiver';

/**
 * Webhooks through the real local runtime: `wrangler dev` runs the attune-destinations queue
 * (producer and consumer) in Miniflare, and the receiver is a Node server on 127.0.0.1.
 */
let edge: LocalEdge;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
const secrets: Record<string, string> = {};
let downHealthy = false;

const SITE = 'hooks';
const id = () => crypto.randomUUID().replace(/-/g, '');

beforeAll(async () => {
  receiver = await startReceiver(
    () => secrets,
    (path, attempt) => (path === '/flaky' ? (attempt <= 2 ? 500 : 200) : path === '/down' ? (downHealthy ? 200 : 503) : 200),
  );
  edge = await startLocalEdge({ DESTINATION_RETRY_SECONDS: '1' });
  const site = await edge.api('/sites', { method: 'POST', body: JSON.stringify({ key: SITE, name: 'Hooks' }) });
  expect(site.status).toBe(201);
  const audience = await edge.api(`/sites/${SITE}/audiences`, {
    method: 'POST',
    body: JSON.stringify({ id: 'on-cart', name: 'On the cart page', rule: { field: 'path', op: 'eq', value: '/cart' } }),
  });
  expect(audience.status).toBe(201);
});

afterAll(async () => {
  await edge?.stop();
  await receiver?.stop();
});

async function destination(path: string, body: Record<string, unknown>): Promise<string> {
  const res = await edge.api<{ id: string; secret: string }>(`/sites/${SITE}/destinations`, {
    method: 'POST',
    body: JSON.stringify({ name: path, url: receiver.url + path, ...body }),
  });
  expect(res.status).toBe(201);
  secrets[path] = res.body.secret;
  return res.body.id;
}

function collect(anonymousId: string, events: Record<string, unknown>[]) {
  return fetch(`${edge.url}/v1/collect`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({ site: SITE, anonymousId, events: events.map((e) => ({ id: `evt_${id()}`, ts: Date.now(), ...e })) }),
  });
}

function decide(anonymousId: string, url: string) {
  return fetch(`${edge.url}/v1/decide`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({ site: SITE, anonymousId, context: { url } }),
  });
}

describe('webhook destinations through wrangler dev and its local queue', () => {
  it('sends signed events and audience entered / exited; a replayed capture is refused', async () => {
    await destination('/ok', { events: { names: ['Signup'] }, audiences: { ids: ['on-cart'] } });
    const anonymousId = `anon_${id()}`;
    expect((await collect(anonymousId, [{ type: 'track', name: 'Signup', props: { plan: 'pro' } }, { type: 'track', name: 'Ignored' }])).status).toBe(202);
    expect((await decide(anonymousId, 'https://shop.test/cart')).status).toBe(200);
    expect((await decide(anonymousId, 'https://shop.test/cart')).status).toBe(200); // still in: nothing new
    expect((await decide(anonymousId, 'https://shop.test/')).status).toBe(200);

    const got = await eventually(async () => {
      const ok = receiver.accepted('/ok');
      return ok.length >= 3 && ok;
    }, 120);
    await new Promise((r) => setTimeout(r, 1500)); // nothing more should come
    const ok = receiver.accepted('/ok');
    expect(ok.map((d) => d.payload.type).sort()).toEqual(['audience.entered', 'audience.exited', 'event']);
    expect(got.find((d) => d.payload.type === 'event')!.payload.event).toMatchObject({ name: 'Signup', props: { plan: 'pro' } });
    expect(ok.find((d) => d.payload.type === 'audience.entered')!.payload.audience).toEqual({ id: 'on-cart' });
    for (const d of ok) {
      expect(d.headers['content-type']).toMatch(/application\/json/);
      expect(d.headers['x-attune-idempotency-key']).toBe(d.payload.id);
      expect(verifyWebhook(secrets['/ok']!, d.body, d.headers['x-attune-signature'])).toBe(true);
      // The same request captured and sent again ten minutes later: the timestamp gives it away.
      expect(verifyWebhook(secrets['/ok']!, d.body, d.headers['x-attune-signature'], Math.floor(Date.now() / 1000) + 600)).toBe(false);
      // A forged body under the real header, or the right body with another secret, is refused.
      expect(verifyWebhook(secrets['/ok']!, d.body.replace('"site"', '"sitx"'), d.headers['x-attune-signature'])).toBe(false);
      expect(verifyWebhook('whsec_other', d.body, d.headers['x-attune-signature'])).toBe(false);
    }
    expect(receiver.all.filter((d) => d.path === '/ok' && d.status === 401)).toEqual([]);
  });

  it('retries with backoff; a receiver failing twice gets each payload exactly once', async () => {
    const dest = await destination('/flaky', { events: { names: ['Order'] }, maxAttempts: 5 });
    const anonymousId = `anon_${id()}`;
    expect((await collect(anonymousId, [{ type: 'track', name: 'Order', props: { n: 1 } }, { type: 'track', name: 'Order', props: { n: 2 } }])).status).toBe(202);
    await eventually(async () => receiver.accepted('/flaky').length === 2, 160);
    const tries = receiver.all.filter((d) => d.path === '/flaky');
    expect(tries).toHaveLength(6); // 2 payloads × (500, 500, 200)
    expect(new Set(tries.map((d) => d.headers['x-attune-idempotency-key'])).size).toBe(2);
    // The same bytes every time: the body is made once, only the signature's timestamp changes.
    for (const key of new Set(tries.map((d) => d.headers['x-attune-idempotency-key']))) {
      expect(new Set(tries.filter((d) => d.headers['x-attune-idempotency-key'] === key).map((d) => d.body)).size).toBe(1);
    }
    expect(tries.map((d) => d.headers['x-attune-attempt']).sort()).toEqual(['1', '1', '2', '2', '3', '3']);
    const log = await edge.api<{ deliveries: { outcome: string; status: number; attempt: number }[] }>(`/sites/${SITE}/destinations/${dest}/deliveries`);
    expect(log.body.deliveries.map((d) => d.outcome).sort()).toEqual(['delivered', 'delivered', 'retry', 'retry', 'retry', 'retry']);
  });

  it('dead-letters after the last attempt, and a replay delivers it once', async () => {
    const dest = await destination('/down', { events: { names: ['Refund'] }, maxAttempts: 2 });
    const anonymousId = `anon_${id()}`;
    expect((await collect(anonymousId, [{ type: 'track', name: 'Refund' }])).status).toBe(202);
    const letters = await eventually(async () => {
      const res = await edge.api<{ deadLetters: { id: string; key: string; attempts: number; lastStatus: number }[] }>(`/sites/${SITE}/destinations/${dest}/dead-letters`);
      return res.body.deadLetters.length === 1 && res.body.deadLetters;
    }, 120);
    expect(letters[0]).toMatchObject({ attempts: 2, lastStatus: 503 });
    expect(receiver.accepted('/down')).toEqual([]);

    downHealthy = true;
    const replay = await edge.api<{ replayed: string[] }>(`/sites/${SITE}/destinations/${dest}/dead-letters/${letters[0]!.id}/replay`, { method: 'POST' });
    expect(replay.status).toBe(202);
    await eventually(async () => receiver.accepted('/down').length === 1, 120);
    expect(receiver.accepted('/down')[0]!.payload.id).toBe(letters[0]!.key);
    const after = await edge.api<{ deadLetters: unknown[] }>(`/sites/${SITE}/destinations/${dest}/dead-letters`);
    expect(after.body.deadLetters).toEqual([]);
  });

  it('POST /test delivers a signed test message synchronously', async () => {
    const dest = await destination('/test-hook', { events: {} });
    const res = await edge.api<{ delivered: boolean; status: number }>(`/sites/${SITE}/destinations/${dest}/test`, { method: 'POST' });
    expect(res.body).toMatchObject({ delivered: true, status: 200 });
    expect(receiver.accepted('/test-hook')[0]!.payload.type).toBe('test');
  });
});
