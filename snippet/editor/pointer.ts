/**
 * Pointing at the page while the editor runs: hovering an element highlights it, a click selects
 * it, Escape clears the selection, and no press on the page reaches the site (no link, button or
 * form of it reacts). Everything inside the editor's own UI (`host`) is left to the editor.
 */
export interface PointerHandlers {
  hover(el: Element | null): void;
  select(el: Element | null): void;
  /** The page scrolled or resized: boxes drawn over elements move. */
  moved(): void;
}

/** Returns `listen(on)`: adds (true) or removes (false) the page's listeners. */
export function pointer(host: Element, on: PointerHandlers): (listening: boolean) => void {
  const fromPage = (e: Event): Element | null => {
    if (e.composedPath().includes(host)) return null;
    const t = e.target;
    return t instanceof Element && t !== document.documentElement ? t : null;
  };
  const listeners: [string, (e: Event) => void][] = [
    ['mouseover', (e) => on.hover(fromPage(e))],
    [
      'click',
      (e) => {
        const el = fromPage(e);
        if (!el) return;
        e.preventDefault();
        e.stopImmediatePropagation();
        on.select(el);
      },
    ],
    ['submit', (e) => fromPage(e) && e.preventDefault()],
    ['keydown', (e) => (e as KeyboardEvent).key === 'Escape' && !e.composedPath().includes(host) && on.select(null)],
    ['scroll', () => on.moved()],
    ['resize', () => on.moved()],
  ];
  for (const type of ['mousedown', 'mouseup', 'pointerdown', 'pointerup', 'auxclick', 'dblclick', 'touchstart', 'touchend']) {
    listeners.push([
      type,
      (e) => {
        if (!fromPage(e)) return;
        if (type === 'mousedown' || type === 'auxclick') e.preventDefault();
        e.stopImmediatePropagation();
      },
    ]);
  }
  const options: AddEventListenerOptions = { capture: true, passive: false };
  return (listening) => {
    for (const [type, fn] of listeners) (listening ? window.addEventListener : window.removeEventListener).call(window, type, fn, options);
  };
}
