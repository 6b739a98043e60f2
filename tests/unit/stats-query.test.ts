import { describe, expect, it } from 'vitest';
import { STATS_DIMENSIONS } from '../../protocol/stats';
import { bucketLabel, change, isFuture, overviewHref, overviewQuery, parseFilter, rangeLabel, statsApiQuery } from '../../dashboard/stats-query';
import { CARDS } from '../../dashboard/stats-view';

/** The overview's URL handling and figures, pure: ranges, filters, links, changes. */
const NOW = Date.parse('2026-12-07T15:20:00Z');
const query = (params: Record<string, string>) => overviewQuery((k) => params[k], NOW);

describe('the overview query', () => {
  it.each([
    [{}, '7d', '2026-12-01', '2026-12-07', 'day'],
    [{ period: 'today' }, 'today', '2026-12-07', '2026-12-07', 'hour'],
    [{ period: '30d' }, '30d', '2026-11-08', '2026-12-07', 'day'],
    [{ period: 'forever' }, '7d', '2026-12-01', '2026-12-07', 'day'],
    [{ from: '2026-10-01', to: '2026-10-31' }, 'custom', '2026-10-01', '2026-10-31', 'day'],
    [{ from: '2026-10-31', to: '2026-10-01' }, 'custom', '2026-10-01', '2026-10-31', 'day'],
    [{ from: '2026-10-05', to: '2026-10-05', period: '30d' }, 'custom', '2026-10-05', '2026-10-05', 'hour'],
    [{ from: '2026-10-05', to: 'yesterday' }, '7d', '2026-12-01', '2026-12-07', 'day'],
  ])('%j is %s from %s to %s by %s', (params, period, from, to, interval) => {
    expect(query(params)).toMatchObject({ period, from, to, interval });
  });

  it.each([
    ['channels:email', { dimension: 'channels', value: 'email' }],
    ['pages:/a:b', { dimension: 'pages', value: '/a:b' }],
    ['referrers:', null],
    [':x', null],
    ['bogus:x', null],
    ['constructor:x', null],
    [undefined, null],
  ])('reads the filter %j', (raw, filter) => {
    expect(parseFilter(raw)).toEqual(filter);
  });

  it('asks the API for the range, interval, filter and row limit', () => {
    const q = query({ period: 'today', filter: 'campaigns:a&b=c' });
    expect(Object.fromEntries(new URLSearchParams(statsApiQuery(q)))).toEqual({ from: '2026-12-07', to: '2026-12-07', interval: 'hour', limit: '10', filter: 'campaigns:a&b=c' });
  });

  it('links keep the range and the filter, encoding the value', () => {
    const q = query({ period: '30d', filter: 'pages:/<img src=x>' });
    expect(overviewHref('/d', q)).toBe('/d?period=30d&filter=pages:%2F%3Cimg%20src%3Dx%3E');
    expect(overviewHref('/d', q, { filter: null })).toBe('/d?period=30d');
    expect(overviewHref('/d', q, { period: 'today' })).toBe('/d?period=today&filter=pages:%2F%3Cimg%20src%3Dx%3E');
    expect(overviewHref('/d', q, { filter: { dimension: 'campaigns', value: '"&x=1' } })).toBe('/d?period=30d&filter=campaigns:%22%26x%3D1');
    const custom = query({ from: '2026-10-01', to: '2026-10-31' });
    expect(overviewHref('/d', custom, { filter: { dimension: 'channels', value: 'email' } })).toBe('/d?from=2026-10-01&to=2026-10-31&filter=channels:email');
    // What a link encodes, the query reads back.
    const back = new URL(overviewHref('https://x.test/d', q), 'https://x.test').searchParams;
    expect(parseFilter(back.get('filter') ?? undefined)).toEqual({ dimension: 'pages', value: '/<img src=x>' });
  });
});

describe('the overview figures', () => {
  it.each([
    [120, 100, false, '▲', '20%', 'better'],
    [80, 100, false, '▼', '20%', 'worse'],
    [0.4, 0.5, true, '▼', '20%', 'better'],
    [0.6, 0.5, true, '▲', '20%', 'worse'],
    [100, 100, false, '', '0%', 'flat'],
    [5, 0, false, '', 'new', 'flat'],
    [0, 0, false, '', '', 'flat'],
  ])('%s against %s (lower is better: %s) is %s %s, %s', (now, before, lower, arrow, text, tone) => {
    expect(change(now, before, lower)).toMatchObject({ arrow, text, tone });
  });

  it('labels buckets and ranges', () => {
    expect(bucketLabel('2026-12-01T09')).toEqual({ short: '09:00', full: 'Dec 1 09:00–09:59 UTC' });
    expect(bucketLabel('2026-12-01')).toEqual({ short: 'Dec 1', full: 'Dec 1, 2026' });
    expect(rangeLabel('2026-12-01', '2026-12-07')).toBe('Dec 1 – Dec 7, 2026');
    expect(rangeLabel('2025-12-25', '2026-01-07')).toBe('Dec 25, 2025 – Jan 7, 2026');
    expect(rangeLabel('2026-12-07', '2026-12-07')).toBe('Dec 7, 2026');
  });

  it('knows which buckets have not happened yet', () => {
    expect(isFuture('2026-12-07T15', NOW)).toBe(false);
    expect(isFuture('2026-12-07T16', NOW)).toBe(true);
    expect(isFuture('2026-12-07', NOW)).toBe(false);
    expect(isFuture('2026-12-08', NOW)).toBe(true);
  });

  it('shows every breakdown in exactly one card', () => {
    expect(CARDS.flatMap((c) => c.dims).sort()).toEqual([...STATS_DIMENSIONS].sort());
  });
});
