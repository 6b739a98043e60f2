import type { Page } from 'playwright-core';
import { eventually, type LocalEdge } from './edge';
import type { StoredEvent } from '../../protocol/events';

/** The tag's public API as a page sees it on `window.attune`. */
export interface AttuneApi {
  (...args: unknown[]): unknown;
  loaded?: 1;
  q?: unknown[];
  track(name: string, props?: Record<string, unknown>): void;
  page(props?: Record<string, unknown>): void;
  identify(userId: string, traits?: Record<string, unknown>): Promise<void>;
  consent(state: 'granted' | 'denied'): void;
  decide(slots?: string[]): Promise<Record<string, unknown>>;
  flush(): Promise<void>;
}

/** `window` with the tag on it; for use inside page.evaluate callbacks (types only). */
export type AttuneWindow = Window & { attune: AttuneApi };

/** One event as the admin API returns it: the protocol's stored event. */
export type { StoredEvent };

/** Creates a site whose allowed origins are `origins` (idempotent per edge: 409 is fine). */
export async function createSite(edge: LocalEdge, key: string, origins: string[]): Promise<void> {
  const res = await edge.api<unknown>('/sites', { method: 'POST', body: JSON.stringify({ key, name: `Fixture ${key}`, origins }) });
  if (res.status !== 201 && res.status !== 409) throw new Error(`creating site ${key}: ${res.status} ${JSON.stringify(res.body)}`);
}

/** Creates a running experience on a site. */
export async function createExperience(edge: LocalEdge, site: string, experience: Record<string, unknown>): Promise<void> {
  const res = await edge.api<unknown>(`/sites/${site}/experiences`, { method: 'POST', body: JSON.stringify(experience) });
  if (res.status !== 201) throw new Error(`creating experience on ${site}: ${res.status} ${JSON.stringify(res.body)}`);
}

/** Waits until the real tag (not the queueing stub) is on the page. */
export async function tagReady(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const w = window as unknown as Partial<AttuneWindow>;
    return Boolean(w.attune && w.attune.loaded);
  });
}

/** attune.flush(): resolves once the current queue was sent (or the attempt failed). */
export async function flush(page: Page): Promise<void> {
  await page.evaluate(() => (window as unknown as AttuneWindow).attune.flush());
}

export async function track(page: Page, name: string, props?: Record<string, string | number | boolean>): Promise<void> {
  await page.evaluate(([n, p]) => (window as unknown as AttuneWindow).attune.track(n, p), [name, props] as const);
}

/** The anonymous id the tag keeps in the fixture origin's localStorage. */
export async function anonymousId(page: Page): Promise<string | null> {
  return page.evaluate(() => localStorage.getItem('_attune_aid'));
}

/** Waits for the tag to have stored an anonymous id and returns it. */
export async function requireAnonymousId(page: Page): Promise<string> {
  const handle = await page.waitForFunction(() => localStorage.getItem('_attune_aid'));
  return (await handle.jsonValue()) as string;
}

/** All stored events of the visitor with `aid` on `site` (oldest first); [] when no profile yet. */
export async function storedEvents(edge: LocalEdge, site: string, aid: string): Promise<StoredEvent[]> {
  const all: StoredEvent[] = [];
  for (;;) {
    const res = await edge.api<{ events?: StoredEvent[]; total?: number }>(
      `/sites/${site}/profiles/anon:${aid}/events?limit=1000&offset=${all.length}`,
    );
    if (res.status === 404) return [];
    if (res.status !== 200) throw new Error(`reading events: ${res.status} ${JSON.stringify(res.body)}`);
    all.push(...(res.body.events ?? []));
    if (!res.body.events?.length || all.length >= (res.body.total ?? 0)) return all;
  }
}

/**
 * Polls the visitor's stored events until `done` holds (count-bounded, like eventually()) and
 * returns them — or, when the attempts run out, the last list seen, so that the assertions that
 * follow show what was stored instead of a bare timeout.
 */
export async function waitForEvents(
  edge: LocalEdge,
  site: string,
  aid: string,
  done: (events: StoredEvent[]) => boolean,
  attempts = 60,
): Promise<StoredEvent[]> {
  let last: StoredEvent[] = [];
  try {
    return await eventually(async () => {
      last = await storedEvents(edge, site, aid);
      return done(last) ? last : null;
    }, attempts);
  } catch {
    return last;
  }
}

export const named = (events: StoredEvent[], name: string, type?: string) =>
  events.filter((e) => e.name === name && (type === undefined || e.type === type));

export const pages = (events: StoredEvent[]) => events.filter((e) => e.type === 'page');

/** Collects uncaught page errors. */
export function trackErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}

/** A plain pause for letting a batch window pass before asserting that nothing was sent. */
export const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Scrolls the page to `fraction` of its scrollable height and waits two frames (the scroll event has fired). */
export const scrollTo = (page: Page, fraction: number) =>
  page.evaluate((f) => {
    window.scrollTo(0, (document.documentElement.scrollHeight - innerHeight) * f);
    return new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  }, fraction);
