import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Analytics as SegmentNode } from '@segment/analytics-node';
// @ts-expect-error: the legacy library ships no types (CommonJS, callbacks and promises).
import LegacyAnalytics from 'analytics-node';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
// @ts-expect-error: plain ESM script shared with `npm start`.
import { freePort } from '../../scripts/edge-server.mjs';
import { launchChromium } from '../helpers/browser';
import { eventually, startLocalEdge, type LocalEdge } from '../helpers/edge';

/**
 * The compatibility suite: the real npm clients, server and browser, pointed at a local edge with
 * the site key as write key. For each: an anonymous track, an identify with an email, a page, a
 * userId-only track and an alias — all in the one person's profile, each once.
 */
const SITE = 'compat-shop';
let edge: LocalEdge;
let browser: Browser;
let bundleDir: string;
const pages: { server: Server; origin: string }[] = [];

interface Calls {
  anonymousId: string;
  userId: string;
}

async function storedNames(ref: string): Promise<string[]> {
  const res = await edge.api<{ events?: { type: string; name: string | null }[] }>(`/sites/${SITE}/profiles/${encodeURIComponent(ref)}/events?limit=1000`);
  return res.status === 200 ? (res.body.events ?? []).map((e) => `${e.type}:${e.name ?? ''}`) : [];
}

/** The five calls landed once each, in one profile that the anonymous id and the user id both find. */
async function expectOnePerson({ anonymousId, userId }: Calls, extra: string[] = []): Promise<void> {
  // An alias is stored as an identify naming the earlier id: two identifies.
  const wanted = ['track:Product Viewed', 'identify:', 'page:Pricing', 'track:Order Completed', 'identify:', ...extra];
  const count = (list: string[], w: string) => list.filter((n) => n === w).length;
  const names = await eventually(async () => {
    const n = await storedNames(`user:${userId}`);
    return wanted.every((w) => count(n, w) >= count(wanted, w)) && n;
  }, 80);
  for (const w of new Set(wanted)) expect(count(names, w), w).toBe(count(wanted, w));
  const [byAnon, byUser] = await Promise.all([edge.api<{ profileId: string }>(`/sites/${SITE}/profiles/anon:${anonymousId}`), edge.api<{ profileId: string }>(`/sites/${SITE}/profiles/user:${userId}`)]);
  expect(byAnon.body.profileId).toBe(byUser.body.profileId);
  const email = await edge.api<{ profileId: string }>(`/sites/${SITE}/profiles/email:${userId}@example.com`);
  expect(email.body.profileId).toBe(byUser.body.profileId);
}

const calls = (who: string): Calls => ({ anonymousId: `anon-${who}-${crypto.randomUUID().slice(0, 8)}`, userId: `cust-${who}-${crypto.randomUUID().slice(0, 6)}` });
const PAGE_PROPS = { url: 'https://shop.test/pricing?utm_source=newsletter', path: '/pricing', title: 'Pricing' };

/** A server library with analytics-node's calls (legacy analytics-node and RudderStack's share them). */
interface NodeClient {
  track(message: object): unknown;
  identify(message: object): unknown;
  page(message: object): unknown;
  alias(message: object): unknown;
  flush(): Promise<unknown>;
}

/** The five calls every client makes here: an anonymous track, identify with email, page, a userId-only track, alias; then a flush. */
async function sendCalls(client: NodeClient, c: Calls): Promise<void> {
  client.track({ anonymousId: c.anonymousId, event: 'Product Viewed', properties: { sku: 'tote-1' } });
  client.identify({ anonymousId: c.anonymousId, userId: c.userId, traits: { email: `${c.userId}@example.com` } });
  client.page({ anonymousId: c.anonymousId, name: 'Pricing', properties: PAGE_PROPS });
  client.track({ userId: c.userId, event: 'Order Completed', properties: { revenue: 64 } });
  client.alias({ userId: c.userId, previousId: c.anonymousId });
  await client.flush();
}

