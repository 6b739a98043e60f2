import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CollectBatch, DecideRequest, Event, ExperienceInput, formatIssues, MAX_PROPS, MAX_STRING, Props, SITE_DEFAULTS, SiteInput } from '../../protocol';
import { MAX_PROFILE_TOKEN } from '../../protocol/limits';
import eventCases from './cases/events.json';
import originCases from './cases/origins.json';

/** The formatted error of a failed parse, or null when the value is valid. */
function problem(schema: z.ZodType, value: unknown, prefix?: string): string | null {
  const result = schema.safeParse(value);
  return result.success ? null : formatIssues(result.error, prefix);
}

const event = (extra: Record<string, unknown> = {}) => ({ id: 'evt_00000001', type: 'page', ts: 1_700_000_000_000, ...extra });

describe('Event', () => {
  it.each(eventCases)('$name → $error', ({ event: value, error }) => {
    const message = problem(Event, value);
    if (error === null) expect(message).toBeNull();
    else expect(message).toMatch(new RegExp(error));
  });

  it('keeps the fields it knows and drops the ones it does not', () => {
    const parsed = Event.parse(event({ name: 'x', extra: 'dropped' }));
    expect(parsed).toEqual({ id: 'evt_00000001', type: 'page', ts: 1_700_000_000_000, name: 'x' });
  });

  it('cuts a long page title to 512 characters instead of refusing the event', () => {
    const parsed = Event.parse(event({ page: { url: 'https://shop.test/', title: 'T'.repeat(2000) } }));
    expect(parsed.page?.title).toHaveLength(512);
    expect(problem(Event, event({ page: { url: 'https://shop.test/', title: 'T'.repeat(MAX_STRING + 1) } }))).toMatch(/page\.title/);
  });
});

describe('CollectBatch', () => {
  const batch = (extra: Record<string, unknown> = {}) => ({ site: 'shop', anonymousId: 'anon_12345678', events: [event()], ...extra });

  it('accepts a batch and leaves the events for per-event validation', () => {
    const parsed = CollectBatch.parse(batch({ events: [42, event()] }));
    expect(parsed.events).toEqual([42, event()]);
  });

  it.each([
    ['no events', { events: [] }, /^events: /],
    ['501 events', { events: Array.from({ length: 501 }, () => event()) }, /^events: /],
    ['events that are not an array', { events: {} }, /^events: /],
    ['an upper-case site key', { site: 'Shop' }, /^site: must be 1-63 lower-case/],
    ['a site key starting with "-"', { site: '-shop' }, /^site: /],
    ['a short anonymous id', { anonymousId: 'abc' }, /^anonymousId: must be 8-64 characters/],
    ['a numeric anonymous id', { anonymousId: 12345678 }, /^anonymousId: /],
    ['an over-long profile token', { profileToken: 'x'.repeat(MAX_PROFILE_TOKEN + 1) }, /^profileToken: /],
  ])('rejects %s', (_name, extra, message) => {
    expect(problem(CollectBatch, batch(extra))).toMatch(message);
  });

  it('names every missing field', () => {
    expect(problem(CollectBatch, {})).toMatch(/^site: .*; anonymousId: .*; events: /);
  });
});

