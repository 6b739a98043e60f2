import type { DecideResponse, Decision } from '../protocol/decide';
import type { Event, Props } from '../protocol/events';
import { load, rid, save } from './ids';
import { applyDecision, slotElements } from './slots';
import { createTransport } from './transport';

/**
 * The Attune tag. Installed as
 *   <script>window.attune=window.attune||function(){(attune.q=attune.q||[]).push(arguments)}</script>
 *   <script async src="https://EDGE/attune.js" data-site="SITE"></script>
 * Every entry point is guarded: the tag never throws into the host page and fails open.
 */
type Fn = (...a: never[]) => unknown;
type Stub = ((...a: unknown[]) => unknown) & { q?: ArrayLike<unknown>[]; loaded?: boolean } & Record<string, unknown>;

const w = window as unknown as { attune?: Stub };
const script = document.currentScript as HTMLScriptElement | null;

function boot(): void {
  const site = script?.getAttribute('data-site');
  if (!site || w.attune?.loaded) return;
  const api = (script!.getAttribute('data-api') || new URL(script!.src).origin).replace(/\/$/, '');
  const debugOn = script!.hasAttribute('data-debug');
  const debug = (...a: unknown[]) => debugOn && console.debug('[attune]', ...a);
  const AID = '_attune_aid';
  const PT = '_attune_pt';

  let anonymousId = load(AID) || rid();
  save(AID, anonymousId);
  let profileToken = load(PT) || undefined;
  let denied = false;
  const listeners: Record<string, ((d: unknown) => void)[]> = {};

  const envelope = () => ({ site, anonymousId, ...(profileToken ? { profileToken } : {}) });
  const setToken = (t: string) => {
    if (t !== profileToken) save(PT, (profileToken = t));
  };
  const transport = createTransport(api + '/v1/collect', envelope, setToken, debug);

  const pageContext = () => ({
    url: location.href.slice(0, 2048),
    path: location.pathname.slice(0, 2048),
    title: document.title.slice(0, 512),
    referrer: document.referrer.slice(0, 2048),
    lang: navigator.language,
    tz: Intl.DateTimeFormat().resolvedOptions().timeZone,
    vw: innerWidth,
    vh: innerHeight,
  });

  const send = (type: Event['type'], name?: string, props?: Props, extra?: Partial<Event>) => {
    if (denied) return;
    transport.push({ id: rid(), type, ts: Date.now(), page: pageContext(), ...(name ? { name } : {}), ...(props ? { props } : {}), ...extra });
  };

  const decide = async (slots?: string[]): Promise<Record<string, Decision>> => {
    const ctrl = new AbortController();
    const t = setTimeout(() => ctrl.abort(), 1500);
    try {
      const els = slotElements();
      const wanted = slots || els.map((e) => e.getAttribute('data-attune-slot')!);
      const res = await fetch(api + '/v1/decide', {
        method: 'POST',
        body: JSON.stringify({ ...envelope(), slots: wanted, context: { url: location.href.slice(0, 2048), path: location.pathname, referrer: document.referrer.slice(0, 2048), lang: navigator.language } }),
        headers: { 'Content-Type': 'text/plain' },
        signal: ctrl.signal,
      });
      if (!res.ok) throw new Error('decide ' + res.status);
      const r = (await res.json()) as DecideResponse;
      setToken(r.profileToken);
      for (const el of els) {
        const slot = el.getAttribute('data-attune-slot')!;
        const d = r.decisions[slot];
        if (d && applyDecision(el, d)) send('track', '$exposure', { slot, experience: d.experience, variant: d.variant });
      }
      for (const fn of listeners.decision || []) guard(fn)(r.decisions);
      return r.decisions;
    } catch (err) {
      debug('decide failed; default content stays', err); // fail open
      return {};
    } finally {
      clearTimeout(t);
    }
  };

  const hash = async (v: string) =>
    Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(v))), (b) =>
      b.toString(16).padStart(2, '0'),
    ).join('');

  const methods: Record<string, Fn> = {
    page: (props?: Props) => send('page', undefined, props),
    track: (name: string, props?: Props) => send('track', String(name), props),
    identify: async (userId: string, traits: Props = {}) => {
      // PII never leaves the browser in plaintext: emails and phones are normalised and hashed.
      const t: Props = { ...traits };
      if (typeof t.email === 'string') t.email = await hash(t.email.trim().toLowerCase());
      if (typeof t.phone === 'string') t.phone = await hash(t.phone.replace(/[^\d+]/g, ''));
      send('identify', undefined, undefined, { userId: String(userId), traits: t });
    },
    consent: (state: string) => {
      denied = state === 'denied';
      if (denied) transport.clear();
      else send('consent', undefined, { state });
    },
    decide,
    flush: () => transport.flush(),
    reset: () => {
      save(AID, (anonymousId = rid()));
      profileToken = undefined;
      save(PT, null);
    },
    on: (event: string, fn: (d: unknown) => void) => {
      (listeners[event] ||= []).push(fn);
    },
  };

  const queued = w.attune?.q || [];
  const attune = ((name: string, ...args: unknown[]) => methods[name] && guard(methods[name] as Fn)(...(args as never[]))) as Stub;
  for (const k in methods) attune[k] = guard(methods[k]!);
  attune.loaded = true;
  w.attune = attune;

  // Clicks on links, buttons and marked elements, in the capture phase so page handlers cannot hide them.
  addEventListener(
    'click',
    guard((ev: MouseEvent) => {
      const el = (ev.target as Element | null)?.closest?.('[data-attune-event],a,button');
      if (!el) return;
      const name = el.getAttribute('data-attune-event');
      const props: Props = {};
      if (name) {
        for (const a of Array.from(el.attributes)) if (a.name.startsWith('data-attune-prop-')) props[a.name.slice(17)] = a.value;
        return send('track', name, props);
      }
      props.tag = el.tagName.toLowerCase();
      props.text = (el.textContent || '').trim().slice(0, 100);
      const href = el.getAttribute('href');
      if (href) props.href = href.slice(0, 2048);
      send('track', 'click', props);
    }),
    true,
  );
  // pagehide, not unload: keeps the page eligible for the back/forward cache.
  addEventListener('pagehide', guard(() => transport.beacon()));
  addEventListener('visibilitychange', guard(() => document.visibilityState === 'hidden' && transport.beacon()));

  send('page');
  for (const args of Array.from(queued)) attune(...Array.from(args));
  if (slotElements().length) void decide();
}

/** Wraps a function so nothing it throws or rejects reaches the host page. */
function guard<F extends Fn>(fn: F): F {
  return ((...a: never[]) => {
    try {
      const r = fn(...a);
      return r instanceof Promise ? r.catch(() => undefined) : r;
    } catch {
      return undefined;
    }
  }) as F;
}

guard(boot)();
