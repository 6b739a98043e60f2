import * as z from 'zod';

/**
 * Audience rules: trees of all / any / not over conditions on the decision context and the profile.
 * One schema validates rules on save (errors name the path of the bad node, e.g.
 * `rule.all[1].any[0].op`) and types the engine's input.
 */
export const Operator = z.enum(['eq', 'neq', 'in', 'contains', 'starts_with', 'gt', 'gte', 'lt', 'lte', 'exists', 'between']);
/** A field condition's operator. The engine (edge/engine/rules.ts) and the dashboard's labels are typed against it. */
export type Operator = z.infer<typeof Operator>;

const Scalar = z.union([z.string().max(1000), z.number().finite(), z.boolean()]);

/** A field of the context (`geo.country`, `utm.source`, `traits.plan`, `device`) compared with a value. */
export const FieldCondition = z
  .object({
    field: z.string().regex(/^[a-zA-Z_][\w-]*(\.[\w:-]+)*$/, 'must be a dotted field path such as traits.plan').max(200),
    op: Operator,
    value: z.union([Scalar, z.array(Scalar).max(500)]).optional(),
  })
  .superRefine((c, ctx) => {
    const needsList = c.op === 'in' || c.op === 'between';
    if (c.op === 'exists') return;
    if (c.value === undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: `op "${c.op}" needs a value` });
    else if (needsList !== Array.isArray(c.value)) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: needsList ? `op "${c.op}" needs a list` : `op "${c.op}" needs a single value` });
    } else if (c.op === 'between' && (c.value as unknown[]).length !== 2) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'op "between" needs [low, high]' });
    }
  });

/** "Event X at least N times in the last D days." */
export const EventCondition = z.object({
  event: z.string().min(1).max(200),
  atLeast: z.number().int().min(1).max(1_000_000).default(1),
  withinDays: z.number().int().min(1).max(3650).default(30),
});

/** "Signal S in this session." */
export const SignalCondition = z.object({ signal: z.string().min(1).max(200) });

/** "Last seen within D days" (before this visit). */
export const RecencyCondition = z.object({ lastSeenWithinDays: z.number().int().min(0).max(3650) });

/** How a group combines its children: every one, or at least one, must match. */
export type Combinator = 'all' | 'any'; // the rule keyword "any", not TypeScript's any type

export type Rule =
  | { all: Rule[] }
  | { any: Rule[] } // the rule keyword any, not TypeScript's any
  | { not: Rule }
  | z.infer<typeof FieldCondition>
  | z.infer<typeof EventCondition>
  | z.infer<typeof SignalCondition>
  | z.infer<typeof RecencyCondition>;

const MAX_CHILDREN = 50;
const MAX_DEPTH = 12;

const LEAVES: [string, z.ZodType][] = [
  ['field', FieldCondition],
  ['event', EventCondition.strict()],
  ['signal', SignalCondition.strict()],
  ['lastSeenWithinDays', RecencyCondition.strict()],
];

/**
 * Validates a rule tree, dispatching on its keys so an error names the exact bad node
 * (`rule.all[1].not.op: …`) instead of "no branch of a union matched".
 */
export function parseRule(value: unknown, path = 'rule', depth = 0): { rule: Rule } | { error: string } {
  if (depth > MAX_DEPTH) return { error: `${path}: nested deeper than ${MAX_DEPTH} levels` };
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { error: `${path}: must be an object` };
  const node = value as Record<string, unknown>;
  for (const group of ['all', 'any'] as const) { // rule keywords, not TypeScript's any
    if (!(group in node)) continue;
    const kids = node[group];
    if (Object.keys(node).length !== 1) return { error: `${path}: "${group}" must be the node's only key` };
    if (!Array.isArray(kids) || kids.length === 0 || kids.length > MAX_CHILDREN) {
      return { error: `${path}.${group}: must be a list of 1 to ${MAX_CHILDREN} rules` };
    }
    const rules: Rule[] = [];
    for (let i = 0; i < kids.length; i++) {
      const r = parseRule(kids[i], `${path}.${group}[${i}]`, depth + 1);
      if ('error' in r) return r;
      rules.push(r.rule);
    }
    return { rule: group === 'all' ? { all: rules } : { any: rules } }; // rule keywords, not TypeScript's any
  }
  if ('not' in node) {
    if (Object.keys(node).length !== 1) return { error: `${path}: "not" must be the node's only key` };
    const r = parseRule(node.not, `${path}.not`, depth + 1);
    return 'error' in r ? r : { rule: { not: r.rule } };
  }
  for (const [key, schema] of LEAVES) {
    if (!(key in node)) continue;
    const r = schema.safeParse(node);
    if (r.success) return { rule: r.data as Rule };
    const issue = r.error.issues[0]!;
    return { error: `${[path, ...issue.path.map(String)].join('.')}: ${issue.message}` };
  }
  return { error: `${path}: unknown rule: expected all, any, not, field, event, signal or lastSeenWithinDays` };
}

/** The schema form, for bodies that embed a rule; yields the rule with its defaults filled in. */
export const Rule = z.unknown().transform((value, ctx): Rule => {
  const r = parseRule(value, '');
  if ('rule' in r) return r.rule;
  ctx.addIssue({ code: 'custom', message: r.error.replace(/^[.:\s]+/, '') });
  return z.NEVER;
});

export const AudienceInput = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be 1-63 lower-case letters, digits, "-" or "_"').optional(),
  name: z.string().min(1).max(200),
  description: z.string().max(2000).default(''),
  rule: Rule,
});

export const AudiencePatch = AudienceInput.omit({ id: true }).partial().extend({ description: z.string().max(2000).optional() });

export type AudienceInput = z.infer<typeof AudienceInput>;
export interface Audience extends Omit<AudienceInput, 'id'> {
  id: string;
  createdAt: number;
  updatedAt: number;
}
