/**
 * An overlay experience's parts of the editor form ⇄ the admin API's body, pure: the trigger, the
 * frequency, and each variant's overlay. Types only from the protocol: the client script's live
 * preview (dashboard/client/overlay-preview.ts) reads the designer with these same functions, so
 * it shows what the form will send.
 */
import type { Overlay } from '../protocol/content';
import type { Frequency, Trigger } from '../protocol/triggers';

type Form = Record<string, unknown>;
const s = (form: Form, k: string) => (typeof form[k] === 'string' ? (form[k] as string).trim() : '');

/** What the trigger picker offers after "When the visitor…", in its order (signals by protocol name). */
export const TRIGGER_CHOICES: [string, string][] = [
  ['rage_click', 'rage-clicks'],
  ['dead_click', 'dead-clicks'],
  ['exit_intent', 'shows exit intent'],
  ['form_abandon', 'abandons a form'],
  ['repeat_view', 'views a page again'],
  ['event', 'does an event'],
  ['afterSeconds', 'has been on the page for'],
  ['scrollDepth', 'has scrolled down'],
];
/** The choices an "only on elements matching" selector narrows (where a click or a form is). */
export const SELECTOR_CHOICES = ['rage_click', 'dead_click', 'form_abandon', 'event'];

export interface TriggerDraft {
  /** '' = when the page loads (no trigger); else one of TRIGGER_CHOICES. */
  when: string;
  event: string;
  seconds: string;
  scroll: string;
  selector: string;
  /** '' = once per session; else at most once in this many days. */
  days: string;
}

export function triggerFromForm(form: Form): TriggerDraft {
  const when = s(form, 'trigger') === 'visitor' ? s(form, 'trigger.when') : '';
  return {
    when: TRIGGER_CHOICES.some(([k]) => k === when) ? when : '',
    event: s(form, 'trigger.event'),
    seconds: s(form, 'trigger.seconds'),
    scroll: s(form, 'trigger.scroll'),
    selector: s(form, 'trigger.selector'),
    days: s(form, 'frequency') === 'days' ? s(form, 'frequency.days') : '',
  };
}

export function triggerDraftOf(t: Trigger | null | undefined, f: Frequency | null | undefined): TriggerDraft {
  const when = !t ? '' : t.signal ?? (t.event !== undefined ? 'event' : t.afterSeconds !== undefined ? 'afterSeconds' : 'scrollDepth');
  return { when, event: t?.event ?? '', seconds: String(t?.afterSeconds ?? ''), scroll: String(t?.scrollDepth ?? ''), selector: t?.selector ?? '', days: String(f?.days ?? '') };
}

/** The trigger the draft stands for (null: when the page loads); numbers as typed, the API checks them. */
export function triggerOf(d: TriggerDraft): Record<string, unknown> | null {
  if (!d.when) return null;
  const where = SELECTOR_CHOICES.includes(d.when) && d.selector ? { selector: d.selector } : {};
  if (d.when === 'event') return { event: d.event, ...where };
  if (d.when === 'afterSeconds') return { afterSeconds: Number(d.seconds) };
  if (d.when === 'scrollDepth') return { scrollDepth: Number(d.scroll) };
  return { signal: d.when, ...where };
}

export const frequencyOf = (d: TriggerDraft): Record<string, unknown> | null => (d.days ? { days: Number(d.days) } : null);

/** A trigger and frequency in words, for an experience's card: "when the visitor rage-clicks #pay · once per session". */
export function triggerWords(t: Trigger | null | undefined, f: Frequency | null | undefined): string {
  const often = f?.days ? `at most once every ${f.days} day${f.days === 1 ? '' : 's'}` : 'once per session';
  if (!t) return `when the page loads · ${often}`;
  const d = triggerDraftOf(t, f);
  const label = TRIGGER_CHOICES.find(([k]) => k === d.when)?.[1] ?? d.when;
  const what =
    t.event !== undefined ? `does “${t.event}”` : t.afterSeconds !== undefined ? `${label} ${t.afterSeconds} s` : t.scrollDepth !== undefined ? `${label} ${t.scrollDepth}%` : label;
  return `when the visitor ${what}${t.selector ? ` on ${t.selector}` : ''} · ${often}`;
}

export const OVERLAY_KINDS = ['banner', 'toast', 'modal'] as const;
/** The positions each kind takes, the kind's default first (snippet/overlay.ts draws it there when none is given). */
export const POSITIONS: Record<Overlay['kind'], string[]> = {
  banner: ['bottom', 'top'],
  toast: ['bottom-right', 'bottom-left', 'top-right', 'top-left'],
  modal: [],
};

export interface OverlayDraft {
  kind: Overlay['kind'];
  position: string;
  heading: string;
  text: string;
  image: string;
  imageAlt: string;
  buttons: { label: string; url: string }[];
}

export const blankOverlay = (): OverlayDraft => ({ kind: 'toast', position: '', heading: '', text: '', image: '', imageAlt: '', buttons: [{ label: '', url: '' }, { label: '', url: '' }] });

/** A variant's designer fields, named `v<i>.o.<field>` (`prefix` = `v<i>.o.`). */
export function overlayFromForm(form: Form, prefix: string): OverlayDraft {
  const kind = s(form, `${prefix}kind`);
  const f = (k: string) => s(form, prefix + k);
  return {
    kind: kind === 'banner' || kind === 'modal' ? kind : 'toast',
    position: f('position'),
    heading: f('heading'),
    text: f('text'),
    image: f('image'),
    imageAlt: f('imageAlt'),
    buttons: [0, 1].map((i) => ({ label: f(`b${i}.label`), url: f(`b${i}.url`) })),
  };
}

export function overlayDraftOf(o: Overlay): OverlayDraft {
  const b = (i: number) => ({ label: o.buttons[i]?.label ?? '', url: o.buttons[i]?.url ?? '' });
  return { kind: o.kind, position: o.position ?? '', heading: o.heading ?? '', text: o.text, image: o.image ?? '', imageAlt: o.imageAlt ?? '', buttons: [b(0), b(1)] };
}

/** The overlay the designer stands for: empty fields left out (a button with neither label nor URL too). */
export function overlayOf(d: OverlayDraft): Overlay {
  return {
    kind: d.kind,
    ...(d.position && { position: d.position as Overlay['position'] }),
    ...(d.heading && { heading: d.heading }),
    text: d.text,
    ...(d.image && { image: d.image, ...(d.imageAlt && { imageAlt: d.imageAlt }) }),
    buttons: d.buttons.filter((x) => x.label || x.url).map((x) => ({ label: x.label, ...(x.url && { url: x.url }) })),
  };
}
