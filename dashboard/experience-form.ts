/** The experience editor's form ⇄ the admin API's experience body, pure. */
import { type Experience } from '../protocol/admin';
import { isOverlayExperience } from '../protocol/experience-target';
import type { ContentType, VariantContent } from '../protocol/content';
import { OVERLAY_CONTENT, PAGE_CONTENT, SLOT_CONTENT } from '../protocol/content-rules';
import { blankOverlay, frequencyOf, overlayDraftOf, overlayFromForm, overlayOf, triggerDraftOf, triggerFromForm, triggerOf, type OverlayDraft, type TriggerDraft } from './overlay-form';

const TYPES: readonly ContentType[] = [...SLOT_CONTENT, ...PAGE_CONTENT, ...OVERLAY_CONTENT];

/** What an experience changes: the content of one slot, pages (their elements, or a redirect), or an overlay it shows. */
export type Target = 'slot' | 'page' | 'overlay';

/** The select's label of every content type: a type added to the protocol without one does not compile. */
export const CONTENT_LABELS: Record<ContentType, string> = {
  html: 'HTML',
  text: 'text',
  json: "JSON (for the page's own code)",
  changes: 'changes to elements (JSON)',
  redirect: 'redirect to another URL',
  overlay: 'overlay (banner, toast or modal)',
};

/** The content types a target takes (protocol/content.ts), with their labels, in the select's order. */
export const contentTypesFor = (target: Target): [ContentType, string][] =>
  (target === 'page' ? PAGE_CONTENT : target === 'overlay' ? OVERLAY_CONTENT : SLOT_CONTENT).map((t) => [t, CONTENT_LABELS[t]]);

/** The value box's example per content type. */
export const PLACEHOLDERS: Record<ContentType, string> = {
  html: '<h1>Free shipping today</h1>',
  text: 'Free shipping today',
  json: '{"headline": "Free shipping today"}',
  changes: '{"value": [{"selector": "h1.hero", "text": "Free shipping today"}, {"selector": "#promo", "hide": true}], "css": ".cta{background:#0a7}"}',
  redirect: '/pricing-b or https://shop.example/pricing-b',
  overlay: '{"kind": "toast", "heading": "Free shipping today", "text": "On every order over $50", "buttons": [{"label": "Shop now", "url": "/sale"}]}',
};

export interface VariantDraft {
  key: string;
  name: string;
  weight: string;
  /** '' keeps the slot's default content (the usual control). */
  type: '' | ContentType;
  /** The text, HTML or JSON; for changes `{"value": [changes], "css"?}` as JSON; for redirect the URL. */
  value: string;
  /** An overlay variant's designer fields. */
  overlay: OverlayDraft;
}

export interface ExperienceDraft {
  id: string;
  name: string;
  slot: string;
  /** Which of slot and page the experience targets (the other one is kept but not sent). */
  target: Target;
  /** A page experience's URL pattern instead of a slot; an overlay experience's pages ('' = every page). */
  page: string;
  /** An overlay experience's trigger and frequency. */
  trigger: TriggerDraft;
  status: Experience['status'];
  traffic: string;
  audience: string;
  priority: string;
  mode: 'split' | 'bandit';
  goals: string;
  variants: VariantDraft[];
}

export const MAX_VARIANTS = 20;

const s = (form: Record<string, unknown>, k: string) => (typeof form[k] === 'string' ? (form[k] as string).trim() : '');

export function blankVariant(i: number, target: Target = 'slot'): VariantDraft {
  const type = i === 0 ? '' : target === 'page' ? 'changes' : target === 'overlay' ? 'overlay' : 'html';
  return { key: i === 0 ? 'control' : `variant-${i}`, name: '', weight: '50', type, value: '', overlay: blankOverlay() };
}