/** A page server on its own origin that serves the bundled browser library and a page using it. */
async function pageServer(): Promise<{ server: Server; origin: string }> {
  const bundle = readFileSync(join(bundleDir, 'segment.js'));
  const server = createServer((req, res) => {
    if (req.url === '/segment.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Shop</title><script src="/segment.js"></script><h1>Shop</h1>');
  });
  const port = (await freePort()) as number;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${port}` };
}

beforeAll(async () => {
  bundleDir = mkdtempSync(join(tmpdir(), 'attune-segment-'));
  await build({
    stdin: { contents: "import { AnalyticsBrowser } from '@segment/analytics-next'; window.AnalyticsBrowser = AnalyticsBrowser;", resolveDir: process.cwd() },
    bundle: true, format: 'iife', platform: 'browser', outfile: join(bundleDir, 'segment.js'), define: { 'process.env.NODE_ENV': '"production"' }, logLevel: 'silent',
  });
  [edge, browser] = await Promise.all([startLocalEdge(), launchChromium()]);
  pages.push(await pageServer(), await pageServer());
  // The first page origin is the shop's; the second is a site nobody allowed.
  const res = await edge.api('/sites', { method: 'POST', body: JSON.stringify({ key: SITE, name: 'Compat shop', origins: [pages[0]!.origin] }) });
  expect(res.status).toBe(201);
});

afterAll(async () => {
  await browser?.close();
  for (const p of pages) p.server.close();
  await edge?.stop();
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
});

describe('Segment-spec server libraries', () => {
  it('@segment/analytics-node 3: identify, then a userId-only track in the same flush', async () => {
    const c = calls('segment-node');
    const client = new SegmentNode({ writeKey: SITE, host: edge.url, flushAt: 20, maxRetries: 2 });
    const errors: unknown[] = [];
    client.on('error', (e) => errors.push(e));
    client.track({ anonymousId: c.anonymousId, event: 'Product Viewed', properties: { sku: 'tote-1' } });
    client.identify({ anonymousId: c.anonymousId, userId: c.userId, traits: { email: `${c.userId}@example.com` } });
    client.page({ anonymousId: c.anonymousId, name: 'Pricing', properties: PAGE_PROPS });
    client.track({ userId: c.userId, event: 'Order Completed', properties: { revenue: 64 } });
    client.alias({ userId: c.userId, previousId: c.anonymousId });
    await client.closeAndFlush({ timeout: 20_000 });
    expect(errors).toEqual([]);
    await expectOnePerson(c);
  });

  it('legacy analytics-node 6', async () => {
    const c = calls('legacy');
    await sendCalls(new LegacyAnalytics(SITE, { host: edge.url, flushAt: 20, flushInterval: 60_000 }), c);
    await expectOnePerson(c);
  });

  it('@rudderstack/rudder-sdk-node 3', async () => {
    const c = calls('rudder');
    await sendCalls(new RudderAnalytics(SITE, { dataPlaneUrl: edge.url, flushAt: 20, flushInterval: 60_000, logLevel: 'error' }), c);
    await expectOnePerson(c);
  });
});

describe("Segment's browser library, @segment/analytics-next, in Chromium", () => {
  /** Loads the library on a page of `origin`, pointed at the edge, and makes the calls. */
  async function runPage(origin: string, c: Calls): Promise<string> {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${origin}/`);
      const apiHost = `${new URL(edge.url).host}/v1`;
      return await page.evaluate(
        async ({ site, apiHost, c, props }) => {
          type Client = {
            setAnonymousId(id: string): void;
            track(name: string, props?: object): Promise<unknown>;
            identify(id: string, traits?: object): Promise<unknown>;
            page(category: string | null, name: string, props?: object): Promise<unknown>;
            alias(to: string, from: string): Promise<unknown>;
            user(): { anonymousId(): string | null };
          };
          const w = window as unknown as { AnalyticsBrowser: { load(settings: object, options: object): Promise<[Client, unknown]> } };
          const [analytics] = await w.AnalyticsBrowser.load(
            { writeKey: site, cdnSettings: { integrations: { 'Segment.io': { apiKey: site, apiHost, protocol: 'http' } }, metrics: { host: apiHost, protocol: 'http', sampleRate: 0 } } },
            { disableClientPersistence: true },
          );
          analytics.setAnonymousId(c.anonymousId);
          await analytics.track('Product Viewed', { sku: 'tote-1' });
          await analytics.identify(c.userId, { email: `${c.userId}@example.com` });
          await analytics.page(null, 'Pricing', props);
          await analytics.track('Order Completed', { revenue: 64 });
          await analytics.alias(c.userId, c.anonymousId);
          return analytics.user().anonymousId() ?? '';
        },
        { site: SITE, apiHost, c, props: PAGE_PROPS },
      );
    } finally {
      await context.close();
    }
  }

  it('from the shop’s own (allowed) origin: every call lands, once, in one profile', async () => {
    const c = calls('next');
    expect(await runPage(pages[0]!.origin, c)).toBe(c.anonymousId);
    await expectOnePerson(c);
  });

  it('from an origin the site does not allow: nothing is stored', async () => {
    const c = calls('elsewhere');
    await runPage(pages[1]!.origin, c);
    // The shop's own page sends after it, so the edge has had its chance to store anything.
    const marker = calls('marker');
    await runPage(pages[0]!.origin, marker);
    await expectOnePerson(marker);
    expect(await storedNames(`anon:${c.anonymousId}`)).toEqual([]);
    expect((await edge.api(`/sites/${SITE}/profiles/user:${c.userId}`)).status).toBe(404);
  });
});
