import type { Context } from 'hono';
import { html } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { DashEnv } from './guard';
import { Layout } from './layout';

/**
 * Strict CSP: the bundled script from this origin only, no inline script, no plugins, no framing;
 * inline styles (and the SVG charts' attributes) are allowed. Sandboxed previews use srcdoc.
 */
export const CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; " +
  "frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function securityHeaders(c: Context): void {
  c.header('Cache-Control', 'no-store');
  c.header('Content-Security-Policy', CSP);
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'same-origin');
}

export interface PageOptions {
  /** Shows the site's tabs with `tab` current. */
  site?: string;
  tab?: string;
  status?: ContentfulStatusCode;
}

/** A whole dashboard page; signed in when the request passed requireSession (csrf is set). */
export function render(c: Context<DashEnv>, title: string, body: Child, o: PageOptions = {}) {
  securityHeaders(c);
  const csrf = c.get('csrf') as string | undefined;
  const nav = o.site !== undefined ? { site: o.site, tab: o.tab ?? '' } : undefined;
  return c.html(
    html`<!doctype html>${(
      <Layout title={title} logout={csrf} nav={nav}>
        {body}
      </Layout>
    )}`,
    o.status ?? 200,
  );
}
