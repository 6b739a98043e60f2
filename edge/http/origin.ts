import type { Site } from '../../protocol/admin';

/**
 * Whether a browser on `origin` may talk to `site` through the public routes. Requests without an
 * Origin header (servers, same-origin navigations) and same-origin requests are allowed.
 */
export function originAllowed(site: Pick<Site, 'origins'>, origin: string | undefined, requestUrl: string): boolean {
  if (!origin) return true;
  if (origin === new URL(requestUrl).origin) return true;
  return site.origins.includes(origin);
}

/** CORS response headers for an allowed origin: credentials are never needed (ids travel in the body). */
export function corsHeaders(origin: string | undefined, allowHeaders = 'Content-Type'): Record<string, string> {
  if (!origin) return {};
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Methods': 'POST, OPTIONS',
    'Access-Control-Allow-Headers': allowHeaders,
    'Access-Control-Max-Age': '86400',
    // The tag backs off as the edge asks, which it can only read when exposed cross-origin.
    'Access-Control-Expose-Headers': 'Retry-After',
    Vary: 'Origin',
  };
}
