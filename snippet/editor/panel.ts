import { CSS_TEXT, h } from './dom';

/**
 * The editor's UI, isolated from the page: a host element on <html> with an open shadow root and
 * styles of its own, so the site's CSS cannot break it and it cannot break the site. Holds the
 * fixed parts (boxes over the page, the panel's sections and inputs); render.ts fills them.
 */
export interface PanelActions {
  choose(experienceId: string): void;
  save(): void;
  applyEdit(kind: 'text' | 'html'): void;
  closeEdit(): void;
  applyCss(): void;
  close(): void;
}

export type Panel = ReturnType<typeof panel>;

/** Builds the UI and puts it on the page. */
export function panel(site: string, act: PanelActions) {
  const host = document.createElement('attune-editor');
  host.setAttribute('data-attune-editor', '');
  host.style.cssText =
    'all:initial!important;display:block!important;position:fixed!important;inset:0!important;z-index:2147483647!important;pointer-events:none!important;contain:layout style!important';
  const root = host.attachShadow({ mode: 'open' });

  const ui = {
    host,
    hoverBox: h('div', { class: 'box', hidden: true }),
    selBox: h('div', { class: 'box sel', hidden: true }),
    status: h('div', { class: 'status', 'data-editor': 'status', role: 'status', 'aria-live': 'polite' }),
    notice: h('div', { class: 'notice', 'data-editor': 'notice', hidden: true }),
    expSelect: h('select', { 'data-editor': 'experience', 'aria-label': 'Experience', onchange: (e) => act.choose((e.target as HTMLSelectElement).value) }),
    modeRow: h('div', { class: 'row' }),
    tabs: h('div', { class: 'row', role: 'tablist', 'data-editor': 'variants' }),
    saveBtn: h('button', { class: 'primary', 'data-editor': 'save', onclick: act.save }, 'Save'),
    targetSec: h('section', { 'data-editor': 'target' }),
    selSec: h('section', { 'data-editor': 'selection' }),
    textInput: h('textarea', { 'data-editor': 'text-input', 'aria-label': 'Text', spellcheck: 'true' }),
    htmlInput: h('textarea', { 'data-editor': 'html-input', 'aria-label': 'HTML', spellcheck: 'false' }),
    cssInput: h('textarea', { 'data-editor': 'css-input', 'aria-label': 'CSS for this variant', spellcheck: 'false', placeholder: 'h1 { color: #0a7 }' }),
    changeList: h('ul', { 'data-editor': 'changes' }),
    siteLabel: h('span', { class: 'site', text: `site ${site}` }),
  };
  /** The box that edits the text or the HTML of the slot or of an element. */
  const editBox = (kind: 'text' | 'html', label: string, apply: string, input: HTMLTextAreaElement) =>
    h(
      'section',
      { hidden: true },
      h('label', {}, label),
      input,
      h(
        'div',
        { class: 'row' },
        h('button', { class: 'primary', 'data-editor': `apply-${kind}`, onclick: () => act.applyEdit(kind) }, apply),
        h('button', { onclick: act.closeEdit }, 'Cancel'),
      ),
    );
  const textBox = editBox('text', 'Text', 'Apply text', ui.textInput);
  const htmlBox = editBox('html', 'HTML', 'Apply HTML', ui.htmlInput);
  const pageSec = h(
    'section',
    { hidden: true },
    h('label', {}, 'Changes in this variant'),
    ui.changeList,
    h('label', {}, 'CSS for this variant'),
    ui.cssInput,
    h('div', { class: 'row' }, h('button', { 'data-editor': 'apply-css', onclick: act.applyCss }, 'Apply CSS')),
  );
  const box = h(
    'div',
    { class: 'panel', 'data-editor': 'panel' },
    h(
      'div',
      { class: 'head' },
      h('b', {}, 'Attune editor'),
      ui.siteLabel,
      h('button', { 'data-editor': 'dock', title: 'Move to the other side', onclick: () => box.classList.toggle('left') }, '⇄'),
      h('button', { 'data-editor': 'close', title: 'Close the editor (unsaved edits are lost)', onclick: act.close }, '×'),
    ),
    h('div', { 'data-editor': 'toolbar' }, h('label', {}, 'Experience'), ui.expSelect, ui.modeRow, h('label', {}, 'Variant'), ui.tabs, h('div', { class: 'row' }, ui.saveBtn)),
    ui.status,
    ui.notice,
    ui.targetSec,
    ui.selSec,
    textBox,
    htmlBox,
    pageSec,
  );
  root.append(h('style', { text: CSS_TEXT }), ui.hoverBox, ui.selBox, box);
  // Keys and clicks in the editor are the editor's: the site's own listeners below it do not see them.
  for (const type of ['keydown', 'keyup', 'keypress', 'input', 'click', 'mousedown', 'mouseup', 'pointerdown', 'pointerup', 'submit']) {
    host.addEventListener(type, (e) => e.stopPropagation());
  }
  document.documentElement.append(host);
  return { ...ui, textBox, htmlBox, pageSec };
}
