import { createServer, type Server } from 'node:http';
// @ts-expect-error: plain ESM script shared with `npm start`; its shape is declared below.
import { freePort as freePortUntyped } from '../../scripts/edge-server.mjs';

const freePort = freePortUntyped as () => Promise<number>;

/** How the fixture page installs the tag: the optional data-* attributes of the script element. */
export interface TagOptions {
  site: string;
  /** data-consent="required" */
  consent?: 'required';
  /** data-gpc="ignore" */
  gpc?: 'ignore';
  /** data-off="spa,clicks,…" */
  off?: string[];
  /** data-anti-flicker="ms" */
  antiFlicker?: number;
}

/** A page the fixture server serves: `body` and `head` are raw HTML. */
export interface PageSpec {
  title?: string;
  /** Inserted in <head> before the tag (e.g. embedded decisions). */
  head?: string;
  body: string;
  /** Leave the tag out (a plain page to navigate away to). Default: the tag is installed. */
  noTag?: boolean;
}

export interface FixtureServer {
  /** http://127.0.0.1:PORT — another origin than the edge, like a customer site. */
  origin: string;
  /** Registers (or replaces) the page served at `path`. */
  page(path: string, spec: PageSpec): void;
  /** The URL of a registered page with the tag options and any extra query params (utm_*, …). */
  url(path: string, tag?: TagOptions, extra?: Record<string, string>): string;
  stop(): Promise<void>;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** Links marked data-nonav record their click but never navigate (outbound hosts do not resolve offline). */
const NO_NAV = `<script>document.addEventListener('click',function(e){var a=e.target&&e.target.closest&&e.target.closest('a[data-nonav]');if(a)e.preventDefault()})</script>`;

function render(edgeUrl: string, spec: PageSpec, query: URLSearchParams): string {
  const title = esc(spec.title ?? 'Fixture');
  let tag = '';
  const site = query.get('site');
  if (!spec.noTag && site) {
    const attrs = [`data-site="${esc(site)}"`, 'data-debug'];
    const consent = query.get('consent');
    if (consent) attrs.push(`data-consent="${esc(consent)}"`);
    const gpc = query.get('gpc');
    if (gpc) attrs.push(`data-gpc="${esc(gpc)}"`);
    const off = query.get('off');
    if (off) attrs.push(`data-off="${esc(off)}"`);
    const af = query.get('af');
    if (af) attrs.push(`data-anti-flicker="${esc(af)}"`);
    tag =
      `<script>window.attune=window.attune||function(){(attune.q=attune.q||[]).push(arguments)}</script>\n` +
      `<script async src="${esc(edgeUrl)}/attune.js" ${attrs.join(' ')}></script>\n`;
  }
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${title}</title>\n` +
    `<link rel="icon" href="data:,">\n${spec.head ?? ''}\n${tag}${NO_NAV}\n</head>\n<body>\n${spec.body}\n</body></html>\n`
  );
}

/** Serves HTML fixtures from 127.0.0.1 on a free port; the tag is loaded from `edgeUrl`. */
export async function startFixtureServer(edgeUrl: string): Promise<FixtureServer> {
  const pages = new Map<string, PageSpec>();
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    const spec = pages.get(url.pathname);
    if (spec) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(render(edgeUrl, spec, url.searchParams));
    } else if (url.pathname.startsWith('/files/')) {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Cache-Control': 'no-store' });
      res.end('file');
    } else {
      res.writeHead(404, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end('<!doctype html><title>Not found</title><p>not a fixture');
    }
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    origin,
    page(path, spec) {
      pages.set(path, spec);
    },
    url(path, tag, extra = {}) {
      const u = new URL(path, origin);
      for (const [k, v] of Object.entries(extra)) u.searchParams.set(k, v);
      if (tag) {
        u.searchParams.set('site', tag.site);
        if (tag.consent) u.searchParams.set('consent', tag.consent);
        if (tag.gpc) u.searchParams.set('gpc', tag.gpc);
        if (tag.off) u.searchParams.set('off', tag.off.join(','));
        if (tag.antiFlicker !== undefined) u.searchParams.set('af', String(tag.antiFlicker));
      }
      return u.toString();
    },
    stop() {
      return new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
