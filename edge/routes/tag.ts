import { Hono, type Context } from 'hono';
import { LAZY_MODULES, TAG_ETAG, TAG_SOURCE } from '../generated/tag';
import type { AppEnv } from '../env';
import { assetResponse } from '../http/assets';

export const tag = new Hono<AppEnv>();

const SHORT = 'public, max-age=300, stale-while-revalidate=86400';

/** The tag itself is embedded (every page view asks for it); the rest are static assets (edge/http/assets.ts), named by file. */
function serve(c: Context<AppEnv>, source: string | { file: string }, etag: string, cacheControl: string): Response | Promise<Response> {
  // CORS: the tag imports its on-demand modules (and the visual editor) cross-origin from a customer's page.
  const headers = { ETag: etag, 'Cache-Control': cacheControl, 'Access-Control-Allow-Origin': '*' };
  const inm = c.req.header('if-none-match');
  if (inm && inm.split(',').some((t) => t.trim() === etag)) return c.body(null, 304, headers);
  const type = { 'Content-Type': 'application/javascript; charset=utf-8' };
  if (typeof source !== 'string') return assetResponse(c.env, `/${source.file}`, { ...headers, ...type });
  return c.body(source, 200, { ...headers, ...type });
}

/** GET /attune.js — the browser tag, cacheable and revalidated by its content-hash ETag. */
tag.get('/attune.js', (c) => serve(c, TAG_SOURCE, TAG_ETAG, SHORT));

/**
 * GET /attune-<part>.js?v=<hash> — the tag's on-demand modules and the visual editor
 * (attune-editor.js). The versioned URL the tag imports names this exact content, so it is cached
 * for good; without `v` (or with another version's) it is cached briefly, like /attune.js.
 */
tag.get('/:file{attune-[a-z]+\\.js}', (c) => {
  const file = c.req.param('file');
  const mod = LAZY_MODULES[file];
  if (!mod) return c.json({ error: { code: 'not_found', message: 'no such module' } }, 404);
  return serve(c, { file }, mod.etag, c.req.query('v') === mod.version ? 'public, max-age=31536000, immutable' : SHORT);
});
