import type { Decision } from '../protocol/decide';
import type { CollectResponse, Event, EventType, Props } from '../protocol/events';
import { d, formName, guard, now, on, pageviews } from './pageviews';
import { cookie, load, rid, save } from './ids';
import { ANONYMOUS_ID_KEY, CONSENT_KEY, OUTBOX_FLAG_KEY, PAGES_KEY, PROFILE_TOKEN_KEY, SPILL_KEY } from '../protocol/storage';
import type { Delivery, MoreModule, Personalizer, Post, Queued, TagContext } from './types';

/**
 * The Attune tag. Install:
 *   <script>window.attune=window.attune||function(){(attune.q=attune.q||[]).push(arguments)}</script>
 *   <script async src="https://EDGE/attune.js" data-site="SITE"></script>
 * Options (data-*): api, debug, consent="required", gpc="ignore", off="spa,clicks,…", anti-flicker[=ms].
 * Every entry point is guarded: the tag never throws into the host page, and fails open.
 * What reacts to the visitor (capture), personalization/identify and the durable outbox are one ES
 * module (attune-more.js) imported only when a page needs one of them: a bounce loads none of it.
 *
 * @example
 * attune('track', 'Signup', { plan: 'pro' });
 * attune.identify('user-42', { email: 'ada@example.com' }); // hashed before it leaves the browser
 */
declare const MORE_PATH: string; // set at build time: the versioned path of the on-demand module

type Fn = Parameters<typeof guard>[0];
type Api = Record<string, unknown> & { q?: IArguments[]; loaded?: 1 };

const w = window as unknown as { attune?: Api };
const script = d.currentScript as HTMLScriptElement;
// Characters, not bytes: even all-3-byte UTF-8 stays under the 64 KiB keepalive/sendBeacon budget.
const MAX_CHARS = 2e4;

