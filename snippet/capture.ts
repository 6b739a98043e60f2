import type { Props } from '../protocol/events';
import type { MoreModule, View } from './types';

/**
 * The capture module (in attune-more.js): micro-listening, imported with the visitor's first
 * interaction (snippet/pageviews.ts). Clicks on links, buttons and tagged elements, forms started
 * and left, scroll depth, engaged time, and the micro-signals marketers target (rage clicks, dead
 * clicks, exit intent). A page view with no interaction (a bounce) loads none of it.
 *
 * The page-view tag feeds it, in order, what the visitor did before it ran, then everything live;
 * what changed the page is fed too (0), so a dead click is judged by what followed the click, not
 * by when the module ran. Campaign parameters, language, time zone, repeat views and which link
 * clicks are downloads or outbound are derived at the edge, which keeps these bytes out of the tag.
 */

/** What a click or signal says about an element: its tag and visible text, capped. */
const describe = (el: Element): Props => ({ tag: el.localName, text: (el.textContent || '').trim().slice(0, 100) });

export const capture: MoreModule['c'] = (t) => {
  const is = t.is_;
  // The page view what the module is fed belongs to (it may be fed a moment late): its events are
  // recorded with that page, and its report made when the next one starts.
  let view: View | 0 = 0;
  const send = (type: 'track' | 'signal', name: string, props?: Props) => (type == 'track' || is('signals')) && t.send_(type, name, props, { page: (view as View).p_ });
  let depth = 0;
  let exited = 0;
  let started = new Set<HTMLFormElement>();
  let rage: number[] = [];
  // Engaged time: the page visible and the visitor active within the last 30 s, counted from the
  // page view's start (or the page showing again) up to each thing the visitor does (what the
  // page-view tag feeds: pointer down, keys, scrolling, focus, clicks, input; not mere pointer moves).
  let engaged = 0;
  let active = 0;
  const now = () => performance.now();
  const touch = () => {
    if (!document.hidden) engaged += Math.min(now() - Math.max(active, (view as View).s_), 3e4);
    active = now();
  };
  // The time the page was hidden is not engaged time.
  addEventListener('visibilitychange', () => document.hidden || (active = now()));
  // Changes to the page (DOM, scrolling): a click followed by none is a dead click.
  let changes = 0;
  const state = () => changes + location.href;
  /** Reports a page view, once: its engaged time and scroll depth, and the forms started in it and not submitted. */
  const report = (v: View | 0) => {
    if (!v || v.e_) return;
    v.e_ = 1;
    touch();
    if (is('engagement')) send('track', 'engagement', { ms: engaged, depth });
    // A form the overlay module already reported left (in the moment) is not reported again.
    started.forEach((f) => (f as { l_?: 1 }).l_ || send('signal', 'form_abandon', t.formName_(f)));
    depth = exited = engaged = active = 0;
    started = new Set();
  };
  const latest = () => t.views_[t.views_.length - 1]!;
  const next = () => (report(view), (view = latest()));

  return {
    on_(e) {
      if (!e) return void changes++; // the DOM changed
      // The page view it happened in: the latest to start before it (a click that starts one is the
      // last thing of the page view before).
      const at = e.timeStamp;
      const v = t.views_.filter((x, i) => !i || x.s_ < at).pop()!;
      if (v != view) report(view), (view = v);
      touch(); // anything the visitor does keeps engaged time counting
      const type = e.type;
      const target = e.target as Element;
      if (type == 'scroll') {
        changes++;
        const pct = (((e.y_ ?? scrollY) + innerHeight) / document.documentElement.scrollHeight) * 100;
        for (const m of [25, 50, 75, 90, 100]) if (pct > m - 1 && m > depth && is('scroll')) send('track', 'scroll', { depth: (depth = m) });
      }
      if (type == 'click') {
        const el = target.closest('[data-attune-event],a,button,[role=button],input[type=submit],input[type=button]');
        // Rage click: a third click within a second (event times: a burst stays a burst when replayed).
        rage = rage.filter((x) => at - x < 1e3).concat(at);
        if (rage.length == 3) send('signal', 'rage_click', describe(target));
        // Dead click: a button (or anything that looks clickable) that changed nothing within a second.
        if (!target.closest('a[href],[type=submit],input,select,textarea,label') && (el || getComputedStyle(target).cursor == 'pointer')) {
          const seen = state();
          const p = view;
          setTimeout(() => seen == state() && t.send_('signal', 'dead_click', describe(target), { page: p.p_ }), 1e3);
        }
        if (el && is('clicks')) {
          const name = el.getAttribute('data-attune-event');
          const props: Props = {};
          if (name) for (const a of el.attributes) !a.name.indexOf('data-attune-prop-') && (props[a.name.slice(17)] = a.value.slice(0, 500));
          const href: unknown = (el as HTMLAnchorElement).href; // an object on SVG links
          // The edge names downloads and outbound links from the href (edge/enrich/page.ts).
          send(
            'track',
            name ? name.slice(0, 200) : 'click',
            name ? props : { ...describe(el), ...(typeof href == 'string' && href && { href: href.slice(0, 2e3) }), ...(el.id && { id: el.id }) },
          );
        }
      }
      if (type == 'input') {
        const f = (target as HTMLInputElement).form;
        if (f) started.add(f);
      }
      if (type == 'submit') {
        const f = target as HTMLFormElement;
        started.delete(f);
        // Field names only: values never leave the page.
        if (is('forms')) send('track', 'form_submit', { ...t.formName_(f), fields: Array.from(f.elements, (x) => (x as HTMLInputElement).name).filter(Boolean) + '' });
      }
      // Exit intent: the pointer leaves through the top edge, on a desktop pointer; once per page view.
      if (type == 'mouseout' && !(e as MouseEvent).relatedTarget && (e as MouseEvent).clientY <= 0 && !exited && matchMedia('(pointer:fine)').matches) {
        exited = 1;
        send('signal', 'exit_intent');
      }
    },
    // The page view ends (the next one started, or the page is hidden): reported, and the latest
    // counts from its start.
    end_: next,
    // What waited was replayed: the page views that ended meanwhile are reported.
    sync_: () => view != latest() && next(),
  };
};