export function draftFromForm(form: Record<string, unknown>): ExperienceDraft {
  const variants: VariantDraft[] = [];
  for (let i = 0; i < MAX_VARIANTS; i++) {
    const p = `v${i}.`;
    if (!(`${p}key` in form)) continue;
    const raw = s(form, `${p}type`);
    const type = (TYPES as readonly string[]).includes(raw) ? (raw as ContentType) : '';
    // Content keeps its whitespace: it is the variant as authored. A redirect's URL has its own
    // input; without the script both show, and a URL typed into the text box counts too.
    const text = typeof form[`${p}value`] === 'string' ? (form[`${p}value`] as string) : '';
    variants.push({
      key: s(form, `${p}key`),
      name: s(form, `${p}name`),
      weight: s(form, `${p}weight`),
      type,
      value: type === 'redirect' ? s(form, `${p}url`) || text.trim() : text,
      overlay: overlayFromForm(form, `${p}o.`),
    });
  }
  const status = s(form, 'status');
  const target = s(form, 'target');
  return {
    id: s(form, 'id'),
    name: s(form, 'name'),
    slot: s(form, 'slot'),
    target: target === 'page' || target === 'slot' || target === 'overlay' ? target : s(form, 'page') ? 'page' : 'slot',
    page: s(form, 'page'),
    trigger: triggerFromForm(form),
    status: status === 'running' || status === 'paused' || status === 'ended' ? status : 'draft',
    traffic: s(form, 'traffic') || '100',
    audience: s(form, 'audience'),
    priority: s(form, 'priority') || '0',
    mode: s(form, 'mode') === 'bandit' ? 'bandit' : 'split',
    goals: s(form, 'goals'),
    variants,
  };
}

/** What the form's value field shows of a variant's content. */
export function contentText(c: VariantContent | null): string {
  if (!c) return '';
  if (c.type === 'redirect') return c.url;
  if (c.type === 'changes') return JSON.stringify({ value: c.value, ...(c.css && { css: c.css }) }, null, 2);
  return c.type === 'overlay' ? '' : c.value;
}

/** The content the form's type and value stand for (changes: the JSON as written; the API validates it). */
function contentOf(v: VariantDraft): unknown {
  if (!v.type) return null;
  if (v.type === 'redirect') return { type: v.type, url: v.value.trim() };
  if (v.type === 'changes') {
    try {
      const parsed = JSON.parse(v.value) as unknown;
      return { type: v.type, ...(Array.isArray(parsed) ? { value: parsed } : (parsed as object)) };
    } catch {
      return { type: v.type, value: 'not JSON' }; // refused by the API with the field named
    }
  }
  if (v.type === 'overlay') return { type: v.type, value: overlayOf(v.overlay) };
  return { type: v.type, value: v.value };
}

export function draftOf(x: Experience): ExperienceDraft {
  return {
    id: x.id, name: x.name, slot: x.slot ?? '', target: isOverlayExperience(x) ? 'overlay' : x.page != null ? 'page' : 'slot', page: x.page ?? '',
    trigger: triggerDraftOf(x.trigger, x.frequency), status: x.status, traffic: String(Math.round(x.traffic * 1000) / 10),
    audience: x.audience ?? '', priority: String(x.priority ?? 0), mode: x.mode ?? 'split', goals: x.goals.join('\n'),
    variants: x.variants.map((v) => ({
      key: v.key, name: v.name ?? '', weight: String(v.weight), type: v.content?.type ?? '', value: contentText(v.content),
      overlay: v.content?.type === 'overlay' ? overlayDraftOf(v.content.value) : blankOverlay(),
    })),
  };
}

/** The body for POST/PATCH; the admin API validates it and names what is wrong. */
export function bodyOf(d: ExperienceDraft, creating: boolean): Record<string, unknown> {
  return {
    ...(creating && d.id ? { id: d.id } : {}),
    ...(creating ? { status: d.status } : {}),
    name: d.name,
    // The other target is cleared: an experience has exactly one. An overlay's pages are optional.
    slot: d.target === 'slot' ? d.slot : null,
    page: d.target === 'page' || (d.target === 'overlay' && d.page) ? d.page : null,
    // Only an overlay experience has a trigger and a frequency; saving another kind clears them.
    ...(d.target === 'overlay' ? { trigger: triggerOf(d.trigger), frequency: frequencyOf(d.trigger) } : creating ? {} : { trigger: null, frequency: null }),
    traffic: Number(d.traffic) / 100,
    audience: d.audience || null,
    priority: Number(d.priority),
    mode: d.mode,
    goals: d.goals.split('\n').map((g) => g.trim()).filter(Boolean),
    variants: d.variants
      .filter((v) => v.key)
      .map((v) => ({
        key: v.key,
        ...(v.name ? { name: v.name } : {}),
        weight: Number(v.weight),
        content: contentOf(v),
      })),
  };
}
