/** The experience editor's form ⇄ the admin API's experience body, pure. */
import type { Experience } from '../protocol/admin';

export interface VariantDraft {
  key: string;
  name: string;
  weight: string;
  /** '' keeps the slot's default content (the usual control). */
  type: '' | 'html' | 'text' | 'json';
  value: string;
}

export interface ExperienceDraft {
  id: string;
  name: string;
  slot: string;
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

export function blankVariant(i: number): VariantDraft {
  return { key: i === 0 ? 'control' : `variant-${i}`, name: '', weight: '50', type: i === 0 ? '' : 'html', value: '' };
}

export function draftFromForm(form: Record<string, unknown>): ExperienceDraft {
  const variants: VariantDraft[] = [];
  for (let i = 0; i < MAX_VARIANTS; i++) {
    const p = `v${i}.`;
    if (!(`${p}key` in form)) continue;
    const type = s(form, `${p}type`);
    variants.push({
      key: s(form, `${p}key`),
      name: s(form, `${p}name`),
      weight: s(form, `${p}weight`),
      type: type === 'html' || type === 'text' || type === 'json' ? type : '',
      // Content keeps its whitespace: it is the variant as authored.
      value: typeof form[`${p}value`] === 'string' ? (form[`${p}value`] as string) : '',
    });
  }
  const status = s(form, 'status');
  return {
    id: s(form, 'id'),
    name: s(form, 'name'),
    slot: s(form, 'slot'),
    status: status === 'running' || status === 'paused' || status === 'ended' ? status : 'draft',
    traffic: s(form, 'traffic') || '100',
    audience: s(form, 'audience'),
    priority: s(form, 'priority') || '0',
    mode: s(form, 'mode') === 'bandit' ? 'bandit' : 'split',
    goals: s(form, 'goals'),
    variants,
  };
}

export function draftOf(x: Experience): ExperienceDraft {
  return {
    id: x.id, name: x.name, slot: x.slot, status: x.status, traffic: String(Math.round(x.traffic * 1000) / 10),
    audience: x.audience ?? '', priority: String(x.priority ?? 0), mode: x.mode ?? 'split', goals: x.goals.join('\n'),
    variants: x.variants.map((v) => ({ key: v.key, name: v.name ?? '', weight: String(v.weight), type: v.content?.type ?? '', value: v.content?.value ?? '' })),
  };
}

/** The body for POST/PATCH; the admin API validates it and names what is wrong. */
export function bodyOf(d: ExperienceDraft, creating: boolean): Record<string, unknown> {
  return {
    ...(creating && d.id ? { id: d.id } : {}),
    ...(creating ? { status: d.status } : {}),
    name: d.name,
    slot: d.slot,
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
        content: v.type ? { type: v.type, value: v.value } : null,
      })),
  };
}