describe('Props', () => {
  it('accepts strings, finite numbers, booleans and null', () => {
    const props = { s: 'x', n: 1.5, t: true, f: false, z: null };
    expect(Props.parse(props)).toEqual(props);
  });

  it.each(['__proto__', 'constructor', 'prototype'])('rejects the own key %s', (key) => {
    const value = JSON.parse(`{"ok": 1, "${key}": {"admin": true}}`) as unknown;
    expect(problem(Props, value)).toMatch(/reserved key/);
  });

  it('does not pollute Object.prototype while rejecting __proto__', () => {
    Props.safeParse(JSON.parse('{"__proto__": {"polluted": true}}'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it(`accepts ${MAX_PROPS} properties and rejects ${MAX_PROPS + 1}`, () => {
    const props = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    expect(problem(Props, props(MAX_PROPS))).toBeNull();
    expect(problem(Props, props(MAX_PROPS + 1))).toMatch(/at most 64 properties/);
  });

  it.each([
    ['a string longer than MAX_STRING', { s: 'x'.repeat(MAX_STRING + 1) }, /^s: /],
    ['NaN', { n: Number.NaN }, /^n: /],
    ['Infinity', { n: Number.POSITIVE_INFINITY }, /^n: /],
    ['an array', { a: [1] }, /^a: /],
    ['an empty key', { '': 1 }, /^body: /],
    ['a non-object', 'x', /^body: /],
  ])('rejects %s', (_name, value, message) => {
    expect(problem(Props, value)).toMatch(message);
  });

  it('accepts a string of exactly MAX_STRING characters', () => {
    expect(problem(Props, { s: 'x'.repeat(MAX_STRING) })).toBeNull();
  });
});

describe('SiteInput', () => {
  it('fills in defaults', () => {
    expect(SiteInput.parse({ key: 'shop', name: 'Shop' })).toEqual({
      key: 'shop',
      name: 'Shop',
      origins: [],
      proxyOrigin: null,
      proxyHosts: [],
      proxyDecideMs: 300,
      verificationSecret: null,
      verificationRequired: false,
      retentionDays: 395,
      consentDefault: 'granted',
      identifierLimits: { user: 1, email: 3, phone: 3, profilesPerIdentifier: 100 },
      holdout: 0,
      goals: [],
      attribution: { lookbackDays: 30, halfLifeDays: 7 },
      overlays: {
        perPage: 1,
        theme: { background: '#ffffff', text: '#1f2328', accent: '#1a56db', accentText: '#ffffff', font: 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif', radius: 10 },
      },
    });
  });

  it('takes every default from SITE_DEFAULTS, and gives each site its own copy of the lists and objects', () => {
    const a = SiteInput.parse({ key: 'shop', name: 'Shop' });
    expect(a).toEqual({ key: 'shop', name: 'Shop', ...SITE_DEFAULTS });
    a.goals.push('Purchase');
    a.identifierLimits.user = 9;
    a.attribution.lookbackDays = 1;
    a.overlays.theme.accent = '#000000';
    expect(SITE_DEFAULTS.goals).toEqual([]);
    expect(SITE_DEFAULTS.identifierLimits.user).toBe(1);
    expect(SITE_DEFAULTS.overlays.theme.accent).toBe('#1a56db');
    expect(SiteInput.parse({ key: 'b', name: 'B' })).toEqual({ key: 'b', name: 'B', ...SITE_DEFAULTS });
  });

  it.each(originCases)('treats $origin as an origin: $valid', ({ origin, valid }) => {
    const message = problem(SiteInput, { key: 'shop', name: 'Shop', origins: [origin], proxyOrigin: origin });
    if (valid) expect(message).toBeNull();
    else expect(message).toMatch(/^origins\[0\]: must be an origin .*; proxyOrigin: must be an origin/);
  });

  it.each([
    ['a short verification secret', { verificationSecret: 'short' }, /^verificationSecret: /],
    ['retention of 0 days', { retentionDays: 0 }, /^retentionDays: /],
    ['an unknown consent default', { consentDefault: 'maybe' }, /^consentDefault: /],
    ['an empty name', { name: '' }, /^name: /],
  ])('rejects %s', (_name, extra, message) => {
    expect(problem(SiteInput, { key: 'shop', name: 'Shop', ...extra })).toMatch(message);
  });
});

describe('ExperienceInput', () => {
  const variant = (key: string, extra: Record<string, unknown> = {}) => ({ key, weight: 1, ...extra });
  const experience = (extra: Record<string, unknown> = {}) => ({ name: 'Hero', slot: 'hero', variants: [variant('a'), variant('b')], ...extra });

  it('fills in defaults', () => {
    expect(ExperienceInput.parse(experience())).toEqual({
      name: 'Hero',
      slot: 'hero',
      status: 'draft',
      traffic: 1,
      goals: [],
      audience: null,
      priority: 0,
      mode: 'split',
      variants: [
        { key: 'a', weight: 1, content: null },
        { key: 'b', weight: 1, content: null },
      ],
    });
  });

  it('rejects duplicate variant keys', () => {
    expect(problem(ExperienceInput, experience({ variants: [variant('a'), variant('b'), variant('a')] }))).toBe(
      'variants: variant keys must be unique',
    );
  });

  it.each([
    ['no variants', { variants: [] }, /^variants: /],
    ['21 variants', { variants: Array.from({ length: 21 }, (_, i) => variant(`v${i}`)) }, /^variants: /],
    ['only zero weights', { variants: [variant('a', { weight: 0 }), variant('b', { weight: 0 })] }, /^variants: at least one variant needs a weight above 0/],
    ['a negative weight', { variants: [variant('a'), variant('b', { weight: -1 })] }, /^variants\[1\]\.weight: /],
    ['an unknown content type', { variants: [variant('a', { content: { type: 'js', value: '' } })] }, /^variants\[0\]\.content\.type: /],
    ['traffic above 1', { traffic: 2 }, /^traffic: /],
    ['a bad slot name', { slot: 'hero slot' }, /^slot: must be 1-64 characters/],
    ['an unknown status', { status: 'live' }, /^status: /],
    ['an upper-case id', { id: 'Hero' }, /^id: /],
  ])('rejects %s', (_name, extra, message) => {
    expect(problem(ExperienceInput, experience(extra))).toMatch(message);
  });
});

describe('DecideRequest', () => {
  it('requires a context with a url and valid slot names', () => {
    const base = { site: 'shop', anonymousId: 'anon_12345678' };
    expect(problem(DecideRequest, { ...base, context: { url: 'https://shop.test/' }, slots: ['hero'] })).toBeNull();
    expect(problem(DecideRequest, base)).toMatch(/^context: /);
    expect(problem(DecideRequest, { ...base, context: {} })).toMatch(/^context\.url: /);
    expect(problem(DecideRequest, { ...base, context: { url: 'u' }, slots: ['ok', 'not ok'] })).toMatch(/^slots\[1\]: /);
  });
});

describe('formatIssues', () => {
  it('names the field under the prefix, as collect reports a rejected event', () => {
    expect(problem(Event, event({ ts: 'yesterday' }), 'events[2]')).toMatch(/^events\[2\]\.ts: .+/);
  });

  it('writes array indexes in brackets and object keys with dots', () => {
    const message = problem(ExperienceInput, { name: 'x', slot: 'hero', variants: [{ key: 'a', weight: 1, content: { type: 'html' } }] });
    expect(message).toMatch(/^variants\[0\]\.content\.value: .+/);
    expect(problem(z.array(z.number()), [1, 'two'])).toMatch(/^\[1\]: /);
  });

  it('names the body, or the bare prefix, for a problem with the value itself', () => {
    expect(problem(Event, 42)).toMatch(/^body: /);
    expect(problem(Event, 42, 'events[3]')).toMatch(/^events\[3\]: /);
  });

  it('joins at most five issues with "; "', () => {
    const seven = z.object(Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((k) => [k, z.string()])));
    const message = problem(seven, {}) ?? '';
    expect(message.split('; ').map((part) => part.split(':')[0])).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});
