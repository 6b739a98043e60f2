import type { Change, VariantContent } from '../../protocol/content';
import { neutralize } from '../engine/neutralize';
import { placeholderPaths, placeholderProblems, renderAttribute, renderTemplate } from '../engine/template';

/**
 * Why an experience's variants cannot be saved: a placeholder where no visitor's value may go (in
 * `<script>`, an event handler, …), in an HTML variant or an HTML change. Null when they can.
 */
export function variantProblem(variants: readonly { content: VariantContent | null }[]): string | null {
  for (const [i, v] of variants.entries()) {
    const c = v.content;
    const htmls = c?.type === 'html' ? [c.value] : c?.type === 'changes' ? c.value.flatMap((ch) => (ch.html !== undefined ? [ch.html] : [])) : [];
    for (const html of htmls) {
      const problem = placeholderProblems(html)[0];
      if (problem) return `variants[${i}].content: ${problem}`;
    }
  }
  return null;
}

/** Neutral HTML by source, per isolate (bounded): a variant without placeholders is the same for every visitor. */
const neutralized = new Map<string, string>();
function neutral(html: string): string {
  let out = neutralized.get(html);
  if (out === undefined) {
    if (neutralized.size >= 500) neutralized.clear();
    neutralized.set(html, (out = neutralize(html)));
  }
  return out;
}

/** HTML with its placeholders filled, then neutralized. */
const renderHtml = (html: string, fields: () => Record<string, unknown>) => (html.includes('{{') ? neutralize(renderTemplate(html, fields(), true)) : neutral(html));

/**
 * A variant's content as a page gets it: placeholders filled from the visitor (escaped for where
 * they land) and HTML neutralized, the same for the tag and for proxy mode. Pure.
 */
export function renderContent(content: VariantContent, fields: () => Record<string, unknown>): VariantContent {
  const has = (s: string) => s.includes('{{');
  switch (content.type) {
    case 'json':
    case 'redirect':
      return content;
    case 'text':
      return has(content.value) ? { ...content, value: renderTemplate(content.value, fields(), false) } : content;
    case 'html':
      return { ...content, value: renderHtml(content.value, fields) };
    case 'changes':
      return {
        ...content,
        value: content.value.map((c) => {
          if (c.text !== undefined) return has(c.text) ? { ...c, text: renderTemplate(c.text, fields(), false) } : c;
          if (c.html !== undefined) return { ...c, html: renderHtml(c.html, fields) };
          if (c.attrs) return { ...c, attrs: Object.fromEntries(Object.entries(c.attrs).map(([k, v]) => [k, renderAttribute(k, v, fields())])) as Change['attrs'] };
          return c;
        }),
      };
    case 'overlay': {
      // Shown as text by the tag: placeholders are filled as text, and links checked as hrefs.
      const o = content.value;
      const text = (t: string) => (has(t) ? renderTemplate(t, fields(), false) : t);
      const url = (u: string) => (has(u) ? renderAttribute('href', u, fields()) : u);
      return {
        ...content,
        value: {
          ...o,
          text: text(o.text),
          ...(o.heading !== undefined && { heading: text(o.heading) }),
          buttons: o.buttons.map((b) => ({ label: text(b.label), ...(b.url !== undefined && { url: url(b.url) }) })),
        },
      };
    }
  }
}

/** The paths every placeholder of some content reads (`traits.firstName`, `geo.city`). */
export function contentPlaceholders(content: VariantContent | null): string[] {
  if (!content) return [];
  const texts =
    content.type === 'text' || content.type === 'html'
      ? [content.value]
      : content.type === 'changes'
        ? content.value.flatMap((c) => [c.text, c.html, ...Object.values(c.attrs ?? {})].filter((t): t is string => typeof t === 'string'))
        : content.type === 'overlay'
          ? [content.value.text, content.value.heading ?? '', ...content.value.buttons.flatMap((b) => [b.label, b.url ?? ''])]
          : [];
  return texts.flatMap(placeholderPaths);
}
