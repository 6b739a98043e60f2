/**
 * The audience rule builder's form ⇄ rule tree, pure (unit tested). The builder edits the common
 * shape — one list of conditions joined by all/any, each optionally negated, covering every leaf
 * and operator the engine has; any other tree (nested groups) is edited as JSON.
 */
import type { Combinator, Operator } from '../protocol/audience';
import { RULE_FIELDS, type RuleField } from '../edge/engine/fields';

/**
 * The builder's label of every operator of the protocol's `Operator`, in the order its select
 * lists them: an operator added to the enum without a label here does not compile.
 */
export const OPERATOR_LABELS: Record<Operator, string> = {
  eq: 'is',
  neq: 'is not',
  in: 'is one of',
  contains: 'contains',
  starts_with: 'starts with',
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
  between: 'between',
  exists: 'is set',
};
/** [operator, label] pairs in the select's order. */
export const OPERATORS = Object.entries(OPERATOR_LABELS) as [Operator, string][];

export const KINDS = [
  ['field', 'Visitor or page field'],
  ['event', 'Did an event'],
  ['signal', 'Signal this session'],
  ['recency', 'Last seen within'],
] as const;
export type Kind = (typeof KINDS)[number][0];

/**
 * The fields a rule can name, for the builder's suggestions (any dotted path works): the rule
 * engine's own list (edge/engine/fields.ts, also served at GET /api/sites/:site/fields), without
 * the `traits.*` wildcard — the audience page adds the trait keys the site has seen.
 */
const CONCRETE: readonly RuleField[] = RULE_FIELDS.filter((f) => !f.field.endsWith('.*'));
export const FIELDS: readonly string[] = CONCRETE.map((f) => f.field);

/** The builder's field suggestions: the engine's fields, then `traits.<key>` for each trait key seen. */
export function fieldSuggestions(traits: readonly string[] = []): { value: string; label: string }[] {
  return [
    ...CONCRETE.map((f) => ({ value: f.field, label: f.label })),
    ...traits.map((t) => ({ value: `traits.${t}`, label: 'trait seen on the site' })),
  ];
}

export const SIGNALS = ['exit_intent', 'rage_click', 'dead_click', 'form_abandon', 'repeat_view'];

export interface Condition {
  kind: Kind;
  not: boolean;
  field: string;
  op: Operator;
  value: string;
  event: string;
  atLeast: string;
  withinDays: string;
  signal: string;
  days: string;
}

export const blankCondition = (): Condition => ({
  kind: 'field', not: false, field: '', op: 'eq', value: '', event: '', atLeast: '1', withinDays: '30', signal: '', days: '7',
});

export const MAX_CONDITIONS = 50;

/** A typed value: numbers and true/false become numbers and booleans unless quoted ("42" stays text). */
export function scalar(text: string): string | number | boolean {
  const t = text.trim();
  if (/^".*"$/.test(t) && t.length >= 2) return t.slice(1, -1);
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  return t;
}

const showScalar = (v: unknown): string =>
  typeof v === 'string' && (v === 'true' || v === 'false' || /^-?\d+(\.\d+)?$/.test(v)) ? `"${v}"` : String(v);

function leaf(c: Condition): Record<string, unknown> {
  switch (c.kind) {
    case 'event':
      return { event: c.event.trim(), atLeast: Number(c.atLeast || 1), withinDays: Number(c.withinDays || 30) };
    case 'signal':
      return { signal: c.signal.trim() };
    case 'recency':
      return { lastSeenWithinDays: Number(c.days || 0) };
    default: {
      if (c.op === 'exists') return { field: c.field.trim(), op: 'exists' };
      const list = c.op === 'in' || c.op === 'between';
      const value = list ? c.value.split(',').map(scalar).filter((v) => v !== '') : scalar(c.value);
      return { field: c.field.trim(), op: c.op, value };
    }
  }
}

/** The rule a builder form describes (the API validates it and names a bad node). */
export function ruleFromConditions(combine: Combinator, conditions: Condition[]): unknown {
  const kids = conditions.map((c) => (c.not ? { not: leaf(c) } : leaf(c)));
  return kids.length === 1 ? kids[0] : { [combine]: kids };
}

/** Whether a condition row was left empty (the builder always shows one blank row to fill in). */
export function isBlank(c: Condition): boolean {
  if (c.kind === 'field') return !c.field.trim();
  if (c.kind === 'event') return !c.event.trim();
  if (c.kind === 'signal') return !c.signal.trim();
  return false;
}

function toCondition(node: Record<string, unknown>, not: boolean): Condition | null {
  const c = { ...blankCondition(), not };
  if ('field' in node) {
    const value = node.value;
    return {
      ...c, kind: 'field', field: String(node.field), op: node.op as Operator,
      value: value === undefined ? '' : Array.isArray(value) ? value.map(showScalar).join(', ') : showScalar(value),
    };
  }
  if ('event' in node) return { ...c, kind: 'event', event: String(node.event), atLeast: String(node.atLeast ?? 1), withinDays: String(node.withinDays ?? 30) };
  if ('signal' in node) return { ...c, kind: 'signal', signal: String(node.signal) };
  if ('lastSeenWithinDays' in node) return { ...c, kind: 'recency', days: String(node.lastSeenWithinDays) };
  return null;
}

/** The builder rows for a rule, or null when the tree is deeper than the builder shows (use JSON). */
export function conditionsFromRule(rule: unknown): { combine: Combinator; conditions: Condition[] } | null {
  const node = rule as Record<string, unknown>;
  const group: Combinator | null = 'all' in node ? 'all' : 'any' in node ? 'any' : null; // rule keywords
  const kids = group ? (node[group] as Record<string, unknown>[]) : [node];
  const conditions: Condition[] = [];
  for (const kid of kids) {
    const negated = 'not' in kid;
    const inner = (negated ? kid.not : kid) as Record<string, unknown>;
    const c = toCondition(inner, negated);
    if (!c) return null;
    conditions.push(c);
  }
  return { combine: group ?? 'all', conditions };
}

/** Reads rows `c0.kind`, `c0.field`, … from a posted form. */
export function conditionsFromForm(form: Record<string, unknown>): Condition[] {
  const out: Condition[] = [];
  const s = (k: string) => (typeof form[k] === 'string' ? (form[k] as string) : '');
  for (let i = 0; i < MAX_CONDITIONS; i++) {
    const p = `c${i}.`;
    if (!(`${p}kind` in form)) continue;
    const kind = (KINDS.some(([k]) => k === s(`${p}kind`)) ? s(`${p}kind`) : 'field') as Kind;
    const op = (OPERATORS.some(([o]) => o === s(`${p}op`)) ? s(`${p}op`) : 'eq') as Operator;
    out.push({
      kind, op, not: form[`${p}not`] === 'on', field: s(`${p}field`), value: s(`${p}value`), event: s(`${p}event`),
      atLeast: s(`${p}atLeast`), withinDays: s(`${p}withinDays`), signal: s(`${p}signal`), days: s(`${p}days`),
    });
  }
  return out;
}
