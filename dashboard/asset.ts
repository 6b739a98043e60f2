import { Hono } from 'hono';
import { CLIENT_SCRIPT_ETAG, CLIENT_SCRIPT_VERSION, CLIENT_STYLE_ETAG, CLIENT_STYLE_VERSION } from '../edge/generated/dashboard';
import type { AppEnv } from '../edge/env';
import { assetResponse } from '../edge/http/assets';

/** The dashboard's one script and one stylesheet, versioned by content so pages can cache them for good. */
export const CLIENT_PATH = `/dashboard/app.js?v=${CLIENT_SCRIPT_VERSION}`;
export const STYLE_PATH = `/dashboard/app.css?v=${CLIENT_STYLE_VERSION}`;

export const asset = new Hono<AppEnv>();

/** GET /dashboard/app.js and /dashboard/app.css — built by scripts/build-dashboard.mjs (static assets), content-hash ETag. */
for (const [path, etag, type] of [
  ['/app.js', CLIENT_SCRIPT_ETAG, 'application/javascript'],
  ['/app.css', CLIENT_STYLE_ETAG, 'text/css'],
] as [string, string, string][]) {
  asset.get(path, async (c) => {
    const headers = { ETag: etag, 'Cache-Control': 'public, max-age=31536000, immutable', 'X-Content-Type-Options': 'nosniff' };
    const inm = c.req.header('if-none-match');
    if (inm && inm.split(',').some((t) => t.trim() === etag)) return c.body(null, 304, headers);
    return assetResponse(c.env, `/dashboard${path}`, { ...headers, 'Content-Type': `${type}; charset=utf-8` });
  });
}
