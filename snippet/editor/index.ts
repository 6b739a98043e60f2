import { SLOT_NAME } from '../../protocol/content-rules';
import type { EditorExperience, EditorSession, EditorSlot } from '../../protocol/editor';
import { SLOT_ATTR } from '../../protocol/markup';
import { URL_PATTERN } from '../../protocol/url-pattern';
import { editorApi, type Call } from './api';
import { attributeEdits } from './attrs';
import { panel } from './panel';
import { pointer } from './pointer';
import { Preview, showWork } from './preview';
import { renderer, type EditorState } from './render';
import { selectorFor, slotNameFor } from './selector';
import { changesNow, describe, removeChange, setCss, slotClash, switchMode, toggleHide, upsert, variantLabel, wire, workFor, type Mode, type Work } from './work';

/**
 * The visual editor (`/attune-editor.js`), imported by the tag on a page opened through a valid
 * editor link (`?attune_edit=<token>`): the marketer points at elements, makes one the
 * experience's slot or changes the page, previews each variant on the page, and saves through the
 * editor routes (edge/editor/routes.ts). Its parts: the isolated UI (panel.ts) and what it shows
 * (render.ts), pointing at the page (pointer.ts), the working copy and its edits (work.ts), the
 * revertible preview (preview.ts), stable selectors (selector.ts). It never throws into the page:
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

const PATTERN_HINT = 'a path pattern such as /pricing, /blog/* or *.';

async function boot({ api, site, token, session: given }: EditorOptions): Promise<void> {
  const call: Call = editorApi(String(api).replace(/\/+$/, ''), String(token));
  const s: EditorState = { session: null, w: null, selected: null, selector: null, drafts: {}, busy: false, hovered: null };
  const works = new Map<string, Work>();
  /** What the open text/HTML box edits: the slot, or the change for a selector. */
  let editTarget: { slot: true } | { selector: string } | null = null;

  /** Runs a UI action: a failure shows in the status line, never in the page. */
  const guarded =
    <A extends unknown[]>(fn: (...args: A) => unknown) =>
    (...args: A): void =>
      void (async () => {
        try {
          await fn(...args);
        } catch (err) {
          console.debug('attune editor:', err);
          say(err instanceof Error ? err.message : String(err), 'error');
        }
      })();

  const ui = panel(site, {
    choose: guarded(choose),
    save: guarded(save),
    applyEdit: guarded(applyEdit),
    closeEdit: guarded(closeEdit),
    applyCss: guarded(() => edited(() => setCss(s.w!, ui.cssInput.value.trim()), (v) => `CSS set for variant ${v}`)),
    close: guarded(stop),
  });
  const pv = new Preview(ui.host);

  const slotEls = (): Element[] => {
    const w = s.w;
    if (!w?.slot || !s.session) return [];
    const declared = s.session.slots.find((x) => x.name === w.slot);
    return [...new Set([...(pv.find(`[${SLOT_ATTR}="${w.slot}"]`) ?? []), ...((declared && pv.find(declared.selector)) || [])])];
  };

  const view = renderer(
    ui,
    s,
    {
      setMode: guarded(setMode),
      showVariant: guarded((key: string) => (closeEdit(), (s.w!.key = key), update())),
      previewAgain: guarded(preview),
      openEdit: guarded(openEdit),
      useAsSlot: guarded(useAsSlot),
      toggleHide: guarded(() => {
        const sel = s.selector!;
        let hidden = false;
        edited(() => (hidden = toggleHide(s.w!, sel)), (v) => `${sel} is ${hidden ? 'hidden' : 'shown again'} in variant ${v}`);
      }),
      applyAttrs: guarded(applyAttrs),
      removeChange: guarded((i: number) => (removeChange(s.w!, i), update())),
    },
    slotEls,
  );

  function say(message: string, kind: 'info' | 'ok' | 'error' = 'info'): void {
    ui.status.textContent = message;
    ui.status.setAttribute('data-kind', kind);
  }

  /** Shows the current state: the variant previewed on the page, and the panel. */
  function update(): void {
    preview();
    view.refresh();
  }

  /** An edit to the shown variant: applied, said (`message` gets the variant's label; not saved yet) and shown. */
  function edited(edit: () => void, message: (variant: string) => string): void {
    edit();
    say(`${message(variantLabel(s.w, s.w!.key))} (not saved yet).`);
    update();
  }

  /** Shows the current variant on the page (what was applied before is taken back), and a note on what cannot be shown. */
  function preview(): void {
    const note = showWork(pv, s.w, slotEls);
    ui.notice.textContent = note;
    ui.notice.hidden = !note;
    if (s.selected && !s.selected.isConnected) select(null);
    view.draw();
  }

  function choose(id: string): void {
    const e = s.session?.experiences.find((x) => x.id === id);
    if (!e) return;
    closeEdit();
    s.w = works.get(id) ?? workFor(e, location.pathname);
    works.set(id, s.w);
    s.drafts = {};
    update();
  }

  function setMode(m: Mode): void {
    if (!s.w || s.w.mode === m) return;
    closeEdit();
    const cleared = switchMode(s.w, m, location.pathname);
    say(
      (m === 'page' ? 'This experience now changes pages: select elements and edit them.' : 'This experience now fills a slot: select an element and use it as the slot.') +
        (cleared ? ` The content of ${cleared} variant(s) of the other kind was cleared.` : '') +
        ' Save to keep it.',
    );
    update();
  }

  function select(el: Element | null): void {
    s.selected = el;
    s.selector = el && selectorFor(el);
    s.drafts = {};
    closeEdit();
    view.selection();
    view.draw();
  }

  async function useAsSlot(): Promise<void> {
    const { w, selected, selector: sel } = s;
    if (!w || !selected || !sel) throw new Error('Select an element on the page first.');
    const name = (s.drafts['slot-name'] ?? w.slot ?? slotNameFor(selected)).trim();
    if (!SLOT_NAME.test(name)) throw new Error('Slot name: 1 to 64 characters of A-Z, a-z, 0-9, _ and -.');
    const urlPattern = (s.drafts['slot-url'] ?? '').trim();
    if (urlPattern && !URL_PATTERN.test(urlPattern)) throw new Error(`Pages: ${PATTERN_HINT}`);
    await withBusy(async () => {
      say(`Saving the slot "${name}"…`);
      const slot = await call<EditorSlot>('PUT', `/slots/${encodeURIComponent(name)}`, { selector: sel, ...(urlPattern && { urlPattern }) });
      s.session!.slots = [...s.session!.slots.filter((x) => x.name !== slot.name), slot];
      // Variants saved with page content cannot stay in a slot experience: they go with it.
      const clash = slotClash(w);
      const e = await call<EditorExperience>('PATCH', `/experiences/${encodeURIComponent(w.saved.id)}`, { slot: name, ...(clash.length && { variants: clash }) });
      for (const v of clash) w.touched.delete(v.key);
      saved(w, e);
      w.slot = name;
      w.mode = 'slot';
      say(`${sel} is now the slot "${name}" of "${e.name}". Edit its text or HTML for a variant, then Save.`, 'ok');
    });
    update();
  }

  function saved(w: Work, e: EditorExperience): void {
    w.saved = e;
    if (s.session) s.session.experiences = s.session.experiences.map((x) => (x.id === e.id ? e : x));
    view.experiences();
  }

  function openEdit(kind: 'text' | 'html', target: { slot: true } | { selector: string }): void {
    const w = s.w;
    if (!w) return;
    const c = w.content[w.key];
    const existing = 'slot' in target ? (c?.type === kind ? c.value : undefined) : changesNow(w).find((x) => x.selector === target.selector && x[kind] !== undefined)?.[kind];
    const el = 'slot' in target ? slotEls()[0] : pv.find(target.selector)?.[0];
    editTarget = target;
    ui.textBox.hidden = kind !== 'text';
    ui.htmlBox.hidden = kind !== 'html';
    const input = kind === 'text' ? ui.textInput : ui.htmlInput;
    input.value = existing ?? (el ? (kind === 'text' ? (el.textContent ?? '').trim() : el.innerHTML) : '');
    input.focus();
  }

  function closeEdit(): void {
    editTarget = null;
    ui.textBox.hidden = ui.htmlBox.hidden = true;
  }

  function applyEdit(kind: 'text' | 'html'): void {
    const w = s.w;
    const t = editTarget;
    if (!w || !t) return;
    const value = (kind === 'text' ? ui.textInput : ui.htmlInput).value;
    closeEdit();
    edited(
      () => {
        if ('slot' in t) (w.content[w.key] = { type: kind, value }), w.touched.add(w.key);
        else upsert(w, kind === 'text' ? { selector: t.selector, text: value } : { selector: t.selector, html: value });
      },
      (v) => `${kind === 'text' ? 'Text' : 'HTML'} set for variant ${v}`,
    );
  }

  function applyAttrs(): void {
    const { w, selected, selector } = s;
    if (!w || !selected || !selector) return;
    const changes = attributeEdits(selected, selector, s.drafts);
    if (!changes.length) return say('Nothing changed: edit the fields first.');
    s.drafts = {};
    edited(() => changes.forEach((ch) => upsert(w, ch)), (v) => `Set ${changes.map(describe).join(', ')} for variant ${v}`);
  }

  async function save(): Promise<void> {
    const w = s.w;
    if (!w) throw new Error('No experience to save.');
    if (w.mode === 'page' && !URL_PATTERN.test(w.page)) throw new Error(`Pages it changes: ${PATTERN_HINT}`);
    if (w.mode === 'slot' && !w.slot) throw new Error('Select an element and use it as the slot before saving.');
    const target = w.mode === 'page' ? { page: w.page } : { slot: w.slot };
    const variants = [...w.touched].map((key) => ({ key, content: wire(w, key) }));
    await withBusy(async () => {
      say('Saving…');
      const e = await call<EditorExperience>('PATCH', `/experiences/${encodeURIComponent(w.saved.id)}`, { ...target, ...(variants.length && { variants }) });
      w.touched.clear();
      saved(w, e);
      say('Saved. Start the experience from the dashboard.', 'ok');
    });
    view.refresh();
  }

  async function withBusy(fn: () => Promise<void>): Promise<void> {
    if (s.busy) throw new Error('Still saving: wait a moment.');
    s.busy = true;
    view.refresh();
    try {
      await fn();
    } finally {
      s.busy = false;
      view.refresh();
    }
  }

  let frame = 0;
  const redraw = () => (frame ||= requestAnimationFrame(() => ((frame = 0), view.draw())));
  const listen = pointer(ui.host, { hover: (el) => ((s.hovered = el), redraw()), select: guarded(select), moved: redraw });

  function stop(): void {
    listen(false);
    pv.revert();
    ui.host.remove();
    running = null;
  }

  view.refresh();
  say('Loading the editor session…');
  try {
    s.session = given ?? (await call<EditorSession>('GET', '/session'));
  } catch (err) {
    console.debug('attune editor: session', err);
    return say(err instanceof Error ? err.message : String(err), 'error');
  }
  const session = s.session;
  // Started from the tag in <head>: the page's elements are there to preview on once it is parsed.
  if (document.readyState === 'loading') await new Promise((r) => document.addEventListener('DOMContentLoaded', r, { once: true }));
  ui.siteLabel.textContent = `site ${session.site} · link valid until ${new Date(session.expiresAt).toLocaleTimeString()}`;
  const first = session.experiences.find((e) => e.id === session.experience) ?? session.experiences[0];
  if (!first) {
    say('This site has no draft or paused experience: create one in the dashboard, then open the editor from it.', 'error');
    return view.refresh();
  }
  s.w = workFor(first, location.pathname);
  works.set(first.id, s.w);
  view.experiences();
  listen(true);
  update();
  say(`Editing "${first.name}". Point at an element and click it to select it.`);
}
