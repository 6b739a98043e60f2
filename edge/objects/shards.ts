import { fnv1a32 } from '../engine/hash';

/**
 * What the sharded counter objects (experiment counts, attribution credits) share: how many
 * shards, which one a profile writes to, "apply a keyed increment once", and reading all shards.
 */
export const SHARDS = 8;

/** Which shard a profile's increments go to: stable per profile. */
export const shardOf = (profileId: string) => fnv1a32(profileId) % SHARDS;

/**
 * Traffic counters (the overview, saved funnels) take their increments through a queue whose
 * consumer applies up to 100 at once, so one object per site takes at most one write per 100
 * increments — and a report then asks one object, not eight. Raise it for a site whose increments
 * one object cannot apply; reports add up every shard either way.
 */
export const TRAFFIC_SHARDS = 1;

export const trafficShardOf = (profileId: string) => fnv1a32(profileId) % TRAFFIC_SHARDS;

export const SEEN_SCHEMA = 'CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY);';

/** Records `key` and says whether it is new here: a retried increment changes nothing. */
export function firstTime(sql: SqlStorage, key: string): boolean {
  return sql.exec('INSERT OR IGNORE INTO seen (key) VALUES (?)', key).rowsWritten > 0;
}

/** Every shard's answer, read in parallel. */
export async function fromAllShards<T>(read: (shard: number) => Promise<T[]>): Promise<T[]> {
  return (await Promise.all(Array.from({ length: SHARDS }, (_, s) => read(s)))).flat();
}
