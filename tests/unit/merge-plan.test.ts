import { describe, expect, it } from 'vitest';
import { planMerge, type MergePlan, type MergeSide } from '../../edge/engine/merge-plan';
import cases from './cases/merge-plan.json';

const LIMITS = { user: 1, email: 3, phone: 3 };

describe('merge planning', () => {
  it.each(cases as { name: string; a: MergeSide; b: MergeSide; plan: MergePlan }[])('$name', ({ a, b, plan }) => {
    expect(planMerge(a, b, LIMITS)).toEqual(plan);
  });
});
