import { describe, expect, it } from 'vitest';
import { type Experience } from '../../protocol/admin';
import { goalsOf, isOverlayExperience } from '../../protocol/experience-target';
import { forPage, pageTriggers } from '../../edge/decisions/for-page';
import { slotOf } from '../../edge/engine/assign';

/**
 * Which experiences a page is decided by, and which wait there for their trigger (pure): case
 * tables over one site with a slot, a page, an untriggered overlay and two triggered overlays.
 */
const overlay = { type: 'overlay' as const, value: { kind: 'toast' as const, text: 'Help', buttons: [] } };
const exp = (id: string, e: Partial<Experience>): Experience => ({
  id, name: id, status: 'running', traffic: 1, goals: [], audience: null, priority: 0, mode: 'split', createdAt: 0, updatedAt: 0,
  variants: [{ key: 'v', weight: 1, content: overlay }], ...e,
});
const config: { experiences: Experience[]; slots: [] } = {
  experiences: [
    exp('hero', { slot: 'hero', variants: [{ key: 'v', weight: 1, content: { type: 'text', value: 'x' } }] }),
    exp('home', { page: '/', variants: [{ key: 'v', weight: 1, content: { type: 'redirect', url: '/b' } }] }),
    exp('hello', {}),
    exp('help', { page: '/products/*', trigger: { signal: 'rage_click' }, frequency: { days: 7 } }),
    exp('leave', { trigger: { signal: 'exit_intent' }, status: 'paused' }),
  ],
  slots: [],
};

describe('the kinds of experience', () => {
  const cases: [string, boolean, string, string[]][] = [
    ['hero', false, 'hero', []],
    ['home', false, '@home', []],
    ['hello', true, '!hello', ['$overlay_click']],
    ['help', true, '!help', ['$overlay_click']],
  ];
  it.each(cases)('%s: overlay %s, decided under %s, counts %j', (id, isOverlay, key, goals) => {
    const e = config.experiences.find((x) => x.id === id)!;
    expect(isOverlayExperience(e)).toBe(isOverlay);
    expect(slotOf(e)).toBe(key);
    expect(goalsOf(e)).toEqual(goals);
  });
  it("keeps the marketer's goals first: a bandit learns on them", () => {
    expect(goalsOf(exp('x', { goals: ['Signup'] }))).toEqual(['Signup', '$overlay_click']);
    expect(goalsOf(exp('x', { goals: ['$overlay_click', 'Signup'] }))).toEqual(['$overlay_click', 'Signup']);
  });
});

describe('forPage', () => {
  const ids = (es: Experience[]) => es.map((e) => e.id).sort();
  const cases: [string, string, string[] | undefined, boolean, string[], string[] | undefined, string[]][] = [
    // name, url, marked slots, embed → experiences decided, slots, triggers waiting
    ['a product page from the tag', 'https://s.test/products/1', ['hero'], false, ['hello', 'hero'], ['hero', '!hello'], ['help']],
    ['the home page', 'https://s.test/', [], false, ['hello', 'hero', 'home'], ['@home', '!hello'], []],
    ['a fired trigger asks for it alone', 'https://s.test/products/1', ['!help'], false, ['hello', 'help', 'hero'], ['!help'], []],
    ['proxy mode embeds the triggered ones', 'https://s.test/products/1', undefined, true, ['hello', 'help', 'hero', 'leave'], undefined, ['help']],
  ];
  it.each(cases)('%s', (_name, url, marked, embed, decided, slots, waiting) => {
    const page = forPage(config, url, marked, embed);
    expect(ids(page.experiences)).toEqual(decided);
    expect(page.slots).toEqual(slots);
    expect(ids(page.triggered)).toEqual(waiting);
  });

  it('gives the tag its triggers, each with its embedded decision taken out of the page’s (proxy mode)', () => {
    const help = config.experiences.find((e) => e.id === 'help')!;
    const decided = { '!help': { experience: 'help', variant: 'v', content: overlay, reason: 'matched' as const } };
    expect(pageTriggers([help], { ...decided }, false, false)).toEqual([{ experience: 'help', on: { signal: 'rage_click' }, frequency: { days: 7 } }]);
    const decisions = { ...decided };
    expect(pageTriggers([help], decisions, true, false)[0]!.decision).toMatchObject({ variant: 'v' });
    expect(decisions).toEqual({});
    expect(pageTriggers([help], {}, true, false)[0]!.decision).toBeNull();
    expect(pageTriggers([help], {}, false, true)).toEqual([]); // held out: nothing to watch
    // Not in its audience yet: the tag asks when it fires (the triggering event may change that).
    expect(pageTriggers([help], {}, true, false, { help: 'not_in_audience' })[0]).not.toHaveProperty('decision');
  });
});
