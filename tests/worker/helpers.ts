import { exports } from 'cloudflare:workers';

export const TOKEN = 'test-admin-token';
export const BASE = 'http://edge.test';

/** Sends a request through the worker's real fetch handler. */
export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(BASE + path, init));
}

export function admin(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('Authorization', `Bearer ${TOKEN}`);
  if (init.body && !headers.has('content-type')) headers.set('content-type', 'application/json');
  return call('/api' + path, { ...init, headers });
}

export function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call(path, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'text/plain', ...headers },
  });
}

let n = 0;
/** A fresh site per test file so tests never see each other's data. */
export async function createSite(extra: Record<string, unknown> = {}): Promise<string> {
  const key = `site-${Date.now().toString(36)}-${(n++).toString(36)}`;
  const res = await admin('/sites', { method: 'POST', body: JSON.stringify({ key, name: `Test ${key}`, ...extra }) });
  if (res.status !== 201) throw new Error(`createSite: ${res.status} ${await res.text()}`);
  return key;
}

export function anon(): string {
  return `anon_${crypto.randomUUID().replace(/-/g, '')}`;
}

export function event(type = 'page', extra: Record<string, unknown> = {}) {
  return {
    id: `evt_${crypto.randomUUID().replace(/-/g, '')}`,
    type,
    ts: Date.now(),
    page: { url: 'https://shop.test/products', path: '/products', title: 'Products' },
    ...extra,
  };
}

/**
 * The site's activity feed once it holds at least `count` events. It is written through the
 * `attune-feed` queue, which delivers after 100 messages or 1 s, so this polls for up to ~10 s.
 */
export async function feedWith<E = { id: string; name: string | null; profileId: string }>(
  site: string,
  count: number,
): Promise<E[]> {
  for (let i = 0; i < 200; i++) {
    const { events } = (await (await admin(`/sites/${site}/events`)).json()) as { events: E[] };
    if (events.length >= count) return events;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the activity feed of ${site} never reached ${count} events`);
}

/** What the tag sends for an email: SHA-256 hex of the trimmed, lower-cased address. */
export async function hashEmail(email: string): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(email.trim().toLowerCase()));
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('');
}
