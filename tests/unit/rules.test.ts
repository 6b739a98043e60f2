import { describe, expect, it } from 'vitest';
import { parseRule, type Rule } from '../../protocol/audience';
import { eventNeeds, matches, type RuleContext } from '../../edge/engine/rules';
import table from './cases/rules.json';

const ctx = table.context as RuleContext;

describe('audience rules: evaluation', () => {
  it.each(table.cases)('$name', ({ rule, match }) => {
    expect(matches(rule as unknown as Rule, ctx)).toBe(match);
  });
});

describe('audience rules: validation names the bad node', () => {
  it.each(table.invalid)('$name', ({ rule, error }) => {
    const r = parseRule(rule);
    expect('error' in r ? r.error : 'valid').toMatch(new RegExp(error));
  });

  it('accepts every rule of the evaluation table that is well formed', () => {
    const wellFormed = table.cases.filter((c) => !['an unknown operator never throws', 'a malformed node never throws'].includes(c.name));
    for (const c of wellFormed) expect(parseRule(c.rule), c.name).toHaveProperty('rule');
  });
});

describe('eventNeeds', () => {
  it('collects the event names and the longest window the rules count over', () => {
    expect(
      eventNeeds([
        { all: [{ field: 'geo.country', op: 'eq', value: 'CH' }, { event: 'Viewed pricing', atLeast: 2, withinDays: 7 }] },
        { any: [{ not: { event: 'Purchase', atLeast: 1, withinDays: 90 } }, { signal: 'exit_intent' }] },
        { event: 'Signup' },
      ] as Rule[]),
    ).toEqual({ names: ['Viewed pricing', 'Purchase', 'Signup'], days: 90 });
    expect(eventNeeds([{ field: 'device', op: 'eq', value: 'mobile' }] as Rule[])).toBeNull();
  });
});
