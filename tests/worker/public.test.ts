import { describe, expect, it } from 'vitest';
import { call } from './helpers';

describe('public routes', () => {
  it('serves the tag with a content-hash ETag and answers 304 when it is unchanged', async () => {
    const res = await call('/attune.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(res.headers.get('cache-control')).toMatch(/max-age=/);
    const etag = res.headers.get('etag');
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(await res.text()).toContain('/v1/collect');
    const again = await call('/attune.js', { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
  });

  it('serves the on-demand module the tag imports, CORS-readable and immutable', async () => {
    const tag = await (await call('/attune.js')).text();
    const paths = [...new Set([...tag.matchAll(/\/attune-[a-z]+\.js\?v=[A-Za-z0-9_-]+/g)].map((m) => m[0]))];
    expect(paths).toEqual([expect.stringMatching(/^\/attune-more\.js\?v=/)]);
    for (const path of paths) {
      const res = await call(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('cache-control')).toMatch(/immutable/);
      expect(await res.text()).toMatch(/export/);
    }
    expect((await call('/attune-nope.js')).status).toBe(404);
  });

  it('serves the visual editor at the versioned path attune-more.js imports on an editor link', async () => {
    const tag = await (await call('/attune.js')).text();
    const more = await (await call(tag.match(/\/attune-more\.js\?v=[A-Za-z0-9_-]+/)![0])).text();
    const path = more.match(/\/attune-editor\.js\?v=[A-Za-z0-9_-]+/)?.[0];
    expect(path, 'attune-more.js names the editor by its versioned path').toBeDefined();
    const res = await call(path!);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toMatch(/immutable/);
    expect(await res.text()).toMatch(/export\{\w+ as start\}/);
  });

  it('keeps the query of a link to the home page when it sends it on to the demo', async () => {
    const res = await call('/?attune_edit=abc&utm_source=mail', { redirect: 'manual' });
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get('location')!, 'http://x');
    expect(to.pathname + to.search).toBe('/demo?attune_edit=abc&utm_source=mail');
  });

  it('serves the demo shop with the install snippet and a hero slot', async () => {
    const res = await call('/demo');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('window.attune=window.attune||function(){(attune.q=attune.q||[]).push(arguments)}');
    expect(html).toMatch(/<script async(="")? src="\/attune\.js" data-site="demo"><\/script>/);
    expect(html).toContain('data-attune-slot="hero"');
  });

  it('answers /healthz', async () => {
    const res = await call('/healthz');
    expect(await res.json()).toEqual({ ok: true });
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await call('/nope');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('answers a JSON preflight only for an allowed origin of the named site', async () => {
    const res = await call('/v1/collect?site=nope', { method: 'OPTIONS', headers: { origin: 'https://evil.test' } });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});
