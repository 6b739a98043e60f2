import type { Context } from 'hono';
import { html } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { DashEnv } from './guard';
import { Layout } from './layout';

/**
 * Strict CSP: the bundled script from this origin only, no inline script, no plugins, no framing;
 * the stylesheet from this origin, and inline styles (the SVG charts' attributes, the overlay
 * preview's shadow root) are allowed. Sandboxed previews use srcdoc; an experience's page may
 * also frame, sandboxed, and open the site's own origins (`external`), and show https images
 * (`images`: an overlay's, in its preview).
 */
export const CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** An origin (any port: `:*`) fit to stand in a CSP source list: nothing that could end or add a directive. */
const CSP_ORIGIN = /^https?:\/\/[a-z0-9.-]+(:(\d{1,5}|\*))?$/;

/**
 * `external`: origins of the site's own pages that this page may frame (the sandboxed real-page
 * preview) and whose pages its forms may end up on (a 303 to the visual editor); `images`: https
 * images too (an overlay's, in its preview).
 */
export function securityHeaders(c: Context, external: readonly string[] = [], images = false): void {
  const extra = [...new Set(external.filter((o) => CSP_ORIGIN.test(o)))].join(' ');
  const csp = images ? CSP.replace('data:', 'data: https:') : CSP;
  c.header('Cache-Control', 'no-store');
  c.header('Content-Security-Policy', extra ? csp.replace("frame-src 'self'", `frame-src 'self' ${extra}`).replace("form-action 'self'", `form-action 'self' ${extra}`) : csp);
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'same-origin');
}

export interface PageOptions {
  /** Shows the site's tabs with `tab` current. */
  site?: string;
  tab?: string;
  status?: ContentfulStatusCode;
  /** Origins of the site's pages this page frames or sends the browser to (see securityHeaders). */
  external?: readonly string[];
  /** Images from any https URL (an overlay's image in its preview). */
  images?: boolean;
}

/** A whole dashboard page; signed in when the request passed requireSession (csrf is set). */
export function render(c: Context<DashEnv>, title: string, body: Child, o: PageOptions = {}) {
  securityHeaders(c, o.external, o.images);
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
