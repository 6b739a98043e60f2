import type { Decision } from '../protocol/decide';
import type { Event, EventType, Props } from '../protocol/events';
import { capture } from './capture';
import { load, rid, save } from './ids';
import { createPost, createTransport, OUTBOX_FLAG } from './transport';
import type { OutboxModule, PersonalizeModule, Personalizer, Queued, TagContext } from './types';

/**
 * The Attune tag. Install:
 *   <script>window.attune=window.attune||function(){(attune.q=attune.q||[]).push(arguments)}</script>
 *   <script async src="https://EDGE/attune.js" data-site="SITE"></script>
 * Options (data-*): api, debug, consent="required", gpc="ignore", off="spa,clicks,…", anti-flicker[=ms].
 * Every entry point is guarded: the tag never throws into the host page, and fails open.
 * Personalization/identify and the durable outbox are ES modules imported only when a page needs them.
 *
 * @example
 * attune('track', 'Signup', { plan: 'pro' });
 * attune.identify('user-42', { email: 'ada@example.com' }); // hashed before it leaves the browser
 */
declare const OUTBOX_PATH: string; // set at build time: versioned paths of the on-demand modules
declare const MORE_PATH: string;

type Fn = (...a: never[]) => unknown;
type Api = Record<string, unknown> & { q?: ArrayLike<unknown>[]; loaded?: 1 };

const w = window as unknown as { attune?: Api };
const d = document;
const script = d.currentScript as HTMLScriptElement;
const AID = '_attune_aid';
const PT = '_attune_pt';
const CONSENT = '_attune_c';

/** Wraps a function so nothing it throws or rejects reaches the host page. */
const guard =
  <F extends Fn>(fn: F) =>
  (...a: never[]) => {
    try {
      const r = fn(...a);
      return r instanceof Promise ? r.catch(() => {}) : r;
    } catch {}
  };

function boot(): void {
  const attr = (n: string) => script.getAttribute('data-' + n);
  const site = attr('site')!;
  if (!site || (w.attune && w.attune.loaded)) return;
  const api = (attr('api') || new URL(script.src).origin).replace(/\/$/, '');
  const is = (group: string) => !(attr('off') || '').split(',').includes(group);
  const debug = (...a: unknown[]) => attr('debug') != null && console.debug('[attune]', ...a);
  const af = attr('anti-flicker');
  const nav = navigator as Navigator & { globalPrivacyControl?: boolean };
  const slotted = () => d.querySelector('[data-attune-slot],#attune-decisions');

  if (af != null) {
    // Hides only the slots; the animation shows them again after the timeout even if all else fails.
    d.head.appendChild(d.createElement('style')).textContent =
      `[data-attune-slot]:not([data-attune-ready]){animation:_attune 0s ${+af || 300}ms both}@keyframes _attune{0%{visibility:hidden}}`;
  }

  // Consent: an explicit choice, else "required" waits, else Global Privacy Control / Do Not Track deny.
  let consent =
    load(CONSENT) ||
    (attr('consent') == 'required' ? 0 : attr('gpc') != 'ignore' && (nav.globalPrivacyControl || nav.doNotTrack == '1') ? 'denied' : 'granted');
  const granted = () => consent == 'granted';
  let pending: Queued[] = []; // waits in memory, original timestamps kept, until consent is given

  let anonymousId = load(AID) || rid();
  let profileToken = load(PT);
  const setToken = (t: string | null) => t != profileToken && save(PT, (profileToken = t));
  const keep = () => granted() && save(AID, anonymousId); // nothing is stored before consent
  keep();
  const listeners: Fn[] = [];
  const envelope = (a = anonymousId) => ({ site, anonymousId: a, ...(a == anonymousId && profileToken && { profileToken }) });

  const endpoint = api + '/v1/collect';
  const [post, take] = createPost(endpoint, envelope, (t, a) => a == anonymousId && setToken(t));
  const beacon = (items: Queued[]) => navigator.sendBeacon(endpoint, take(items)[1]);
  const transport = createTransport(
    post,
    take,
    endpoint,
    () => import(api + OUTBOX_PATH).then((m: OutboxModule) => m.open(site, post, beacon, debug)),
    debug,
  );

  // The page view's URL and referrer: events carry these, not location, so an event sent as an SPA
  // navigation happens (engaged time, form abandonment) is credited to the page it belongs to.
  let referrer = d.referrer;
  let pageUrl = location.href;
  const cut = (s: string) => s.slice(0, 2e3);
  const send = (type: EventType, name?: string, props?: Props, extra?: Partial<Event>) => {
    if (consent == 'denied') return debug('no consent: dropped', type, name);
    const q: Queued = {
      a: anonymousId,
      e: {
        id: rid(),
        type,
        ts: Date.now(),
        page: { url: cut(pageUrl), title: cut(d.title), referrer: cut(referrer), vw: innerWidth, vh: innerHeight },
        ...(name && { name }),
        ...(props && { props }),
        ...extra,
      },
    };
    granted() ? transport.push(q) : pending.push(q);
  };

  const ctx: TagContext = {
    api,
    antiFlicker: af == null ? af : +af || 300,
    envelope,
    referrer: () => referrer,
    granted,
    setToken,
    send,
    emit: (decisions) => listeners.forEach((fn) => guard(fn)(decisions as never)),
    debug,
  };
  let more: Promise<Personalizer> | 0 = 0;
  const load$ = () => (more ||= import(api + MORE_PATH).then((m: PersonalizeModule) => m.create(ctx)));
  const slotsPage = () => void load$().then((p) => p.page());

  const page = capture(
    send,
    is,
    (previous) => {
      referrer = previous || d.referrer;
      pageUrl = location.href;
      if (more || slotted()) slotsPage();
    },
    () => more || (slotted() && slotsPage()), // slots rendered after load
  );

  const methods: Record<string, Fn> = {
    page,
    track: (name: string, props?: Props) => send('track', String(name).slice(0, 200), props),
    identify: (userId: string, traits?: Props, opts?: object) => load$().then((p) => p.identify(userId, traits, opts)),
    consent: (state: string) => {
      save(CONSENT, (consent = state == 'granted' ? state : 'denied'));
      if (granted()) {
        keep();
        pending.forEach(transport.push);
        send('consent', undefined, { state });
      } else {
        transport.clear();
        for (const k of [AID, PT, OUTBOX_FLAG]) save(k, null);
      }
      pending = [];
    },
    decide: (names?: string[]) => load$().then((p) => p.decide(names), (): Record<string, Decision> => ({})),
    flush: transport.flush,
    reset: () => {
      anonymousId = rid();
      setToken(null);
      keep();
    },
    on: (event: string, fn: Fn) => event == 'decision' && listeners.push(fn),
  };

  const queued = (w.attune && w.attune.q) || [];
  const attune = ((name: string, ...args: never[]) => methods[name] && methods[name]!(...args)) as unknown as Api;
  for (const k in methods) attune[k] = methods[k] = guard(methods[k]!);
  attune.loaded = 1;
  w.attune = attune;

  // pagehide, never unload: keeps the page eligible for the back/forward cache.
  const bye = () => transport.beacon();
  addEventListener('pagehide', bye);
  addEventListener('visibilitychange', () => d.visibilityState == 'hidden' && bye());
  if (load(OUTBOX_FLAG) && granted()) transport.persist(); // an earlier page left events behind
  for (const args of Array.from(queued)) (attune as unknown as Fn)(...(Array.from(args) as never[]));
  page();
}

guard(boot)();
