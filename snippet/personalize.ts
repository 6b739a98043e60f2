import type { DecideResponse, Decision } from '../protocol/decide';
import type { EditorSession } from '../protocol/editor';
import { EDITOR_HEADER, EDIT_PARAM, REDIRECT_PARAM } from '../protocol/markup';

declare const EDITOR_PATH: string; // set at build time: the editor's versioned path
import { debug } from './debug';
import type { OverlayModule, Personalizer, TagContext } from './types';

/**
 * Personalization on the page, loaded only on pages that have slots (or an embedded decision, or
 * a site that personalizes pages without markup, or that call decide()): fills `[data-attune-slot]`
 * elements — and the elements of slots the site declared by selector, which it marks so — with
 * their decided variant, including slots rendered later, and reports an exposure once per page
 * view when a variant is applied and on screen. A page experience's changes are applied all
 * together once every element they name is there (its exposure counts then); a split-URL variant
 * redirects only while anti-flicker hides the page's slots. Without a decision a slot keeps its
 * content (fail open).
 */
const SLOT = 'data-attune-slot';
const d = document;

export function personalizer(t: TagContext): Omit<Personalizer, 'identify_'> {
  const expose = (slot: string, experience: string, variant: string) => t.send_('track', '$exposure', { slot, experience, variant });
  const decisions: Record<string, Decision> = {};
  let overlays: Promise<OverlayModule> | 0 = 0;
  const asked: Record<string, 1> = {};
  let shown: Record<string, 1> = {};
  let started = Date.now();
  let embedded = d.getElementById('attune-decisions');
  const data = t.data_;
  const af = data.antiFlicker == null ? null : +data.antiFlicker || 300; // ms
  // Anti-flicker: hides only the slots, from now (this module loads with the page on a page with
  // slots); the animation shows them again after the timeout even if all else fails.
  const style = (css: string) => (d.head.appendChild(d.createElement('style')).textContent = css);
  if (af) style(`[${SLOT}]:not([data-attune-ready]){animation:_attune 0s ${af}ms both}@keyframes _attune{0%{visibility:hidden}}`);

  const io = new IntersectionObserver((entries) => {
    for (const en of entries) {
      const slot = en.target.getAttribute(SLOT)!;
      const dec = decisions[slot];
      if (en.isIntersecting && dec && !shown[slot]) {
        shown[slot] = 1;
        expose(slot, dec.experience, dec.variant);
      }
    }
  });

  const $ = (sel: string) => Array.from(d.querySelectorAll<HTMLElement>(sel));
  const all = () => $(`[${SLOT}]`);
  let done: Record<string, 1> = {}; // page experiences applied in this page view
  const q = new URLSearchParams(location.search);
  const editing = q.get(EDIT_PARAM);

  const apply = () => {
    for (const slot in decisions) {
      const dec = decisions[slot]!;
      const c = dec.content;
      if (dec.selector) for (const el of $(dec.selector)) el.getAttribute(SLOT) || el.setAttribute(SLOT, slot);
      if (slot[0] != '@' || done[slot]) continue;
      if (c?.type == 'redirect') {
        if (af == null) continue; // without hiding, leaving now would flash the original page
        const u = new URL(c.url, location.href);
        u.search ||= location.search; // the visit's own parameters (utm_*, click ids) go along
        u.searchParams.set(REDIRECT_PARAM, dec.experience + '.' + dec.variant);
        return location.replace(u.href);
      }
      const found = c?.type == 'changes' ? c.value.map((ch) => $(ch.selector)) : [];
      if (found.some((els) => !els[0])) continue; // all or nothing: wait until every element is there
      done[slot] = 1;
      if (c?.type == 'changes') {
        c.value.forEach((ch, i) => {
          for (const el of found[i]!) {
            if (ch.text != null) el.textContent = ch.text;
            if (ch.html != null) el.innerHTML = ch.html;
            for (const k in ch.attrs) el.setAttribute(k, ch.attrs[k as keyof typeof ch.attrs]!);
            if (ch.hide) el.style.display = 'none';
          }
        });
        if (c.css) style(c.css);
      }
      expose(slot, dec.experience, dec.variant);
    }
    for (const el of all()) {
      const dec = decisions[el.getAttribute(SLOT)!];
      if (dec && el.getAttribute('data-attune-variant') != dec.variant) {
        const c = dec.content;
        if (c && c.type == 'html') el.innerHTML = c.value;
        if (c && c.type == 'text') el.textContent = c.value;
        el.setAttribute('data-attune-variant', dec.variant);
        // Observe afresh: a slot already on screen reports now that it shows a variant.
        io.unobserve(el);
        io.observe(el);
      }
    }
  };

  const decide = async (names?: string[]) => {
    if (editing) return {}; // while editing, the page shows what the editor previews: no live decision mixes in
    const wanted = names || all().map((el) => el.getAttribute(SLOT)!);
    for (const n of wanted) asked[n] = 1;
    try {
      let r: DecideResponse;
      if (embedded) {
        // Proxy mode embedded the decision in the page: no request, no flicker.
        r = JSON.parse(embedded.textContent!);
        embedded = null;
      } else {
        if (!t.granted_()) throw 0; // no profile lookups without consent: defaults stay
        // An event sent a moment ago counts: it is sent first, and the answer's token has seen it.
        // Still unseen (offline), the profile itself decides, not the token's digest.
        if (t.unseen_()) await (window as unknown as { attune: { flush(): Promise<void> } }).attune.flush();
        const res = await fetch(t.api_ + '/v1/decide', {
          method: 'POST',
          body: JSON.stringify({ ...t.envelope_(), ...(t.unseen_() ? { fresh: !0 } : {}), slots: wanted, context: t.views_[t.views_.length - 1]!.p_ }), // the page view's url and referrer (and more, which the edge ignores)
          signal: AbortSignal.timeout?.(1500), // absent before Safari 16: no timeout there
        });
        if (!res.ok) throw res.status;
        r = await res.json();
      }
      if (r.profileToken) t.setToken_(r.profileToken); // an embedded decision carries none: the tag has it (data-pt)
      for (const k in r.decisions) asked[k] = 1; // declared slots, once marked, need no asking again
      // Past the anti-flicker window the default is already showing: swapping now would flicker.
      if (af == null || Date.now() - started <= af) {
        Object.assign(decisions, r.decisions);
        apply();
      }
      t.emit_(r.decisions);
      // Overlays or triggers on this page (or the module already runs): the overlay module, at the
      // versioned path the answer names, shows and watches them.
      if (r.overlay || overlays) (overlays ||= import(t.api_ + r.overlay!.module)).then((m: OverlayModule) => m.a(t, r, decide, !names), Object); // not loaded (offline, blocked): no overlays
      return r.decisions;
    } catch (err) {
      debug(t, 'no decision', err); // the default content stays
      return {};
    } finally {
      for (const el of all()) el.setAttribute('data-attune-ready', '');
    }
  };

  // Slots rendered later: apply a known decision, ask once for the ones never asked about.
  new MutationObserver(() => {
    apply();
    const fresh = all()
      .map((el) => el.getAttribute(SLOT)!)
      .filter((n) => !asked[n]);
    if (fresh[0]) void decide(fresh);
  }).observe(d, { childList: true, subtree: true });

  return {
    decide_: decide,
    page_() {
      shown = {};
      done = {};
      started = Date.now();
      // An editor link from the dashboard (the edge, seeing it, had the tag load this module): the
      // visual editor, loaded only once the edge accepted the link's token for this page's site (a
      // forged link, or another site's, shows nothing).
      if (editing)
        return void fetch(t.api_ + '/v1/editor/session', { headers: { [EDITOR_HEADER]: editing }, cache: 'no-store' })
          .then<EditorSession | false>((r) => r.ok && r.json())
          .then((s): unknown => s && s.site == data.site && import(t.api_ + EDITOR_PATH).then((m: { start(o: object): void }) => m.start({ api: t.api_, site: s.site, token: editing, session: s })))
          .catch((err) => debug(t, 'no editor', err));
      // Arrived through a split-URL redirect: the variant is this page, on screen now.
      const [exp, variant] = (q.get(REDIRECT_PARAM) || '').split('.');
      if (variant) expose('@' + exp, exp!, variant);
      for (const el of all()) io.unobserve(el), io.observe(el);
      void decide();
    },
  };
}
