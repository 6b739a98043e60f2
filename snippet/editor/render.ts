import type { EditorSession } from '../../protocol/editor';
import { h } from './dom';
import { ATTRIBUTE_FIELDS } from './attrs';
import type { Panel } from './panel';
import { slotNameFor } from './selector';
import { changesNow, describe, excerpt, variantLabel, type Mode, type Work } from './work';

/**
 * Drawing the editor's state into its panel: the experience picker, the mode and variant
 * buttons, the slot or page it targets, what is selected and what can be done with it, the
 * variant's changes, and the boxes over the page. Reads the state; every change goes through
 * `RenderActions` (the editor's actions, failures shown in its status line).
 */
export interface EditorState {
  session: EditorSession | null;
  w: Work | null;
  selected: Element | null;
  /** The selected element's stable selector (null: it has none). */
  selector: string | null;
  /** Typed but not yet applied values of the selection's fields, by field name. */
  drafts: Record<string, string>;
  busy: boolean;
  hovered: Element | null;
}

export interface RenderActions {
  setMode(m: Mode): void;
  showVariant(key: string): void;
  /** The page pattern was edited: preview again. */
  previewAgain(): void;
  openEdit(kind: 'text' | 'html', target: { slot: true } | { selector: string }): void;
  useAsSlot(): void;
  toggleHide(): void;
  applyAttrs(): void;
  removeChange(i: number): void;
}

