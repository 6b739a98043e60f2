import { Hono } from 'hono';
import { CLIENT_ETAG, CLIENT_SCRIPT, CLIENT_VERSION } from '../edge/generated/dashboard';
import { packedResponse } from '../edge/http/packed';

/** The dashboard's one script, versioned by content so pages can cache it for good. */
export const CLIENT_PATH = `/dashboard/app.js?v=${CLIENT_VERSION}`;

export const asset = new Hono();

/** GET /dashboard/app.js — the bundled client script (scripts/build-dashboard.mjs), content-hash ETag. */
asset.get('/app.js', (c) => {
  const headers = { ETag: CLIENT_ETAG, 'Cache-Control': 'public, max-age=31536000, immutable', 'X-Content-Type-Options': 'nosniff' };
  const inm = c.req.header('if-none-match');
  if (inm && inm.split(',').some((t) => t.trim() === CLIENT_ETAG)) return c.body(null, 304, headers);
  return packedResponse(CLIENT_SCRIPT, c.req.header('accept-encoding'), { ...headers, 'Content-Type': 'application/javascript; charset=utf-8' });
});
