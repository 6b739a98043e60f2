/**
 * The rules of variant content as plain values (no zod): the edge's schemas (protocol/content.ts,
 * protocol/decide.ts) are built on them, and the visual editor checks a marketer's edit with the
 * same ones before saving, without bundling a schema library.
 */

/** The attributes a change may set: none can run script (no on* handlers), and URLs are checked. */
export const SAFE_CHANGE_ATTRIBUTES = ['href', 'src', 'srcset', 'alt', 'title', 'class', 'style'] as const;
export type SafeChangeAttribute = (typeof SAFE_CHANGE_ATTRIBUTES)[number];

/** `javascript:`, `data:` … in a URL attribute; `url(javascript:…)` or `expression(` in a style. */
const UNSAFE_VALUE = /^\s*(?:javascript|vbscript|data)\s*:|expression\s*\(|javascript\s*:/i;

/** Whether an attribute value could run script (tabs and newlines inside `java\tscript:` count for nothing). */
export const unsafeValue = (v: string): boolean => UNSAFE_VALUE.test(v.replace(/[\t\n\r]/g, ''));

/** Content that fills a slot; the others belong to a page experience (protocol/content.ts checks both lists against its types). */
export const SLOT_CONTENT = ['html', 'text', 'json'] as const;
export const PAGE_CONTENT = ['changes', 'redirect'] as const;

/** A slot's name: the value of `data-attune-slot`, or a declared slot's. */
export const SLOT_NAME = /^[A-Za-z0-9_-]{1,64}$/;
