/**
 * FNV-1a 32-bit over UTF-16 code units, as GrowthBook's SDK does, so bucketing is cheap,
 * synchronous and identical in every runtime.
 */
export function fnv1a32(input: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < input.length; i++) {
    h ^= input.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Bucketing hash version. Bump only with a migration: changing it moves unassigned visitors. */
export const HASH_VERSION = 1;

/**
 * A stable number in [0, 1) for (seed, id). Double hashing (GrowthBook's v2 scheme) removes the
 * correlation a single FNV pass shows between ids that share a prefix.
 *
 * @example
 * bucket('hero-test', 'p_abc') // always the same value, on every release
 */
export function bucket(seed: string, id: string): number {
  return (fnv1a32(String(fnv1a32(`${seed}:${id}`))) % 10_000) / 10_000;
}
