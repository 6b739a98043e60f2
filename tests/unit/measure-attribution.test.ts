import { describe, expect, it } from 'vitest';
import { MODELS, attribute, attributeAll, summarizeCredits, type AttributionTouch, type Credit } from '../../edge/measure/attribution';
import type { Channel } from '../../edge/measure/channels';
import { sfc32 } from '../../edge/measure/prng';

/** Every expected credit below is worked by hand; the arithmetic is written next to it. */
const DAY = 86_400_000;
const touch = (day: number, channel: Channel, campaign: string | null = null, referralCode: string | null = null): AttributionTouch => ({
  ts: day * DAY, channel, source: channel === 'direct' ? '(direct)' : channel, medium: channel === 'direct' ? '(none)' : 'm', campaign, referralCode,
});
const shares = (credits: Credit[]) => credits.map((c) => [c.touch.channel, c.conversions, c.value]);
const expectShares = (credits: Credit[], expected: [Channel, number, number][]) => {
  expect(credits.map((c) => c.touch.channel)).toEqual(expected.map((e) => e[0]));
  credits.forEach((c, i) => {
    expect(c.conversions).toBeCloseTo(expected[i]![1], 12);
    expect(c.value).toBeCloseTo(expected[i]![2], 10);
  });
};

// Conversion on day 40 worth 120; lookback 30 days reaches back to day 10.
const conversion = { ts: 40 * DAY, value: 120 };
const journey = [
  touch(41, 'paid_social'), // after the conversion: ignored
  touch(26, 'email', 'may-news'),
  touch(5, 'display'), // 35 days before: outside the window
  touch(12, 'paid_search', 'spring'),
  touch(33, 'organic_search'),
  touch(40, 'direct'), // at the conversion's own timestamp: counts
];

describe('attribution models on one journey (paid search d12, email d26, organic d33, direct d40)', () => {
  it('first touch: all to paid search', () => {
    expectShares(attribute(conversion, journey, 'first_touch'), [['paid_search', 1, 120]]);
  });

  it('last non-direct touch: all to organic search, skipping the final direct visit', () => {
    expectShares(attribute(conversion, journey, 'last_non_direct'), [['organic_search', 1, 120]]);
  });

  it('linear: 1/4 each, 30 of 120 each', () => {
    expectShares(attribute(conversion, journey, 'linear'), [['paid_search', 0.25, 30], ['email', 0.25, 30], ['organic_search', 0.25, 30], ['direct', 0.25, 30]]);
  });

  it('time decay, half-life 7 days: ages 28, 14, 7, 0 days weigh 1/16, 1/4, 1/2, 1 → 1/29, 4/29, 8/29, 16/29', () => {
    expectShares(attribute(conversion, journey, 'time_decay'), [
      ['paid_search', 1 / 29, 120 / 29], ['email', 4 / 29, 480 / 29], ['organic_search', 8 / 29, 960 / 29], ['direct', 16 / 29, 1920 / 29],
    ]);
  });

  it('time decay with a 14-day half-life: weights 1/4, 1/2, 2^(-1/2), 1', () => {
    const w = [0.25, 0.5, Math.SQRT1_2, 1];
    const total = w.reduce((s, x) => s + x, 0);
    const credits = attribute(conversion, journey, 'time_decay', { halfLifeMs: 14 * DAY });
    credits.forEach((c, i) => expect(c.conversions).toBeCloseTo(w[i]! / total, 12));
  });

  it('position based: 40 / 10 / 10 / 40 (the middle two share 20 %)', () => {
    expectShares(attribute(conversion, journey, 'position_based'), [['paid_search', 0.4, 48], ['email', 0.1, 12], ['organic_search', 0.1, 12], ['direct', 0.4, 48]]);
  });

  it('position based with one touch gives 100 %, with two 50/50, with three 40/20/40', () => {
    expectShares(attribute(conversion, [touch(30, 'email')], 'position_based'), [['email', 1, 120]]);
    expectShares(attribute(conversion, [touch(30, 'email'), touch(35, 'referral')], 'position_based'), [['email', 0.5, 60], ['referral', 0.5, 60]]);
    expectShares(attribute(conversion, [touch(30, 'email'), touch(35, 'referral'), touch(36, 'display')], 'position_based'), [['email', 0.4, 48], ['referral', 0.2, 24], ['display', 0.4, 48]]);
  });

  it('attributeAll gives every model', () => {
    const all = attributeAll(conversion, journey);
    expect(Object.keys(all)).toEqual([...MODELS]);
    expect(shares(all.linear)).toEqual(shares(attribute(conversion, journey, 'linear')));
  });
});

