/**
 * Which messages of one Segment request belong to one person, pure: messages that share an
 * anonymous id or a user id are one person's, and are applied one after another in the order they
 * were sent (an identify earlier in a batch is in effect for the messages after it); different
 * people are independent and may be applied side by side.
 */

/** What grouping needs of a message: who it names. */
export interface Named {
  /** The anonymous id the message carries; absent for a userId-only (server-side) message. */
  anonymousId?: string;
  userId?: string;
}

/**
 * The messages grouped by person, each group in request order; groups ordered by their first
 * message. Returns indexes into `messages`.
 *
 * @example
 * groupByPerson([{ anonymousId: 'a' }, { anonymousId: 'a', userId: 'u' }, { userId: 'u' }, { anonymousId: 'b' }])
 * // [[0, 1, 2], [3]]
 */
export function groupByPerson(messages: readonly Named[]): number[][] {
  const parent = new Map<string, string>();
  const find = (k: string): string => {
    let root = k;
    while (parent.get(root) !== root) root = parent.get(root)!;
    return root;
  };
  const keysOf = (m: Named) => [...(m.anonymousId ? [`a:${m.anonymousId}`] : []), ...(m.userId ? [`u:${m.userId}`] : [])];
  for (const m of messages) {
    const keys = keysOf(m);
    for (const k of keys) if (!parent.has(k)) parent.set(k, k);
    for (const k of keys.slice(1)) parent.set(find(k), find(keys[0]!));
  }
  const groups = new Map<string, number[]>();
  messages.forEach((m, i) => {
    const key = keysOf(m)[0];
    const root = key ? find(key) : `#${i}`; // a message naming nobody is its own (the schema refuses those)
    groups.set(root, [...(groups.get(root) ?? []), i]);
  });
  return [...groups.values()];
}

/**
 * Consecutive runs of one person's messages that start from the same place: the same anonymous
 * id, or (userId-only messages) the same user id. Each run is ingested as one batch.
 */
export function runsOf<T extends Named>(messages: readonly T[]): T[][] {
  const runs: T[][] = [];
  const startOf = (m: Named) => (m.anonymousId ? `a:${m.anonymousId}` : `u:${m.userId}`);
  for (const m of messages) {
    const last = runs[runs.length - 1];
    if (last && startOf(last[0]!) === startOf(m)) last.push(m);
    else runs.push([m]);
  }
  return runs;
}
