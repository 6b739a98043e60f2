import type { Change, VariantContent } from '../../protocol/content';
import { PAGE_CONTENT, SLOT_CONTENT } from '../../protocol/content-rules';
import type { EditorExperience } from '../../protocol/editor';

/**
 * One experience as the editor edits it — its last saved state and the unsaved working copy — and
 * the edits a marketer makes to it. Pure (no DOM): the editor's UI calls these and shows the result.
 */
export type Content = VariantContent | null;
export type ChangesContent = Extract<VariantContent, { type: 'changes' }>;
export type Mode = 'slot' | 'page';

export interface Work {
  saved: EditorExperience;
  mode: Mode;
  slot: string | null;
  page: string;
  content: Record<string, Content>;
  /** Variants whose content changed since the last save. */
  touched: Set<string>;
  /** The variant shown. */
  key: string;
}

const clone = <T>(v: T): T => (v == null ? v : JSON.parse(JSON.stringify(v)));

/** `s` on one line, at most `n` characters. */
export const excerpt = (s: string, n = 160) => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > n ? `${t.slice(0, n)}…` : t;
};

const kindOf = (c: Change) => (c.attrs ? 'attrs' : c.hide ? 'hide' : 'content');

/** A change in a few words, for the list of a variant's changes. */
export const describe = (c: Change) =>
  c.text !== undefined
    ? `text "${excerpt(c.text, 60)}"`
    : c.html !== undefined
      ? `HTML ${excerpt(c.html, 60)}`
      : c.attrs
        ? Object.entries(c.attrs).map(([k, v]) => `${k}="${excerpt(String(v), 60)}"`).join(' ')
        : 'hidden';

/** The working copy of a saved experience, showing its first variant with content; a page experience edits `path` unless it has a page. */
export function workFor(e: EditorExperience, path: string): Work {
  const first = e.variants.find((v) => v.content) ?? e.variants[1] ?? e.variants[0];
  return {
    saved: e,
    mode: e.page != null ? 'page' : 'slot',
    slot: e.slot,
    page: e.page ?? path,
    content: Object.fromEntries(e.variants.map((v) => [v.key, clone(v.content)])),
    touched: new Set(),
    key: first?.key ?? '',
  };
}

export const variantLabel = (w: Work | null, key: string) => {
  const v = w?.saved.variants.find((x) => x.key === key);
  return v?.name ? `${v.name} (${key})` : key;
};

/** The shown variant's changes (none unless it changes the page). */
export const changesNow = (w: Work | null): Change[] => {
  const c = w?.content[w.key];
  return c?.type === 'changes' ? c.value : [];
};

/** The shown variant's changes, made a (new, empty) changes list if it held other content (a redirect). */
function changesOf(w: Work): ChangesContent {
  const c = w.content[w.key];
  if (c?.type === 'changes') return c;
  const changes: ChangesContent = { type: 'changes', value: [] };
  w.content[w.key] = changes;
  return changes;
}

/** Adds the change to the shown variant, or replaces the one of the same kind for the same selector (attributes merge). */
export function upsert(w: Work, change: Change): void {
  const changes = changesOf(w);
  const i = changes.value.findIndex((x) => x.selector === change.selector && kindOf(x) === kindOf(change));
  const prev = changes.value[i];
  if (prev) changes.value[i] = change.attrs && prev.attrs ? { selector: change.selector, attrs: { ...prev.attrs, ...change.attrs } } : change;
  else changes.value.push(change);
  w.touched.add(w.key);
}

/** Hides the element in the shown variant, or shows it again; returns whether it is hidden now. */
export function toggleHide(w: Work, selector: string): boolean {
  const changes = changesOf(w);
  const i = changes.value.findIndex((x) => x.selector === selector && x.hide);
  if (i < 0) return upsert(w, { selector, hide: true }), true;
  changes.value.splice(i, 1);
  w.touched.add(w.key);
  return false;
}

export function removeChange(w: Work, i: number): void {
  const c = w.content[w.key];
  if (c?.type !== 'changes') return;
  c.value.splice(i, 1);
  w.touched.add(w.key);
}

/** Sets (or, empty, removes) the shown variant's CSS. */
export function setCss(w: Work, css: string): void {
  const changes = changesOf(w);
  if (css) changes.css = css;
  else delete changes.css;
  w.touched.add(w.key);
}

/** Makes the experience fill a slot or change pages; content of the other kind is cleared. Returns how many variants lost theirs. */
export function switchMode(w: Work, m: Mode, path: string): number {
  const allowed: readonly string[] = m === 'page' ? PAGE_CONTENT : SLOT_CONTENT;
  let cleared = 0;
  for (const [k, c] of Object.entries(w.content)) {
    if (c && !allowed.includes(c.type)) {
      w.content[k] = null;
      w.touched.add(k);
      cleared++;
    }
  }
  w.mode = m;
  if (m === 'slot') w.slot = w.saved.slot;
  else w.page = w.saved.page ?? path;
  return cleared;
}

/** The saved variants whose page content cannot stay once the experience fills a slot: sent with it, as edited. */
export const slotClash = (w: Work) =>
  w.saved.variants
    .filter((v) => v.content && !(SLOT_CONTENT as readonly string[]).includes(v.content.type))
    .map((v) => ({ key: v.key, content: w.content[v.key] ?? null }));

/** A variant's content as the edge takes it: an empty changes list is no content, and CSS alone is refused. */
export function wire(w: Work, key: string): Content {
  const c = clone(w.content[key] ?? null);
  if (c?.type !== 'changes' || c.value.length) return c;
  if (c.css) throw new Error(`Variant ${variantLabel(w, key)}: CSS needs at least one change on the page to go with it.`);
  return null;
}
