import { safeUrl, URL_ATTRIBUTES } from '../../protocol/content-rules';
import { lookup } from './rules';

/**
 * Variant placeholders, `{{path}}` and `{{path | default:"text"}}`, filled from the decision context
 * (`{{traits.firstName | default:"there"}}`, `{{geo.city}}`). The values come from visitors, so in
 * HTML each is escaped for where it lands: element text and quoted attribute values are HTML-escaped;
 * URL attributes take only http, https, mailto, tel and relative URLs (anything else gets the
 * default); and a placeholder inside `<script>`, `<style>`, a comment, an event-handler or style
 * attribute, an unquoted value or a tag or attribute name is refused when the variant is saved
 * (`placeholderProblems`) and renders as nothing if one is met anyway. Pure: no Workers APIs.
 */
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** HTML-escapes text for element content and quoted attribute values. */
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

const PLACEHOLDER = /\{\{\s*([\w.:-]+)\s*(?:\|\s*default\s*:\s*"([^"]*)"\s*)?\}\}/g;
/** Elements whose content is not HTML: a placeholder there would be script or style. */
const RAW_TEXT = new Set(['script', 'style', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript', 'plaintext']);

/** The paths the `{{path}}` placeholders of a text read. */
export const placeholderPaths = (text: string): string[] => [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!);

interface Placeholder {
  path: string;
  fallback?: string;
}

/** Where a placeholder stands in the HTML. */
type Where = { kind: 'text' } | { kind: 'attribute'; name: string } | { kind: 'refused'; why: string };

/** Marks a placeholder in the template while its HTML is read: no quotes, no angle brackets. */
const marker = (i: number) => `\u0000${i}\u0000`;
const MARKER = /\u0000(\d+)\u0000/g;

/** Reads the HTML once and says where each placeholder stands. */
function locate(template: string): { marked: string; placeholders: Placeholder[]; where: Map<number, Where>; urls: { name: string; value: string }[] } {
  const placeholders: Placeholder[] = [];
  const marked = template.replace(PLACEHOLDER, (_m, path: string, fallback?: string) => marker(placeholders.push({ path, fallback }) - 1));
  const where = new Map<number, Where>();
  const mark = (text: string, w: Where) => {
    for (const m of text.matchAll(MARKER)) where.set(Number(m[1]), w);
  };
  const TOKEN = /<!--[\s\S]*?(?:-->|$)|<(\/?)([a-zA-Z][^\s/>]*)((?:"[^"]*"|'[^']*'|[^'">])*)>|[^<]+|</g;
  const ATTR = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  const urls: { name: string; value: string }[] = []; // URL attribute values holding placeholders
  let raw: string | null = null; // inside <script> and the like, until its end tag
  for (const t of marked.matchAll(TOKEN)) {
    const [all, close, name = '', attrs = ''] = t;
    const tag = name.toLowerCase();
    if (raw !== null) {
      if (close && tag === raw) raw = null;
      else mark(all, { kind: 'refused', why: `inside <${raw}>` });
      if (raw !== null || !close) continue;
    }
    if (all.startsWith('<!--')) mark(all, { kind: 'refused', why: 'inside an HTML comment' });
    else if (!name) mark(all, { kind: 'text' });
    else {
      mark(name, { kind: 'refused', why: 'in a tag name' });
      for (const a of attrs.matchAll(ATTR)) {
        const [, attr = '', dq, sq, unquoted] = a;
        const lower = attr.toLowerCase();
        mark(attr, { kind: 'refused', why: 'in an attribute name' });
        const value = dq ?? sq ?? unquoted ?? '';
        if (unquoted !== undefined) mark(value, { kind: 'refused', why: `in the unquoted value of ${lower}: quote it` });
        else if (/^on/.test(lower)) mark(value, { kind: 'refused', why: `in the event-handler attribute ${lower}` });
        else if (lower === 'style' || lower === 'srcdoc') mark(value, { kind: 'refused', why: `in the ${lower} attribute` });
        else {
          mark(value, { kind: 'attribute', name: lower });
          if (URL_ATTRIBUTES.has(lower) && value.includes('\u0000')) urls.push({ name: lower, value });
        }
      }
      if (!close && RAW_TEXT.has(tag)) raw = tag;
    }
  }
  return { marked, placeholders, where, urls };
}

/** Why some placeholders of an HTML variant cannot be filled safely: one line each, [] when all can. */
export function placeholderProblems(template: string): string[] {
  const { placeholders, where } = locate(template);
  return placeholders.flatMap((p, i) => {
    const w = where.get(i);
    return w?.kind === 'refused' ? [`{{${p.path}}} cannot stand ${w.why}`] : [];
  });
}

const valueOf = (fields: Record<string, unknown>, p: Placeholder, useDefault: boolean): string => {
  const v = useDefault ? undefined : lookup(fields, p.path);
  return v === undefined || v === null || v === '' || typeof v === 'object' ? (p.fallback ?? '') : String(v);
};

/**
 * Fills the placeholders of variant content. Text content is filled as is (the tag sets it as
 * text); HTML content as described above.
 *
 * @example
 * renderTemplate('<a href="{{traits.site | default:"/"}}">Hi {{traits.firstName}}</a>', { traits: { site: 'javascript:x', firstName: '<b>Ada' } }, true)
 * // '<a href="/">Hi &lt;b&gt;Ada</a>'
 */
export function renderTemplate(template: string, fields: Record<string, unknown>, html: boolean): string {
  if (!html) return template.replace(PLACEHOLDER, (_m, path: string, fallback?: string) => valueOf(fields, { path, fallback }, false));
  const { marked, placeholders, where, urls } = locate(template);
  // A URL attribute whose filled value would carry an unsafe scheme takes the defaults instead.
  const useDefaults = new Set<number>();
  for (const { name, value } of urls) {
    const filled = value.replace(MARKER, (_m, i: string) => valueOf(fields, placeholders[Number(i)]!, false));
    if (!safeUrl(name, filled)) for (const m of value.matchAll(MARKER)) useDefaults.add(Number(m[1]));
  }
  return marked.replace(MARKER, (_m, n: string) => {
    const i = Number(n);
    const w = where.get(i);
    if (!w || w.kind === 'refused') return '';
    const p = placeholders[i]!;
    const v = valueOf(fields, p, useDefaults.has(i));
    if (w.kind === 'attribute' && URL_ATTRIBUTES.has(w.name) && useDefaults.has(i) && !safeUrl(w.name, v)) return '';
    return escapeHtml(v);
  });
}

/**
 * Fills the placeholders of one attribute value that the tag or the rewriter sets as an attribute
 * (a page change's `attrs`): the raw text, no HTML escaping (setAttribute needs none); a URL
 * attribute whose filled value would carry an unsafe scheme takes the defaults, and if even those
 * would, the placeholders are left empty.
 */
export function renderAttribute(name: string, template: string, fields: Record<string, unknown>): string {
  const fill = (useDefault: boolean) => template.replace(PLACEHOLDER, (_m, path: string, fallback?: string) => valueOf(fields, { path, fallback }, useDefault));
  if (!URL_ATTRIBUTES.has(name)) return fill(false);
  for (const useDefault of [false, true]) {
    const v = fill(useDefault);
    if (safeUrl(name, v)) return v;
  }
  return template.replace(PLACEHOLDER, '');
}
