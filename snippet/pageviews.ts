import type { PageContext, Props } from '../protocol/events';
import type { Capture, Seen, View } from './types';

/**
 * Page views (including single-page-app navigations) and the page's lifecycle: what every page
 * view needs. What reacts to the visitor doing something is the capture module
 * (snippet/capture.ts), imported with the first interaction; what the visitor does until it runs
 * is buffered and fed to it in order, so nothing is lost. What can leave the page, a link click
 * or a form submit, may not wait for it: if the page is left (or a page view starts, or the
 * module fails to load) before it ran, they are recorded here, with what identifies them: a link
 * click with its href (all the edge keeps of an outbound or download click, edge/enrich/page.ts),
 * a submit with its form; the module adds the link's text and id and the form's field names.
 *
 * Each group can be switched off with `data-off="spa,clicks,forms,scroll,engagement,signals"`.
 * Campaign parameters, language, time zone, repeat views and which link clicks are downloads or
 * outbound are derived at the edge, which keeps these bytes out of every page.
 */
export const d = document;
export const now = Date.now;
type Fn = (...a: never[]) => unknown;
/** Wraps a function so nothing it throws or rejects reaches the host page. */
export const guard =
  <F extends Fn>(fn: F) =>
  (...a: never[]) => {
    try {
      const r = fn(...a) as { catch?(f: () => void): unknown } | undefined;
      return r?.catch?.(() => {}) || r; // a promise: its rejection too
    } catch {}
  };
/** Capture-phase listener; whatever it throws stays inside the tag. */
export const on = (t: EventTarget, type: string, fn: (e: never) => void) => t.addEventListener(type, guard(fn) as EventListener, true);

/** Attributes, not properties: an input named "id" or "name" would shadow form.id / form.name. */
export const formName = (f: HTMLFormElement) => ({ form: f.getAttribute('id') || f.getAttribute('name') });

type Send = (type: 'page' | 'track', name?: string, props?: Props) => void;
type Is = (group: string) => boolean;

/**
 * What the capture module is fed. Each is the visitor's first interaction (a pointer leaving the
 * window too: it may be an exit intent), which imports the module. A touch is a pointerdown
 * (touchstart follows it), so touchstart adds nothing; the module listens to mousemove itself.
 */
const LISTENS = ['pointerdown', 'keydown', 'scroll', 'focusin', 'mouseout', 'click', 'submit', 'input'];

/**
 * Starts page views and the lifecycle; returns `page` (records a page view), `where` (the page
 * context an event is recorded with now), the page views so far, and the capture module's import
 * (settled once what waited for it is recorded).
 * @param load imports the capture module and starts it
 * @param onPage a page view starts
 * @param onMutation the DOM changed
 * @param bye the page is hidden or left: the last chance to send
 */
export function pageviews(is: Is, send: Send, load: () => Promise<Capture>, onPage: () => void, onMutation: () => void, bye: () => void) {
  let url = ''; // the page view's URL ('' before the first)
  // The page view's URL and referrer: events carry these, not location, so an event sent as an SPA
  // navigation happens (a click that navigates) is credited to the page it belongs to.
  let href = location.href;
  let referrer = d.referrer;
  const cut = (s: string) => s.slice(0, 2e3);
  const where = (): PageContext => ({ url: cut(href), title: cut(d.title), referrer: cut(referrer), vw: innerWidth, vh: innerHeight });
  let ended: number;
  // What the visitor did before the capture module ran (0 before the first interaction), then the module.
  let seen: Seen[] | 0 = 0;
  // This document's page views, oldest first: the module credits what it is fed to the one it happened in.
  const views: View[] = [];
  let mod: Capture | 0 = 0;

  /** Records what can leave the page and waited for the module: link clicks and submits (the page is left before it came). */
  const drain = () =>
    seen &&
    !mod &&
    seen.splice(0).forEach((e) => {
      const t = (e as Event).target as HTMLAnchorElement & HTMLFormElement;
      if ((e as Event).type == 'submit' && is('forms')) send('track', 'form_submit', formName(t));
      const a = (e as Event).type == 'click' && is('clicks') && t.closest('a[href]');
      if (a) send('track', 'click', { href: cut((a as HTMLAnchorElement).href) });
    });
  let loading: unknown = 0;
  // Imports the module, once at a time. Not loaded (offline, blocked): what waits keeps waiting, and
  // the next interaction, or the network coming back, tries again.
  const start = () =>
    (loading ||= load().then(
      (m) => ((seen as Seen[]).splice(0).forEach(guard(m.on_) as never), m.sync_(), (mod = m)),
      () => {
        loading = 0;
        addEventListener('online', start, { once: true });
      },
    ));
  const feed = (e: Seen) => {
    if (mod) return mod.on_(e);
    if (!seen) {
      if (!e || (e as MouseEvent).relatedTarget) return; // not yet an interaction
      seen = [];
    }
    if (e) start(), (e.y_ = scrollY); // where the page was then: a scroll is measured when it happened
    seen.push(e) > 1e3 && seen.shift(); // memory bounded while it cannot load
  };

  /** Once per page view: the capture module's report (engaged time, scroll depth, forms left unsubmitted). */
  const end = () => ended || ((ended = 1), mod && mod.end_());

  const page = (props?: Props) => {
    const previous = url;
    referrer = previous || d.referrer;
    url = href = location.href;
    views.push({ s_: performance.now(), p_: where() }); // the clock DOM events' timeStamp is on
    if (previous) end(); // reported against the page being left (the module credits its own page view)
    ended = 0;
    onPage();
    send('page', undefined, props);
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

  for (const t of LISTENS) on(d, t, feed);
  // pagehide, never unload: keeps the page eligible for the back/forward cache.
  const hide = () => (drain(), end(), bye());
  on(window, 'pagehide', hide);
  on(d, 'visibilitychange', () => d.hidden && hide());
  new MutationObserver(() => (feed(0), onMutation())).observe(d, { subtree: true, childList: true, attributes: true, characterData: true });

  return [page, where, views, () => loading] as const;
}
