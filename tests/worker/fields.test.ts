import { describe, expect, it } from 'vitest';
import { admin, anon, createSite, event, feedWith, post } from './helpers';
import { seenIn, MAX_SEEN, type SiteFields } from '../../edge/admin/fields';
import { RULE_FIELDS } from '../../edge/engine/fields';
import { FIELDS, fieldSuggestions } from '../../dashboard/rules';
import { requestFields } from '../../edge/engine/context';
import { newVisitorContext } from '../../edge/engine/context';
import { lookup } from '../../edge/engine/rules';
import { CLICK_IDS } from '../../protocol/marketing';
import type { FeedEvent } from '../../protocol/events';

const json = async <T>(res: Response) => (await res.json()) as T;

describe('the fields a rule can use', () => {
  it("come from the engine's own context, each with a label", () => {
    const paths = RULE_FIELDS.map((f) => f.field);
    expect(new Set(paths).size).toBe(paths.length);
    expect(paths).toEqual(expect.arrayContaining([
      'geo.country', 'geo.region', 'geo.city', 'geo.timezone', 'device', 'browser', 'os', 'lang', 'url', 'path', 'referrer', 'referrerDomain',
      'utm.source', 'utm.medium', 'utm.campaign', 'ref', 'hour', 'weekday', 'traits.*', 'isNew', 'sessionCount', 'exposures',
      ...CLICK_IDS.map((id) => `clickIds.${id}`),
    ]));
    for (const f of RULE_FIELDS) {
      expect(f.label, f.field).not.toBe(f.field);
      expect(f.label.length, f.field).toBeGreaterThan(3);
    }
    expect(RULE_FIELDS.find((f) => f.field === 'geo.country')?.source).toBe('request');
    expect(RULE_FIELDS.find((f) => f.field === 'sessionCount')?.source).toBe('profile');
    // Every concrete field is one a rule really reads from a request with those facts.
    const ctx = newVisitorContext(
      requestFields({
        url: `https://shop.test/p?utm_source=a&utm_medium=b&utm_campaign=c&utm_term=d&utm_content=e&ref=r&${CLICK_IDS.map((id) => `${id}=1`).join('&')}`,
        referrer: 'https://www.ref.test/x', lang: 'de', userAgent: 'Mozilla/5.0 (iPhone) Safari/604.1', now: Date.now(),
        cf: { country: 'CH', regionCode: 'ZH', city: 'Zurich', timezone: 'Europe/Zurich' },
      }),
      Date.now(),
    );
    for (const f of RULE_FIELDS.filter((x) => !x.field.endsWith('.*'))) expect(lookup(ctx.fields, f.field), f.field).not.toBeUndefined();
    // The builder suggests the same list (without the wildcard), plus the trait keys seen.
    expect(FIELDS).toEqual(paths.filter((p) => !p.endsWith('.*')));
    expect(fieldSuggestions(['plan']).at(-1)).toEqual({ value: 'traits.plan', label: 'trait seen on the site' });
  });

  it('reads event names, trait keys and slot names from events, most frequent first and capped', () => {
    const e = (type: FeedEvent['type'], name: string | null, props: Record<string, unknown> | null = null) => ({ type, name, props }) as FeedEvent;
    const seen = seenIn(
      [
        e('track', 'B'), e('track', 'A'), e('track', 'B'), e('signal', 'exit_intent'), e('page', null), e('track', '$exposure', { slot: 'hero' }),
        e('track', '$exposure', { slot: 'hero' }), e('track', '$exposure', { slot: 'promo' }), e('track', '$exposure', { slot: '@page-exp' }),
        e('identify', null, { plan: 'pro', userId: 'u1' }), e('identify', null, { plan: 'free', city: 'Bern', refused: 'x' }),
      ],
      ['banner', 'promo'],
    );
    expect(seen).toEqual({ events: ['B', 'A', 'exit_intent'], traits: ['plan', 'city'], slots: ['hero', 'promo', 'banner'] });
    const many = Array.from({ length: MAX_SEEN + 50 }, (_, i) => e('track', `event-${i}`));
    expect(seenIn(many).events).toHaveLength(MAX_SEEN);
  });
});

describe('GET /api/sites/:site/fields', () => {
  it('answers the fields, and the events, traits and slots seen after a few collects', async () => {
    const site = await createSite();
    const empty = await json<SiteFields>(await admin(`/sites/${site}/fields`));
    expect(empty).toMatchObject({ events: [], traits: [], slots: [] });
    expect(empty.fields).toEqual(RULE_FIELDS);

    expect((await admin(`/sites/${site}/slots`, { method: 'POST', body: JSON.stringify({ name: 'banner', selector: '#banner' }) })).status).toBe(201);
    const a = anon();
    const b = anon();
    expect((await post('/v1/collect', {
      site, anonymousId: a,
      events: [
        event('track', { name: 'Viewed pricing' }),
        event('track', { name: 'Viewed pricing' }),
        event('identify', { userId: 'u-1', traits: { plan: 'pro', firstName: 'Ada' } }),
        event('track', { name: '$exposure', props: { slot: 'hero', experience: 'x', variant: 'a' } }),
      ],
    })).status).toBe(202);
    expect((await post('/v1/collect', {
      site, anonymousId: b,
      events: [
        event('track', { name: 'Add to cart' }),
        event('signal', { name: 'rage_click' }),
        event('identify', { traits: { plan: 'free' } }),
        event('track', { name: '$exposure', props: { slot: 'hero', experience: 'x', variant: 'b' } }),
        event('track', { name: '$exposure', props: { slot: 'promo', experience: 'y', variant: 'b' } }),
      ],
    })).status).toBe(202);
    await feedWith(site, 9);

    const got = await json<SiteFields>(await admin(`/sites/${site}/fields`));
    expect(got.events).toEqual(['Viewed pricing', 'Add to cart', 'rage_click']);
    expect(got.traits).toEqual(['plan', 'firstName']);
    expect(got.slots).toEqual(['hero', 'promo', 'banner']);
    expect(got.fields.map((f) => f.field)).toContain('clickIds.gclid');

    expect((await admin('/sites/no-such-site/fields')).status).toBe(404);
  });
});
