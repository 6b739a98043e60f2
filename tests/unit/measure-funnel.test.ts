import { describe, expect, it } from 'vitest';
import { computeFunnel, funnelProgress, matchesStep, summarizeFunnel, type FunnelEvent, type FunnelStep } from '../../edge/measure/funnel';

/** Constructed people; every count, rate and median below is worked by hand from them. */
const MIN = 60_000;
const steps: FunnelStep[] = [{ type: 'page', path: '/pricing', label: 'Pricing' }, { type: 'track', name: 'Signup' }, { type: 'track', name: 'Purchase' }];
const pricing = (m: number): FunnelEvent => ({ type: 'page', path: '/pricing', ts: m * MIN });
const signup = (m: number): FunnelEvent => ({ type: 'track', name: 'Signup', path: '/join', ts: m * MIN });
const purchase = (m: number): FunnelEvent => ({ type: 'track', name: 'Purchase', path: '/thanks', ts: m * MIN });
const WINDOW = 60 * MIN;

const people: Record<string, FunnelEvent[]> = {
  all3: [pricing(0), { type: 'page', path: '/', ts: 5 * MIN }, signup(10), purchase(30)], // 10 and 20 min
  outOfOrder: [pricing(0), purchase(5), signup(20)], // the purchase before signup does not count: 2 steps, 20 min
  laterStart: [pricing(0), pricing(50), signup(70), purchase(120)], // signup 70 min after the first view, 20 after the second; purchase 70 after
  neverEntered: [signup(1), purchase(2)],
  lateLast: [pricing(0), signup(1), purchase(61)], // purchase 61 min after entering: outside the 60 min window
  restart: [pricing(0), signup(30), pricing(40), signup(50), purchase(75)], // greedy from 0 fails; from 40 min all 3 (10 and 25 min)
  entryOnly: [pricing(0), { type: 'track', name: 'Pricing', path: '/pricing', ts: MIN }],
};

describe('funnelProgress: one person', () => {
  it.each([
    ['all3', [0, 10, 30]],
    ['outOfOrder', [0, 20]],
    ['laterStart', [50, 70]],
    ['neverEntered', []],
    ['lateLast', [0, 1]],
    ['restart', [40, 50, 75]],
    ['entryOnly', [0]],
  ] as const)('%s reaches %j (minutes)', (who, minutes) => {
    expect(funnelProgress(steps, people[who]!, WINDOW)).toEqual(minutes.map((m) => m * MIN));
  });

  it('lets one event advance only one step, even when it matches two', () => {
    const twoViews: FunnelStep[] = [{ type: 'page' }, { type: 'page' }];
    expect(funnelProgress(twoViews, [pricing(0)], WINDOW)).toEqual([0]);
    expect(funnelProgress(twoViews, [pricing(0), pricing(5)], WINDOW)).toEqual([0, 5 * MIN]);
  });

  it('sorts events that arrive out of order', () => {
    expect(funnelProgress(steps, [purchase(30), signup(10), pricing(0)], WINDOW)).toEqual([0, 10 * MIN, 30 * MIN]);
  });

  it('a step at the window edge counts, one ms later does not', () => {
    expect(funnelProgress(steps, [pricing(0), signup(60)], WINDOW)).toHaveLength(2);
    expect(funnelProgress(steps, [pricing(0), { ...signup(60), ts: WINDOW + 1 }], WINDOW)).toHaveLength(1);
  });
});

describe('matchesStep', () => {
  it.each([
    [{ path: '/checkout/*' }, { type: 'page', path: '/checkout/pay', ts: 0 }, true],
    [{ path: '/checkout/*' }, { type: 'page', path: '/checkout', ts: 0 }, false],
    [{ path: '/checkout' }, { type: 'page', path: '/checkout/pay', ts: 0 }, false],
    [{ type: 'track', name: 'Signup' }, { type: 'track', name: 'signup', ts: 0 }, false],
    [{}, { type: 'signal', ts: 0 }, true],
    [{ path: '/x' }, { type: 'track', ts: 0 }, false],
  ] as [FunnelStep, FunnelEvent, boolean][])('%j on %j → %s', (step, event, match) => {
    expect(matchesStep(step, event)).toBe(match);
  });
});

describe('computeFunnel: many people', () => {
  // Step 1: all but neverEntered = 6. Step 2: all3, outOfOrder, laterStart, lateLast, restart = 5.
  // Step 3: all3, restart = 2. Signup − pricing: 10, 20, 20, 1, 10 min → median 10 min.
  // Purchase − signup: 20 and 25 min → median 22.5 min.
  it('counts, converts and times each step', () => {
    expect(computeFunnel(steps, Object.values(people), WINDOW)).toEqual([
      { step: 0, label: 'Pricing', visitors: 6, fromPrevious: 1, fromFirst: 1, medianMsFromPrevious: null },
      { step: 1, label: 'track Signup', visitors: 5, fromPrevious: 5 / 6, fromFirst: 5 / 6, medianMsFromPrevious: 10 * MIN },
      { step: 2, label: 'track Purchase', visitors: 2, fromPrevious: 2 / 5, fromFirst: 2 / 6, medianMsFromPrevious: 22.5 * MIN },
    ]);
  });

  it('summarizes progress computed elsewhere, and an empty funnel without dividing by 0', () => {
    const progress = Object.values(people).map((events) => funnelProgress(steps, events, WINDOW));
    expect(summarizeFunnel(steps, progress)).toEqual(computeFunnel(steps, Object.values(people), WINDOW));
    expect(summarizeFunnel(steps, []).map((s) => [s.visitors, s.fromPrevious, s.fromFirst, s.medianMsFromPrevious])).toEqual([
      [0, 1, 0, null], [0, 0, 0, null], [0, 0, 0, null],
    ]);
  });
});