export function renderer(ui: Panel, s: EditorState, act: RenderActions, slotEls: () => Element[]) {
  function experiences(): void {
    ui.expSelect.replaceChildren(
      ...(s.session?.experiences ?? []).map((e) => h('option', { value: e.id, text: `${e.name} (${e.status}, ${e.page != null ? 'page' : 'slot'})` })),
    );
    if (s.w) ui.expSelect.value = s.w.saved.id;
  }

  function refresh(): void {
    const w = s.w;
    ui.expSelect.disabled = !s.session?.experiences.length;
    ui.saveBtn.disabled = !w || s.busy;
    const modes = [['slot', 'mode-slot', 'Make this a slot'], ['page', 'mode-page', 'Change this page']] as const;
    ui.modeRow.replaceChildren(
      ...(w ? modes.map(([m, id, label]) => h('button', { 'data-editor': id, 'aria-pressed': String(w.mode === m), onclick: () => act.setMode(m) }, label)) : []),
    );
    ui.tabs.replaceChildren(
      ...(w?.saved.variants ?? []).map((v) =>
        h(
          'button',
          { role: 'tab', 'data-editor': 'variant', 'data-key': v.key, 'aria-selected': String(v.key === w!.key), onclick: () => act.showVariant(v.key) },
          variantLabel(w, v.key) + (w!.touched.has(v.key) ? ' •' : ''),
        ),
      ),
    );
    target();
    selection();
    page();
  }

  function target(): void {
    const w = s.w;
    ui.targetSec.hidden = !w;
    if (!w) return ui.targetSec.replaceChildren();
    if (w.mode === 'page') {
      const input = h('input', {
        'data-editor': 'page-pattern',
        value: w.page,
        placeholder: '/pricing, /blog/* or *',
        oninput: () => void (w.page = input.value.trim()),
        onchange: act.previewAgain,
      });
      return ui.targetSec.replaceChildren(h('label', {}, 'Pages it changes (path pattern)'), input);
    }
    const here = slotEls().length > 0;
    ui.targetSec.replaceChildren(
      h('label', {}, 'Slot'),
      h('div', { 'data-editor': 'slot-current', text: w.slot ? `${w.slot}${here ? '' : ' (not on this page)'}` : 'none yet: select an element and use it as the slot' }),
      ...(w.slot && here ? [editButtons({ slot: true })] : []),
    );
  }

  const editButtons = (t: { slot: true } | { selector: string }, ...more: Node[]) =>
    h(
      'div',
      { class: 'row' },
      h('button', { 'data-editor': 'edit-text', onclick: () => act.openEdit('text', t) }, 'Edit text'),
      h('button', { 'data-editor': 'edit-html', onclick: () => act.openEdit('html', t) }, 'Edit HTML'),
      ...more,
    );

  const draftInput = (name: string, initial: string, attrs: Record<string, string> = {}) => {
    const input = h('input', { 'data-editor': name, value: s.drafts[name] ?? initial, ...attrs });
    input.addEventListener('input', () => (s.drafts[name] = input.value));
    return input;
  };

  function selection(): void {
    const { w, selected, selector } = s;
    ui.selSec.hidden = !w;
    if (!w) return ui.selSec.replaceChildren();
    if (!selected) return ui.selSec.replaceChildren(h('div', { class: 'muted' }, 'Point at an element on the page and click it to select it (Esc clears the selection).'));
    const kids: Node[] = [
      h('label', {}, `Selected <${selected.localName}>`),
      h('code', { 'data-editor': 'selector', text: selector ?? 'no stable selector for this element: select one near it' }),
      h('div', { class: 'excerpt', 'data-editor': 'element-text', text: excerpt(selected.textContent ?? '') || '(no text)' }),
    ];
    if (selector && w.mode === 'slot') {
      kids.push(
        h('label', {}, 'Slot name'),
        draftInput('slot-name', w.slot ?? slotNameFor(selected), { placeholder: 'hero', maxlength: '64' }),
        h('label', {}, 'Only on pages (optional path pattern)'),
        draftInput('slot-url', '', { placeholder: 'every page' }),
        h('div', { class: 'row' }, h('button', { class: 'primary', 'data-editor': 'use-as-slot', disabled: s.busy, onclick: act.useAsSlot }, 'Use as slot')),
      );
    } else if (selector) {
      const hidden = changesNow(w).some((c) => c.selector === selector && c.hide);
      kids.push(editButtons({ selector }, h('button', { 'data-editor': 'hide', onclick: act.toggleHide }, hidden ? 'Show again' : 'Hide')));
      const groups = ATTRIBUTE_FIELDS.flatMap((g) => {
        const el = g.pick(selected);
        return el ? [{ ...g, el }] : [];
      });
      for (const { el, fields } of groups) for (const f of fields) kids.push(h('label', {}, f.label), draftInput(f.field, el.getAttribute(f.attr) ?? ''));
      if (groups[0]) kids.push(h('div', { class: 'row' }, h('button', { 'data-editor': 'apply-attrs', onclick: act.applyAttrs }, groups.length === 1 ? groups[0].apply : 'Apply')));
    }
    ui.selSec.replaceChildren(...kids);
  }

  function page(): void {
    const w = s.w;
    ui.pageSec.hidden = w?.mode !== 'page';
    if (!w || w.mode !== 'page') return;
    const list = changesNow(w);
    ui.changeList.replaceChildren(
      ...(list.length
        ? list.map((c, i) =>
            h(
              'li',
              { 'data-editor': 'change' },
              h('span', {}, `${c.selector}: ${describe(c)}`),
              h('button', { 'data-editor': 'remove-change', title: 'Remove this change', onclick: () => act.removeChange(i) }, '×'),
            ),
          )
        : [h('li', { class: 'muted' }, 'None yet.')]),
    );
    const c = w.content[w.key];
    ui.cssInput.value = c?.type === 'changes' ? (c.css ?? '') : '';
  }

  /** The boxes over the selected and the hovered element (hidden when it is not rendered). */
  function draw(): void {
    for (const [box, el] of [[ui.selBox, s.selected], [ui.hoverBox, s.hovered]] as const) {
      const r = el?.isConnected ? el.getBoundingClientRect() : null;
      box.hidden = !r || (!r.width && !r.height);
      if (r && !box.hidden) box.style.cssText = `left:${r.left - 2}px;top:${r.top - 2}px;width:${r.width + 4}px;height:${r.height + 4}px`;
    }
  }

  return { experiences, refresh, selection, draw };
}
