import { describe, expect, it } from 'vitest';
import { selectorProblem } from '../../protocol/selector';
import cases from './cases/selectors.json';

describe('selectors both HTMLRewriter and querySelectorAll understand', () => {
  it.each(cases as [string, string | null][])('%j → %j', (selector, problem) => {
    expect(selectorProblem(selector)).toBe(problem);
  });
});
