import type { DecideResponse, Decision } from '../protocol/decide';
import type { Personalizer, TagContext } from './types';

/**
 * Personalization on the page, loaded only on pages that have slots (or an embedded decision, or
 * that call decide()): fills `[data-attune-slot]` elements with their decided variant, including
 * slots rendered later, and reports an exposure once per page view when a variant is applied and
 * on screen. Without a decision a slot keeps its content (fail open).
 */
const SLOT = 'data-attune-slot';
const d = document;

export function personalizer(t: TagContext): Omit<Personalizer, 'identify_'> {
  const decisions: Record<string, Decision> = {};
  const asked: Record<string, 1> = {};
  let shown: Record<string, 1> = {};
  let started = Date.now();
  let embedded = d.getElementById('attune-decisions');

  const io = new IntersectionObserver((entries) => {
    for (const en of entries) {
      const slot = en.target.getAttribute(SLOT)!;
      const dec = decisions[slot];
      if (en.isIntersecting && dec && !shown[slot]) {
        shown[slot] = 1;
        t.send_('track', '$exposure', { slot, experience: dec.experience, variant: dec.variant });
      }
    }
  });

  const all = () => Array.from(d.querySelectorAll(`[${SLOT}]`));

  const apply = () => {
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
        const res = await fetch(t.api_ + '/v1/decide', {
          method: 'POST',
          body: JSON.stringify({ ...t.envelope_(), slots: wanted, context: { url: location.href.slice(0, 2e3), referrer: t.referrer_().slice(0, 2e3) } }),
          signal: AbortSignal.timeout?.(1500), // absent before Safari 16: no timeout there
        });
        if (!res.ok) throw res.status;
        r = await res.json();
      }
      t.setToken_(r.profileToken);
      // Past the anti-flicker window the default is already showing: swapping now would flicker.
      if (t.antiFlicker_ == null || Date.now() - started <= t.antiFlicker_) {
        Object.assign(decisions, r.decisions);
        apply();
      }
      t.emit_(r.decisions);
      return r.decisions;
    } catch (err) {
      t.debug_('no decision; the default content stays', err);
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
      started = Date.now();
      for (const el of all()) io.unobserve(el), io.observe(el);
      if (all()[0]) void decide();
    },
  };
}
