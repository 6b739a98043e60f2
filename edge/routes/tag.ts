import { Hono } from 'hono';
import { TAG_ETAG, TAG_SOURCE } from '../generated/tag';
import type { AppEnv } from '../env';

export const tag = new Hono<AppEnv>();

/** GET /attune.js — the browser tag, cacheable and revalidated by its content-hash ETag. */
tag.get('/', (c) => {
  const headers = {
    ETag: TAG_ETAG,
    'Cache-Control': 'public, max-age=300, stale-while-revalidate=86400',
    'Access-Control-Allow-Origin': '*',
  };
  const inm = c.req.header('if-none-match');
  if (inm && inm.split(',').some((t) => t.trim() === TAG_ETAG)) return c.body(null, 304, headers);
  return c.body(TAG_SOURCE, 200, { ...headers, 'Content-Type': 'application/javascript; charset=utf-8' });
});
