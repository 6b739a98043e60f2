import type { Context } from 'hono';
import { SITE_DEFAULTS } from '../../protocol/admin';
import { ClientId } from '../../protocol/events';
import { ANONYMOUS_ID_KEY, CONSENT_KEY, PROFILE_TOKEN_KEY } from '../../protocol/storage';
import { decideForVisitor } from '../decisions/visitor';
import type { RequestFacts } from '../engine/context';
import { primaryLanguage } from '../enrich/page';
import type { AppEnv } from '../env';
import { ApiError } from '../http/errors';
import { outboundUrlRule } from '../http/public-url';
import { ipAllowed } from '../http/rate-limit';
import { getSiteConfig } from '../sites/config-cache';
import { rewriteHtml, type Embedded } from './rewrite';
import { applicable, htmlUpTo, MAX_BUFFERED_HTML, mayRedirect, pageChanges, redirectOf } from './page-changes';

const YEAR_S = 31_536_000;

/** Paths a proxied host keeps for Attune itself: the tag and the public API, first-party. */
export function isAttunePath(path: string): boolean {
  return path === '/v1/collect' || path === '/v1/decide' || path.startsWith('/v1/editor/') || /^\/attune(-[a-z]+)?\.js$/.test(path);
}

/** Request headers that describe the hop to the worker, not the visitor: the origin gets its own. */
const HOP = ['host', 'connection', 'keep-alive', 'te', 'trailer', 'upgrade', 'proxy-connection', 'cf-connecting-ip', 'cf-ray', 'cf-visitor', 'cf-ipcountry', 'x-real-ip'];

function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return null; // a malformed %-escape is no value (the tag never writes one)
    }
  }
  return null;
}

/** The first-party cookie that keeps a visitor id the edge made (the tag reads and mirrors it). */
const visitorCookie = (id: string, url: URL) => `${ANONYMOUS_ID_KEY}=${id}; Path=/; Max-Age=${YEAR_S}; SameSite=Lax${url.protocol === 'https:' ? '; Secure' : ''}`;

/** Resolves to null when `p` rejects or takes longer than `ms`: the page never waits past its budget. */
export function within<T>(p: Promise<T>, ms: number): Promise<T | null> {
  let timer = 0 as unknown as ReturnType<typeof setTimeout>;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  return Promise.race([p.catch(() => null), late]).finally(() => clearTimeout(timer));
}

const isHtml = (res: Response) => /^\s*(text\/html|application\/xhtml\+xml)/i.test(res.headers.get('content-type') ?? '');

/**
 * Proxy mode: serves a site's pages from its origin. HTML answers (GET, 200) come back with slots
 * already filled and the tag injected with the decision embedded — no flicker, no extra round trip.
 * Everything else (assets, redirects, errors, other methods) passes through untouched. The decision
 * runs while the origin answers and gets at most the site's budget; past it, or on any failure, the
 * page is served with its default content plus the tag (fail open).
 */
