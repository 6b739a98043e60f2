/**
 * The overlay designer's live preview: each keystroke draws the variant's overlay with the tag's
 * own renderer (snippet/overlay.ts) inside the preview box, in the site's overlay theme — read
 * from the box, or on the settings page from the theme fields as they change. The designer's
 * fields become the overlay by the same functions the server uses (dashboard/overlay-form.ts), so
 * the preview shows what will be saved. All text goes in as text: the renderer sets textContent.
 */
import type { Overlay } from '../../protocol/content';
import type { OverlaySettings } from '../../protocol/triggers';
import { renderOverlay } from '../../snippet/overlay';
import { overlayFromForm, overlayOf } from '../overlay-form';
import { triggerPicker } from './trigger-picker';

type Theme = OverlaySettings['theme'];

const valuesOf = (root: ParentNode): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const f of root.querySelectorAll<HTMLInputElement>('input[name],select[name],textarea[name]')) out[f.name] = f.value;
  return out;
};

function themeOf(box: HTMLElement): Theme {
  let theme = {} as Theme;
  try {
    theme = JSON.parse(box.dataset.theme ?? '{}') as Theme;
  } catch {
    /* the renderer's CSS falls back to the browser's defaults */
  }
  // The settings page: the theme as it is being edited.
  for (const f of box.closest('form')?.querySelectorAll<HTMLInputElement>('[data-theme-field]') ?? []) {
    const k = f.dataset.themeField as keyof Theme;
    // A font as the API takes it (protocol/triggers.ts): nothing typed ends the preview's CSS rule.
    if (f.value && (k !== 'font' || /^[\w\s,'"-]+$/.test(f.value))) (theme as Record<string, string | number>)[k] = k === 'radius' ? Number(f.value) : f.value;
  }
  return theme;
}

/** Positions the kind takes (the others hidden); a modal has none, so its select goes. */
function syncPositions(designer: HTMLElement): void {
  const kind = designer.querySelector<HTMLSelectElement>('[data-overlay=kind]')?.value;
  const select = designer.querySelector<HTMLSelectElement>('[data-overlay=position]');
  if (!select) return;
  for (const o of select.options) if (o.dataset.kind) o.hidden = o.disabled = o.dataset.kind !== kind;
  if (select.selectedOptions[0]?.disabled) select.value = '';
  const wrap = select.parentElement as HTMLElement;
  wrap.hidden = kind === 'modal';
}

const closers = new WeakMap<HTMLElement, () => void>();

function draw(box: HTMLElement, o: Overlay): void {
  closers.get(box)?.();
  const redraw = () => setTimeout(() => box.isConnected && !box.querySelector('[data-attune-overlay]') && draw(box, o), 900);
  closers.set(box, renderOverlay(o, themeOf(box), { press: redraw, dismiss: redraw }, box));
  const root = box.querySelector('[data-attune-overlay]')?.shadowRoot;
  // Drawn once with its entrance; redrawn as the marketer types, without it (no flicker).
  if (root && box.dataset.drawn) root.append(Object.assign(document.createElement('style'), { textContent: '.o{animation:none!important}' }));
  box.dataset.drawn = '1';
}

function designerOverlay(designer: HTMLElement): Overlay | null {
  const kind = designer.querySelector<HTMLSelectElement>('[data-overlay=kind]');
  if (!kind) return null;
  const o = overlayOf(overlayFromForm(valuesOf(designer), kind.name.replace(/kind$/, '')));
  // An empty text draws its example, so the box never shows a bare frame.
  if (!o.text) o.text = designer.querySelector<HTMLTextAreaElement>('textarea')?.placeholder ?? '';
  return o;
}

function update(designer: HTMLElement): void {
  const box = designer.querySelector<HTMLElement>('[data-overlay-preview]');
  syncPositions(designer);
  const o = designerOverlay(designer);
  if (box && o && !designer.hidden) draw(box, o);
}

export function overlayPreviews(): void {
  triggerPicker();
  const designers = () => document.querySelectorAll<HTMLElement>('[data-overlay-designer]');
  const samples = () => document.querySelectorAll<HTMLElement>('[data-overlay-preview][data-sample]');
  const drawSamples = () => {
    for (const box of samples()) {
      try {
        draw(box, JSON.parse(box.dataset.sample ?? '') as Overlay);
      } catch {
        /* no sample, no preview */
      }
    }
  };
  for (const d of designers()) update(d);
  drawSamples();
  const changed = (e: Event) => {
    const t = e.target as HTMLElement;
    const designer = t.closest<HTMLElement>('[data-overlay-designer]') ?? t.querySelector<HTMLElement>('[data-overlay-designer]');
    if (designer) update(designer);
    if (t.matches('[data-theme-field]')) drawSamples();
  };
  document.addEventListener('input', changed);
  document.addEventListener('change', changed);
  document.addEventListener('attune:shown', changed);
  // A link in a preview goes nowhere: the dashboard stays where it is. (Capturing: the renderer
  // takes the overlay out of the page before the click would bubble up.)
  document.addEventListener(
    'click',
    (e) => {
      if ((e.target as HTMLElement).closest?.('[data-overlay-preview]') && e.composedPath().some((n) => n instanceof HTMLAnchorElement)) e.preventDefault();
    },
    true,
  );
}
