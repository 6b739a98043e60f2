import type { Change, VariantContent } from '../../protocol/content';
import { PAGE_CONTENT, SAFE_CHANGE_ATTRIBUTES, SLOT_CONTENT, SLOT_NAME, unsafeValue } from '../../protocol/content-rules';
import { URL_PATTERN, urlPatternMatches } from '../../protocol/url-pattern';
import type { EditorExperience, EditorSession, EditorSlot } from '../../protocol/editor';
import { SLOT_ATTR } from '../../protocol/markup';
import { editorApi, type Call } from './api';
import { CSS_TEXT, h } from './dom';
import { Preview } from './preview';
import { selectorFor, slotNameFor } from './selector';

/**
 * The visual editor (`/attune-editor.js`), imported by the tag on a page opened through an editor
 * link (`?attune_edit=<token>`): the marketer points at elements, makes one the experience's slot
 * or changes the page, previews each variant on the page, and saves through the editor routes
 * (edge/editor/routes.ts). Its UI lives in an open shadow root on an element appended to <html>,
 * so the site's CSS cannot break it and it cannot break the site. It never throws into the page:
 * a failure shows in its status line (and in console.debug).
 */
export interface EditorOptions {
  /** The edge's origin. */
  api: string;
  /** The site key. */
  site: string;
  /** The editor token from the page's URL. */
  token: string;
  /** The session the tag already loaded with the token (it loads the editor only then); else the editor loads it. */
  session?: EditorSession;
}

type Content = VariantContent | null;
type ChangesContent = Extract<VariantContent, { type: 'changes' }>;
type Mode = 'slot' | 'page';


/** One experience as edited here: its last saved state and the unsaved working copy. */
interface Work {
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
const excerpt = (s: string, n = 160) => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > n ? `${t.slice(0, n)}…` : t;
};
const kindOf = (c: Change) => (c.attrs ? 'attrs' : c.hide ? 'hide' : 'content');
const describe = (c: Change) =>
  c.text !== undefined
    ? `text "${excerpt(c.text, 60)}"`
    : c.html !== undefined
      ? `HTML ${excerpt(c.html, 60)}`
      : c.attrs
        ? Object.entries(c.attrs).map(([k, v]) => `${k}="${excerpt(String(v), 60)}"`).join(' ')
        : 'hidden';

let running: Promise<void> | null = null;

/** Starts the editor on this page (once; a second call while it runs does nothing). Never rejects. */
export function start(options: EditorOptions): Promise<void> {
  try {
    return (running ||= boot(options).catch((err: unknown) => {
      console.debug('attune editor: could not start', err);
      running = null;
    }));
  } catch (err) {
    console.debug('attune editor: could not start', err);
    return Promise.resolve();
  }
}

