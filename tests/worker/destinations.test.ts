import { createExecutionContext, createMessageBatch, getQueueResult, runInDurableObject } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import type { Env } from '../../edge/env';
import worker from '../../edge/index';
import { describe, expect, it } from 'vitest';
import { backoffSeconds, type DestinationMessage } from '../../edge/destinations/message';
import { signatureHeader, verifySignature } from '../../edge/destinations/sign';
import type { ProfileObject } from '../../edge/objects/profile';
import { profileIdForAnonymous } from '../../edge/profiles/address';
import { admin, anon, call, createSite, event, post } from './helpers';
import { profileStub } from '../../edge/objects/stubs';

const env = workerEnv as unknown as Env; // the test project's bindings are the edge's

/** Nothing listens here: every delivery fails fast. */
const DEAD_URL = 'http://127.0.0.1:9/hook';

async function createDestination(site: string, body: Record<string, unknown>) {
  const res = await admin(`/sites/${site}/destinations`, { method: 'POST', body: JSON.stringify({ name: 'Hook', url: DEAD_URL, ...body }) });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; secret: string; maxAttempts: number };
}

/** The messages waiting in a profile's destination outbox. */
async function outbox(site: string, anonymousId: string): Promise<DestinationMessage[]> {
  const stub = profileStub(env, site, await profileIdForAnonymous(site, anonymousId));
  return runInDurableObject(stub, (_o: ProfileObject, state) =>
    state.storage.sql.exec<{ body: string }>('SELECT body FROM dest_outbox').toArray().map((r) => JSON.parse(r.body) as DestinationMessage),
  );
}

