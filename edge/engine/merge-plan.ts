/**
 * Merge planning, pure: given two live profiles that an identifier says are one person, which
 * survives, or why they must not merge. No Workers API; the edge gathers the inputs.
 */
export interface MergeSide {
  profileId: string;
  /** Known identifiers (user, email, phone) as `type:value`. */
  identifiers: string[];
  /** Profiles an unmerge separated from this one. */
  refuses: string[];
}

export type IdentifierLimits = Record<'user' | 'email' | 'phone', number>;

/** The limit for an identifier type; custom types (a CRM id) are limited like a user id. */
export function limitFor(limits: IdentifierLimits, type: string): number {
  return type === 'email' || type === 'phone' || type === 'user' ? limits[type] : limits.user;
}

export type MergePlan = { survivor: string; retiring: string } | { refused: string };

/**
 * The smaller profile id survives, always: forwards then only point to smaller ids, so chains
 * cannot loop and two merges racing in opposite directions agree.
 *
 * @example
 * planMerge({ profileId: 'p_b', identifiers: [], refuses: [] }, { profileId: 'p_a', identifiers: [], refuses: [] }, limits)
 * // { survivor: 'p_a', retiring: 'p_b' }
 */
export function planMerge(a: MergeSide, b: MergeSide, limits: IdentifierLimits): MergePlan {
  if (a.profileId === b.profileId) return { refused: 'same profile' };
  if (a.refuses.includes(b.profileId) || b.refuses.includes(a.profileId)) return { refused: 'separated by an unmerge' };
  const perType = new Map<string, number>();
  for (const k of new Set([...a.identifiers, ...b.identifiers])) {
    const type = k.slice(0, k.indexOf(':'));
    perType.set(type, (perType.get(type) ?? 0) + 1);
  }
  for (const [type, n] of perType) {
    const limit = limitFor(limits, type);
    if (n > limit) return { refused: `${type}: ${n} would exceed the limit of ${limit}` };
  }
  const [survivor, retiring] = byAge(a.profileId, b.profileId);
  return { survivor, retiring };
}

/** [survivor, retiring] of two profile ids: the smaller survives. */
export function byAge(a: string, b: string): [string, string] {
  return a < b ? [a, b] : [b, a];
}
