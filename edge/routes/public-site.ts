import type { Context } from 'hono';
import { ApiError } from '../http/errors';
import { corsHeaders, originAllowed } from '../http/origin';
import type { AppEnv } from '../env';
import type { SiteConfig } from '../objects/site';
import { getSiteConfig } from '../sites/config-cache';

/**
 * Loads the site a public request names and enforces its allowed origins. On success the
 * response will carry CORS headers for that origin (set here, kept by Hono on c.json).
 */
export async function requireSite(c: Context<AppEnv>, key: string): Promise<SiteConfig> {
  const config = await getSiteConfig(c.env, key);
  if (!config) throw new ApiError(404, 'unknown_site', `site "${key}" does not exist`);
  const origin = c.req.header('origin');
  if (!originAllowed(config.site, origin, c.req.url)) {
    throw new ApiError(403, 'origin_not_allowed', `origin ${origin} is not allowed for site "${key}"`);
  }
  for (const [k, v] of Object.entries(corsHeaders(origin))) c.header(k, v);
  return config;
}

/** Preflight for clients that send JSON cross-origin; they name the site in `?site=`. The tag itself posts text/plain and never preflights. */
export async function preflight(c: Context<AppEnv>): Promise<Response> {
  const key = c.req.query('site');
  const origin = c.req.header('origin');
  const config = key ? await getSiteConfig(c.env, key).catch(() => null) : null;
  const headers = config && originAllowed(config.site, origin, c.req.url) ? corsHeaders(origin) : {};
  return new Response(null, { status: 204, headers });
}
