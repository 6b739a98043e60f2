/** Rule builder and experience editor conveniences: show the inputs a condition needs, live size estimate, slider read-outs, previews. */
import { contentTypes } from './content-types';
import { overlayPreviews } from './overlay-preview';

function ruleRows(): void {
  const sync = (row: Element) => {
    const kind = row.querySelector<HTMLSelectElement>('[data-kind-select]')?.value ?? 'field';
    for (const group of row.querySelectorAll<HTMLElement>('[data-kind]')) group.hidden = group.dataset.kind !== kind;
  };
  for (const row of document.querySelectorAll('[data-rule-row]')) sync(row);
  document.addEventListener('change', (e) => {
    const t = e.target as HTMLElement;
    if (t.matches('[data-kind-select]')) {
      const row = t.closest('[data-rule-row]');
      if (row) sync(row);
    }
  });
  document.addEventListener('click', (e) => {
    const t = (e.target as HTMLElement).closest('[data-remove-row]');
    if (!t) return;
    const row = t.closest('[data-rule-row]');
    const rows = document.querySelectorAll('[data-rule-row]');
    if (!row) return;
    if (rows.length > 1) row.remove();
    else for (const input of row.querySelectorAll<HTMLInputElement>('input[type=text]')) input.value = '';
    row.closest('form')?.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

function liveEstimate(): void {
  const form = document.querySelector<HTMLFormElement>('form[data-audience-form]');
  const url = form?.dataset.estimateUrl;
  const out = document.querySelector<HTMLElement>('[data-estimate-text]');
  if (!form || !url || !out) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let asked = 0;
  const ask = async () => {
    const mine = ++asked;
    const body = new URLSearchParams(new FormData(form) as unknown as Record<string, string>);
    out.textContent = 'estimating…';
    try {
      const res = await fetch(url, { method: 'POST', body, headers: { Accept: 'application/json' } });
      const r = (await res.json()) as { estimate?: { estimate: number; recentProfiles: number; windowDays: number; matched: number; sampled: number }; error?: string };
      if (mine !== asked) return;
      const e = r.estimate;
      out.textContent = !e
        ? `not available: ${r.error ?? 'the rule is incomplete'}`
        : e.recentProfiles === 0
          ? `no visitors seen in the last ${e.windowDays} days yet, so nothing to estimate`
          : `${e.estimate.toLocaleString('en')} of ${e.recentProfiles.toLocaleString('en')} visitors seen in the last ${e.windowDays} days (${e.matched} of ${e.sampled} sampled match)`;
    } catch {
      if (mine === asked) out.textContent = 'not available (offline?)';
    }
  };
  form.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(ask, 700);
  });
  form.addEventListener('change', () => {
    clearTimeout(timer);
    timer = setTimeout(ask, 300);
  });
}

function sliders(): void {
  const traffic = document.getElementById('traffic') as HTMLInputElement | null;
  const trafficOut = document.querySelector<HTMLOutputElement>('[data-traffic-out]');
  const weights = () => [...document.querySelectorAll<HTMLInputElement>('input[data-weight]')];
  const update = () => {
    if (traffic && trafficOut) trafficOut.textContent = `${traffic.value}%`;
    const all = weights();
    const sum = all.reduce((s, w) => s + Number(w.value), 0);
    for (const w of all) {
      const out = document.querySelector<HTMLOutputElement>(`[data-share="${w.id}"]`);
      if (out) out.textContent = `${w.value} (${sum ? Math.round((Number(w.value) / sum) * 100) : 0}% of traffic)`;
    }
  };
  document.addEventListener('input', (e) => {
    if ((e.target as HTMLElement).matches('input[type=range]')) update();
  });
  update();
}

/** Variant HTML previews follow the editor; the frame stays sandboxed (no scripts), so srcdoc is safe. */
function previews(): void {
  const timers = new WeakMap<HTMLTextAreaElement, ReturnType<typeof setTimeout>>();
  document.addEventListener('input', (e) => {
    const t = e.target as HTMLTextAreaElement;
    const frame = t.closest('[data-variant-row]')?.querySelector<HTMLIFrameElement>('iframe.preview');
    if (!frame || t.tagName !== 'TEXTAREA') return;
    clearTimeout(timers.get(t));
    timers.set(t, setTimeout(() => frame.setAttribute('srcdoc', t.value), 400));
  });
}

/**
 * "Preview on the real page": a preview link is made only when a variant's button is pressed, and
 * the page is framed with scripts but never with allow-same-origin (it runs in an opaque origin).
 * Without this script the buttons post the form and the page comes back with the same frame.
 */
function realPreviews(): void {
  const form = document.querySelector<HTMLFormElement>('form[data-real-preview-form]');
  const out = document.querySelector<HTMLElement>('[data-real-preview-slot]');
  if (!form || !out) return;
  const say = (text: string, bad = false) => {
    const p = document.createElement('p');
    p.className = bad ? 'error' : 'muted';
    p.textContent = text;
    out.replaceChildren(p);
  };
  form.addEventListener('submit', async (e) => {
    const button = (e as SubmitEvent).submitter as HTMLButtonElement | null;
    if (!button?.value) return;
    e.preventDefault();
    const body = new URLSearchParams(new FormData(form) as unknown as Record<string, string>);
    body.set('variant', button.value);
    say('Making a preview link…');
    try {
      const res = await fetch(form.action, { method: 'POST', body, headers: { Accept: 'application/json' } });
      const r = (await res.json()) as { variant?: string; url?: string | null; expiresAt?: number; error?: string };
      if (!r.url || !/^https?:\/\//i.test(r.url)) return say(r.error ?? 'No preview link: give the page URL.', true);
      const box = document.createElement('div');
      const p = document.createElement('p');
      const a = document.createElement('a');
      a.href = r.url;
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      a.textContent = 'open it in a new tab';
      const until = new Date(r.expiresAt ?? 0).toISOString().slice(0, 16).replace('T', ' ');
      p.append(`Variant ${r.variant ?? button.value} on the page (link valid until ${until} UTC): `, a);
      const frame = document.createElement('iframe');
      frame.className = 'real-preview';
      frame.setAttribute('sandbox', 'allow-scripts'); // set before src: never allow-same-origin
      frame.setAttribute('referrerpolicy', 'no-referrer');
      frame.title = `The page with variant ${r.variant ?? button.value}`;
      frame.src = r.url;
      box.append(p, frame);
      out.replaceChildren(box);
    } catch {
      say('Not available (offline?).', true);
    }
  });
}

export function startEditors(): void {
  contentTypes();
  overlayPreviews();
  realPreviews();
  ruleRows();
  liveEstimate();
  sliders();
  previews();
}
