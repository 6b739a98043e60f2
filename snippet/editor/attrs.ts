import type { Change } from '../../protocol/content';
import { SAFE_CHANGE_ATTRIBUTES, unsafeValue } from '../../protocol/content-rules';
import { selectorFor } from './selector';

/** The selection's attribute fields: the link's href (the element or the `<a>` around it), the image's src and alt. */
export const ATTRIBUTE_FIELDS: { pick: (el: Element) => Element | null; apply: string; fields: { attr: string; field: string; label: string }[] }[] = [
  { pick: (el) => el.closest('a'), apply: 'Apply link', fields: [{ attr: 'href', field: 'href-input', label: 'Link (href)' }] },
  {
    pick: (el) => (el instanceof HTMLImageElement ? el : null),
    apply: 'Apply',
    fields: [
      { attr: 'src', field: 'src-input', label: 'Image (src)' },
      { attr: 'alt', field: 'alt-input', label: 'Image text (alt)' },
    ],
  },
];

/**
 * The attribute changes typed in the selection's fields (`drafts`), one per element they change:
 * the selected element's link (itself or the `<a>` around it) and its image. Unchanged fields are
 * left out; an unsafe value (`javascript:` …) is refused with an error that says so.
 */
export function attributeEdits(selected: Element, selector: string, drafts: Record<string, string>): Change[] {
  const changes: Change[] = [];
  for (const { pick, fields } of ATTRIBUTE_FIELDS) {
    const el = pick(selected);
    if (!el) continue;
    const attrs: Record<string, string> = {};
    for (const { attr, field } of fields) {
      const v = drafts[field];
      if (v === undefined || v === (el.getAttribute(attr) ?? '') || !(SAFE_CHANGE_ATTRIBUTES as readonly string[]).includes(attr)) continue;
      if (unsafeValue(v)) throw new Error(`${attr}: javascript:, data: and expression() values are not allowed.`);
      attrs[attr] = v.trim();
    }
    if (!Object.keys(attrs).length) continue;
    const sel = el === selected ? selector : selectorFor(el);
    if (!sel) throw new Error(`No stable selector for this <${el.localName}>.`);
    changes.push({ selector: sel, attrs } as Change);
  }
  return changes;
}