export async function proxy(c: Context<AppEnv>, siteKey: string): Promise<Response> {
  const config = await getSiteConfig(c.env, siteKey);
  const origin = config?.site.proxyOrigin;
  if (!config || !origin) throw new ApiError(502, 'proxy_not_configured', `site "${siteKey}" has no proxy origin`);
  const req = c.req.raw;
  const url = new URL(req.url);
  const target = new URL(url.pathname + url.search, origin);

  const headers = new Headers(req.headers);
  for (const h of HOP) headers.delete(h);
  headers.set('x-forwarded-host', url.host);
  headers.set('x-forwarded-proto', url.protocol.slice(0, -1));

  // Only page navigations are personalized; the visitor is the tag's anonymous id, kept in a cookie.
  const page = req.method === 'GET' && (req.headers.get('accept') ?? '').includes('text/html');
  const cookies = req.headers.get('cookie') ?? undefined;
  // The tag mirrors its consent choice into a cookie in proxy mode: a denial stops the edge too.
  const choice = readCookie(cookies, CONSENT_KEY);
  const known = choice === 'denied' ? null : ClientId.safeParse(readCookie(cookies, ANONYMOUS_ID_KEY)).data;
  // Nothing is stored before consent: a site that requires it, or a browser sending Global Privacy
  // Control, gets no new id (and so no decision) until the visitor has said yes.
  const mayStore =
    choice === 'granted' || (choice === null && config.site.consentDefault !== 'required' && req.headers.get('sec-gpc') !== '1');
  const anonymousId = known ?? (page && mayStore ? crypto.randomUUID().replace(/-/g, '') : null);
  const budget = config.site.proxyDecideMs ?? SITE_DEFAULTS.proxyDecideMs;
  let source = 'default';
  const started = Date.now();
  const decision =
    page && anonymousId && budget > 0
      ? within(
          // Over its address's rate limit a page gets its defaults and no decision work (a page view
          // without a cookie creates no profile either way: it is decided by hash).
          ipAllowed(c.env, req).then((ok) => ok ? decideForVisitor(c.env, config, {
            site: siteKey,
            anonymousId,
            // The tag mirrors its profile token (the sealed digest) into a cookie: the page is decided from it.
            profileToken: known ? (readCookie(cookies, PROFILE_TOKEN_KEY) ?? undefined) : undefined,
            url: url.href,
            referrer: req.headers.get('referer') ?? undefined,
            lang: primaryLanguage(req.headers.get('accept-language')),
            userAgent: req.headers.get('user-agent') ?? '',
            cf: req.cf as RequestFacts['cf'],
            now: started,
            waitUntil: (p: Promise<unknown>) => c.executionCtx.waitUntil(p),
            newVisitor: !known,
            embedTriggers: true,
            decidedBy: (s: string) => void (source = s),
          }) : null),
          budget,
        )
      : Promise.resolve(null);

  // A split-URL test on this page: the decision comes first, and a redirect is answered here,
  // before the origin is asked (no flicker, no wasted origin request).
  if (page && mayRedirect(config, url.href)) {
    const to = redirectOf(await decision, url.href);
    if (to) {
      const moved = new Response(null, { status: 302, headers: { location: to, 'cache-control': 'private, no-store', vary: 'Cookie' } });
      if (anonymousId && !known) moved.headers.append('set-cookie', visitorCookie(anonymousId, url));
      return moved;
    }
  }

  let upstream: Response;
  const refused = outboundUrlRule(c.env, origin);
  if (refused) throw new ApiError(502, 'origin_refused', `the origin is a ${refused}: proxy mode fetches only public addresses`);
  try {
    upstream = await fetch(target, {
      method: req.method,
      headers,
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : req.body,
      redirect: 'manual',
    });
  } catch (err) {
    console.error('proxy origin fetch failed', err);
    throw new ApiError(502, 'origin_unreachable', `the origin ${origin} did not answer`);
  }

  const location = upstream.headers.get('location');
  if (!(page && upstream.status === 200 && isHtml(upstream))) {
    // Untouched, except that redirects to the origin's own host come back to the public host.
    if (!location || !location.startsWith(origin)) return upstream;
    const moved = new Response(upstream.body, upstream);
    moved.headers.set('location', url.origin + location.slice(origin.length));
    return moved;
  }

  const decided = await decision;
  const embedded: Embedded | null = anonymousId ? { ...(decided ?? {}), anonymousId } : null;
  // Page changes apply all together or not at all: the page is read once to see that every element is there.
  const sets = pageChanges(decided?.decisions ?? {});
  let body: Response = upstream;
  let changes: typeof sets = [];
  if (sets.length > 0) {
    const html = await htmlUpTo(upstream, MAX_BUFFERED_HTML);
    if (typeof html === 'string') {
      changes = await applicable(html, sets);
      body = new Response(html, upstream);
    } else body = html; // too large to hold: streamed on unchanged, the tag applies the changes
  }
  const out = rewriteHtml(body, siteKey, embedded, changes);
  const res = new Response(out.body, upstream); // status and every header, Set-Cookie lines included
  res.headers.delete('content-length');
  res.headers.delete('etag'); // the body is no longer the origin's
  // Personalized (or carrying a visitor id): private to this browser, never in a shared cache.
  res.headers.set('cache-control', 'private, no-store');
  res.headers.append('vary', 'Cookie');
  res.headers.set('server-timing', `attune;desc="${decided ? source : 'default'}";dur=${Date.now() - started}`);
  if (anonymousId && !known) res.headers.append('set-cookie', visitorCookie(anonymousId, url));
  return res;
}
