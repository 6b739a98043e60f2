import { Hono } from 'hono';
import { dashboard } from '../dashboard/app';
import { adminApi } from './admin';
import { demo } from './demo/page';
import type { AppEnv } from './env';
import { onError, onNotFound } from './http/errors';
import { rateLimitByIp } from './http/rate-limit';
import { collect } from './routes/collect';
import { decide } from './routes/decide';
import { tag } from './routes/tag';
import { segment } from './segment/routes';
import { editor } from './editor/routes';
import { OPENAPI_ETAG } from './generated/openapi';
import { assetResponse } from './http/assets';
import { isAttunePath, proxy } from './proxy/handler';
import { siteForHost } from './sites/host-cache';

/** The whole edge: public routes for the tag, the admin API, the dashboard and the demo site. */
export const app = new Hono<AppEnv>();

// Proxy mode first: a host that belongs to a site is that site, except for Attune's own paths.
app.use('*', async (c, next) => {
  const host = new URL(c.req.url).hostname;
  const site = await siteForHost(c.env, host).catch((err: unknown) => (console.error('host lookup failed', err), null));
  if (!site || isAttunePath(c.req.path)) return next();
  return proxy(c, site);
});

app.get('/healthz', (c) => c.json({ ok: true }));
app.route('/', tag);
// Per-IP limits on the public API before any body is read; per-visitor limits inside the routes.
app.use('/v1/collect', rateLimitByIp());
app.use('/v1/decide', rateLimitByIp());
app.route('/v1/collect', collect);
app.route('/v1/decide', decide);
// The visual editor's routes: its own token, never the admin one.
app.route('/v1/editor', editor);
// Segment-spec ingestion (server to server, HTTP Basic auth with the site key as write key).
app.route('/v1', segment);
// The API description is public (it holds no data) and so sits in front of the admin token check.
// Made at build time (scripts/build-openapi.mjs), a static asset.
app.get('/api/openapi.json', (c) =>
  assetResponse(c.env, '/api/openapi.json', { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'public, max-age=300', ETag: OPENAPI_ETAG }),
);
app.route('/api', adminApi);
app.route('/dashboard', dashboard);
app.route('/demo', demo);
// The query goes along: an editor link or a campaign link to the home page keeps its parameters.
app.get('/', (c) => c.redirect(`/demo${new URL(c.req.url).search}`, 302));
app.onError(onError);
app.notFound(onNotFound);
