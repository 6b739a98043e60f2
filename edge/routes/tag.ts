import { Hono, type Context } from 'hono';
import { LAZY_MODULES, TAG_ETAG, TAG_SOURCE } from '../generated/tag';
import type { AppEnv } from '../env';

export const tag = new Hono<AppEnv>();

function serve(c: Context<AppEnv>, source: string, etag: string, cacheControl: string): Response {
  // CORS: the tag imports its on-demand modules cross-origin from a customer's page.
  const headers = { ETag: etag, 'Cache-Control': cacheControl, 'Access-Control-Allow-Origin': '*' };
  const inm = c.req.header('if-none-match');
  if (inm && inm.split(',').some((t) => t.trim() === etag)) return c.body(null, 304, headers);
  return c.body(source, 200, { ...headers, 'Content-Type': 'application/javascript; charset=utf-8' });
}

/** GET /attune.js — the browser tag, cacheable and revalidated by its content-hash ETag. */
tag.get('/attune.js', (c) => serve(c, TAG_SOURCE, TAG_ETAG, 'public, max-age=300, stale-while-revalidate=86400'));

/** GET /attune-<part>.js?v=<hash> — the tag's on-demand modules; versioned URLs, so cached for long. */
tag.get('/:file{attune-[a-z]+\\.js}', (c) => {
  const mod = LAZY_MODULES[c.req.param('file')];
  if (!mod) return c.json({ error: { code: 'not_found', message: 'no such module' } }, 404);
  return serve(c, mod.source, mod.etag, 'public, max-age=31536000, immutable');
});