async function consume(messages: { body: DestinationMessage; attempts: number }[]) {
  const batch = createMessageBatch<DestinationMessage>(
    'attune-destinations',
    messages.map((m, i) => ({ id: `m${i}`, timestamp: Date.now(), attempts: m.attempts, body: m.body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  return getQueueResult(batch, ctx);
}

describe('destinations admin API', () => {
  it('shows the secret once, validates bodies and lists, patches and deletes', async () => {
    const site = await createSite();
    const created = await createDestination(site, { id: 'crm', events: { names: ['Signup'] } });
    expect(created.secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    expect(created).toMatchObject({ id: 'crm', enabled: true, maxAttempts: 8, events: { types: [], names: ['Signup'] }, audiences: null });

    const got = (await (await admin(`/sites/${site}/destinations/crm`)).json()) as Record<string, unknown>;
    expect(got.secret).toBeUndefined();
    const list = (await (await admin(`/sites/${site}/destinations`)).json()) as { destinations: Record<string, unknown>[] };
    expect(list.destinations.map((d) => d.id)).toEqual(['crm']);
    expect(JSON.stringify(list)).not.toContain(created.secret);

    const bad = await admin(`/sites/${site}/destinations`, { method: 'POST', body: JSON.stringify({ name: 'x', url: 'ftp://nope' }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/url: must be an absolute http\(s\) URL/);
    const deaf = await admin(`/sites/${site}/destinations`, { method: 'POST', body: JSON.stringify({ name: 'x', url: DEAD_URL }) });
    expect(deaf.status).toBe(400);
    expect(await deaf.text()).toMatch(/set events or audiences/);
    const dup = await admin(`/sites/${site}/destinations`, { method: 'POST', body: JSON.stringify({ id: 'crm', name: 'x', url: DEAD_URL, events: {} }) });
    expect(dup.status).toBe(409);

    const patched = await admin(`/sites/${site}/destinations/crm`, { method: 'PATCH', body: JSON.stringify({ enabled: false, rotateSecret: true }) });
    const p = (await patched.json()) as { enabled: boolean; secret: string };
    expect(p.enabled).toBe(false);
    expect(p.secret).toMatch(/^whsec_/);
    expect(p.secret).not.toBe(created.secret);
    const noop = (await (await admin(`/sites/${site}/destinations/crm`, { method: 'PATCH', body: JSON.stringify({ name: 'CRM' }) })).json()) as Record<string, unknown>;
    expect(noop.secret).toBeUndefined();

    expect((await admin(`/sites/${site}/destinations/crm`, { method: 'DELETE' })).status).toBe(204);
    expect((await admin(`/sites/${site}/destinations/crm`)).status).toBe(404);
    expect((await admin(`/sites/nope-${Date.now()}/destinations`)).status).toBe(404);
  });

  it('POST /:id/test reports what the receiver said and logs the attempt', async () => {
    const site = await createSite();
    const d = await createDestination(site, { events: {} });
    const res = (await (await admin(`/sites/${site}/destinations/${d.id}/test`, { method: 'POST' })).json()) as { delivered: boolean; status: number; error: string };
    expect(res.delivered).toBe(false);
    expect(res.status).toBe(0);
    expect(res.error).toBeTruthy();
    const { deliveries } = (await (await admin(`/sites/${site}/destinations/${d.id}/deliveries`)).json()) as { deliveries: { type: string; outcome: string }[] };
    expect(deliveries[0]).toMatchObject({ type: 'test', outcome: 'test', ok: false });
  });
});

describe('routing inside the profile', () => {
  it('routes matching events once per event id, through the outbox and the local queue to the consumer', async () => {
    const site = await createSite();
    // One attempt each: the receiver is unreachable, so every message goes straight to the dead letters.
    await createDestination(site, { id: 'signups', events: { names: ['Signup'] }, maxAttempts: 1 });
    await createDestination(site, { id: 'pages', events: { types: ['page'] }, maxAttempts: 1 });
    const anonymousId = anon();
    const signup = event('track', { name: 'Signup', props: { plan: 'pro' } });
    const page = event('page');
    const batch = { site, anonymousId, events: [page, signup, event('track', { name: 'Other' })] };
    expect((await post('/v1/collect', batch)).status).toBe(202);
    expect((await post('/v1/collect', batch)).status).toBe(202); // a retried batch routes nothing twice
    const profileId = await profileIdForAnonymous(site, anonymousId);
    // The vitest plugin runs the queue's consumer too (Miniflare): the attempts show up in the log.
    const letters = async (dest: string) =>
      ((await (await admin(`/sites/${site}/destinations/${dest}/dead-letters`)).json()) as { deadLetters: { key: string }[] }).deadLetters.map((l) => l.key);
    for (let i = 0; i < 100 && ((await letters('signups')).length < 1 || (await letters('pages')).length < 1); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1500)); // nothing more should come
    expect(await letters('signups')).toEqual([`evt_${profileId}_${signup.id}`]);
    expect(await letters('pages')).toEqual([`evt_${profileId}_${page.id}`]);
    expect(await outbox(site, anonymousId)).toEqual([]); // the queue took everything
  });

  it('sends an event too large for a queue message without its props, so it never blocks the outbox', async () => {
    const site = await createSite();
    await createDestination(site, { id: 'all', events: {}, maxAttempts: 1 });
    const anonymousId = anon();
    const properties = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`p${i}`, 'x'.repeat(2000)]));
    const res = await call('/v1/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${btoa(`${site}:`)}` },
      body: JSON.stringify({ batch: [{ type: 'track', anonymousId, event: 'Huge', properties }, { type: 'track', anonymousId, event: 'Small' }] }),
    });
    expect(res.status).toBe(200);
    const letters = async () =>
      ((await (await admin(`/sites/${site}/destinations/all/dead-letters`)).json()) as { deadLetters: { message: DestinationMessage }[] }).deadLetters;
    for (let i = 0; i < 100 && (await letters()).length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    const byName = new Map((await letters()).map((l) => [l.message.payload.event?.name, l.message.payload.event?.props]));
    expect(byName.get('Huge')).toEqual({ truncated: true });
    expect(byName.get('Small')).toBeNull();
  });

  it('emits audience.entered and audience.exited from decide, once per change', async () => {
    const site = await createSite();
    await admin(`/sites/${site}/audiences`, {
      method: 'POST',
      body: JSON.stringify({ id: 'pricing-fans', name: 'Pricing fans', rule: { event: 'Viewed pricing', atLeast: 2, withinDays: 7 } }),
    });
    await admin(`/sites/${site}/audiences`, {
      method: 'POST',
      body: JSON.stringify({ id: 'on-cart', name: 'On cart', rule: { field: 'path', op: 'eq', value: '/cart' } }),
    });
    const hub = await createDestination(site, { id: 'aud', audiences: { ids: ['pricing-fans', 'on-cart'] }, maxAttempts: 1 });
    expect(hub.id).toBe('aud');
    const anonymousId = anon();
    const decide = (url: string) => post('/v1/decide', { site, anonymousId, context: { url } });
    const profileId = await profileIdForAnonymous(site, anonymousId);
    const stub = profileStub(env, site, profileId);
    const memberships = () =>
      runInDurableObject(stub, (_o: ProfileObject, state) =>
        state.storage.sql.exec<{ audience: string }>('SELECT audience FROM memberships ORDER BY audience').toArray().map((r) => r.audience),
      );

    await decide('https://shop.test/cart');
    expect(await memberships()).toEqual(['on-cart']);
    await decide('https://shop.test/cart'); // no change: nothing new
    await decide('https://shop.test/');
    expect(await memberships()).toEqual([]);
    // Two pricing views: the ingest itself notices the entry (request fields of the last decide).
    await post('/v1/collect', { site, anonymousId, events: [event('track', { name: 'Viewed pricing' }), event('track', { name: 'Viewed pricing' })] });
    expect(await memberships()).toEqual(['pricing-fans']);
    const sent = async () =>
      ((await (await admin(`/sites/${site}/destinations/aud/dead-letters`)).json()) as { deadLetters: { type: string; message: DestinationMessage }[] }).deadLetters;
    for (let i = 0; i < 100 && (await sent()).length < 3; i++) await new Promise((r) => setTimeout(r, 100));
    const changes = (await sent()).map((l) => `${l.type} ${l.message.payload.audience?.id}`).sort();
    expect(changes).toEqual(['audience.entered on-cart', 'audience.entered pricing-fans', 'audience.exited on-cart']);
  });
});

describe('the queue consumer', () => {
  it('retries with exponential backoff, then keeps a dead letter that can be replayed', async () => {
    const site = await createSite();
    const d = await createDestination(site, { events: {}, maxAttempts: 3 });
    const msg: DestinationMessage = {
      site, destination: d.id,
      payload: { id: 'evt_x_1', type: 'event', site, destination: d.id, createdAt: Date.now() },
    };
    const first = await consume([{ body: msg, attempts: 1 }, { body: { ...msg, payload: { ...msg.payload, id: 'evt_x_2' } }, attempts: 2 }]);
    // The delays (1 s, then 2 s with DESTINATION_RETRY_SECONDS=1) are set through retry({ delaySeconds });
    // this harness reports which messages were retried, backoffSeconds is tested on its own.
    expect(first.retryMessages.map((m) => m.msgId)).toEqual(['m0', 'm1']);
    const last = await consume([{ body: msg, attempts: 3 }]);
    expect(last.explicitAcks).toEqual(['m0']);
    const { deadLetters } = (await (await admin(`/sites/${site}/destinations/${d.id}/dead-letters`)).json()) as {
      deadLetters: { id: string; key: string; attempts: number; lastError: string }[];
    };
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({ key: 'evt_x_1', attempts: 3 });
    const { deliveries } = (await (await admin(`/sites/${site}/destinations/${d.id}/deliveries`)).json()) as { deliveries: { outcome: string }[] };
    expect(deliveries.map((x) => x.outcome)).toEqual(['dead_letter', 'retry', 'retry']);

    const replay = await admin(`/sites/${site}/destinations/${d.id}/dead-letters/${deadLetters[0]!.id}/replay`, { method: 'POST' });
    expect(replay.status).toBe(202);
    expect(await replay.json()).toEqual({ replayed: [deadLetters[0]!.id] });
    const after = (await (await admin(`/sites/${site}/destinations/${d.id}/dead-letters`)).json()) as { deadLetters: unknown[] };
    expect(after.deadLetters).toEqual([]);
    expect((await admin(`/sites/${site}/destinations/${d.id}/dead-letters/dl_nope/replay`, { method: 'POST' })).status).toBe(404);
    await admin(`/sites/${site}/destinations/${d.id}`, { method: 'PATCH', body: JSON.stringify({ enabled: false }) });
    const off = await admin(`/sites/${site}/destinations/${d.id}/dead-letters/replay`, { method: 'POST' });
    expect(off.status).toBe(409);
  });

  it('drops messages of deleted or disabled destinations', async () => {
    const site = await createSite();
    const msg: DestinationMessage = { site, destination: 'gone', payload: { id: 'k', type: 'event', site, destination: 'gone', createdAt: 1 } };
    const res = await consume([{ body: msg, attempts: 1 }]);
    expect(res.explicitAcks).toEqual(['m0']);
  });
});

describe('backoff', () => {
  it('doubles from the base per attempt, capped at an hour', () => {
    expect([1, 2, 3, 4].map((a) => backoffSeconds(a, 10))).toEqual([10, 20, 40, 80]);
    expect(backoffSeconds(30, 10)).toBe(3600);
    expect(backoffSeconds(1, 0)).toBe(0);
  });
});

describe('signatures', () => {
  it('verify with the secret and a fresh timestamp only', async () => {
    const body = '{"id":"x"}';
    const now = Math.floor(Date.now() / 1000);
    const header = await signatureHeader('whsec_a', body, now);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(await verifySignature('whsec_a', body, header, now)).toBe(true);
    expect(await verifySignature('whsec_b', body, header, now)).toBe(false);
    expect(await verifySignature('whsec_a', body + ' ', header, now)).toBe(false);
    expect(await verifySignature('whsec_a', body, header, now + 301)).toBe(false); // a replay, too late
    expect(await verifySignature('whsec_a', body, header.replace(/t=\d+/, `t=${now + 1}`), now)).toBe(false);
    expect(await verifySignature('whsec_a', body, null, now)).toBe(false);
  });
});
