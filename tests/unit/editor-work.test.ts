import { describe, expect, it } from 'vitest';
import type { EditorExperience } from '../../protocol/editor';
import { changesNow, removeChange, setCss, slotClash, switchMode, toggleHide, upsert, wire, workFor, type Work } from '../../snippet/editor/work';

/** The visual editor's working copy (snippet/editor/work.ts): what each edit leaves in the variant a marketer is on. */
const experience = (over: Partial<EditorExperience> = {}): EditorExperience => ({
  id: 'x',
  name: 'X',
  status: 'draft',
  slot: null,
  page: '/pricing',
  variants: [
    { key: 'control', content: null },
    { key: 'b', content: { type: 'redirect', url: '/b' } },
  ],
  ...over,
});

const work = (over?: Partial<EditorExperience>): Work => workFor(experience(over), '/here');

describe('the editor working copy', () => {
  it('starts on the first variant with content, as a copy of what was saved', () => {
    const e = experience();
    const w = workFor(e, '/here');
    expect(w).toMatchObject({ mode: 'page', page: '/pricing', key: 'b', touched: new Set() });
    upsert(w, { selector: 'h1', text: 'Hi' });
    expect(e.variants[1]!.content).toEqual({ type: 'redirect', url: '/b' }); // the saved state is untouched
    expect(workFor(experience({ page: null, slot: 'hero', variants: [{ key: 'a', content: null }] }), '/here')).toMatchObject({ mode: 'slot', page: '/here', key: 'a' });
  });

  it.each([
    ['a first change replaces a redirect with a changes list', [{ selector: 'h1', text: 'A' }], [{ selector: 'h1', text: 'A' }]],
    ['text for the same element replaces its text', [{ selector: 'h1', text: 'A' }, { selector: 'h1', text: 'B' }], [{ selector: 'h1', text: 'B' }]],
    ['HTML replaces text for the same element (one content change each)', [{ selector: 'h1', text: 'A' }, { selector: 'h1', html: '<b>B</b>' }], [{ selector: 'h1', html: '<b>B</b>' }]],
    ['attributes of the same element merge', [{ selector: 'a', attrs: { href: '/x' } }, { selector: 'a', attrs: { title: 'T' } }], [{ selector: 'a', attrs: { href: '/x', title: 'T' } }]],
    ['content and attributes of one element are two changes', [{ selector: 'a', text: 'Go' }, { selector: 'a', attrs: { href: '/x' } }], [{ selector: 'a', text: 'Go' }, { selector: 'a', attrs: { href: '/x' } }]],
    ['different elements are different changes', [{ selector: 'h1', text: 'A' }, { selector: 'h2', text: 'B' }], [{ selector: 'h1', text: 'A' }, { selector: 'h2', text: 'B' }]],
  ])('%s', (_name, edits, expected) => {
    const w = work();
    for (const e of edits) upsert(w, e);
    expect(changesNow(w)).toEqual(expected);
    expect(w.touched).toEqual(new Set(['b']));
  });

  it('hides an element, shows it again, removes a change and sets CSS', () => {
    const w = work();
    expect(toggleHide(w, '#promo')).toBe(true);
    upsert(w, { selector: 'h1', text: 'A' });
    expect(changesNow(w)).toEqual([{ selector: '#promo', hide: true }, { selector: 'h1', text: 'A' }]);
    expect(toggleHide(w, '#promo')).toBe(false);
    removeChange(w, 0);
    expect(changesNow(w)).toEqual([]);
    setCss(w, 'h1{color:red}');
    expect(w.content.b).toEqual({ type: 'changes', value: [], css: 'h1{color:red}' });
    setCss(w, '');
    expect(w.content.b).toEqual({ type: 'changes', value: [] });
  });

  it('sends an empty changes list as no content, and refuses CSS without a change', () => {
    const w = work();
    setCss(w, 'h1{color:red}');
    expect(() => wire(w, 'b')).toThrow(/CSS needs at least one change/);
    setCss(w, '');
    expect(wire(w, 'b')).toBeNull();
    upsert(w, { selector: 'h1', text: 'A' });
    expect(wire(w, 'b')).toEqual({ type: 'changes', value: [{ selector: 'h1', text: 'A' }] });
    expect(wire(w, 'control')).toBeNull();
  });

  it('switching between a page and a slot clears content of the other kind, and the saved variants that clash go along', () => {
    const w = work({ slot: null });
    expect(slotClash(w)).toEqual([{ key: 'b', content: { type: 'redirect', url: '/b' } }]);
    expect(switchMode(w, 'slot', '/here')).toBe(1);
    expect(w).toMatchObject({ mode: 'slot', slot: null, content: { control: null, b: null }, touched: new Set(['b']) });
    expect(slotClash(w)).toEqual([{ key: 'b', content: null }]);
    w.content.b = { type: 'text', value: 'Hi' };
    expect(switchMode(w, 'page', '/here')).toBe(1);
    expect(w).toMatchObject({ mode: 'page', page: '/pricing', content: { b: null } });
  });
});