async function boot({ api, site, token, session: given }: EditorOptions): Promise<void> {
  const call: Call = editorApi(String(api).replace(/\/+$/, ''), String(token));
  const d = document;

  // ---- The isolated UI: a host on <html>, an open shadow root, styles of its own. ----
  const host = d.createElement('attune-editor');
  host.setAttribute('data-attune-editor', '');
  host.style.cssText =
    'all:initial!important;display:block!important;position:fixed!important;inset:0!important;z-index:2147483647!important;pointer-events:none!important;contain:layout style!important';
  const root = host.attachShadow({ mode: 'open' });
  const pv = new Preview(host);

  const hoverBox = h('div', { class: 'box', hidden: true });
  const selBox = h('div', { class: 'box sel', hidden: true });
  const status = h('div', { class: 'status', 'data-editor': 'status', role: 'status', 'aria-live': 'polite' });
  const notice = h('div', { class: 'notice', 'data-editor': 'notice', hidden: true });
  const expSelect = h('select', { 'data-editor': 'experience', 'aria-label': 'Experience', onchange: () => guard(() => choose(expSelect.value)) });
  const modeRow = h('div', { class: 'row' });
  const tabs = h('div', { class: 'row', role: 'tablist', 'data-editor': 'variants' });
  const saveBtn = h('button', { class: 'primary', 'data-editor': 'save', onclick: () => guard(save) }, 'Save');
  const targetSec = h('section', { 'data-editor': 'target' });
  const selSec = h('section', { 'data-editor': 'selection' });
  const textInput = h('textarea', { 'data-editor': 'text-input', 'aria-label': 'Text', spellcheck: 'true' });
  const htmlInput = h('textarea', { 'data-editor': 'html-input', 'aria-label': 'HTML', spellcheck: 'false' });
  const textBox = h(
    'section',
    { hidden: true },
    h('label', {}, 'Text'),
    textInput,
    h('div', { class: 'row' }, h('button', { class: 'primary', 'data-editor': 'apply-text', onclick: () => guard(() => applyEdit('text')) }, 'Apply text'), h('button', { onclick: () => guard(closeEdit) }, 'Cancel')),
  );
  const htmlBox = h(
    'section',
    { hidden: true },
    h('label', {}, 'HTML'),
    htmlInput,
    h('div', { class: 'row' }, h('button', { class: 'primary', 'data-editor': 'apply-html', onclick: () => guard(() => applyEdit('html')) }, 'Apply HTML'), h('button', { onclick: () => guard(closeEdit) }, 'Cancel')),
  );
  const cssInput = h('textarea', { 'data-editor': 'css-input', 'aria-label': 'CSS for this variant', spellcheck: 'false', placeholder: 'h1 { color: #0a7 }' });
  const changeList = h('ul', { 'data-editor': 'changes' });
  const pageSec = h(
    'section',
    { hidden: true },
    h('label', {}, 'Changes in this variant'),
    changeList,
    h('label', {}, 'CSS for this variant'),
    cssInput,
    h('div', { class: 'row' }, h('button', { 'data-editor': 'apply-css', onclick: () => guard(applyCss) }, 'Apply CSS')),
  );
  const siteLabel = h('span', { class: 'site', text: `site ${site}` });
  const panel = h(
    'div',
    { class: 'panel', 'data-editor': 'panel' },
    h(
      'div',
      { class: 'head' },
      h('b', {}, 'Attune editor'),
      siteLabel,
      h('button', { 'data-editor': 'dock', title: 'Move to the other side', onclick: () => guard(() => panel.classList.toggle('left')) }, '⇄'),
      h('button', { 'data-editor': 'close', title: 'Close the editor (unsaved edits are lost)', onclick: () => guard(stop) }, '×'),
    ),
    h('div', { 'data-editor': 'toolbar' }, h('label', {}, 'Experience'), expSelect, modeRow, h('label', {}, 'Variant'), tabs, h('div', { class: 'row' }, saveBtn)),
    status,
    notice,
    targetSec,
    selSec,
    textBox,
    htmlBox,
    pageSec,
  );
  root.append(h('style', { text: CSS_TEXT }), hoverBox, selBox, panel);
  // Keys and clicks in the editor are the editor's: the site's own listeners below it do not see them.
  for (const type of ['keydown', 'keyup', 'keypress', 'input', 'click', 'mousedown', 'mouseup', 'pointerdown', 'pointerup', 'submit']) {
    host.addEventListener(type, (e) => e.stopPropagation());
  }
  d.documentElement.append(host);

  // ---- State ----
  let session: EditorSession | null = null;
  let w: Work | null = null;
  const works = new Map<string, Work>();
  let selected: Element | null = null;
  let selector: string | null = null;
  /** What the open text/HTML box edits: the slot, or the change for a selector. */
  let editTarget: { slot: true } | { selector: string } | null = null;
  /** Typed but not yet applied values of the selection's fields. */
  let drafts: Record<string, string> = {};
  let busy = false;
  let hovered: Element | null = null;

  function say(message: string, kind: 'info' | 'ok' | 'error' = 'info'): void {
    status.textContent = message;
    status.setAttribute('data-kind', kind);
  }

  /** Runs a UI action: a failure shows in the status line, never in the page. */
  async function guard(fn: () => unknown): Promise<void> {
    try {
      await fn();
    } catch (err) {
      console.debug('attune editor:', err);
      say(err instanceof Error ? err.message : String(err), 'error');
    }
  }

  const variantLabel = (key: string) => {
    const v = w?.saved.variants.find((x) => x.key === key);
    return v?.name ? `${v.name} (${key})` : key;
  };

  function workFor(e: EditorExperience): Work {
    const first = e.variants.find((v) => v.content) ?? e.variants[1] ?? e.variants[0];
    return {
      saved: e,
      mode: e.page != null ? 'page' : 'slot',
      slot: e.slot,
      page: e.page ?? location.pathname,
      content: Object.fromEntries(e.variants.map((v) => [v.key, clone(v.content)])),
      touched: new Set(),
      key: first?.key ?? '',
    };
  }

  const slotEls = (): Element[] => {
    if (!w?.slot || !session) return [];
    const declared = session.slots.find((s) => s.name === w!.slot);
    const els = new Set([...(pv.find(`[${SLOT_ATTR}="${w.slot}"]`) ?? []), ...((declared && pv.find(declared.selector)) || [])]);
    return [...els];
  };

  function changesOf(key: string): ChangesContent {
    const c = w!.content[key];
    if (c?.type === 'changes') return c;
    if (c?.type === 'redirect') say(`Variant ${variantLabel(key)} redirected to ${c.url}; it now changes this page instead.`);
    const fresh: ChangesContent = { type: 'changes', value: [] };
    w!.content[key] = fresh;
    return fresh;
  }

  // ---- Preview ----
  function showNotice(text: string | null): void {
    notice.textContent = text ?? '';
    notice.hidden = !text;
  }

  /** Takes back what the editor applied, then shows the current variant on the page. */
  function preview(): void {
    pv.revert();
    showNotice(null);
    if (!w) return;
    const c = w.content[w.key] ?? null;
    const notes: string[] = [];
    if (w.mode === 'page' && !urlPatternMatches(w.page, location.pathname)) notes.push(`This page (${location.pathname}) is not matched by the page pattern ${w.page}: visitors here will not get these changes.`);
    if (!c) notes.push(`Variant ${variantLabel(w.key)} has no content: visitors see the page as it is.`);
    else if (c.type === 'redirect') notes.push(`Variant ${variantLabel(w.key)} sends visitors to ${c.url}. The editor does not navigate there.`);
    else if (c.type === 'json') notes.push(`Variant ${variantLabel(w.key)} hands JSON to the page's own code: nothing to show here.`);
    else if (c.type === 'changes') {
      if (w.mode !== 'page') notes.push('This content changes a page: make this a page experience to use it.');
      else if (c.value.length || c.css) {
        const problem = pv.changes(c.value, c.css);
        if (problem) notes.push(problem);
      }
    } else if (w.mode !== 'slot') notes.push('This content fills a slot: make this a slot experience to use it.');
    else {
      const els = slotEls();
      if (els.length) pv.fill(els, c.type, c.value);
      else notes.push(w.slot ? `No element of the slot "${w.slot}" on this page.` : 'No slot yet: select an element and use it as the slot.');
    }
    showNotice(notes.join(' ') || null);
    if (selected && !selected.isConnected) select(null);
    draw();
  }

  // ---- Rendering ----
  function renderExperiences(): void {
    expSelect.replaceChildren(
      ...(session?.experiences ?? []).map((e) => h('option', { value: e.id, text: `${e.name} (${e.status}, ${e.page != null ? 'page' : 'slot'})` })),
    );
    if (w) expSelect.value = w.saved.id;
  }

  function refresh(): void {
    const on = Boolean(w);
    expSelect.disabled = !session?.experiences.length;
    saveBtn.disabled = !on || busy;
    modeRow.replaceChildren(
      ...(w
        ? ([
            ['slot', 'mode-slot', 'Make this a slot'],
            ['page', 'mode-page', 'Change this page'],
          ] as const).map(([m, id, label]) =>
            h('button', { 'data-editor': id, 'aria-pressed': String(w!.mode === m), onclick: () => guard(() => setMode(m)) }, label),
          )
        : []),
    );
    tabs.replaceChildren(
      ...(w?.saved.variants ?? []).map((v) =>
        h(
          'button',
          { role: 'tab', 'data-editor': 'variant', 'data-key': v.key, 'aria-selected': String(v.key === w!.key), onclick: () => guard(() => showVariant(v.key)) },
          variantLabel(v.key) + (w!.touched.has(v.key) ? ' •' : ''),
        ),
      ),
    );
    renderTarget();
    renderSelection();
    renderPage();
  }

  function renderTarget(): void {
    targetSec.hidden = !w;
    if (!w) return targetSec.replaceChildren();
    if (w.mode === 'page') {
      const input = h('input', {
        'data-editor': 'page-pattern',
        value: w.page,
        placeholder: '/pricing, /blog/* or *',
        oninput: () => {
          w!.page = input.value.trim();
        },
        onchange: () => guard(preview),
      });
      targetSec.replaceChildren(h('label', {}, 'Pages it changes (path pattern)'), input);
    } else {
      const els = slotEls();
      targetSec.replaceChildren(
        h('label', {}, 'Slot'),
        h('div', { 'data-editor': 'slot-current', text: w.slot ? `${w.slot}${els.length ? '' : ' (not on this page)'}` : 'none yet: select an element and use it as the slot' }),
        ...(w.slot && els.length
          ? [h(
              'div',
              { class: 'row' },
              h('button', { 'data-editor': 'edit-text', onclick: () => guard(() => openEdit('text', { slot: true })) }, 'Edit text'),
              h('button', { 'data-editor': 'edit-html', onclick: () => guard(() => openEdit('html', { slot: true })) }, 'Edit HTML'),
            )]
          : []),
      );
    }
  }

  const draftInput = (name: string, initial: string, attrs: Record<string, string> = {}) => {
    const input = h('input', { 'data-editor': name, value: drafts[name] ?? initial, ...attrs });
    input.addEventListener('input', () => (drafts[name] = input.value));
    return input;
  };

  function renderSelection(): void {
    selSec.hidden = !w;
    if (!w) return selSec.replaceChildren();
    if (!selected) {
      selSec.replaceChildren(h('div', { class: 'muted' }, 'Point at an element on the page and click it to select it (Esc clears the selection).'));
      return;
    }
    const kids: Node[] = [
      h('label', {}, `Selected <${selected.localName}>`),
      h('code', { 'data-editor': 'selector', text: selector ?? 'no stable selector for this element: select one near it' }),
      h('div', { class: 'excerpt', 'data-editor': 'element-text', text: excerpt(selected.textContent ?? '') || '(no text)' }),
    ];
    if (!selector) return selSec.replaceChildren(...kids);
    if (w.mode === 'slot') {
      kids.push(
        h('label', {}, 'Slot name'),
        draftInput('slot-name', w.slot ?? slotNameFor(selected), { placeholder: 'hero', maxlength: '64' }),
        h('label', {}, 'Only on pages (optional path pattern)'),
        draftInput('slot-url', '', { placeholder: 'every page' }),
        h('div', { class: 'row' }, h('button', { class: 'primary', 'data-editor': 'use-as-slot', disabled: busy, onclick: () => guard(useAsSlot) }, 'Use as slot')),
      );
    } else {
      const sel = selector;
      const hidden = changesNow().some((c) => c.selector === sel && c.hide);
      kids.push(
        h(
          'div',
          { class: 'row' },
          h('button', { 'data-editor': 'edit-text', onclick: () => guard(() => openEdit('text', { selector: sel })) }, 'Edit text'),
          h('button', { 'data-editor': 'edit-html', onclick: () => guard(() => openEdit('html', { selector: sel })) }, 'Edit HTML'),
          h('button', { 'data-editor': 'hide', onclick: () => guard(toggleHide) }, hidden ? 'Show again' : 'Hide'),
        ),
      );
      const link = selected.closest('a');
      const img = selected instanceof HTMLImageElement ? selected : null;
      if (link) kids.push(h('label', {}, 'Link (href)'), draftInput('href-input', link.getAttribute('href') ?? ''));
      if (img) kids.push(h('label', {}, 'Image (src)'), draftInput('src-input', img.getAttribute('src') ?? ''), h('label', {}, 'Image text (alt)'), draftInput('alt-input', img.getAttribute('alt') ?? ''));
      if (link || img) kids.push(h('div', { class: 'row' }, h('button', { 'data-editor': 'apply-attrs', onclick: () => guard(applyAttrs) }, link && !img ? 'Apply link' : 'Apply')));
    }
    selSec.replaceChildren(...kids);
  }

  const changesNow = (): Change[] => {
    const c = w?.content[w.key];
    return c?.type === 'changes' ? c.value : [];
  };

  function renderPage(): void {
    pageSec.hidden = w?.mode !== 'page';
    if (!w || w.mode !== 'page') return;
    const list = changesNow();
    changeList.replaceChildren(
      ...(list.length
        ? list.map((c, i) =>
            h(
              'li',
              { 'data-editor': 'change' },
              h('span', {}, `${c.selector}: ${describe(c)}`),
              h('button', { 'data-editor': 'remove-change', title: 'Remove this change', onclick: () => guard(() => removeChange(i)) }, '×'),
            ),
          )
        : [h('li', { class: 'muted' }, 'None yet.')]),
    );
    const c = w.content[w.key];
    cssInput.value = c?.type === 'changes' ? (c.css ?? '') : '';
  }

  const draw = () => {
    for (const [box, el] of [
      [selBox, selected],
      [hoverBox, hovered],
    ] as const) {
      if (!el || !el.isConnected) {
        box.hidden = true;
        continue;
      }
      const r = el.getBoundingClientRect();
      if (!r.width && !r.height) {
        box.hidden = true; // not rendered (hidden by a change, display: none)
        continue;
      }
      box.style.cssText = `left:${r.left - 2}px;top:${r.top - 2}px;width:${r.width + 4}px;height:${r.height + 4}px`;
      box.hidden = false;
    }
  };

  // ---- Actions ----
  function choose(id: string): void {
    const e = session?.experiences.find((x) => x.id === id);
    if (!e) return;
    closeEdit();
    w = works.get(id) ?? workFor(e);
    works.set(id, w);
    drafts = {};
    preview();
    refresh();
  }

  function showVariant(key: string): void {
    if (!w) return;
    closeEdit();
    w.key = key;
    preview();
    refresh();
  }

  function setMode(m: Mode): void {
    if (!w || w.mode === m) return;
    closeEdit();
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
    else w.page = w.saved.page ?? location.pathname;
    say(
      (m === 'page' ? 'This experience now changes pages: select elements and edit them.' : 'This experience now fills a slot: select an element and use it as the slot.') +
        (cleared ? ` The content of ${cleared} variant(s) of the other kind was cleared.` : '') +
        ' Save to keep it.',
    );
    preview();
    refresh();
  }

  function select(el: Element | null): void {
    selected = el;
    selector = el && selectorFor(el);
    drafts = {};
    closeEdit();
    renderSelection();
    draw();
  }

  async function useAsSlot(): Promise<void> {
    if (!w || !selected || !selector) throw new Error('Select an element on the page first.');
    const name = (drafts['slot-name'] ?? w.slot ?? slotNameFor(selected)).trim();
    if (!SLOT_NAME.test(name)) throw new Error('Slot name: 1 to 64 characters of A-Z, a-z, 0-9, _ and -.');
    const urlPattern = (drafts['slot-url'] ?? '').trim();
    if (urlPattern && !URL_PATTERN.test(urlPattern)) throw new Error('Pages: a path pattern such as /pricing, /blog/* or *.');
    const work = w;
    const sel = selector;
    await withBusy(async () => {
      say(`Saving the slot "${name}"…`);
      const slot = await call<EditorSlot>('PUT', `/slots/${encodeURIComponent(name)}`, { selector: sel, ...(urlPattern && { urlPattern }) });
      session!.slots = [...session!.slots.filter((s) => s.name !== slot.name), slot];
      // Variants saved with page content cannot stay in a slot experience: they go with it.
      const clash = work.saved.variants.filter((v) => v.content && !(SLOT_CONTENT as readonly string[]).includes(v.content.type)).map((v) => ({ key: v.key, content: work.content[v.key] ?? null }));
      const e = await call<EditorExperience>('PATCH', `/experiences/${encodeURIComponent(work.saved.id)}`, { slot: name, ...(clash.length && { variants: clash }) });
      for (const v of clash) work.touched.delete(v.key);
      saved(work, e);
      work.slot = name;
      work.mode = 'slot';
      say(`${sel} is now the slot "${name}" of "${e.name}". Edit its text or HTML for a variant, then Save.`, 'ok');
    });
    preview();
    refresh();
  }

  function saved(work: Work, e: EditorExperience): void {
    work.saved = e;
    if (session) session.experiences = session.experiences.map((x) => (x.id === e.id ? e : x));
    renderExperiences();
  }

  function openEdit(kind: 'text' | 'html', target: { slot: true } | { selector: string }): void {
    if (!w) return;
    let value = '';
    const c = w.content[w.key];
    if ('slot' in target) {
      const el = slotEls()[0];
      if (c?.type === kind) value = c.value;
      else if (el) value = kind === 'text' ? (el.textContent ?? '').trim() : el.innerHTML;
    } else {
      const existing = changesNow().find((x) => x.selector === target.selector && (kind === 'text' ? x.text !== undefined : x.html !== undefined));
      const el = pv.find(target.selector)?.[0];
      value = existing ? (existing.text ?? existing.html ?? '') : el ? (kind === 'text' ? (el.textContent ?? '').trim() : el.innerHTML) : '';
    }
    editTarget = target;
    textBox.hidden = kind !== 'text';
    htmlBox.hidden = kind !== 'html';
    const input = kind === 'text' ? textInput : htmlInput;
    input.value = value;
    input.focus();
  }

  function closeEdit(): void {
    editTarget = null;
    textBox.hidden = htmlBox.hidden = true;
  }

  function applyEdit(kind: 'text' | 'html'): void {
    if (!w || !editTarget) return;
    const value = (kind === 'text' ? textInput : htmlInput).value;
    if ('slot' in editTarget) {
      w.content[w.key] = { type: kind, value };
    } else {
      upsert(kind === 'text' ? { selector: editTarget.selector, text: value } : { selector: editTarget.selector, html: value });
    }
    w.touched.add(w.key);
    closeEdit();
    say(`${kind === 'text' ? 'Text' : 'HTML'} set for variant ${variantLabel(w.key)} (not saved yet).`);
    preview();
    refresh();
  }

  /** Adds the change, or replaces the one of the same kind for the same selector (attributes merge). */
  function upsert(change: Change): void {
    const c = changesOf(w!.key);
    const i = c.value.findIndex((x) => x.selector === change.selector && kindOf(x) === kindOf(change));
    const prev = c.value[i];
    if (prev) c.value[i] = change.attrs && prev.attrs ? { selector: change.selector, attrs: { ...prev.attrs, ...change.attrs } } : change;
    else c.value.push(change);
  }

  function removeChange(i: number): void {
    if (!w) return;
    const c = w.content[w.key];
    if (c?.type !== 'changes') return;
    c.value.splice(i, 1);
    w.touched.add(w.key);
    preview();
    refresh();
  }

  function toggleHide(): void {
    if (!w || !selector) return;
    const sel = selector;
    const c = changesOf(w.key);
    const i = c.value.findIndex((x) => x.selector === sel && x.hide);
    if (i >= 0) c.value.splice(i, 1);
    else upsert({ selector: sel, hide: true });
    w.touched.add(w.key);
    say(i >= 0 ? `${sel} is shown again in variant ${variantLabel(w.key)} (not saved yet).` : `${sel} is hidden in variant ${variantLabel(w.key)} (not saved yet).`);
    preview();
    refresh();
  }

  function applyAttrs(): void {
    if (!w || !selected) return;
    const edits: [Element, Record<string, string>][] = [];
    const link = selected.closest('a');
    const img = selected instanceof HTMLImageElement ? selected : null;
    if (link) edits.push([link, { href: 'href-input' }]);
    if (img) edits.push([img, { src: 'src-input', alt: 'alt-input' }]);
    const changes: Change[] = [];
    for (const [el, fields] of edits) {
      const attrs: Record<string, string> = {};
      for (const [attr, field] of Object.entries(fields)) {
        const v = drafts[field];
        if (v === undefined || v === (el.getAttribute(attr) ?? '')) continue;
        if (!(SAFE_CHANGE_ATTRIBUTES as readonly string[]).includes(attr)) continue;
        if (unsafeValue(v)) throw new Error(`${attr}: javascript:, data: and expression() values are not allowed.`);
        attrs[attr] = v.trim();
      }
      if (!Object.keys(attrs).length) continue;
      const sel = el === selected ? selector : selectorFor(el);
      if (!sel) throw new Error(`No stable selector for this <${el.localName}>.`);
      changes.push({ selector: sel, attrs } as Change);
    }
    if (!changes.length) return say('Nothing changed: edit the fields first.');
    for (const ch of changes) upsert(ch);
    w.touched.add(w.key);
    drafts = {};
    say(`Set ${changes.map(describe).join(', ')} for variant ${variantLabel(w.key)} (not saved yet).`);
    preview();
    refresh();
  }

  function applyCss(): void {
    if (!w) return;
    const css = cssInput.value.trim();
    const c = changesOf(w.key);
    if (css) c.css = css;
    else delete c.css;
    w.touched.add(w.key);
    say(`CSS set for variant ${variantLabel(w.key)} (not saved yet).`);
    preview();
    refresh();
  }

  /** A variant's content as the edge takes it (a changes list needs at least one change). */
  function wire(key: string): Content {
    const c = clone(w!.content[key] ?? null);
    if (c?.type !== 'changes') return c;
    if (c.value.length) return c;
    if (c.css) throw new Error(`Variant ${variantLabel(key)}: CSS needs at least one change on the page to go with it.`);
    return null;
  }

  async function save(): Promise<void> {
    if (!w) throw new Error('No experience to save.');
    const work = w;
    let target: { slot: string } | { page: string };
    if (work.mode === 'page') {
      if (!URL_PATTERN.test(work.page)) throw new Error('Pages it changes: a path pattern such as /pricing, /blog/* or *.');
      target = { page: work.page };
    } else {
      if (!work.slot) throw new Error('Select an element and use it as the slot before saving.');
      target = { slot: work.slot };
    }
    const variants = [...work.touched].map((key) => ({ key, content: wire(key) }));
    await withBusy(async () => {
      say('Saving…');
      const e = await call<EditorExperience>('PATCH', `/experiences/${encodeURIComponent(work.saved.id)}`, { ...target, ...(variants.length && { variants }) });
      work.touched.clear();
      saved(work, e);
      say('Saved. Start the experience from the dashboard.', 'ok');
    });
    refresh();
  }

  async function withBusy(fn: () => Promise<void>): Promise<void> {
    if (busy) throw new Error('Still saving: wait a moment.');
    busy = true;
    refresh();
    try {
      await fn();
    } finally {
      busy = false;
      refresh();
    }
  }

  // ---- Pointing at the page ----
  let frame = 0;
  const later = () => (frame ||= requestAnimationFrame(() => ((frame = 0), draw())));
  const fromPage = (e: Event): Element | null => {
    if (e.composedPath().includes(host)) return null;
    const t = e.target;
    return t instanceof Element && t !== d.documentElement ? t : null;
  };
  const listeners: [EventTarget, string, (e: Event) => void][] = [
    [window, 'mouseover', (e) => ((hovered = fromPage(e)), later())],
    [window, 'click', (e) => {
      const el = fromPage(e);
      if (!el) return;
      e.preventDefault();
      e.stopImmediatePropagation();
      void guard(() => select(el));
    }],
    [window, 'submit', (e) => fromPage(e) && e.preventDefault()],
    [window, 'keydown', (e) => {
      if ((e as KeyboardEvent).key === 'Escape' && !e.composedPath().includes(host)) void guard(() => select(null));
    }],
    [window, 'scroll', later],
    [window, 'resize', later],
  ];
  // Presses on the page are the editor's while it runs: no link, button or form of the site reacts.
  for (const type of ['mousedown', 'mouseup', 'pointerdown', 'pointerup', 'auxclick', 'dblclick', 'touchstart', 'touchend']) {
    listeners.push([window, type, (e) => {
      if (!fromPage(e)) return;
      if (type === 'mousedown' || type === 'auxclick') e.preventDefault();
      e.stopImmediatePropagation();
    }]);
  }
  const listen = (on: boolean) => {
    for (const [t, type, fn] of listeners) (on ? t.addEventListener : t.removeEventListener).call(t, type, fn, { capture: true, passive: false } as AddEventListenerOptions);
  };

  function stop(): void {
    listen(false);
    pv.revert();
    host.remove();
    running = null;
  }

  // ---- Start ----
  refresh();
  say('Loading the editor session…');
  try {
    session = given ?? (await call<EditorSession>('GET', '/session'));
  } catch (err) {
    console.debug('attune editor: session', err);
    say(err instanceof Error ? err.message : String(err), 'error');
    return;
  }
  // Started from the tag in <head>: the page's elements are there to preview on once it is parsed.
  if (d.readyState === 'loading') await new Promise((r) => d.addEventListener('DOMContentLoaded', r, { once: true }));
  siteLabel.textContent = `site ${session.site} · link valid until ${new Date(session.expiresAt).toLocaleTimeString()}`;
  const first = session.experiences.find((e) => e.id === session!.experience) ?? session.experiences[0];
  if (!first) {
    say('This site has no draft or paused experience: create one in the dashboard, then open the editor from it.', 'error');
    refresh();
    return;
  }
  w = workFor(first);
  works.set(first.id, w);
  renderExperiences();
  listen(true);
  preview();
  refresh();
  say(`Editing "${first.name}". Point at an element and click it to select it.`);
}
