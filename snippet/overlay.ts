import type { Overlay } from '../protocol/content';
import type { OverlaySettings } from '../protocol/triggers';

/**
 * Draws an overlay — a banner, a toast or a modal — in a shadow root of its own, so the site's CSS
 * cannot reach it (and `:host{all:initial}` keeps inherited styles out too). Everything it shows is
 * set as text or as a checked URL: no HTML from a variant reaches the page. Accessible: a modal is
 * a `dialog` (aria-modal) that takes the focus, keeps Tab inside and gives the focus back when it
 * closes; a toast is a polite `status`; a banner a labelled `region`. Escape and the visible close
 * button dismiss it; motion only without `prefers-reduced-motion`. Used by the tag's overlay
 * module (snippet/assist.ts) and by the dashboard's live preview (`inside` a preview box).
 */
export interface OverlayHandlers {
  /** A link button was pressed (its index); it then follows its url. */
  press(i: number): void;
  /** Dismissed: close button, Escape, a button without url, or the modal's backdrop. */
  dismiss(): void;
}

const css = (t: OverlaySettings['theme'], inside: boolean) =>
  `:host{all:initial}` +
  `.o{position:${inside ? 'absolute' : 'fixed'};z-index:2147483647;box-sizing:border-box;font:15px/1.45 ${t.font};color:${t.text};background:${t.background};` +
  `box-shadow:0 6px 28px #0004;padding:16px 44px 16px 18px;display:flex;gap:14px;align-items:center;border-radius:${t.radius}px}` +
  // Position classes: banner `top`/`bottom`; a toast's corner (`top-right` → `top right`), kept off the edges by its margin.
  `.banner{left:0;right:0;border-radius:0;border-top:3px solid ${t.accent}}.top{top:0}.bottom{bottom:0}.left{left:0}.right{right:0}` +
  `.toast{margin:16px;max-width:min(380px,calc(100% - 32px));flex-direction:column;align-items:stretch}` +
  `.bg{position:${inside ? 'absolute' : 'fixed'};inset:0;z-index:2147483647;background:#0007}` +
  `.modal{top:50%;left:50%;transform:translate(-50%,-50%);width:min(460px,calc(100% - 32px));flex-direction:column;align-items:stretch;padding:24px}` +
  `.c{flex:1}h2{font-size:17px;margin:0 0 4px;font-weight:650}p{margin:0}img{max-width:100%;max-height:180px;object-fit:cover;border-radius:${t.radius}px}` +
  `.b{display:flex;gap:8px;flex-wrap:wrap}` +
  `.b a,.b button{font:inherit;font-weight:600;padding:8px 14px;border-radius:${t.radius}px;cursor:pointer;text-decoration:none;border:1px solid ${t.accent}}` +
  `.b :first-child{background:${t.accent};color:${t.accentText}}.b :nth-child(2){background:none;color:${t.text}}` +
  `.x{position:absolute;top:8px;right:8px;width:30px;height:30px;border:0;background:none;color:inherit;font-size:22px;cursor:pointer}` +
  `:focus-visible{outline:2px solid ${t.accent};outline-offset:2px}` +
  `@media (prefers-reduced-motion:no-preference){.o{animation:i .25s ease-out}.modal{animation:none}@keyframes i{from{opacity:0;translate:0 12px}}}`;

/** Shows `o`; returns what closes it (focus goes back where it was). */
export function renderOverlay(o: Overlay, theme: OverlaySettings['theme'], on: OverlayHandlers, inside?: HTMLElement): () => void {
  const d = document;
  const make = <K extends keyof HTMLElementTagNameMap>(tag: K, parent: Node, text?: string, cls?: string) => {
    const el = d.createElement(tag);
    if (text != null) el.textContent = text;
    if (cls) el.className = cls;
    parent.appendChild(el);
    return el;
  };
  const host = make('div', inside || d.body);
  host.setAttribute('data-attune-overlay', o.kind);
  const root = host.attachShadow({ mode: 'open' });
  // A constructed stylesheet: a site's Content-Security-Policy without 'unsafe-inline' blocks a
  // <style> element, not this (Safari before 16.4 has none: the element there).
  const text = css(theme, !!inside);
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(text);
    root.adoptedStyleSheets = [sheet];
  } catch {
    make('style', root, text);
  }
  const modal = o.kind == 'modal';
  const before = d.activeElement as HTMLElement | null;
  const bg = modal && make('div', root, undefined, 'bg');
  const box = make('div', root, undefined, `o ${o.kind} ${modal ? '' : (o.position || (o.kind == 'banner' ? 'bottom' : 'bottom-right')).replace('-', ' ')}`);
  const id = 'attune-h';
  box.setAttribute('role', modal ? 'dialog' : o.kind == 'toast' ? 'status' : 'region');
  if (modal) box.setAttribute('aria-modal', 'true');
  if (o.heading) box.setAttribute('aria-labelledby', id);
  else box.setAttribute('aria-label', o.text.slice(0, 80));
  if (o.image) {
    const img = make('img', box);
    img.src = o.image;
    img.alt = o.imageAlt || '';
  }
  const content = make('div', box, undefined, 'c');
  if (o.heading) make('h2', content, o.heading).id = id;
  make('p', content, o.text);

  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    d.removeEventListener('keydown', keys, true);
    host.remove();
    if (modal && !inside) before?.focus?.();
  };
  const dismiss = () => open && (close(), on.dismiss());
  const buttons = o.buttons.length ? make('div', box, undefined, 'b') : null;
  o.buttons.forEach((b, i) => {
    const el = b.url ? make('a', buttons!, b.label) : make('button', buttons!, b.label);
    if (b.url) (el as HTMLAnchorElement).href = b.url;
    else (el as HTMLButtonElement).type = 'button';
    el.addEventListener('click', () => {
      if (!open) return;
      close();
      b.url ? on.press(i) : on.dismiss(); // a link then goes on to its page
    });
  });
  const x = make('button', box, '×', 'x');
  x.type = 'button';
  x.setAttribute('aria-label', 'Close');
  x.addEventListener('click', dismiss);
  if (bg) bg.addEventListener('click', dismiss);

  const focusable = () => Array.from(root.querySelectorAll<HTMLElement>('a[href],button'));
  function keys(e: KeyboardEvent) {
    const within = host.contains(d.activeElement) || root.activeElement;
    if (e.key == 'Escape' && (modal || within)) return e.preventDefault(), dismiss();
    if (e.key != 'Tab' || !modal) return;
    // The focus stays inside the modal: Tab from the last control goes to the first, and back.
    const all = focusable();
    const at = all.indexOf(root.activeElement as HTMLElement);
    const to = e.shiftKey ? (at <= 0 ? all.length - 1 : at - 1) : at == all.length - 1 ? 0 : at + 1;
    e.preventDefault();
    all[to]!.focus();
  }
  if (!inside) {
    d.addEventListener('keydown', keys, true);
    if (modal) (focusable()[0] || x).focus();
  }
  return close;
}
