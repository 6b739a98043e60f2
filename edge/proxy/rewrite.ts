import type { DecideResponse } from '../../protocol/decide';
import { SLOT_ATTR } from '../../protocol/markup';
import { withChanges, type pageChanges } from './page-changes';

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
  // The profile token rides on the tag itself, not in the decision: the tag holds it from its first
  // line, so even the page view it sends first carries the assignments this page was decided with.
  const { profileToken, ...decision } = embedded ?? {};
  const json = embedded ? `<script type="application/json" id="attune-decisions">${scriptJson(decision)}</script>` : '';
  const aid = embedded?.anonymousId ? ` data-aid="${attr(embedded.anonymousId)}"` : '';
  const pt = profileToken ? ` data-pt="${attr(profileToken)}"` : '';
  return `${json}<script async src="/attune.js" data-site="${attr(site)}"${aid}${pt}></script>`;
}

/**
 * Streams `res` through HTMLRewriter: slots — marked ones, and the ones the site declared by
 * selector — get their decided variant (HTML as HTML, text escaped by the rewriter; JSON variants
 * are left to the tag), page changes whose elements are all there are applied (`changes`: see
 * page-changes.ts), and the tag is injected once — at the end of <head>, or at the end of the
 * document when there is no head.
 */
export function rewriteHtml(res: Response, site: string, embedded: Embedded | null, changes: ReturnType<typeof pageChanges> = []): Response {
  const decisions = embedded?.decisions ?? {};
  const markup = tagMarkup(site, embedded);
  let injected = false;
  const fill = (el: Element, slot: string) => {
    const dec = decisions[slot];
    if (!dec) return;
    const c = dec.content;
    if (c && (c.type === 'html' || c.type === 'text')) el.setInnerContent(c.value, { html: c.type === 'html' });
    el.setAttribute(SLOT_ATTR, slot);
    el.setAttribute('data-attune-variant', dec.variant);
    el.setAttribute('data-attune-ready', '');
  };
  let rw = new HTMLRewriter().on(`[${SLOT_ATTR}]`, { element: (el) => fill(el, el.getAttribute(SLOT_ATTR) ?? '') });
  for (const [slot, d] of Object.entries(decisions)) {
    // A declared slot: the first element its selector finds (and any other) takes the variant.
    if (d.selector) rw = rw.on(d.selector, { element: (el) => (el.getAttribute(SLOT_ATTR) ? undefined : fill(el, slot)) });
  }
  return withChanges(rw, changes)
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
