import type { Change } from '../../protocol/content';
import { urlPatternMatches } from '../../protocol/url-pattern';
import { variantLabel, type Work } from './work';
import { attributeAllowed, DROPPED_ELEMENTS } from '../../protocol/content-rules';

/**
 * The editor's preview of a variant on the page, and how to take it back: every write records its
 * undo, and revert() restores the page exactly (the original nodes, attributes and styles, not
 * copies). HTML is made inert before it reaches the page — like the edge does for visitors
 * (edge/engine/neutralize.ts), by the same rules (protocol/content-rules.ts): no script, frames
 * or plugins, no on* handlers, only safe URLs.
 */

/** `html` parsed inert (a template's content: nothing loads or runs) and cleaned. */
export function inertHtml(html: string): DocumentFragment {
  const t = document.createElement('template');
  t.innerHTML = html;
  t.content.querySelectorAll([...DROPPED_ELEMENTS].join()).forEach((n) => n.remove());
  t.content.querySelectorAll('*').forEach((el) => {
    for (const a of Array.from(el.attributes)) {
      const n = a.name.toLowerCase();
      if (!attributeAllowed(n, a.value)) el.removeAttribute(a.name);
    }
  });
  return t.content;
}

export class Preview {
  private undo: (() => void)[] = [];

  constructor(private readonly skip: Element) {}

  /** Takes back everything applied since the last revert, newest first. */
  revert(): void {
    for (const u of this.undo.splice(0).reverse()) {
      try {
        u();
      } catch (err) {
        console.debug('attune editor: revert', err);
      }
    }
  }

  /** Elements matching `selector` outside the editor's own UI; null when it is not a valid selector. */
  find(selector: string): Element[] | null {
    try {
      return Array.from(document.querySelectorAll(selector)).filter((el) => !this.skip.contains(el));
    } catch {
      return null;
    }
  }

  private keepChildren(el: Element): void {
    const kids = Array.from(el.childNodes);
    this.undo.push(() => el.replaceChildren(...kids));
  }

  private keepAttr(el: Element, name: string): void {
    const had = el.hasAttribute(name);
    const v = el.getAttribute(name);
    this.undo.push(() => (had ? el.setAttribute(name, v!) : el.removeAttribute(name)));
  }

  /** Fills slot elements with text or (inert) HTML. */
  fill(els: Element[], type: 'text' | 'html', value: string): void {
    for (const el of els) {
      this.keepChildren(el);
      if (type === 'text') el.textContent = value;
      else el.replaceChildren(inertHtml(value));
    }
  }

  /**
   * Applies a page experience's changes, all or nothing: when a selector is invalid or matches
   * nothing here, nothing is applied and the problem is returned. CSS goes into one style element.
   */
  changes(list: Change[], css?: string): string | null {
    const targets: Element[][] = [];
    for (const c of list) {
      const els = this.find(c.selector);
      if (!els) return `"${c.selector}" is not a valid selector: nothing of this variant is shown.`;
      if (!els.length) return `"${c.selector}" matches nothing on this page: nothing of this variant is shown (its changes apply all together or not at all).`;
      targets.push(els);
    }
    list.forEach((c, i) => {
      for (const el of targets[i]!) {
        if (c.text !== undefined) {
          this.keepChildren(el);
          el.textContent = c.text;
        } else if (c.html !== undefined) {
          this.keepChildren(el);
          el.replaceChildren(inertHtml(c.html));
        } else if (c.attrs) {
          for (const [k, v] of Object.entries(c.attrs)) {
            if (typeof v !== 'string' || !attributeAllowed(k, v)) continue;
            this.keepAttr(el, k);
            el.setAttribute(k, v);
          }
        } else if (c.hide && (el instanceof HTMLElement || el instanceof SVGElement)) {
          this.keepAttr(el, 'style');
          el.style.setProperty('display', 'none', 'important');
        }
      }
    });
    if (css) {
      const style = document.createElement('style');
      style.setAttribute('data-attune-editor-css', '');
      style.textContent = css;
      (document.head ?? document.documentElement).append(style);
      this.undo.push(() => style.remove());
    }
    return null;
  }
}

/**
 * Shows the work's current variant on the page (taking back what was shown before); returns a note
 * on what cannot be shown here, or ''.
 */
export function showWork(pv: Preview, w: Work | null, slotEls: () => Element[]): string {
  pv.revert();
  if (!w) return '';
  const c = w.content[w.key] ?? null;
  const label = variantLabel(w, w.key);
  const notes: (string | null)[] = [];
  if (w.mode === 'page' && !urlPatternMatches(w.page, location.pathname)) notes.push(`This page (${location.pathname}) is not matched by the page pattern ${w.page}: visitors here will not get these changes.`);
  if (!c) notes.push(`Variant ${label} has no content: visitors see the page as it is.`);
  else if (c.type === 'redirect') notes.push(`Variant ${label} sends visitors to ${c.url}. The editor does not navigate there.`);
  else if (c.type === 'json') notes.push(`Variant ${label} hands JSON to the page's own code: nothing to show here.`);
  else if (c.type === 'overlay') notes.push(`Variant ${label} shows a ${c.value.kind} the tag draws over the page: design and preview it in the dashboard's overlay designer.`);
  else if (c.type === 'changes') {
    if (w.mode !== 'page') notes.push('This content changes a page: make this a page experience to use it.');
    else if (c.value.length || c.css) notes.push(pv.changes(c.value, c.css));
  } else if (w.mode !== 'slot') notes.push('This content fills a slot: make this a slot experience to use it.');
  else {
    const els = slotEls();
    if (els.length) pv.fill(els, c.type, c.value);
    else notes.push(w.slot ? `No element of the slot "${w.slot}" on this page.` : 'No slot yet: select an element and use it as the slot.');
  }
  return notes.filter(Boolean).join(' ');
}
