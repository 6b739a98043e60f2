import { attributeAllowed, DROPPED_ELEMENTS } from '../../protocol/content-rules';

/**
 * Variant HTML made harmless before it reaches a page, whoever wrote it: `<script>` (and the
 * other elements that load or run code: iframe, object, embed, base, meta, link, frame) removed
 * with their content, `on…` event-handler and `srcdoc` attributes dropped, URL attributes that are
 * not http, https, mailto, tel or relative dropped, and `style` values that try `javascript:` or
 * `expression()` dropped. Everything else is kept as written. Pure: the tag and proxy mode get the
 * same neutral HTML.
 */
const TOKEN = /<!--[\s\S]*?(?:-->|$)|<(\/?)([a-zA-Z][^\s/>]*)((?:"[^"]*"|'[^']*'|[^'">])*)>|[^<]+|</g;
const ATTR = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

const decode = (v: string) =>
  v.replace(/&(#x[0-9a-f]+|#\d+|colon|tab|newline|amp|quot|apos|lt|gt);?/gi, (_m, e: string) => {
    const n = e.toLowerCase();
    if (n.startsWith('#x')) return String.fromCodePoint(parseInt(n.slice(2), 16) || 32);
    if (n.startsWith('#')) return String.fromCodePoint(parseInt(n.slice(1), 10) || 32);
    return ({ colon: ':', tab: '\t', newline: '\n', amp: '&', quot: '"', apos: "'", lt: '<', gt: '>' } as Record<string, string>)[n] ?? '';
  });

/** Whether one attribute may stay, judged on its value as the browser will read it (entities decoded). */
const keep = (name: string, raw: string): boolean => attributeAllowed(name, decode(raw));

export function neutralize(html: string): string {
  let out = '';
  let dropping: string | null = null; // inside an element that is removed with its content
  for (const t of html.matchAll(TOKEN)) {
    const [all, close, rawName = '', attrs = ''] = t;
    const name = rawName.toLowerCase();
    if (dropping) {
      if (close && name === dropping) dropping = null;
      continue;
    }
    if (!rawName) {
      out += all;
      continue;
    }
    if (DROPPED_ELEMENTS.has(name)) {
      // Void ones (base, meta, link, embed) have no end tag to wait for.
      if (!close && !['base', 'meta', 'link', 'embed'].includes(name) && !/\/\s*$/.test(attrs)) dropping = name;
      continue;
    }
    if (close) {
      out += all;
      continue;
    }
    let kept = '';
    for (const a of attrs.matchAll(ATTR)) {
      const attr = (a[1] ?? '').toLowerCase();
      const value = a[2] ?? a[3] ?? a[4] ?? '';
      if (attr && keep(attr, value)) kept += ` ${a[0]}`;
    }
    out += `<${rawName}${kept}${/\/\s*$/.test(attrs) ? ' /' : ''}>`;
  }
  return out;
}
