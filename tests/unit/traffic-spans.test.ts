import { describe, expect, it } from 'vitest';
import { spans, weekOf } from '../../edge/traffic/spans';

const NONE = ['1', '0'];

describe('spans: a range of days as whole weeks and the days at either end', () => {
  it.each([
    // 2026-11-30 is a Monday, 2026-12-06 a Sunday.
    ['one day', '2026-12-02', '2026-12-02', [['2026-12-02', '2026-12-02'], NONE, NONE]],
    ['six days, no whole week', '2026-12-01', '2026-12-06', [['2026-12-01', '2026-12-06'], NONE, NONE]],
    ['exactly one week', '2026-11-30', '2026-12-06', [NONE, ['W2026-11-30', 'W2026-11-30'], NONE]],
    ['a week with a day either side', '2026-11-29', '2026-12-07', [['2026-11-29', '2026-11-29'], ['W2026-11-30', 'W2026-11-30'], ['2026-12-07', '2026-12-07']]],
    ['30 days', '2026-11-03', '2026-12-02', [['2026-11-03', '2026-11-08'], ['W2026-11-09', 'W2026-11-23'], ['2026-11-30', '2026-12-02']]],
    ['across a year', '2026-12-28', '2027-01-10', [NONE, ['W2026-12-28', 'W2027-01-04'], NONE]],
  ])('%s', (_name, from, to, expected) => {
    expect(spans(from, to)).toEqual(expected);
  });

  it.each([
    ['2026-11-30', 'W2026-11-30'],
    ['2026-12-02', 'W2026-11-30'],
    ['2026-12-06', 'W2026-11-30'],
    ['2027-01-01', 'W2026-12-28'],
  ])('the week of %s is %s', (day, week) => expect(weekOf(day)).toBe(week));

  it('reads every day of a range exactly once, for any range (every start and length up to 70 days)', () => {
    const DAY = 86_400_000;
    const d = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    for (let s = 0; s < 14; s++) {
      for (let n = 1; n <= 70; n++) {
        const from = Date.UTC(2026, 10, 1) + s * DAY;
        const days = Array.from({ length: n }, (_, i) => d(from + i * DAY));
        const [a, w, b] = spans(days[0]!, days[n - 1]!);
        const times = (x: string) => [x >= a[0] && x <= a[1], x >= b[0] && x <= b[1], weekOf(x) >= w[0] && weekOf(x) <= w[1]].filter(Boolean).length;
        expect(days.map(times)).toEqual(days.map(() => 1)); // each day read once, from exactly one kind of row
        // No whole week read outside the range.
        if (w[0] <= w[1]) expect(w[0].slice(1) >= days[0]! && d(Date.parse(w[1].slice(1)) + 6 * DAY) <= days[n - 1]!).toBe(true);
      }
    }
  });
});
