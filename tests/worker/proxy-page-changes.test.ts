import { describe, expect, it, vi } from 'vitest';
import { MAX_BUFFERED_HTML } from '../../edge/proxy/page-changes';
import { admin } from './helpers';
import { navigate, proxiedSite } from './security-helpers';

/**
 * Proxy mode reads a page once, before changing it, only while it is small enough to hold: an
 * origin that streams its page without a Content-Length is held up to MAX_BUFFERED_HTML and no
 * further — past that the page streams on unchanged, every byte of it, and the tag applies the
 * changes instead.
 */
const HEAD = '<!doctype html><html><head><title>Shop</title></head><body><h1>Welcome</h1>';

/** An origin that streams `size` bytes of page in 64 KB chunks, without a Content-Length. */
function streamingOrigin(size: number) {
  const chunk = `<p>${'x'.repeat(64 * 1024 - 7)}</p>`;
  return vi.spyOn(globalThis, 'fetch').mockImplementation(async () => {
    let sent = HEAD.length;
    const body = new ReadableStream<Uint8Array>({
      start: (c) => c.enqueue(new TextEncoder().encode(HEAD)),
      pull(c) {
        if (sent >= size) {
          c.enqueue(new TextEncoder().encode('</body></html>'));
          return c.close();
        }
        c.enqueue(new TextEncoder().encode(chunk));
        sent += chunk.length;
      },
    });
    return new Response(body, { headers: { 'content-type': 'text/html; charset=utf-8' } });
  });
}

async function siteChangingTheHeading(): Promise<string> {
  const { site, host } = await proxiedSite();
  const res = await admin(`/sites/${site}/experiences`, {
    method: 'POST',
    body: JSON.stringify({ name: 'Heading', page: '/', status: 'running', variants: [{ key: 'v', weight: 1, content: { type: 'changes', value: [{ selector: 'h1', text: 'Picked for you' }] } }] }),
  });
  expect(res.status).toBe(201);
  return host;
}

describe('page changes in proxy mode, on a page streamed without a Content-Length', () => {
  it('applies them to a page that fits', async () => {
    const host = await siteChangingTheHeading();
    const origin = streamingOrigin(256 * 1024);
    try {
      const html = await (await navigate(host)).text();
      expect(html).toContain('<h1>Picked for you</h1>');
      expect(html).toContain('</body></html>');
    } finally {
      origin.mockRestore();
    }
  });

  it('streams a page larger than the bound on unchanged and whole, without holding it', async () => {
    const host = await siteChangingTheHeading();
    const size = MAX_BUFFERED_HTML + 512 * 1024;
    const origin = streamingOrigin(size);
    try {
      const res = await navigate(host);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('<h1>Welcome</h1>');
      expect(html.length).toBeGreaterThan(size);
      expect(html).toContain('</body></html>');
    } finally {
      origin.mockRestore();
    }
  });
});
