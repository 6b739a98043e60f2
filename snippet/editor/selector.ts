import { selectorProblem } from '../../protocol/selector';

/**
 * Stable selectors for an element the marketer picked: its id when unique (`#id`), else a unique
 * `data-*` attribute (`tag[data-x="v"]`, test-id-like names first, never `data-attune-*`), else a
 * short `tag:nth-child(n)` path from the nearest ancestor with a unique id (or from body). Every
 * candidate must match exactly that one element and stay inside the subset the edge accepts
 * (protocol/selector.ts), or it is not offered.
 */
const PREFERRED = ['data-testid', 'data-test-id', 'data-test', 'data-qa', 'data-cy', 'data-id'];
const ATTR_NAME = /^-?[_a-zA-Z][_a-zA-Z0-9-]*$/;

/** Whether `sel` is valid for the edge and matches `el` and nothing else. */
export function matchesOnly(sel: string, el: Element): boolean {
  if (selectorProblem(sel)) return false;
  try {
    const all = document.querySelectorAll(sel);
    return all.length === 1 && all[0] === el;
  } catch {
    return false;
  }
}

/** A quoted CSS string: plain values as they are, anything else escaped. */
export const quote = (v: string) => `"${/^[\w .,:/#@%+=&?!()'-]*$/.test(v) ? v : CSS.escape(v)}"`;

const tag = (el: Element) => el.localName;

function byId(el: Element): string | null {
  const id = el.id;
  if (!id) return null;
  for (const sel of [`#${CSS.escape(id)}`, `${tag(el)}[id=${quote(id)}]`]) if (matchesOnly(sel, el)) return sel;
  return null;
}

function byData(el: Element): string | null {
  const rank = (n: string) => {
    const i = PREFERRED.indexOf(n);
    return i >= 0 ? i : /id$/.test(n) ? PREFERRED.length : PREFERRED.length + 1;
  };
  const names = Array.from(el.attributes)
    .filter((a) => a.name.startsWith('data-') && !a.name.startsWith('data-attune') && ATTR_NAME.test(a.name) && a.value && a.value.length <= 200)
    .map((a) => a.name)
    .sort((a, b) => rank(a) - rank(b));
  for (const n of names) {
    const sel = `${tag(el)}[${n}=${quote(el.getAttribute(n)!)}]`;
    if (matchesOnly(sel, el)) return sel;
  }
  return null;
}

function byPath(el: Element): string | null {
  const d = document;
  if (el === d.body) return 'body';
  const steps: string[] = [];
  let cur = el;
  let anchor = 'body';
  for (;;) {
    const parent = cur.parentElement;
    if (!parent || cur === d.documentElement) return null;
    steps.unshift(`${tag(cur)}:nth-child(${Array.prototype.indexOf.call(parent.children, cur) + 1})`);
    if (parent === d.body) break;
    if (parent === d.documentElement) {
      anchor = 'html';
      break;
    }
    const a = byId(parent);
    if (a) {
      anchor = a;
      break;
    }
    cur = parent;
  }
  const sel = `${anchor} > ${steps.join(' > ')}`;
  return matchesOnly(sel, el) ? sel : null;
}

/** The stable selector for `el`, or null when none in the supported subset singles it out. */
export function selectorFor(el: Element): string | null {
  return byId(el) ?? byData(el) ?? byPath(el);
}

const kebab = (s: string) =>
  s
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 64)
    .replace(/^-+|-+$/g, '');

/** A slot name for `el` (valid per SlotName): its slot attribute, id, test id or first words, kebab-case. */
export function slotNameFor(el: Element): string {
  const words = (el.textContent ?? '').trim().split(/\s+/).slice(0, 4).join(' ');
  for (const raw of [el.getAttribute('data-attune-slot'), el.id, el.getAttribute('data-testid'), words]) {
    const name = raw && kebab(raw);
    if (name) return name;
  }
  return kebab(tag(el)) || 'slot';
}