function boot(): void {
  const data = script.dataset;
  const site = data.site!;
  const stub = w.attune; // the queueing stub, or the tag already running (loaded twice)
  if (!site || stub?.loaded) return;
  const api = (data.api || new URL(script.src).origin).replace(/\/$/, '');
  const nav = navigator as Navigator & { globalPrivacyControl?: boolean };
  // Slots marked in the page, a decision proxy mode embedded, or a site that changes pages without markup (it said so).
  // Storage is read once, here: nothing else touches it before the first send.
  let hinted = load(PAGES_KEY);
  const slotted = () => hinted || d.querySelector('[data-attune-slot],#attune-decisions');

  // Consent: an explicit choice, else "required" waits, else Global Privacy Control / Do Not Track deny.
  // Until it is given, events wait in the queue (original timestamps kept) and nothing is sent or stored.
  let consent =
    load(CONSENT_KEY) || (data.consent == 'required' ? 0 : data.gpc != 'ignore' && (nav.globalPrivacyControl || nav.doNotTrack == '1') ? 'denied' : 'granted');
  const granted = () => consent == 'granted';

  // Proxy mode: the edge decided for the visitor its cookie names (data-aid); use that id, and keep
  // the cookies the edge reads (id, consent) in step with what the tag stores.
  const store = (k: string, v: string | null) => {
    save(k, v);
    if (data.aid) cookie(k, v);
  };
  const stored = load(ANONYMOUS_ID_KEY);
  let anonymousId = data.aid || stored || rid();
  // Proxy mode: the token the edge decided this page with (data-pt) is the newest.
  let profileToken = data.pt || load(PROFILE_TOKEN_KEY);
  // The token seals what the edge decides from; proxy mode reads it from its cookie.
  const setToken = (t: string | null) => t != profileToken && store(PROFILE_TOKEN_KEY, (profileToken = t));
  const keep = () => granted() && store(ANONYMOUS_ID_KEY, anonymousId); // nothing is stored before consent
  if (anonymousId != stored) keep(); // a new visitor (or proxy mode's new id): nothing rewritten on every page
  const listeners: Fn[] = [];
  const envelope = (a = anonymousId) => ({ site, anonymousId: a, ...(a == anonymousId && profileToken && { profileToken }) });

  /*
   * Delivery, the happy path: batch in memory, send, forget once the edge answered 202. On the
   * first failure everything is handed to the durable outbox (snippet/outbox.ts, in attune-more.js),
   * which keeps events in IndexedDB and retries with backoff until they are acknowledged.
   */
  const endpoint = api + '/v1/collect';
  const lazy = (): Promise<MoreModule> => import(api + MORE_PATH);
  let queue: Queued[] = [];
  let timer: ReturnType<typeof setTimeout> | 0 = 0;
  let inflight: Promise<void> | 0 = 0;
  let loading: Promise<void> | 0 = 0; // the outbox module, being imported and opened (or open)
  let box: Delivery | 0 = 0; // the open outbox: from then on it holds every event
  let failed = 0; // the outbox could not be had: events wait in memory, and are retried in a minute
  let reached = 0; // the edge acknowledged this page's last send

  /** The next batch (one anonymous id, within the byte budget) and its body. */
  const take = (items: Queued[]): [Queued[], string] => {
    const batch = items.filter((q) => q.a == items[0]!.a).slice(0, 50);
    let body: string;
    while ((body = JSON.stringify({ ...envelope(batch[0]!.a), events: batch.map((q) => q.e) })).length > MAX_CHARS && batch[1]) batch.length >>= 1;
    return [batch, body];
  };
  const post: Post = async (items) => {
    const [batch, body] = take(items);
    reached = 0;
    try {
      // A send that hangs must not stall delivery (or, in the outbox, hold the tabs' lock): give up
      // after 15 s and retry; the edge counts an event id once if it did arrive. (Browsers before
      // Safari 16 have no AbortSignal.timeout: they send without one.)
      const res = await fetch(endpoint, { method: 'POST', body, keepalive: true, signal: AbortSignal.timeout?.(15e3) });
      const s = res.status;
      if ((reached = +(s < 300)) && batch[0]!.a == anonymousId) {
        const r = (await res.json()) as CollectResponse;
        setToken(r.profileToken);
        // The site declares slots or page experiences: this and every later page asks for decisions.
        if (r.p && !more) save(PAGES_KEY, (hinted = '1')), slotsPage();
      }
      // 4xx other than 408/429 cannot succeed by resending: drop. Else retry (the outbox reads Retry-After).
      return [batch, s < 300 || (s < 500 && s != 408 && s != 429) ? 0 : res];
    } catch {
      return [batch, undefined];
    }
  };
  const drop = (batch: Queued[]) => (queue = queue.filter((q) => !batch.includes(q)));
  // Overlap with an in-flight fetch is harmless: the edge counts an event id once.
  const beacon = (items: Queued[]) => {
    const [batch, body] = take(items);
    if (navigator.sendBeacon(endpoint, body)) drop(batch);
  };
  const schedule = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(flush, ms);
  };

  const persist = () =>
    (loading ||= lazy()
      .then((m) => m.o(ctx))
      .then(
        (o) => {
          box = o;
          queue.forEach(o.push_);
          queue = [];
          void o.flush_();
        },
        () => {
          // No outbox (offline, blocked, no IndexedDB: the outbox says so in debug mode): events stay
          // in memory and are retried from here.
          loading = 0;
          failed = 1;
          schedule(6e4);
        },
      ));

  const flush = (): Promise<void> => {
    clearTimeout(timer);
    timer = 0;
    return box
      ? box.flush_()
      : loading
        ? loading.then(() => (box ? box.flush_() : undefined))
        : (inflight ||= (async () => {
            while (granted() && queue[0] && !loading) {
              const [batch, wait] = await post(queue);
              if (wait == 0) drop(batch), (failed = 0);
              else {
                save(OUTBOX_FLAG_KEY, '1');
                failed || on(window, 'online', flush); // back online: no waiting out a backoff
                await persist();
                break;
              }
            }
          })().finally(() => (inflight = 0)));
  };

  const push = (q: Queued) => {
    if (box) box.push_(q);
    // While the outbox opens, or without one until the retry: no send per event, memory bounded.
    else if (loading || failed) queue.push(q) > 1e3 && queue.shift();
    else if (queue.push(q) > 19) void flush();
    else if (!timer && !inflight) schedule(1e3); // at most a second after the first waiting event
  };

  /**
   * The page is hidden or left. What the edge has not acknowledged goes out by beacon, whose
   * delivery nobody confirms: unless the edge answered this page's last send, it is also left in
   * localStorage for the next page, which sends it again (the edge counts an event id once).
   */
  const bye = () => {
    if (!granted()) return;
    if (box) return box.beacon_();
    if (!queue[0]) return;
    if (!reached) save(SPILL_KEY, JSON.stringify(queue)); // where storage is blocked, too large for its cookie: then only the beacon
    beacon(queue);
  };
  try {
    // Nothing left ('0' parses to 0): no exception is thrown, which would cost milliseconds on every page.
    const left = JSON.parse(load(SPILL_KEY) || '0');
    if (left.map) (queue = left), save(SPILL_KEY, null); // an array, as it was left
  } catch {}

  const send = (type: EventType, name?: string, props?: Props, extra?: Partial<Event>) => {
    if (consent == 'denied') return;
    push({
      a: anonymousId,
      e: {
        id: rid(),
        type,
        ts: now(),
        page: where(),
        name, // undefined ones are left out of the JSON
        props,
        ...extra,
      },
    });
  };
  const is = (group: string) => !data.off?.split(',').includes(group);

  let more: Promise<Personalizer> | 0 = 0;
  const load$ = () => (more ||= lazy().then((m) => m.p(ctx)));
  const slotsPage = () => void load$().then((p) => p.page_());
  /** A page view starts: decided when it has slots (or the module runs: then it decides anyway). */
  const personalize = () => (more || slotted()) && slotsPage();

  const [page, where, views, capturing] = pageviews(
    is,
    send,
    () => lazy().then((m) => m.c(ctx)),
    personalize,
    () => more || personalize(), // slots rendered after load
    bye,
  );

  const ctx: TagContext = {
    api_: api,
    data_: data,
    envelope_: envelope,
    granted_: granted,
    setToken_: setToken,
    send_: send,
    emit_: (decisions) => listeners.forEach((fn) => guard(fn)(decisions as never)),
    post_: post,
    beacon_: beacon,
    // Events the stored token has not seen, waiting here (a page view aside: a page is decided with
    // the history before it), or in the outbox.
    unseen_: () => box || queue.some((q) => q.e.type != 'page'),
    rid_: rid,
    save_: save,
    is_: is,
    views_: views,
    formName_: formName,
  };


  const methods: Record<string, Fn> = {
    page,
    // Through the context: the overlay module hears tracked events there (its triggers).
    track: (name: string, props?: Props) => ctx.send_('track', String(name).slice(0, 200), props),
    identify: (...a: Parameters<Personalizer['identify_']>) => load$().then((p) => p.identify_(...a)),
    consent: (state: string) => {
      store(CONSENT_KEY, (consent = state == 'granted' ? state : 'denied'));
      if (granted()) keep(), send('consent', undefined, { state }); // sends what waited for it too
      else {
        queue = [];
        if (loading) void loading.then(() => box && box.clear_());
        for (const k of [ANONYMOUS_ID_KEY, PROFILE_TOKEN_KEY, OUTBOX_FLAG_KEY, SPILL_KEY]) store(k, null);
      }
    },
    decide: (names?: string[]) => load$().then((p) => p.decide_(names), (): Record<string, Decision> => ({})),
    // What the capture module is about to record from what waited for it goes too.
    flush: async () => (await capturing(), flush()),
    reset: () => {
      anonymousId = rid();
      setToken(null);
      keep();
    },
    on: (event: string, fn: Fn) => event == 'decision' && listeners.push(fn),
  };

  const attune = ((name: string, ...args: never[]) => methods[name]?.(...args)) as unknown as Api & Fn;
  for (const k in methods) attune[k] = methods[k] = guard(methods[k]!);
  attune.loaded = 1;
  w.attune = attune;

  if (load(OUTBOX_FLAG_KEY) && granted()) void persist(); // an earlier page left events behind
  // An editor link from the dashboard: the marketer's visual editor, never loaded otherwise.

  for (const args of stub?.q || []) attune(...(args as unknown as never[]));
  page();
}

guard(boot)();
