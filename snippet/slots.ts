import type { Decision } from '../protocol/decide';

/** Fills one slot with its decided variant. Returns false when nothing on the page changed. */
export function applyDecision(el: Element, d: Decision): boolean {
  if (el.getAttribute('data-attune-variant') === d.variant) return false;
  const c = d.content;
  if (c && c.type === 'html') el.innerHTML = c.value;
  else if (c && c.type === 'text') el.textContent = c.value;
  el.setAttribute('data-attune-variant', d.variant);
  return true;
}

export function slotElements(): Element[] {
  return Array.from(document.querySelectorAll('[data-attune-slot]'));
}
