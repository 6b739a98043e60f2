import type { DecideResponse, Decision, PageTrigger } from '../protocol/decide';
import type { Event, EventType, Props } from '../protocol/events';
import { OVERLAY_CLICK, OVERLAY_DISMISS, OVERLAY_SLOT_PREFIX } from '../protocol/markup';
import { SHOWN_KEY } from '../protocol/storage';
import type { OverlaySettings } from '../protocol/triggers';
import { load } from './ids';
import { renderOverlay } from './overlay';
import { guard } from './pageviews';
import type { TagContext } from './types';

/**
 * The overlay module (attune-overlay.js), imported only on pages whose answer names overlays or
 * triggers: it watches for the page's triggers (signals and events as the tag records them, time
 * on the page, scroll depth), and when one fires asks for that experience's decision — the
 * triggering event sent first, so the audience sees it — or, in proxy mode, takes the one the
 * edge embedded. It shows overlays by the rules that keep visitors helped, not hounded: each
 * experience at most once per session (or per N days; kept in localStorage, so across tabs and
 * reloads), at most `perPage` per page view, never while a form field has the focus (unless it is
 * that form's abandonment), never without consent. An exposure counts when an overlay shows; a
 * button press is `$overlay_click`, a dismissal `$overlay_dismiss`.
 */
type Decide = (names: string[]) => Promise<unknown>;
/** What localStorage keeps: the session's start and last activity, when each experience was shown, paths seen this session. */
interface Memory {
  s: number;
  l: number;
  x: Record<string, number>;
  p: Record<string, number>;
}
const SESSION = 18e5; // 30 minutes without activity end a session, as at the edge
const d = document;

let settings: OverlaySettings; // the edge sends them with every answer that has overlays or triggers
let armed: PageTrigger[] = [];
let shown = 0; // overlays shown in this page view
let stop: (() => void)[] = []; // this page view's timers and listeners
let clicks: [Element, number][] = []; // recent clicks: a signal's or an event's element
let heard: (type: EventType, name?: string) => void = () => {};
let tag: TagContext;
const waiting: Record<string, 1> = {}; // experiences waiting for a focused field to lose the focus

const remember = (): Memory => {
  const now = Date.now();
  let m: Memory | null = null;
  try {
    m = JSON.parse(load(SHOWN_KEY) || 'null');
  } catch {}
  if (!m || now - m.l > SESSION) m = { s: now, l: now, x: m?.x || {}, p: {} };
  m.l = now;
  return m;
};
const keep = (m: Memory) => tag.save_(SHOWN_KEY, JSON.stringify(m));

/** Whether an experience may show now: consent, the page view's count, its frequency; a focused field defers it. */
function allowed(exp: string, t: PageTrigger | undefined, go: () => void): boolean {
  if (!tag.granted_() || shown >= settings.perPage) return false;
  const m = remember();
  const at = m.x[exp];
  const days = t?.frequency?.days;
  if (at != null && (days ? m.l - at < days * 864e5 : at >= m.s)) return false;
  const el = d.activeElement as HTMLElement | null;
  if (el && t?.on.signal != 'form_abandon' && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName))) {
    // Not while the visitor types: when the field loses the focus (once, however often it fired meanwhile).
    if (!waiting[exp]) (waiting[exp] = 1), el.addEventListener('blur', () => setTimeout(() => (delete waiting[exp], go())), { once: true });
    return false;
  }
  return true;
}

/** Shows a decided overlay experience (a control, which shows nothing, counts its exposure now). */
function show(dec: Decision, t?: PageTrigger): void {
  const exp = dec.experience;
  if (!allowed(exp, t, () => show(dec, t))) return;
  const m = remember();
  m.x[exp] = Date.now();
  keep(m);
  const props = { experience: exp, variant: dec.variant };
  const c = dec.content;
  if (c?.type == 'overlay') {
    shown++;
    const o = c.value;
    stop.push(
      renderOverlay(o, settings.theme, {
        press: (i) => tag.send_('track', OVERLAY_CLICK, { ...props, label: o.buttons[i]!.label, ...(o.buttons[i]!.url && { url: o.buttons[i]!.url }) }),
        dismiss: () => tag.send_('track', OVERLAY_DISMISS, props),
      }),
    );
  }
  tag.send_('track', '$exposure', { slot: OVERLAY_SLOT_PREFIX + exp, ...props });
}

/** A trigger fired: its embedded decision, or the edge asked once what the events so far call for. */
function fire(t: PageTrigger, decide: Decide): void {
  if (!armed.includes(t)) return;
  armed = armed.filter((x) => x != t); // once per page view
  if (!allowed(t.experience, t, () => ((armed = [...armed, t]), fire(t, decide)))) return;
  if (t.decision !== undefined) return void (t.decision && show(t.decision, t));
  pending[t.experience] = t;
  void (window as unknown as { attune: { flush(): Promise<void> } }).attune.flush().then(() => decide([OVERLAY_SLOT_PREFIX + t.experience]));
}
const pending: Record<string, PageTrigger> = {};

