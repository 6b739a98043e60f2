import type { Context } from 'hono';
import { SiteKey } from '../../protocol/events';
import type { AppEnv } from '../env';
import { readJson } from '../http/body';
import { ApiError } from '../http/errors';
import { corsHeaders, originAllowed } from '../http/origin';
import { limitWriteKey } from '../http/rate-limit';
import type { SiteConfig } from '../objects/site';
import { getSiteConfig } from '../sites/config-cache';

/** Segment's own limits: 500 KB per batch, 32 KB per message. */
export const MAX_BATCH_BYTES = 500 * 1024;
export const MAX_MESSAGE_BYTES = 32 * 1024;

/** What Segment's browser library sends besides the body: its write key, and its retry count. */
export const SEGMENT_REQUEST_HEADERS = 'Authorization, Content-Type, X-Retry-Count';

/**
 * The body as JSON within `max` bytes, whatever its Content-Type (browser libraries post
 * text/plain). Some server libraries gzip their batches (`Content-Encoding: gzip`); the limit then
 * applies to the inflated bytes, so a small bomb cannot grow past it.
 */
export function readSegmentJson(req: Request, max: number): Promise<unknown> {
  const encoding = req.headers.get('content-encoding')?.trim().toLowerCase();
  if (!encoding || encoding === 'identity') return readJson(req, max);
  if (encoding !== 'gzip' || !req.body) throw new ApiError(415, 'unsupported_encoding', `Content-Encoding: only gzip is accepted, not "${encoding.slice(0, 20)}"`);
  const headers = new Headers(req.headers);
  headers.delete('content-length');
  const inflated = new Request(req.url, { method: 'POST', headers, body: req.body.pipeThrough(new DecompressionStream('gzip')) });
  return readJson(inflated, max).catch((err: unknown) => {
    if (err instanceof ApiError) throw err;
    throw new ApiError(400, 'bad_request', 'body is not valid gzip');
  });
}

/** The write key a request names in its Basic auth header (`base64(writeKey + ":")`), if any. */
export function basicKey(c: Context<AppEnv>): string | undefined {
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(c.req.header('authorization') ?? '');
  if (!basic?.[1]) return undefined;
  try {
    return atob(basic[1]).split(':')[0] || undefined;
  } catch {
    return undefined;
  }
}

/** The write key a JSON body names (`writeKey`), if any. */
export const bodyKey = (raw: unknown) =>
  typeof raw === 'object' && raw && 'writeKey' in raw && typeof raw.writeKey === 'string' ? raw.writeKey : undefined;

/**
 * The site named by the write key (Basic auth first, else `writeKey` in the body). A browser's
 * request must come from one of the site's allowed origins, like /v1/collect (servers send no
 * Origin and are not affected); the answer then carries CORS headers for that origin.
 */
export async function authenticate(c: Context<AppEnv>, key: string | undefined): Promise<{ site: string; config: SiteConfig }> {
  const refuse = (message: string) => {
    c.header('WWW-Authenticate', 'Basic realm="attune", charset="UTF-8"');
    return new ApiError(401, 'invalid_write_key', message);
  };
  if (!key) throw refuse('missing write key: send Authorization: Basic base64("<site key>:"), or writeKey in the body');
  if (!SiteKey.safeParse(key).success) throw refuse('the write key is not a site key');
  const config = await getSiteConfig(c.env, key);
  if (!config) throw refuse(`no site has the write key "${key.slice(0, 63)}"`);
  const origin = c.req.header('origin');
  if (!originAllowed(config.site, origin, c.req.url)) {
    throw new ApiError(403, 'origin_not_allowed', `origin ${origin} is not allowed for site "${key}"`);
  }
  for (const [k, v] of Object.entries(corsHeaders(origin, SEGMENT_REQUEST_HEADERS))) c.header(k, v);
  // Counted per existing site only, so unknown keys never make counters.
  await limitWriteKey(c, key);
  return { site: key, config };
}