describe('attribution edge cases', () => {
  it('credits direct when no touch is in the window', () => {
    for (const model of MODELS) {
      const credits = attribute({ ts: 100 * DAY, value: 50 }, [touch(10, 'email'), touch(101, 'display')], model);
      expect(credits).toHaveLength(1);
      expect(credits[0]).toEqual({ touch: { ts: 100 * DAY, channel: 'direct', source: '(direct)', medium: '(none)', campaign: null, referralCode: null }, conversions: 1, value: 50 });
    }
  });

  it('last non-direct falls back to the last direct touch when the journey is all direct', () => {
    const credits = attribute(conversion, [touch(20, 'direct'), touch(30, 'direct')], 'last_non_direct');
    expect(credits.map((c) => c.touch.ts)).toEqual([30 * DAY]);
  });

  it('includes a touch exactly at the lookback boundary and honours a custom lookback', () => {
    expect(attribute(conversion, [touch(10, 'email')], 'first_touch')[0]!.touch.channel).toBe('email'); // 40 − 30 = day 10
    expect(attribute(conversion, [touch(30, 'email'), touch(38, 'referral')], 'first_touch', { lookbackMs: 7 * DAY })[0]!.touch.channel).toBe('referral');
  });

  it('orders touches by time, keeping input order on equal timestamps', () => {
    const credits = attribute(conversion, [touch(30, 'email', 'b'), touch(20, 'display'), touch(30, 'referral', 'a')], 'linear');
    expect(credits.map((c) => c.touch.channel)).toEqual(['display', 'email', 'referral']);
  });

  it('credits a conversion without value (0) and ignores a non-finite value', () => {
    expect(attribute({ ts: conversion.ts, value: 0 }, journey, 'linear').map((c) => c.value)).toEqual([0, 0, 0, 0]);
    expect(attribute({ ts: conversion.ts, value: Number.NaN }, journey, 'linear').every((c) => c.value === 0)).toBe(true);
  });

  it('shares sum to 1 conversion and to the value within 1e-9, for 400 random journeys under every model', () => {
    const random = sfc32(11);
    const channels: Channel[] = ['direct', 'email', 'paid_search', 'organic_social', 'referral'];
    for (let j = 0; j < 400; j++) {
      const n = 1 + Math.floor(random() * 9);
      const touches = Array.from({ length: n }, () => touch(random() * 45, channels[Math.floor(random() * channels.length)]!));
      const value = Math.round(random() * 100_000) / 100;
      for (const model of MODELS) {
        const credits = attribute({ ts: 40 * DAY, value }, touches, model, { halfLifeMs: (1 + random() * 10) * DAY });
        expect(Math.abs(credits.reduce((s, c) => s + c.conversions, 0) - 1)).toBeLessThanOrEqual(1e-9);
        expect(Math.abs(credits.reduce((s, c) => s + c.value, 0) - value)).toBeLessThanOrEqual(1e-9);
        expect(credits.every((c) => c.conversions > 0 && c.conversions <= 1)).toBe(true);
      }
    }
  });
});

describe('summarizeCredits', () => {
  it('sums credits by channel, campaign and referral code, largest first', () => {
    // Conversion 1 (120): linear over paid_search/spring, email/may-news, organic_search, direct → 0.25 / 30 each.
    // Conversion 2 (60): linear over email/may-news and customer_referral ANNA → 0.5 / 30 each.
    const credits = [
      ...attribute(conversion, journey, 'linear'),
      ...attribute({ ts: 40 * DAY, value: 60 }, [touch(35, 'email', 'may-news'), touch(39, 'customer_referral', null, 'ANNA')], 'linear'),
    ];
    const report = summarizeCredits(credits);
    expect(report.byChannel).toEqual([
      { key: 'email', conversions: 0.75, revenue: 60 },
      { key: 'customer_referral', conversions: 0.5, revenue: 30 },
      { key: 'direct', conversions: 0.25, revenue: 30 },
      { key: 'organic_search', conversions: 0.25, revenue: 30 },
      { key: 'paid_search', conversions: 0.25, revenue: 30 },
    ]);
    expect(report.byCampaign).toEqual([
      { key: '(not set)', conversions: 1, revenue: 90 },
      { key: 'may-news', conversions: 0.75, revenue: 60 },
      { key: 'spring', conversions: 0.25, revenue: 30 },
    ]);
    expect(report.byReferralCode).toEqual([{ key: 'ANNA', conversions: 0.5, revenue: 30 }]);
    const total = report.byChannel.reduce((s, r) => s + r.conversions, 0);
    expect(total).toBe(2);
  });
});
