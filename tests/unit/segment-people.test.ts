import { describe, expect, it } from 'vitest';
import { groupByPerson, runsOf, type Named } from '../../edge/segment/people';
import cases from './cases/segment-people.json';

describe('Segment requests: messages grouped by person, in order', () => {
  it.each(cases as { name: string; messages: Named[]; groups: number[][]; runs: number[][][] }[])('$name', ({ messages, groups, runs }) => {
    const got = groupByPerson(messages);
    expect(got).toEqual(groups);
    const indexed = got.map((g) => runsOf(g.map((i) => ({ ...messages[i]!, i }))).map((r) => r.map((m) => m.i)));
    expect(indexed).toEqual(runs);
  });
});
