import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Audience } from '../../protocol/audience';
import type { Experience } from '../../protocol/admin';
import { evaluateDecision, evaluateFromDigest, type DecisionInput } from '../../edge/decisions/evaluate';
import { contentPlaceholders } from '../../edge/decisions/content';
import type { Assignment } from '../../edge/engine/assign';
import { DIGEST_DECIDES_MS, digestFromContext, digestNeeds, HOLDS, leafKey, unrecorded, withAssignments } from '../../edge/engine/digest';
import type { RuleContext } from '../../edge/engine/rules';
import { COUNTRIES, EVENTS, PLANS, SIGNALS, siteArb, type RandomSite } from '../helpers/random-site';

const DAY = 86_400_000;
const MIDNIGHT = Date.parse('2026-12-02T00:00:00Z');

const asConfig = (site: RandomSite) => ({
  audiences: site.audiences.map((a) => ({ ...a, description: '', createdAt: 0, updatedAt: 0 })) as Audience[],
  experiences: site.experiences.map((e) => ({ ...e, name: e.id, status: 'running', goals: [], mode: 'split', createdAt: 0, updatedAt: 0 })) as unknown as Experience[],
});

/** A profile's history around UTC midnight, so event windows and recency run out within a digest's life. */
const historyArb = fc.record({
  counts: fc.array(fc.record({ name: fc.constantFrom(...EVENTS), back: fc.integer({ min: 0, max: 15 }), n: fc.integer({ min: 1, max: 3 }) }), { maxLength: 8 }),
  signals: fc.subarray(SIGNALS),
  plan: fc.option(fc.constantFrom(...PLANS), { nil: undefined }),
  age: fc.option(fc.integer({ min: 18, max: 60 }), { nil: undefined }),
  sessions: fc.integer({ min: 0, max: 5 }),
  lastSeenBack: fc.option(fc.integer({ min: 0, max: 8 * DAY }), { nil: null }),
  exposed: fc.subarray(['exp-0', 'exp-1', 'exp-2', 'exp-3']),
  assigned: fc.array(fc.record({ experience: fc.constantFrom('exp-0', 'exp-1', 'exp-2', 'exp-3'), variant: fc.constantFrom('control', 'a', 'b', 'gone', null) }), { maxLength: 3 }),
  mintedBefore: fc.integer({ min: 0, max: 40 * 60_000 }), // the digest is computed this long before midnight …
  later: fc.integer({ min: 0, max: DIGEST_DECIDES_MS }), // … and decides this long after it was computed
  country: fc.constantFrom(...COUNTRIES),
  device: fc.constantFrom('mobile', 'desktop'),
  utm: fc.boolean(),
  hour: fc.integer({ min: 0, max: 23 }),
  profile: fc.stringMatching(/^[a-z0-9]{12}$/),
});

type History = typeof historyArb extends fc.Arbitrary<infer H> ? H : never;

function visitor(h: History) {
  const minted = MIDNIGHT - h.mintedBefore;
  const day = (back: number) => new Date(minted - back * DAY).toISOString().slice(0, 10);
  const traits = { ...(h.plan && { plan: h.plan }), ...(h.age !== undefined && { age: h.age }) };
  const profileFields = { traits, isNew: h.sessions <= 1, sessionCount: h.sessions, exposures: h.exposed };
  const at = (now: number, request: Record<string, unknown>): RuleContext => ({
    fields: { ...request, ...profileFields },
    counts: h.counts.map((c) => ({ name: c.name, day: day(c.back), n: c.n })),
    sessionSignals: h.signals,
    lastSeen: h.lastSeenBack === null ? null : minted - h.lastSeenBack,
    now,
  });
  const request = { geo: { country: h.country }, device: h.device, utm: h.utm ? { source: 'news' } : {}, hour: h.hour };
  const assignments = new Map<string, Assignment>(h.assigned.map((a) => [a.experience, a]));
  return { minted, now: minted + h.later, at, request, assignments };
}

describe('the sealed digest decides as the profile does', () => {
  it('for every experience of a randomized site, at any moment of the digest\'s life (1,000 visitors)', () => {
    let covered = 0;
    let runs = 0;
    fc.assert(
      fc.property(siteArb, historyArb, (site, h) => {
        runs++;
        const config = asConfig(site);
        const needs = digestNeeds(config.audiences, config.experiences.flatMap((e) => e.variants.flatMap((v) => contentPlaceholders(v.content))), false);
        const v = visitor(h);
        const digest = digestFromContext(v.at(v.minted, {}), v.assignments, needs);
        const input: DecisionInput = {
          site: 'shop', profileId: `p_${h.profile}`, anonymousId: 'a1', experiences: config.experiences, audiences: config.audiences,
          fields: v.request, holdout: 0, now: v.now,
        };
        const byProfile = evaluateDecision(input, () => v.at(v.now, v.request), v.assignments);
        // Through the wire, as the token carries it.
        const fromDigest = evaluateFromDigest(input, JSON.parse(JSON.stringify(digest)), needs);
        if (fromDigest) {
          covered++;
          expect(fromDigest).toEqual(byProfile);
        }
      }),
      { numRuns: 1000, seed: Number(process.env.FUZZ_SEED) || undefined },
    );
    // Most decisions need no object: only conditions whose time ran out since the digest fall back.
    expect(covered / runs).toBeGreaterThan(0.8);
  });
});