/** Whether what happened, happened on an element the trigger names (or it names none). */
const where = (sel: string | undefined, el?: Element | null) =>
  !sel || (el ? !!el.closest(sel) : clicks.some(([c, at]) => Date.now() - at < 3e3 && c.closest(sel)));

function arm(t: TagContext, r: DecideResponse, decide: Decide): void {
  stop.forEach((f) => f());
  stop = [];
  shown = 0;
  armed = r.triggers || [];
  const m = remember();
  const path = location.pathname;
  const again = m.p[path] != null; // viewed before in this session
  m.p[path] = Date.now();
  keep(m);
  const started: Set<HTMLFormElement> = new Set();
  heard = (type, name) => {
    for (const x of armed) {
      const on = x.on;
      if ((type == 'signal' ? on.signal : type == 'track' ? on.event : 0) == name && where(on.selector)) fire(x, decide);
    }
  };
  const view = t.views_[t.views_.length - 1]!;
  for (const x of armed) {
    const on = x.on;
    if (on.signal == 'repeat_view' && again) fire(x, decide);
    if (on.afterSeconds) {
      const id = setTimeout(() => fire(x, decide), on.afterSeconds * 1e3 - (performance.now() - view.s_));
      stop.push(() => clearTimeout(id));
    }
  }
  const listen = (target: EventTarget, type: string, fn: (e: never) => void) => {
    const g = guard(fn) as EventListener; // what it throws stays in the tag
    target.addEventListener(type, g, true);
    stop.push(() => target.removeEventListener(type, g, true));
  };
  if (armed.some((x) => x.on.scrollDepth))
    listen(window, 'scroll', () => {
      const pct = ((scrollY + innerHeight) / d.documentElement.scrollHeight) * 100;
      for (const x of armed) if (x.on.scrollDepth && pct >= x.on.scrollDepth) fire(x, decide);
    });
  if (armed.some((x) => x.on.signal == 'form_abandon')) {
    // Left in the moment: a form started and not sent, and the visitor heads for the exit, or
    // moves away from it for 5 s. The signal is sent here (capture, at the page view's end, then
    // leaves the form out).
    let away: ReturnType<typeof setTimeout> | 0 = 0;
    const left = (f: HTMLFormElement) => {
      if (!started.delete(f)) return;
      (f as HTMLFormElement & { l_?: 1 }).l_ = 1;
      t.send_('signal', 'form_abandon', t.formName_(f));
      for (const x of armed) if (x.on.signal == 'form_abandon' && where(x.on.selector, f)) fire(x, decide);
    };
    listen(d, 'input', (e: globalThis.Event) => {
      const f = (e.target as HTMLInputElement).form;
      if (f && !(f as { l_?: 1 }).l_) started.add(f), clearTimeout(away);
    });
    listen(d, 'submit', (e: globalThis.Event) => started.delete(e.target as HTMLFormElement));
    listen(d, 'focusin', (e: globalThis.Event) => (e.target as Element).closest?.('form') && clearTimeout(away));
    listen(d, 'focusout', (e: FocusEvent) => {
      const f = (e.target as HTMLInputElement).form;
      if (f && started.has(f) && !f.contains(e.relatedTarget as Node)) away = setTimeout(() => left(f), 5e3);
    });
    listen(d, 'mouseout', (e: MouseEvent) => !e.relatedTarget && e.clientY <= 0 && started.forEach(left));
    stop.push(() => clearTimeout(away));
  }
}

/**
 * Called with every answer the tag's personalization gets: `page` for a page view's (the page's
 * triggers, armed afresh), else for slots rendered later or a fired trigger (`!<id>` decisions).
 */
export function a(t: TagContext, r: DecideResponse, decide: Decide, page: boolean): void {
  if (!tag) {
    tag = t;
    // Hear what the tag records (capture's signals, tracked events) as it records them.
    const send = t.send_;
    t.send_ = (type: EventType, name?: string, props?: Props, extra?: Partial<Event>) => (send(type, name, props, extra), heard(type, name));
    d.addEventListener('click', (e) => void (clicks = clicks.slice(-4).concat([[e.target as Element, Date.now()]])), true);
  }
  if (r.overlay) settings = r.overlay;
  if (page) arm(t, r, decide);
  for (const key in r.decisions)
    if (key[0] == OVERLAY_SLOT_PREFIX) {
      const dec = r.decisions[key]!;
      const t = pending[dec.experience];
      delete pending[dec.experience];
      show(dec, t);
    }
}
