import type { Change } from '../../protocol/content';
import { SAFE_CHANGE_ATTRIBUTES, unsafeValue } from '../../protocol/content-rules';
import { selectorFor } from './selector';

/** The selection's fields for a link's href and an image's src and alt (render.ts draws them by these names). */
const FIELDS: [pick: (el: Element) => Element | null, fields: Record<string, string>][] = [
  [(el) => el.closest('a'), { href: 'href-input' }],
  [(el) => (el instanceof HTMLImageElement ? el : null), { src: 'src-input', alt: 'alt-input' }],
];

/**
 * The attribute changes typed in the selection's fields (`drafts`), one per element they change:
 * the selected element's link (itself or the `<a>` around it) and its image. Unchanged fields are
 * left out; an unsafe value (`javascript:` …) is refused with an error that says so.
 */
export function attributeEdits(selected: Element, selector: string, drafts: Record<string, string>): Change[] {
  const changes: Change[] = [];
  for (const [pick, fields] of FIELDS) {
    const el = pick(selected);
    if (!el) continue;
    const attrs: Record<string, string> = {};
    for (const [attr, field] of Object.entries(fields)) {
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
