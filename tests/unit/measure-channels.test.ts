import { describe, expect, it } from 'vitest';
import { channelOf, classifyTouch, type TouchInput } from '../../edge/measure/channels';
import cases from './cases/measure-channels.json';

/**
 * cases/measure-channels.json: each expectation worked by hand from GA4's default channel group
 * rules (support.google.com/analytics/answer/9756891) and the deviations listed at the top of
 * edge/measure/channels.ts (customer referral first, folded video/shopping channels, click ids).
 */
describe('channel classification', () => {
  it.each(cases as { name: string; touch: TouchInput; expect: Record<string, unknown> }[])('$name', ({ touch, expect: expected }) => {
    expect(classifyTouch(touch)).toMatchObject(expected);
  });
});

describe("channelOf follows GA4's rule order", () => {
  it.each([
    ['(direct)', '(not set)', 'direct'],
    ['google', 'cpc', 'paid_search'], // Paid Search before Organic Search
    ['facebook', 'retargeting', 'paid_social'],
    ['youtube', 'banner', 'display'], // Display before Organic Social: youtube matches the social list, banner the display list
    ['facebook', 'email', 'organic_social'], // Organic Social before Email
    ['email', 'referral', 'email'],
    ['somewhere', 'app', 'referral'],
  ])('%s / %s → %s', (source, medium, channel) => {
    expect(channelOf(source, medium)).toBe(channel);
  });
});
