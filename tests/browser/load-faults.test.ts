import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSite, flush, pages, requireAnonymousId, storedEvents, tagReady, trackErrors, waitForEvents, type AttuneWindow, type StoredEvent } from '../helpers/attune';
import { launchChromium } from '../helpers/browser';
import { eventually } from '../helpers/edge';
import { startFixtureServer, type FixtureServer } from '../helpers/fixtures';
import { collectsOf, startEdgeProxy, type EdgeProxy } from '../helpers/proxy';
import { startRestartableEdge, type RestartableEdge } from '../helpers/restartable-edge';

/**
 * Load and faults, counted: every event a sender made is stored exactly once —
 * - sustained load: many concurrent senders posting /v1/collect batches (some sent twice);
 * - Durable Objects killed mid-request: workerd stopped under load and started again on its state;
 * - with real Chromium pages generating events: the edge restarted, a burst of 503s, the network
 *   dropped.
 * Sizes are small so this runs in `npm test`; LOAD_SCALE=<k> multiplies the Node-driven load.
 * Run alone: `npx vitest run tests/browser/load-faults.test.ts`.
 */
const SCALE = Math.max(1, Number(process.env.LOAD_SCALE) || 1);
const LOAD_SITE = 'load';
const TAG_SITE = 'faults';

let edge: RestartableEdge;
let proxy: EdgeProxy;
let fx: FixtureServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [edge, browser] = await Promise.all([startRestartableEdge(), launchChromium()]);
  proxy = await startEdgeProxy(edge.url);
  fx = await startFixtureServer(proxy.url);
  await createSite(edge, LOAD_SITE, []);
  await createSite(edge, TAG_SITE, [fx.origin]);
  fx.page('/gen', { title: 'Generator', body: '<h1>Generating events</h1>' });
});

afterAll(async () => {
  await browser?.close();
  await fx?.stop();
  await proxy?.stop();
  await edge?.stop();
});

afterEach(async () => {
  proxy.reset();
  for (const c of contexts.splice(0)) await c.close().catch(() => {});
});

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const newId = () => crypto.randomUUID().replaceAll('-', '');

// ---------------------------------------------------------------------------------------------
// Node senders: batches posted straight to /v1/collect, the way a busy site's tags do.

interface WireEvent {
  id: string;
  type: 'track';
  name: string;
  ts: number;
  page: { url: string };
}
interface Batch {
  site: string;
  anonymousId: string;
  events: WireEvent[];
}
interface Visitor {
  anonymousId: string;
  events: WireEvent[];
}
interface Answer {
  status: number;
  accepted: number;
  duplicates: number;
}

/** `n` visitors with `perVisitor` uniquely named events each, cut into batches of `size`. */
function makeLoad(n: number, perVisitor: number, size: number): { visitors: Visitor[]; batches: Batch[] } {
  const visitors: Visitor[] = Array.from({ length: n }, (_, v) => ({
    anonymousId: newId(),
    events: Array.from({ length: perVisitor }, (_, i) => ({
      id: newId(),
      type: 'track' as const,
      name: `load-${v}-${i}`,
      ts: Date.now(),
      page: { url: 'https://load.test/' },
    })),
  }));
  const batches: Batch[] = [];
  for (const v of visitors)
    for (let i = 0; i < v.events.length; i += size) batches.push({ site: LOAD_SITE, anonymousId: v.anonymousId, events: v.events.slice(i, i + size) });
  return { visitors, batches };
}

