import { lookup } from './rules';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** HTML-escapes text for element content and attribute values. */
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/**
 * Fills `{{path}}` and `{{path | default:"text"}}` placeholders in variant content from the decision
 * context (`{{traits.firstName | default:"there"}}`, `{{geo.city}}`). Values come from visitors, so
 * in HTML content every inserted value is escaped; a missing value without a default is empty.
 *
 * @example
 * renderTemplate('Hi {{traits.firstName | default:"there"}}', { traits: { firstName: '<b>Ada' } }, true)
 * // 'Hi &lt;b&gt;Ada'
 */
export function renderTemplate(template: string, fields: Record<string, unknown>, html: boolean): string {
  return template.replace(/\{\{\s*([\w.:-]+)\s*(?:\|\s*default\s*:\s*"([^"]*)"\s*)?\}\}/g, (_m, path: string, fallback?: string) => {
    const v = lookup(fields, path);
    const text = v === undefined || v === null || v === '' || typeof v === 'object' ? (fallback ?? '') : String(v);
    return html ? escapeHtml(text) : text;
  });
}
