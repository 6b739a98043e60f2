/**
 * The rules of variant content as plain values (no zod): the edge's schemas (protocol/content.ts,
 * protocol/decide.ts) and its HTML safety (edge/engine/template.ts, neutralize.ts) are built on
 * them, and the visual editor checks and previews a marketer's edit with the same ones, without
 * bundling a schema library.
 */

/** The attributes a change may set: none can run script (no on* handlers), and URLs are checked. */
export const SAFE_CHANGE_ATTRIBUTES = ['href', 'src', 'srcset', 'alt', 'title', 'class', 'style'] as const;
export type SafeChangeAttribute = (typeof SAFE_CHANGE_ATTRIBUTES)[number];

/** `javascript:`, `data:` … in a URL attribute; `url(javascript:…)` or `expression(` in a style. */
const UNSAFE_VALUE = /^\s*(?:javascript|vbscript|data)\s*:|expression\s*\(|javascript\s*:/i;

/** Whether an attribute value could run script (tabs and newlines inside `java\tscript:` count for nothing). */
export const unsafeValue = (v: string): boolean => UNSAFE_VALUE.test(v.replace(/[\t\n\r]/g, ''));

/**
 * Content that fills a slot; content of a page experience; content that needs neither, the tag
 * renders it (protocol/content.ts checks the three lists against its types).
 */
export const SLOT_CONTENT = ['html', 'text', 'json'] as const;
export const PAGE_CONTENT = ['changes', 'redirect'] as const;
export const OVERLAY_CONTENT = ['overlay'] as const;

/** A slot's name: the value of `data-attune-slot`, or a declared slot's. */
export const SLOT_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Attributes whose value is a URL (or, for srcset, a list of them). */
export const URL_ATTRIBUTES: ReadonlySet<string> = new Set(['href', 'src', 'action', 'formaction', 'srcset', 'poster', 'cite', 'background', 'ping', 'xlink:href', 'data']);
/** The schemes a URL attribute may have (a relative URL has none). */
export const SAFE_SCHEMES: ReadonlySet<string> = new Set(['http', 'https', 'mailto', 'tel']);

/** The scheme a browser would read from a URL attribute's value, lower-cased; null for a relative URL. */
export function urlScheme(value: string): string | null {
  // Browsers drop leading spaces and control characters, and tabs and newlines anywhere.
  const url = value.replace(/^[\u0000-\u0020]+/, '').replace(/[\t\n\r]/g, '');
  return /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url)?.[1]?.toLowerCase() ?? null;
}

/** Whether a URL attribute's value (srcset: each of its candidates) is http(s), mailto, tel or relative. */
export function safeUrl(name: string, value: string): boolean {
  const urls = name === 'srcset' ? value.split(',').map((c) => c.trim().split(/\s+/)[0] ?? '') : [value];
  return urls.every((u) => {
    const scheme = urlScheme(u);
    return scheme === null || SAFE_SCHEMES.has(scheme);
  });
}

/** Elements variant HTML loses with their content: each loads or runs code, or hides markup. */
export const DROPPED_ELEMENTS: ReadonlySet<string> = new Set(['script', 'iframe', 'frame', 'object', 'embed', 'base', 'meta', 'link', 'noscript', 'template']);
const UNSAFE_STYLE = /javascript\s*:|expression\s*\(|behavior\s*:|-moz-binding/i;

/** Whether variant HTML may keep an attribute (`name` lower-cased, `value` as the browser reads it). */
export function attributeAllowed(name: string, value: string): boolean {
  if (name.startsWith('on') || name === 'srcdoc') return false;
  if (URL_ATTRIBUTES.has(name)) return safeUrl(name, value);
  if (name === 'style') return !UNSAFE_STYLE.test(value);
  return true;
}
