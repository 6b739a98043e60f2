import type { Browser, Page } from 'playwright-core';
import { trackErrors } from './attune';
import type { LocalEdge } from './edge';

/**
 * Visitors of a known variant: an anonymous id the edge assigns a given variant, and a browser
 * that already is that visitor.
 */

/** A visitor id the edge assigns `variant` (null: none) of `experience` on `url`; sticky from then on. */
export async function visitorIn(edge: LocalEdge, site: string, experience: string, variant: string | null, url: string): Promise<string> {
  for (let i = 0; i < 60; i++) {
    const id = `visitor${crypto.randomUUID().replace(/-/g, '')}`;
    const res = await fetch(`${edge.url}/v1/decide`, { method: 'POST', body: JSON.stringify({ site, anonymousId: id, slots: [], context: { url } }) });
    const d = (await res.json()) as { decisions: Record<string, { experience: string; variant: string }> };
    const got = Object.values(d.decisions).find((x) => x.experience === experience)?.variant ?? null;
    if (got === variant) return id;
  }
  throw new Error(`no visitor found in ${experience}/${variant}`);
}

/** Opens `url` in a new context as visitor `id` (the tag reads the id from storage, proxy mode from the cookie). */
export async function openAs(browser: Browser, id: string, url: string, opts: { javaScriptEnabled?: boolean } = {}): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext(opts);
  await context.addInitScript((aid) => localStorage.setItem('_attune_aid', aid), id);
  // With JavaScript off only the cookie says who the visitor is.
  await context.addCookies([{ name: '_attune_aid', value: id, url: new URL(url).origin }]);
  const page = await context.newPage();
  const errors = trackErrors(page);
  if (process.env.DEBUG_PAGES) page.on('response', async (r) => r.url().includes('/v1/') && console.log(r.url(), r.status(), await r.text().catch(() => '')));
  await page.goto(url);
  return { page, errors };
}
