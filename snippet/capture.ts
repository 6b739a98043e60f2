import type { EventType, Props } from '../protocol/events';

/**
 * Micro-listening: page views (including single-page-app navigations), clicks, outbound links,
 * downloads, form submits, scroll depth, engaged time, and the micro-signals marketers target
 * (rage clicks, dead clicks, exit intent, form abandonment). Each group can be switched off with
 * `data-off="spa,clicks,forms,scroll,engagement,signals"`. Campaign parameters, language, time
 * zone, repeat views and which link clicks are downloads or outbound are derived at the edge, which keeps these bytes out of every page.
 */
export type Send = (type: EventType, name?: string, props?: Props) => void;

export const d = document;
export const now = Date.now;
/** Capture-phase listener; whatever it throws stays inside the tag. */
export const on = (t: EventTarget, type: string, fn: (e: never) => void) =>
  t.addEventListener(
    type,
    (e) => {
      try {
        fn(e as never);
      } catch {}
    },
    true,
  );

/** What a click or signal says about an element: its tag and visible text, capped. */
const describe = (el: Element): Props => ({ tag: el.tagName.toLowerCase(), text: (el.textContent || '').trim().slice(0, 100) });

/** Attributes, not properties: an input named "id" or "name" would shadow form.id / form.name. */
const formName = (f: HTMLFormElement) => ({ form: f.getAttribute('id') || f.getAttribute('name') });

export function capture(
  send: Send,
  is: (group: string) => boolean,
  /** A page view starts; gets the URL of the page before it ('' for the first). */
  onPage: (previous: string) => void,
  onMutation: () => void,
  /** The page is hidden or left: the last chance to send. */
  bye: () => void,
): (props?: Props) => void {
  let url = '';
  let depth: number;
  let engaged: number;
  let active: number;
  let ended: number;
  let exited: number;
  let started: Set<HTMLFormElement>;
  let rage: number[] = [];
  let mutations = 0;

  // Engaged time: the page visible and the visitor active within the last 30 s.
  const touch = () => {
    const t = now();
    if (d.visibilityState == 'visible') engaged += Math.min(t - active, 3e4);
    active = t;
  };

  /** Once per page view: engaged time, and forms started but never submitted. */
  const end = () => {
    if (!ended) {
      ended = 1;
      touch();
      if (is('engagement')) send('track', 'engagement', { ms: engaged, depth });
      if (is('signals')) started.forEach((f) => send('signal', 'form_abandon', formName(f)));
    }
  };

  const page = (props?: Props) => {
    if (url) end(); // still reported against the page being left
    depth = engaged = ended = exited = 0;
    active = now();
    started = new Set();
    onPage(url);
    send('page', undefined, props);
    url = location.href;
  };

  const nav = () => location.href != url && page();
  if (is('spa')) {
    for (const m of ['pushState', 'replaceState'] as const) {
      const orig = history[m];
      history[m] = function (this: History, ...a: Parameters<History['pushState']>) {
        orig.apply(this, a);
        nav();
      };
    }
    on(window, 'popstate', nav);
    on(window, 'hashchange', nav);
  }

  for (const t of ['keydown', 'pointerdown', 'mousemove', 'touchstart']) on(d, t, touch);
  // pagehide, never unload: keeps the page eligible for the back/forward cache.
  const hide = () => (end(), bye());
  on(window, 'pagehide', hide);
  on(d, 'visibilitychange', () => (d.visibilityState == 'hidden' ? hide() : (active = now())));

  on(d, 'scroll', () => {
    touch();
    const pct = ((scrollY + innerHeight) / d.documentElement.scrollHeight) * 100;
    for (const m of [25, 50, 75, 90, 100]) if (pct > m - 1 && m > depth && is('scroll')) send('track', 'scroll', { depth: (depth = m) });
  });

  new MutationObserver(() => (mutations++, onMutation())).observe(d, { subtree: true, childList: true, attributes: true, characterData: true });
  const state = () => [mutations, location.href, scrollY] + '';

  on(d, 'click', (ev: MouseEvent) => {
    const t = ev.target as Element;
    const el = t.closest('[data-attune-event],a,button,[role=button],input[type=submit],input[type=button]');
    if (is('signals')) {
      const at = now();
      // Rage click: a third click within a second.
      rage = rage.filter((x) => at - x < 1e3).concat(at);
      if (rage.length == 3) send('signal', 'rage_click', describe(t));
      // Dead click: a button (or anything that looks clickable) that changed nothing within a second.
      if (!t.closest('a[href],[type=submit],input,select,textarea,label') && (el || getComputedStyle(t).cursor == 'pointer')) {
        const seen = state();
        setTimeout(() => seen == state() && send('signal', 'dead_click', describe(t)), 1e3);
      }
    }
    if (!el || !is('clicks')) return;
    const name = el.getAttribute('data-attune-event');
    if (name) {
      const props: Props = {};
      for (const a of el.attributes) if (!a.name.indexOf('data-attune-prop-')) props[a.name.slice(17)] = a.value.slice(0, 500);
      return send('track', name.slice(0, 200), props);
    }
    const href: unknown = (el as HTMLAnchorElement).href; // an object on SVG links
    // The edge names downloads and outbound links from the href (edge/enrich/page.ts).
    send('track', 'click', { ...describe(el), ...(typeof href == 'string' && href && { href: href.slice(0, 2e3) }), ...(el.id && { id: el.id }) });
  });

  on(d, 'input', (e: InputEvent) => {
    const f = (e.target as HTMLInputElement).form;
    if (f) started.add(f);
  });
  on(d, 'submit', (e: SubmitEvent) => {
    const f = e.target as HTMLFormElement;
    started.delete(f);
    // Field names only: values never leave the page.
    if (is('forms')) send('track', 'form_submit', { ...formName(f), fields: Array.from(f.elements, (x) => (x as HTMLInputElement).name).filter(Boolean) + '' });
  });

  on(d, 'mouseout', (e: MouseEvent) => {
    // Exit intent: the pointer leaves through the top edge, on a desktop pointer; once per page view.
    if (!e.relatedTarget && e.clientY <= 0 && !exited && is('signals') && matchMedia('(pointer:fine)').matches) {
      exited = 1;
      send('signal', 'exit_intent');
    }
  });

  return page;
}
