import type { DecideResponse } from '../../protocol/decide';

/** JSON safe inside a <script> element: no "</script>", "<!--" or line separators can break out. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** What proxy mode embeds for the tag: the decision plus the anonymous id it was made for. */
export interface Embedded extends Partial<DecideResponse> {
  anonymousId?: string;
}

/**
 * The tag and its embedded decision, for the end of <head>: the JSON comes first, so the tag
 * finds it whenever it runs, and the tag is served from the page's own host (no CORS, CSP 'self').
 */
export function tagMarkup(site: string, embedded: Embedded | null): string {
  const json = embedded ? `<script type="application/json" id="attune-decisions">${scriptJson(embedded)}</script>` : '';
  const aid = embedded?.anonymousId ? ` data-aid="${attr(embedded.anonymousId)}"` : '';
  return `${json}<script async src="/attune.js" data-site="${attr(site)}"${aid}></script>`;
}

/**
 * Streams `res` through HTMLRewriter: slots get their decided variant (HTML as HTML, text
 * escaped by the rewriter; JSON variants are left to the tag), and the tag is injected once — at
 * the end of <head>, or at the end of the document when there is no head.
 */
export function rewriteHtml(res: Response, site: string, embedded: Embedded | null): Response {
  const decisions = embedded?.decisions ?? {};
  const markup = tagMarkup(site, embedded);
  let injected = false;
  return new HTMLRewriter()
    .on('[data-attune-slot]', {
      element(el) {
        const dec = decisions[el.getAttribute('data-attune-slot') ?? ''];
        if (!dec) return;
        const c = dec.content;
        if (c && c.type !== 'json') el.setInnerContent(c.value, { html: c.type === 'html' });
        el.setAttribute('data-attune-variant', dec.variant);
        el.setAttribute('data-attune-ready', '');
      },
    })
    .on('head', {
      element(el) {
        if (injected) return;
        injected = true;
        el.append(markup, { html: true });
      },
    })
    .onDocument({
      end(end) {
        if (!injected) end.append(markup, { html: true });
      },
    })
    .transform(res);
}
