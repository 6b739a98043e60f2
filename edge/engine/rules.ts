import type { Operator, Rule } from '../../protocol/audience';

/** What rules are evaluated against: the request's context and the profile, plain data. */
export interface RuleContext {
  /** Nested fields: `geo.country`, `device`, `utm.source`, `traits.plan`, `hour`, `isNew`, … */
  fields: Record<string, unknown>;
  /** Events per name per UTC day (`YYYY-MM-DD`), as the profile keeps them. */
  counts: { name: string; day: string; n: number }[];
  /** Signals seen in the current session. */
  sessionSignals: string[];
  /** When the visitor was last seen before this visit (epoch ms), if ever. */
  lastSeen: number | null;
  now: number;
}

/** Which parts of the profile a rule context reads (each costs the profile a query). */
export interface ContextReads {
  traits: boolean;
  exposures: boolean;
  signals: boolean;
  sessions: boolean;
  lastSeen: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The value at a dotted path; own properties only, so `__proto__` and friends read as missing. */
export function lookup(fields: Record<string, unknown>, path: string): unknown {
  let cur: unknown = fields;
  for (const key of path.split('.')) {
    if (!cur || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

const num = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
};
const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v);

/** Whether `a` and `b` are equal, text case-insensitively. */
const same = (a: unknown, b: unknown) => a === b || (typeof a === 'string' && typeof b === 'string' && lower(a) === lower(b));
/** A numeric comparison: false unless both sides are finite numbers (or numeric text). */
const numeric = (test: (a: number, e: number) => boolean) => (actual: unknown, expected: unknown) => {
  const a = num(actual);
  const e = num(expected);
  return a !== null && e !== null && test(a, e);
};
/** A field's value as a list: a list field matches when one of its items does. */
const items = (actual: unknown): unknown[] => (Array.isArray(actual) ? actual : [actual]);

/**
 * One implementation per operator of the protocol's `Operator`: an operator added to the enum
 * without one here does not compile. Exported for the test that checks the table at run time.
 */
export const COMPARE: Record<Operator, (actual: unknown, expected: unknown) => boolean> = {
  exists: (actual) => actual !== undefined && actual !== null && actual !== '',
  eq: (actual, expected) => items(actual).some((a) => same(a, expected)),
  neq: (actual, expected) => !COMPARE.eq(actual, expected),
  in: (actual, expected) => Array.isArray(expected) && expected.some((e) => COMPARE.eq(actual, e)),
  contains: (actual, expected) =>
    items(actual).some((a) => (typeof a === 'string' ? a.toLowerCase().includes(String(expected).toLowerCase()) : a === expected)),
  starts_with: (actual, expected) => items(actual).some((a) => typeof a === 'string' && a.toLowerCase().startsWith(String(expected).toLowerCase())),
  between: (actual, expected) => {
    const [lo, hi] = Array.isArray(expected) ? expected.map(num) : [null, null];
    const a = num(actual);
    return a !== null && lo != null && hi != null && a >= lo && a <= hi;
  },
  gt: numeric((a, e) => a > e),
  gte: numeric((a, e) => a >= e),
  lt: numeric((a, e) => a < e),
  lte: numeric((a, e) => a <= e),
};

/** An unknown operator (a rule stored before it was validated, a hand-edited one) compares false. */
function compare(op: Operator, actual: unknown, expected: unknown): boolean {
  return Object.prototype.hasOwnProperty.call(COMPARE, op) ? COMPARE[op](actual, expected) : false;
}

/** A condition (a leaf of a rule tree): a field, event, signal or recency condition. */
export type Leaf = Exclude<Rule, { all: Rule[] } | { any: Rule[] } | { not: Rule }>; // the rule keyword any, not TypeScript's any

/**
 * Thrown by a leaf evaluator that cannot answer (edge/engine/digest.ts: a condition the sealed
 * digest does not cover): unlike any other failure it is not read as "false" but ends the walk.
 */
export class Unanswerable extends Error {}

/**
 * Walks a rule tree, asking `leaf` about each condition. Total: a malformed node or a throwing
 * leaf make that node false (and `not` of it true), never an exception on the decision path,
 * except `Unanswerable`, which the caller asked for.
 */
export function matchesVia(rule: Rule, leaf: (l: Leaf) => boolean): boolean {
  try {
    if ('all' in rule) return Array.isArray(rule.all) && rule.all.every((r) => matchesVia(r, leaf));
    if ('any' in rule) return Array.isArray(rule.any) && rule.any.some((r) => matchesVia(r, leaf)); // the rule keyword any, not TypeScript's any
    if ('not' in rule) return !matchesVia(rule.not, leaf);
    return leaf(rule);
  } catch (err) {
    if (err instanceof Unanswerable) throw err;
    return false;
  }
}

/** One condition against the context; an unknown kind of leaf is false. */
export function leafMatches(rule: Leaf, ctx: RuleContext): boolean {
  if ('field' in rule) return compare(rule.op, lookup(ctx.fields, rule.field), rule.value);
  if ('event' in rule) return eventCount(rule.event, rule.withinDays ?? 30, ctx) >= (rule.atLeast ?? 1);
  if ('signal' in rule) return ctx.sessionSignals.includes(rule.signal);
  if ('lastSeenWithinDays' in rule) return ctx.lastSeen !== null && ctx.now - ctx.lastSeen <= rule.lastSeenWithinDays * DAY_MS;
  return false;
}

/** The first UTC day (`YYYY-MM-DD`) an event condition over `withinDays` counts at `now`. */
const windowStart = (now: number, withinDays: number) => new Date(now - (withinDays - 1) * DAY_MS).toISOString().slice(0, 10);

function eventCount(name: string, withinDays: number, ctx: RuleContext): number {
  const since = windowStart(ctx.now, withinDays);
  return ctx.counts.filter((c) => c.name === name && c.day >= since).reduce((sum, c) => sum + c.n, 0);
}

/**
 * Whether the context matches the rule. Total: a malformed node, an unknown operator or a missing
 * field make that node false (and `not` of it true), never an exception on the decision path.
 *
 * @example
 * matches({ all: [{ field: 'geo.country', op: 'in', value: ['CH', 'DE'] }, { event: 'Viewed pricing', atLeast: 2, withinDays: 7 }] }, ctx)
 */
export function matches(rule: Rule, ctx: RuleContext): boolean {
  return matchesVia(rule, (l) => leafMatches(l, ctx));
}

/** Every condition leaf of some rules, depth first (malformed nodes and absurd depths skipped). */
export function leavesOf(rules: readonly Rule[]): Leaf[] {
  const out: Leaf[] = [];
  const walk = (r: Rule, depth: number): void => {
    if (depth > 64 || !r || typeof r !== 'object') return;
    if ('all' in r) (Array.isArray(r.all) ? r.all : []).forEach((x) => walk(x, depth + 1));
    else if ('any' in r) (Array.isArray(r.any) ? r.any : []).forEach((x) => walk(x, depth + 1)); // the rule keyword any, not TypeScript's any
    else if ('not' in r) walk(r.not, depth + 1);
    else out.push(r);
  };
  rules.forEach((r) => walk(r, 0));
  return out;
}

/**
 * The event counts some rules need: which event names, and how many days back. A profile reads
 * only those (an index range), not every name over its whole history. Null: no rule counts events.
 */
export function eventNeeds(rules: readonly Rule[]): { names: string[]; days: number } | null {
  const events = leavesOf(rules).filter((l): l is Extract<Leaf, { event: string }> => 'event' in l && typeof l.event === 'string');
  return events.length ? { names: [...new Set(events.map((e) => e.event))], days: Math.max(...events.map((e) => e.withinDays ?? 30)) } : null;
}