/** One POST; null when the connection failed (the edge is down or died mid-request). */
async function post(batch: Batch): Promise<Answer | null> {
  try {
    const res = await fetch(`${edge.url}/v1/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(batch) });
    if (res.status !== 202) {
      await res.body?.cancel();
      return { status: res.status, accepted: 0, duplicates: 0 };
    }
    const body = (await res.json()) as { accepted: number; duplicates: number };
    return { status: 202, accepted: body.accepted, duplicates: body.duplicates };
  } catch {
    return null;
  }
}

interface Tally {
  requests: number;
  /** Attempts that got no 202 (connection refused or cut, 5xx) and were sent again. */
  failed: number;
  accepted: number;
  duplicates: number;
  statuses: Record<number, number>;
}

/**
 * Sends every batch with `concurrency` workers, each batch again until it gets a 202 (a tag's
 * retry; count-bounded: 400 tries 250 ms apart). `onProgress` sees the count of 202s so far.
 */
async function sendAll(batches: Batch[], concurrency: number, onProgress?: (done: number) => void): Promise<Tally> {
  const tally: Tally = { requests: 0, failed: 0, accepted: 0, duplicates: 0, statuses: {} };
  const queue = [...batches];
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let b = queue.shift(); b; b = queue.shift()) {
        for (let attempt = 0; ; attempt++) {
          if (attempt >= 400) throw new Error(`a batch of ${b.anonymousId} was never accepted`);
          tally.requests++;
          const answer = await post(b);
          if (answer) tally.statuses[answer.status] = (tally.statuses[answer.status] ?? 0) + 1;
          if (answer?.status === 202) {
            tally.accepted += answer.accepted;
            tally.duplicates += answer.duplicates;
            onProgress?.(++done);
            break;
          }
          if (answer && answer.status < 500) throw new Error(`a batch was refused with ${answer.status}`);
          tally.failed++;
          await sleep(250);
        }
      }
    }),
  );
  return tally;
}

/** For each visitor: sent event ids missing from the store, stored ids not sent, ids stored twice. */
async function reconcile(visitors: Visitor[]): Promise<{ stored: number; missing: number; unexpected: number; twice: number }> {
  const out = { stored: 0, missing: 0, unexpected: 0, twice: 0 };
  const queue = [...visitors];
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      for (let v = queue.shift(); v; v = queue.shift()) {
        const stored = (await storedEvents(edge, LOAD_SITE, v.anonymousId)).map((e) => e.id);
        const sent = new Set(v.events.map((e) => e.id));
        const seen = new Set(stored);
        out.stored += stored.length;
        out.twice += stored.length - seen.size;
        out.unexpected += [...seen].filter((id) => !sent.has(id)).length;
        out.missing += [...sent].filter((id) => !seen.has(id)).length;
      }
    }),
  );
  return out;
}

// ---------------------------------------------------------------------------------------------
// Chromium pages with the tag, each generating uniquely named events until told to stop.

interface Generator {
  page: Page;
  context: BrowserContext;
  tab: string;
  aid: string;
  errors: string[];
}

async function openGenerators(n: number, label: string): Promise<Generator[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      const errors = trackErrors(page);
      await page.goto(fx.url('/gen', { site: TAG_SITE }));
      await tagReady(page);
      const aid = await requireAnonymousId(page);
      const tab = `${label}${i}`;
      // The page view goes out first, so each visitor's profile exists before the fault.
      await flush(page);
      await startGenerating(page, tab);
      return { page, context, tab, aid, errors };
    }),
  );
}

/**
 * Tracks `gen-<tab>-<n>` every 100 ms; n is kept in sessionStorage, so a reloaded page carries on
 * where it left off.
 */
function startGenerating(page: Page, tab: string): Promise<void> {
  return page.evaluate((t) => {
    const w = window as unknown as AttuneWindow & { gen?: { n: number; timer: ReturnType<typeof setInterval> } };
    const gen = {
      n: Number(sessionStorage.getItem('gen') ?? 0),
      timer: setInterval(() => {
        w.attune.track(`gen-${t}-${++gen.n}`);
        sessionStorage.setItem('gen', String(gen.n));
      }, 100),
    };
    w.gen = gen;
  }, tab);
}

/** A visitor moving on to the next page (here: the same one again) while events are pending. */
async function reload(g: Generator): Promise<void> {
  await stopGenerator(g);
  await g.page.reload();
  await tagReady(g.page);
  await startGenerating(g.page, g.tab);
}

/** Stops a generator; returns how many events it made. */
function stopGenerator(g: Generator): Promise<number> {
  return g.page.evaluate(() => {
    const gen = (window as unknown as { gen: { n: number; timer: ReturnType<typeof setInterval> } }).gen;
    clearInterval(gen.timer);
    return gen.n;
  });
}

/** Generated events made so far (read while it runs). */
function generated(g: Generator): Promise<number> {
  return g.page.evaluate(() => (window as unknown as { gen: { n: number } }).gen.n);
}

/** Waits (count-bounded) until every generator made at least `more` events beyond `from`. */
async function generateAtLeast(gens: Generator[], more: number): Promise<void> {
  const from = await Promise.all(gens.map(generated));
  for (let i = 0; i < 200; i++) {
    const now = await Promise.all(gens.map(generated));
    if (now.every((n, k) => n >= from[k]! + more)) return;
    await sleep(100);
  }
  throw new Error('the pages stopped generating events');
}

interface Delivery {
  made: number;
  stored: number;
  missing: number;
  twice: number;
  pageViews: number;
}

/**
 * Stops the generators, asks each tag to send what it holds (a real page would on its next retry;
 * the backoff can reach a minute), and waits until every generated event is stored.
 */
async function settle(gens: Generator[], attempts = 40, rounds = 4): Promise<Delivery> {
  const out: Delivery = { made: 0, stored: 0, missing: 0, twice: 0, pageViews: 0 };
  const made = await Promise.all(gens.map(stopGenerator));
  for (const [k, g] of gens.entries()) {
    const names = new Set(Array.from({ length: made[k]! }, (_, i) => `gen-${g.tab}-${i + 1}`));
    const ours = (evs: StoredEvent[]) => evs.filter((e) => e.type === 'track' && e.name?.startsWith(`gen-${g.tab}-`));
    const complete = (evs: StoredEvent[]) => new Set(ours(evs).map((e) => e.name)).size >= names.size;
    let events: StoredEvent[] = [];
    for (let round = 0; round < rounds && !complete(events); round++) {
      await flush(g.page);
      events = await waitForEvents(edge, TAG_SITE, g.aid, complete, attempts);
    }
    const stored = ours(events);
    const ids = events.map((e) => e.id);
    const storedNames = new Set(stored.map((e) => e.name ?? ''));
    out.made += names.size;
    out.stored += stored.length;
    out.missing += [...names].filter((n) => !storedNames.has(n)).length;
    // An event stored twice would show as a repeated name (or, with a fresh id, a repeated id).
    out.twice += stored.length - storedNames.size + (ids.length - new Set(ids).size);
    out.pageViews += pages(events).length;
    expect(stored.filter((e) => !names.has(e.name ?? '')), `${g.tab}: stored events that were never generated`).toEqual([]);
  }
  return out;
}

/** The events the tags sent through the proxy, once per id: the ids behind the stored names. */
const sentIds = () => new Set(collectsOf(proxy.requests).flatMap((r) => r.ids));

describe('load and faults', () => {
  it('sustained load: concurrent senders, some batches sent twice — every accepted event is stored exactly once', async () => {
    const { visitors, batches } = makeLoad(60 * SCALE, 50, 25); // 3,000 events in 120 requests
    const resent = batches.filter((_, i) => i % 8 === 0); // a retry of every 8th batch, shuffled in
    const all = [...batches, ...resent].sort(() => Math.random() - 0.5);
    const started = performance.now();
    const tally = await sendAll(all, 16);
    const seconds = (performance.now() - started) / 1000;
    const total = visitors.length * 50;
    console.log(`sustained load: ${total} events (+${resent.length * 25} resent) in ${all.length} requests, ${Math.round(total / seconds)} events/s`);

    expect(tally.statuses).toEqual({ 202: all.length });
    // Each event is accepted once; its second send is answered as a duplicate.
    expect(tally.accepted).toBe(total);
    expect(tally.duplicates).toBe(resent.length * 25);
    expect(await reconcile(visitors)).toEqual({ stored: total, missing: 0, unexpected: 0, twice: 0 });
  });

  it('(b) Durable Objects killed mid-request (workerd stopped under load, started again on its state): every event stored exactly once', async () => {
    const { visitors, batches } = makeLoad(30 * SCALE, 60, 10); // 1,800 events in 180 requests
    const total = visitors.length * 60;
    let restart: Promise<void> | null = null;
    let doneAtRestart = 0;
    const tally = await sendAll(batches, 6, (done) => {
      if (!restart && done >= batches.length / 4) {
        doneAtRestart = done;
        // Kills the worker and every profile object while the other senders' requests are in flight.
        restart = edge.down().then(() => edge.up());
      }
    });
    await restart;
    console.log(`DO restart: ${tally.requests} requests, ${tally.failed} failed and resent, ${tally.duplicates} duplicates, statuses ${JSON.stringify(tally.statuses)}`);

    expect(edge.starts).toBeGreaterThanOrEqual(2);
    expect(doneAtRestart).toBeLessThan(batches.length);
    expect(tally.failed, 'requests failed while the edge was down').toBeGreaterThan(0);
    // Each batch's final answer accounts for all of its events: new, or already stored by an
    // attempt whose answer was lost.
    expect(tally.accepted + tally.duplicates).toBe(total);
    expect(await reconcile(visitors)).toEqual({ stored: total, missing: 0, unexpected: 0, twice: 0 });
  });

  /** Whether the tag of this page opened its IndexedDB outbox. */
  const hasOutbox = (g: Generator) => g.page.evaluate(async (name) => (await indexedDB.databases()).some((d) => d.name === name), `attune:${TAG_SITE}`);

  /** The edge goes down while the pages generate, optionally one visitor reloads meanwhile, and it comes back. */
  async function restartUnderPages(gens: Generator[], reloadOne: boolean): Promise<number> {
    await generateAtLeast(gens, 10);
    const from = proxy.requests.length;
    await edge.down();
    await generateAtLeast(gens, 10); // made while nothing answers
    if (reloadOne) await reload(gens[0]!);
    // Long enough for the reloaded page to try a send too (it batches 20 events, or retries later).
    await generateAtLeast(gens, reloadOne ? 25 : 10);
    const failedWhileDown = collectsOf(proxy.requests.slice(from)).filter((r) => r.status === 0).length;
    await edge.up();
    await generateAtLeast(gens, 10);
    return failedWhileDown;
  }

  it('(a) the edge restarted while Chromium pages keep generating events: each arrives exactly once', async () => {
    const gens = await openGenerators(3, 'restart');
    const failedWhileDown = await restartUnderPages(gens, false);
    const result = await settle(gens);
    console.log(`edge restart: ${JSON.stringify(result)}, ${failedWhileDown} sends failed while down`);

    expect(failedWhileDown, 'the tags tried to send while the edge was down').toBeGreaterThan(0);
    expect(result.made).toBeGreaterThanOrEqual(3 * 40);
    expect(result).toEqual({ made: result.made, stored: result.made, missing: 0, twice: 0, pageViews: 3 });
    expect(sentIds().size).toBeGreaterThanOrEqual(result.made);
    expect(gens.flatMap((g) => g.errors)).toEqual([]);
  });

  it('(a) the edge restarted after the IndexedDB outbox took over, one visitor reloading meanwhile: each event arrives exactly once', async () => {
    const gens = await openGenerators(3, 'outbox');
    // One refused send (the edge still serves the tag's outbox module) hands delivery to IndexedDB.
    const refusedOnce = new Set<string>();
    proxy.intercept((r) => {
      if (r.path !== '/v1/collect' || !r.anonymousId || refusedOnce.has(r.anonymousId)) return undefined;
      refusedOnce.add(r.anonymousId);
      return { status: 503, headers: { 'Retry-After': '0' }, body: '{"error":{"code":"unavailable","message":"try again"}}' };
    });
    // The tag sends every 20 events (or 1 s after the last one), so this takes a couple of seconds.
    await eventually(async () => refusedOnce.size === gens.length && (await Promise.all(gens.map(hasOutbox))).every(Boolean), 80);
    proxy.intercept(null);
    const failedWhileDown = await restartUnderPages(gens, true);
    const result = await settle(gens);
    console.log(`edge restart with the outbox: ${JSON.stringify(result)}, ${failedWhileDown} sends failed while down`);

    expect(failedWhileDown, 'the tags tried to send while the edge was down').toBeGreaterThan(0);
    expect(result).toEqual({ made: result.made, stored: result.made, missing: 0, twice: 0, pageViews: 4 });
    expect(gens.flatMap((g) => g.errors)).toEqual([]);
  });

  // The on-demand module with the outbox (attune-more.js) is served by the same edge, so while it is down it
  // cannot be imported and events wait in the page's memory only: at pagehide the tag leaves them
  // in localStorage as well as handing them to sendBeacon (which only says it queued them), and the
  // reloaded page sends them again.
  it('(a) the edge down before the outbox ever loaded, one visitor reloading meanwhile: nothing is lost', async () => {
    const gens = await openGenerators(3, 'nobox');
    await restartUnderPages(gens, true);
    const result = await settle(gens);
    console.log(`edge restart, no outbox, reload: ${JSON.stringify(result)}`);
    expect(result).toEqual({ made: result.made, stored: result.made, missing: 0, twice: 0, pageViews: 4 });
  });

  it('(c) a burst of 503s from the edge: each generated event arrives exactly once', async () => {
    const gens = await openGenerators(3, 'burst');
    await generateAtLeast(gens, 5);
    let refused = 0;
    proxy.intercept((r) => {
      if (r.path !== '/v1/collect') return undefined;
      refused++;
      return { status: 503, headers: { 'Retry-After': '1' }, body: '{"error":{"code":"unavailable","message":"try again"}}' };
    });
    await generateAtLeast(gens, 30);
    proxy.intercept(null);
    await generateAtLeast(gens, 10);
    const result = await settle(gens);
    console.log(`503 burst: ${JSON.stringify(result)}, ${refused} sends answered 503`);

    expect(refused).toBeGreaterThanOrEqual(3);
    expect(result).toEqual({ made: result.made, stored: result.made, missing: 0, twice: 0, pageViews: 3 });
    expect(gens.flatMap((g) => g.errors)).toEqual([]);
  });

  it('(d) the network dropped and came back: each generated event arrives exactly once', async () => {
    const gens = await openGenerators(3, 'offline');
    await generateAtLeast(gens, 5);
    await Promise.all(gens.map((g) => g.context.setOffline(true)));
    const before = proxy.requests.length;
    await generateAtLeast(gens, 30);
    const whileOffline = proxy.requests.length - before;
    await Promise.all(gens.map((g) => g.context.setOffline(false)));
    await generateAtLeast(gens, 10);
    const result = await settle(gens);
    console.log(`offline: ${JSON.stringify(result)}`);

    expect(whileOffline, 'nothing reached the edge while offline').toBe(0);
    expect(result).toEqual({ made: result.made, stored: result.made, missing: 0, twice: 0, pageViews: 3 });
    expect(gens.flatMap((g) => g.errors)).toEqual([]);
  });
});