describe('what a digest says about conditions', () => {
  const ctx = (counts: RuleContext['counts'], lastSeen: number | null, now: number): RuleContext => ({
    fields: { traits: { plan: 'pro' }, isNew: false, sessionCount: 3, exposures: [] }, counts, sessionSignals: ['rage_click'], lastSeen, now,
  });
  const now = Date.parse('2026-12-02T15:00:00Z');
  const cases: { name: string; leaf: Audience['rule']; counts?: RuleContext['counts']; lastSeen?: number; holds: number }[] = [
    { name: 'a trait condition holds until the profile changes', leaf: { field: 'traits.plan', op: 'eq', value: 'pro' }, holds: HOLDS },
    { name: 'a false trait condition is false', leaf: { field: 'traits.plan', op: 'eq', value: 'free' }, holds: 0 },
    { name: 'a signal of the session holds', leaf: { signal: 'rage_click' }, holds: HOLDS },
    {
      name: 'an event count holds until the day that reached it leaves the window',
      leaf: { event: 'Bought', atLeast: 2, withinDays: 7 },
      counts: [{ name: 'Bought', day: '2026-11-30', n: 1 }, { name: 'Bought', day: '2026-11-28', n: 1 }, { name: 'Bought', day: '2026-11-20', n: 5 }],
      holds: Date.parse('2026-12-05T00:00:00Z'),
    },
    { name: 'too few events are false', leaf: { event: 'Bought', atLeast: 3, withinDays: 2 }, counts: [{ name: 'Bought', day: '2026-12-02', n: 2 }], holds: 0 },
    { name: 'recency holds for its days after the last visit', leaf: { lastSeenWithinDays: 2 }, lastSeen: now - DAY, holds: now - DAY + 2 * DAY + 1 },
    { name: 'a visit too long ago is false', leaf: { lastSeenWithinDays: 2 }, lastSeen: now - 3 * DAY, holds: 0 },
  ];
  it.each(cases)('$name', ({ leaf, counts = [], lastSeen = null, holds }) => {
    const needs = digestNeeds([{ id: 'x', name: 'x', description: '', rule: leaf, createdAt: 0, updatedAt: 0 }], [], false);
    const d = digestFromContext(ctx(counts, lastSeen, now), new Map(), needs);
    expect(d.l[leafKey(leaf as never)]).toBe(holds);
  });

  it('leaves request conditions to the request, and names a changed rule as uncovered', () => {
    const needs = digestNeeds([{ id: 'x', name: 'x', description: '', rule: { all: [{ field: 'geo.country', op: 'eq', value: 'CH' }, { field: 'traits.plan', op: 'eq', value: 'pro' }] }, createdAt: 0, updatedAt: 0 }], [], false);
    expect(needs.leaves.map(([, l]) => l)).toEqual([{ field: 'traits.plan', op: 'eq', value: 'pro' }]);
    expect(leafKey({ field: 'traits.plan', op: 'eq', value: 'pro' })).not.toBe(leafKey({ field: 'traits.plan', op: 'eq', value: 'enterprise' }));
  });

  it('needs the profile for placeholders it does not carry (exposures), and carries the traits placeholders read', () => {
    expect(digestNeeds([], ['traits.firstName', 'geo.city', 'isNew'], false)).toMatchObject({ traits: ['firstName'], uncovered: false });
    expect(digestNeeds([], ['exposures'], false).uncovered).toBe(true);
  });

  it('carries assignments made at the edge until the profile answers, so its next report adopts them', () => {
    const d = digestFromContext(ctx([], null, now), new Map(), digestNeeds([], [], false));
    const made = withAssignments(withAssignments(d, [{ experience: 'e1', variant: 'b' }]), [{ experience: 'e2', variant: null }]);
    expect(made.a).toEqual({ e1: 'b', e2: null });
    expect(unrecorded(made)).toEqual([{ experience: 'e1', variant: 'b' }, { experience: 'e2', variant: null }]);
    expect(unrecorded(d)).toEqual([]);
  });
});
