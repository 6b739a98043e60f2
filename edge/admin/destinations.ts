import { Hono } from 'hono';
import { DestinationInput, DestinationPatch, type Destination, type WebhookPayload } from '../../protocol/destinations';
import { deliver } from '../destinations/deliver';
import { invalidateDestinationRoutes } from '../destinations/routes-cache';
import { newSecret } from '../destinations/sign';
import { parseWith, readBody } from '../http/body';
import { ApiError, badRequest, notFound } from '../http/errors';
import { outboundUrlRule } from '../http/public-url';
import type { AppEnv, Env } from '../env';
import { requireAdminSite } from './sites';
import { destinationHub } from '../objects/stubs';

/**
 * /api/sites/:site/destinations — webhook destinations. The signing secret is made on create and
 * shown in that answer only (and on PATCH with `rotateSecret: true`); it is never listed again.
 */
export const destinations = new Hono<AppEnv>();

const siteOf = (c: { req: { param(name: string): string | undefined } }) => c.req.param('site') as string;

/** A destination's URL must be a public address: the edge posts to it (see edge/http/public-url.ts). */
function publicUrl(env: Env, url: string): void {
  const refused = outboundUrlRule(env, url);
  if (refused) throw badRequest(`url: ${refused} — webhooks are sent from the edge, so a destination must be a public address`, { rule: refused });
}

async function load(env: AppEnv['Bindings'], site: string, id: string): Promise<Destination> {
  await requireAdminSite(env, site);
  const d = await destinationHub(env, site).get(id);
  if (!d) throw notFound(`destination "${id}" does not exist`);
  return d;
}

function limitParam(v: string | undefined, fallback: number, max: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ApiError(400, 'bad_request', `limit must be an integer from 1 to ${max}`);
  return n;
}

destinations.get('/', async (c) => {
  await requireAdminSite(c.env, siteOf(c));
  return c.json({ destinations: await destinationHub(c.env, siteOf(c)).list() });
});

destinations.post('/', async (c) => {
  const site = siteOf(c);
  await requireAdminSite(c.env, site);
  const input = await readBody(c.req.raw, DestinationInput);
  publicUrl(c.env, input.url);
  const id = input.id ?? `dst_${crypto.randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const secret = newSecret();
  const created = await destinationHub(c.env, site).create({ ...input, id }, secret, Date.now());
  if (!created) throw new ApiError(409, 'conflict', `destination "${id}" already exists`);
  invalidateDestinationRoutes(site);
  return c.json({ ...created, secret }, 201);
});

destinations.get('/:id', async (c) => c.json(await load(c.env, siteOf(c), c.req.param('id'))));

destinations.patch('/:id', async (c) => {
  const site = siteOf(c);
  const prev = await load(c.env, site, c.req.param('id'));
  const { rotateSecret, ...patch } = await readBody(c.req.raw, DestinationPatch);
  const { id, createdAt: _c, updatedAt: _u, ...editable } = prev;
  // Merged over the stored destination, then validated whole (so it still hears something).
  const { id: _id, ...fields } = parseWith(DestinationInput, { ...editable, ...patch, id });
  if (patch.url !== undefined) publicUrl(c.env, fields.url);
  const secret = rotateSecret ? newSecret() : undefined;
  const updated = await destinationHub(c.env, site).replace(id, fields, Date.now(), secret);
  if (!updated) throw notFound(`destination "${id}" does not exist`);
  invalidateDestinationRoutes(site);
  return c.json(secret ? { ...updated, secret } : updated);
});

destinations.delete('/:id', async (c) => {
  const site = siteOf(c);
  await requireAdminSite(c.env, site);
  if (!(await destinationHub(c.env, site).delete(c.req.param('id')))) throw notFound(`destination "${c.req.param('id')}" does not exist`);
  invalidateDestinationRoutes(site);
  return c.body(null, 204);
});

destinations.get('/:id/deliveries', async (c) => {
  const d = await load(c.env, siteOf(c), c.req.param('id'));
  return c.json({ deliveries: await destinationHub(c.env, siteOf(c)).deliveries(d.id, limitParam(c.req.query('limit'), 50, 200)) });
});

/** Sends a signed `test` message now, once, and answers with what the receiver said. */
destinations.post('/:id/test', async (c) => {
  const site = siteOf(c);
  const d = await load(c.env, site, c.req.param('id'));
  const hub = destinationHub(c.env, site);
  const [target] = await hub.targets([d.id]);
  if (!target) throw notFound(`destination "${d.id}" does not exist`);
  const now = Date.now();
  const payload: WebhookPayload = { id: `test_${crypto.randomUUID().replace(/-/g, '')}`, type: 'test', site, destination: d.id, createdAt: now };
  const res = await deliver(c.env, target, { site, destination: d.id, payload }, 1);
  await hub.record([{ destination: d.id, delivery: { key: payload.id, type: 'test', attempt: 1, ...res, at: Date.now(), outcome: 'test' } }]);
  return c.json({ delivered: res.ok, status: res.status, error: res.error, durationMs: res.durationMs, id: payload.id });
});

destinations.get('/:id/dead-letters', async (c) => {
  const d = await load(c.env, siteOf(c), c.req.param('id'));
  return c.json({ deadLetters: await destinationHub(c.env, siteOf(c)).deadLetters(d.id, limitParam(c.req.query('limit'), 100, 1000)) });
});

/**
 * Sends dead letters again through the queue, as new messages with fresh attempts and the same
 * body and idempotency key (a receiver that did get an earlier attempt can drop the repeat).
 */
async function replay(env: AppEnv['Bindings'], site: string, destination: string, ids: string[]): Promise<string[]> {
  const hub = destinationHub(env, site);
  const replayed: string[] = [];
  for (const id of ids) {
    const letter = await hub.take(id);
    if (!letter || letter.destination !== destination) {
      if (letter) await hub.restore(letter);
      continue;
    }
    try {
      await env.DESTINATION_QUEUE.send(letter.message, { contentType: 'json' });
      replayed.push(id);
    } catch (err) {
      await hub.restore(letter);
      throw err;
    }
  }
  return replayed;
}

/** A disabled destination drops what reaches it, so a replay would lose the letter. */
const disabled = (id: string) => new ApiError(409, 'destination_disabled', `destination "${id}" is disabled: enable it before replaying`);

destinations.post('/:id/dead-letters/:letter/replay', async (c) => {
  const site = siteOf(c);
  const d = await load(c.env, site, c.req.param('id'));
  if (!d.enabled) throw disabled(d.id);
  const replayed = await replay(c.env, site, d.id, [c.req.param('letter')]);
  if (replayed.length === 0) throw notFound(`dead letter "${c.req.param('letter')}" does not exist for destination "${d.id}"`);
  return c.json({ replayed }, 202);
});

destinations.post('/:id/dead-letters/replay', async (c) => {
  const site = siteOf(c);
  const d = await load(c.env, site, c.req.param('id'));
  if (!d.enabled) throw disabled(d.id);
  const letters = await destinationHub(c.env, site).deadLetters(d.id, 1000);
  return c.json({ replayed: await replay(c.env, site, d.id, letters.map((l) => l.id)) }, 202);
});
