/**
 * Randomized sites and visitors for the digest's equivalence tests: audiences whose rules mix
 * request conditions (geo, device, UTM, hour) with every kind of profile condition (traits,
 * session facts, exposures, event counts in windows, signals, recency), and experiences that
 * target them, split traffic, and fill placeholders from traits and the request.
 */
import fc from 'fast-check';
import type { Rule } from '../../protocol/audience';

export const EVENTS = ['Viewed pricing', 'Added to cart', 'Signed up'];
export const SIGNALS = ['rage_click', 'exit_intent'];
export const COUNTRIES = ['CH', 'DE', 'US'];
export const PLANS = ['free', 'pro'];

const requestLeaf: fc.Arbitrary<Rule> = fc.oneof(
  fc.constantFrom(...COUNTRIES).map((c): Rule => ({ field: 'geo.country', op: 'eq', value: c })),
  fc.constantFrom('mobile', 'desktop').map((d): Rule => ({ field: 'device', op: 'eq', value: d })),
  fc.constant<Rule>({ field: 'utm.source', op: 'exists' }),
  fc.integer({ min: 0, max: 23 }).map((h): Rule => ({ field: 'hour', op: 'between', value: [h, Math.min(23, h + 6)] })),
);

const profileLeaf = (experiences: readonly string[]): fc.Arbitrary<Rule> =>
  fc.oneof(
    fc.constantFrom(...PLANS).map((p): Rule => ({ field: 'traits.plan', op: 'eq', value: p })),
    fc.constant<Rule>({ field: 'traits.age', op: 'gte', value: 30 }),
    fc.constant<Rule>({ field: 'isNew', op: 'eq', value: true }),
    fc.integer({ min: 1, max: 4 }).map((n): Rule => ({ field: 'sessionCount', op: 'gte', value: n })),
    fc.constantFrom(...experiences).map((e): Rule => ({ field: 'exposures', op: 'contains', value: e })),
    fc.record({ event: fc.constantFrom(...EVENTS), atLeast: fc.integer({ min: 1, max: 4 }), withinDays: fc.integer({ min: 1, max: 14 }) }),
    fc.constantFrom(...SIGNALS).map((signal): Rule => ({ signal })),
    fc.integer({ min: 0, max: 7 }).map((d): Rule => ({ lastSeenWithinDays: d })),
  );

export const ruleArb = (experiences: readonly string[]): fc.Arbitrary<Rule> =>
  fc.letrec<{ rule: Rule }>((tie) => ({
    rule: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      requestLeaf,
      profileLeaf(experiences),
      profileLeaf(experiences),
      fc.array(tie('rule'), { minLength: 1, maxLength: 3 }).map((all): Rule => ({ all })),
      fc.array(tie('rule'), { minLength: 1, maxLength: 3 }).map((any): Rule => ({ any })), // the rule keyword any
      tie('rule').map((not): Rule => ({ not })),
    ),
  })).rule;

export interface RandomExperience {
  id: string;
  slot: string;
  audience: string | null;
  traffic: number;
  priority: number;
  variants: { key: string; weight: number; content: { type: 'text'; value: string } | null }[];
}

export interface RandomSite {
  audiences: { id: string; name: string; rule: Rule }[];
  experiences: RandomExperience[];
}

const TEXTS = ['Hello {{traits.plan | default:"guest"}}', 'From {{geo.country}}', 'Visit {{sessionCount}} new={{isNew}}', 'Plain'];

export const siteArb: fc.Arbitrary<RandomSite> = fc
  .integer({ min: 1, max: 4 })
  .chain((n) => {
    const ids = Array.from({ length: n }, (_, i) => `exp-${i}`);
    return fc.record({
      audiences: fc.array(ruleArb(ids), { minLength: 1, maxLength: 4 }).map((rules) => rules.map((rule, i) => ({ id: `aud-${i}`, name: `Audience ${i}`, rule }))),
      experiences: fc.tuple(
        ...ids.map((id) =>
          fc.record({
            id: fc.constant(id),
            slot: fc.constantFrom('hero', 'banner'),
            audience: fc.option(fc.constantFrom('aud-0', 'aud-1', 'aud-2', 'aud-3'), { nil: null }),
            traffic: fc.constantFrom(1, 0.5),
            priority: fc.integer({ min: 0, max: 2 }),
            variants: fc.tuple(fc.constantFrom(...TEXTS), fc.constantFrom(...TEXTS)).map(([a, b]) => [
              { key: 'control', weight: 1, content: null },
              { key: 'a', weight: 1, content: { type: 'text' as const, value: a } },
              { key: 'b', weight: 1, content: { type: 'text' as const, value: b } },
            ]),
          }),
        ),
      ),
    });
  })
  .map((s) => ({ ...s, experiences: s.experiences.map((e) => ({ ...e, audience: e.audience && s.audiences.some((a) => a.id === e.audience) ? e.audience : null })) }));
