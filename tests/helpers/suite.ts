import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { createSite, trackErrors } from './attune';
import { launchChromium } from './browser';
import { startLocalEdge, type LocalEdge } from './edge';
import { startFixtureServer, type FixtureServer } from './fixtures';
import { startEdgeProxy, type EdgeProxy } from './proxy';

/**
 * One file's world: a local edge, a recording proxy in front of it (the origin the fixture pages
 * load the tag from), a fixture server for the customer site's pages, and one Chromium.
 */
export interface Suite {
  edge: LocalEdge;
  proxy: EdgeProxy;
  fx: FixtureServer;
  browser: Browser;
  /** A fresh context and page (closed after the test), with uncaught page errors collected. */
  open(options?: BrowserContextOptions): Promise<{ context: BrowserContext; page: Page; errors: string[] }>;
}

/** Registers the hooks and returns the suite, filled in by beforeAll. `sites` are created for the fixture origin. */
export function useSuite(sites: string[]): Suite {
  const contexts: BrowserContext[] = [];
  const suite = {} as Suite;
  beforeAll(async () => {
    const [edge, browser] = await Promise.all([startLocalEdge(), launchChromium()]);
    suite.edge = edge;
    suite.browser = browser;
    suite.proxy = await startEdgeProxy(edge.url);
    suite.fx = await startFixtureServer(suite.proxy.url);
    for (const site of sites) await createSite(edge, site, [suite.fx.origin]);
  });
  afterAll(async () => {
    await suite.browser?.close();
    await suite.fx?.stop();
    await suite.proxy?.stop();
    await suite.edge?.stop();
  });
  beforeEach(() => {
    suite.proxy?.reset();
  });
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close().catch(() => {});
  });
  suite.open = async (options) => {
    const context = await suite.browser.newContext(options);
    contexts.push(context);
    const page = await context.newPage();
    return { context, page, errors: trackErrors(page) };
  };
  return suite;
}
