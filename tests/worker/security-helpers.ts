import { exports } from 'cloudflare:workers';
import { expect, vi } from 'vitest';
import { admin, createSite } from './helpers';

/** Helpers shared by the security and fuzz suites. */

export interface ErrorBody {
  error: { code: string; message: string; [detail: string]: unknown };
}

/** Asserts the one error shape every refusal has, and returns it. */
export async function expectJsonError(res: Response, status: number | ((s: number) => boolean)): Promise<ErrorBody['error']> {
  const text = await res.text();
  const ok = typeof status === 'number' ? res.status === status : status(res.status);
  expect(ok, `status ${res.status}: ${text.slice(0, 300)}`).toBe(true);
  expect(res.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  const body = JSON.parse(text) as ErrorBody;
  expect(typeof body.error?.code).toBe('string');
  expect(typeof body.error?.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error;
}

/** A request to any host through the worker (proxy mode answers for a site's own hosts). */
export function fetchAt(url: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(url, init));
}

export const ORIGIN_PAGE =
  '<!doctype html><html><head><title>Shop</title></head><body><div data-attune-slot="hero">Default hero</div></body></html>';

/**
 * Stubs the proxy origin: every outbound fetch answers `page` as HTML with `headers`. The worker
 * runs in the test's isolate, so its `fetch` is this one. Returns the spy; restore it after use.
 */
export function stubOrigin(page = ORIGIN_PAGE, headers: Record<string, string> = {}) {
  return vi.spyOn(globalThis, 'fetch').mockImplementation(async () => new Response(page, { headers: { 'content-type': 'text/html; charset=utf-8', ...headers } }));
}

/** A site served in proxy mode on its own host, with a running experience that always shows "Personal hero" in `hero`. */
export async function proxiedSite(extra: Record<string, unknown> = {}): Promise<{ site: string; host: string }> {
  const site = await createSite();
  const host = `www.${site}.test`;
  const patch = await admin(`/sites/${site}`, {
    method: 'PATCH',
    body: JSON.stringify({ proxyOrigin: `https://origin.${site}.test`, proxyHosts: [host], proxyDecideMs: 2_000, ...extra }),
  });
  expect(patch.status).toBe(200);
  const exp = await admin(`/sites/${site}/experiences`, {
    method: 'POST',
    body: JSON.stringify({
      name: 'Hero',
      slot: 'hero',
      status: 'running',
      variants: [{ key: 'personal', weight: 1, content: { type: 'html', value: '<b>Personal hero</b>' } }],
    }),
  });
  expect(exp.status).toBe(201);
  return { site, host };
}

/** A page view in proxy mode, as a browser navigates. */
export function navigate(host: string, headers: Record<string, string> = {}, path = '/'): Promise<Response> {
  return fetchAt(`https://${host}${path}`, { headers: { accept: 'text/html,application/xhtml+xml', ...headers } });
}

/**
 * What a browser would run from a page, found by parsing it (HTMLRewriter): event-handler
 * attributes, javascript: URLs, the payloads' elements (`<img src=x>`, `<iframe srcdoc=x>`) and
 * inline script text that calls alert(). Empty when the page is inert.
 */
export async function executable(html: string): Promise<string[]> {
  const found: string[] = [];
  await new HTMLRewriter()
    .on('*', {
      element(el) {
        for (const [name = '', value = ''] of el.attributes) {
          if (/^on/i.test(name)) found.push(`<${el.tagName} ${name}="${value}">`);
          if (/^(href|src|action|formaction|srcdoc|data)$/i.test(name) && /^\s*javascript:/i.test(value)) found.push(`<${el.tagName} ${name}="${value}">`);
        }
        if (el.tagName === 'img' && el.getAttribute('src') === 'x') found.push('<img src=x>');
        if (el.tagName === 'iframe' && el.getAttribute('srcdoc') === 'x') found.push('<iframe srcdoc=x>');
      },
    })
    .on('script', {
      text(t) {
        if (/alert\(/.test(t.text)) found.push(`script text: ${t.text.slice(0, 80)}`);
      },
    })
    .transform(new Response(html))
    .text();
  return found;
}
