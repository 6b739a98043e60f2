import { describe, expect, it } from 'vitest';
import { Operator, type Rule } from '../../protocol/audience';
import { COMPARE, matches, type RuleContext } from '../../edge/engine/rules';
import { OPERATOR_LABELS, OPERATORS } from '../../dashboard/rules';
import table from './cases/rules.json';

// The compiler already refuses an operator without an engine implementation or a dashboard label
// (both are Record<Operator, …>); these check the same at run time, and that no stale extra is left.
describe('audience operators: one list, the protocol enum', () => {
  it('every operator has an engine implementation, and the engine implements no other', () => {
    expect(Object.keys(COMPARE).sort()).toEqual([...Operator.options].sort());
    for (const op of Operator.options) expect(typeof COMPARE[op], op).toBe('function');
  });

  it('every operator has one distinct, non-empty dashboard label, and the builder lists exactly those', () => {
    expect(Object.keys(OPERATOR_LABELS).sort()).toEqual([...Operator.options].sort());
    const labels = Object.values(OPERATOR_LABELS);
    for (const label of labels) expect(label.trim()).not.toBe('');
    expect(new Set(labels).size).toBe(labels.length);
    expect(OPERATORS).toEqual(Object.entries(OPERATOR_LABELS));
  });

  it('every operator is exercised by the evaluation table', () => {
    const used = new Set(JSON.stringify(table.cases).match(/"op":"[a-z_]+"/g)?.map((m) => m.slice(6, -1)));
    for (const op of Operator.options) expect(used.has(op), op).toBe(true);
  });

  it('a name the table inherits from Object.prototype is an unknown operator (false), not a call', () => {
    const ctx = table.context as RuleContext;
    for (const op of ['toString', 'constructor', 'hasOwnProperty', '__proto__']) {
      expect(matches({ field: 'device', op, value: 'x' } as unknown as Rule, ctx), op).toBe(false);
      expect(matches({ not: { field: 'device', op, value: 'x' } } as unknown as Rule, ctx), op).toBe(true);
    }
  });
});
