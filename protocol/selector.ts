/**
 * The CSS selectors a slot or a page change may use: the subset that both the edge's HTMLRewriter
 * (proxy mode) and the browser's querySelectorAll (the tag, the editor) understand the same way —
 * type and `*`, `#id`, `.class`, attribute selectors (`[a]`, `=`, `~=`, `|=`, `^=`, `$=`, `*=`),
 * descendant and child (`>`) combinators, `:nth-child(an+b)`, `:first-child` and `:not(…)` of one
 * compound. Pure, no DOM: validated on save, so a selector that could behave differently at the
 * edge and in the page never gets stored.
 */
export const SELECTOR_SUBSET = 'type, #id, .class, [attr], descendant and > combinators, :nth-child(), :first-child, :not()';

const IDENT = /^-?[_a-zA-Z\u00a0-\uffff][_a-zA-Z0-9\u00a0-\uffff-]*/;
const NTH = /^\s*(?:odd|even|[+-]?\d*n(?:\s*[+-]\s*\d+)?|[+-]?\d+)\s*$/;
const ATTR = /^\[\s*(-?[_a-zA-Z][_a-zA-Z0-9-]*)\s*(?:([~|^$*]?=)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|-?[_a-zA-Z][_a-zA-Z0-9-]*)\s*(i\s*)?)?\]/;

/** Reads one compound selector from `s` at `i`; returns where it ends, or a problem. */
function compound(s: string, i: number, inNot: boolean): number | string {
  const start = i;
  const type = /^(\*|-?[_a-zA-Z][_a-zA-Z0-9-]*)/.exec(s.slice(i));
  if (type) i += type[0].length;
  for (;;) {
    const rest = s.slice(i);
    const c = rest[0];
    if (c === '#' || c === '.') {
      const id = IDENT.exec(rest.slice(1));
      if (!id) return `"${rest.slice(0, 12)}": ${c === '#' ? 'an id' : 'a class'} must be a plain name`;
      i += 1 + id[0].length;
    } else if (c === '[') {
      const a = ATTR.exec(rest);
      if (!a) return `"${rest.slice(0, 24)}": not an attribute selector of the supported kind`;
      i += a[0].length;
    } else if (c === ':') {
      if (rest.startsWith('::')) return `"${/^::[\w-]*/.exec(rest)?.[0]}": pseudo-elements are not supported`;
      const name = /^:([\w-]+)/.exec(rest)?.[1] ?? '';
      if (name === 'first-child') i += 12;
      else if (name === 'nth-child' || name === 'not') {
        const close = matchingParen(s, i + name.length + 1);
        if (close < 0) return `":${name}(": no closing parenthesis`;
        const inner = s.slice(i + name.length + 2, close);
        if (name === 'nth-child' && !NTH.test(inner)) return `":nth-child(${inner})": use an+b, a number, odd or even`;
        if (name === 'not') {
          if (inNot) return '":not()" inside ":not()" is not supported';
          const end = compound(inner.trim(), 0, true);
          if (typeof end === 'string') return end;
          if (end !== inner.trim().length) return `":not(${inner})": only one compound selector (no combinators) inside`;
        }
        i = close + 1;
      } else return `":${name}" is not supported`;
    } else break;
  }
  return i === start ? `"${s.slice(i, i + 12) || 'the end'}": a selector part was expected here` : i;
}

function matchingParen(s: string, open: number): number {
  if (s[open] !== '(') return -1;
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

/**
 * Why `selector` is outside the supported subset, naming the part at fault; null when it is fine.
 *
 * @example
 * selectorProblem('main > h2.title:nth-child(2)') // null
 * selectorProblem('a:hover') // '":hover" is not supported'
 */
export function selectorProblem(selector: string): string | null {
  const s = selector.trim();
  if (!s) return 'the selector is empty';
  if (s.length > 500) return 'the selector is longer than 500 characters';
  let i = 0;
  for (;;) {
    const end = compound(s, i, false);
    if (typeof end === 'string') return end;
    i = end;
    const comb = /^\s*([>+~,])?\s*/.exec(s.slice(i))!;
    if (i + comb[0].length >= s.length) return comb[1] ? `"${comb[1]}" at the end: a selector must follow it` : null;
    if (comb[1] === '+' || comb[1] === '~') return `"${comb[1]}": sibling combinators are not supported`;
    if (comb[1] === ',') return '",": one selector per slot or change (no lists)';
    if (!comb[0]) return `"${s.slice(i, i + 12)}": not a supported selector part`;
    i += comb[0].length;
  }
}
