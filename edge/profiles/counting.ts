/**
 * The profile's counting for the site's reports — traffic (traffic-store.ts) and saved funnels
 * (funnel-store.ts) — done for the events stored since the last count, a few seconds after they
 * arrive (the object's alarm) rather than per event: a burst of events costs one increment per
 * visit and funnel. Events to count are listed in `uncounted` as they are stored; events a merge
 * or an unmerge brings in were counted by the profile they came from, so they are never listed.
 */
import type { StoredEvent } from '../../protocol/events';
import type { VisitSettings } from '../measure/visits';
import { toStoredEvent, type EventRow } from './event-store';
import { absorbFunnels, countFunnels, exportFunnels, type FunnelData, type FunnelSpec } from './funnel-store';
import { enqueue } from './measure-store';
import type { MetaStore } from './meta-store';
import type { ProfileStores } from './stores';
import { absorbTraffic, countTraffic, exportTraffic, type TrafficData } from './traffic-store';

/** What counting needs of the site; the profile keeps the latest, since its alarm has no request to read it from. */
export interface CountingSettings extends VisitSettings {
  funnels: FunnelSpec[];
}

const NONE: CountingSettings = { goals: [], siteHosts: [], funnels: [] };

/** How long after an event its counting waits, for more of the burst to arrive (TRAFFIC_COUNT_SECONDS overrides, for tests). */
export const COUNT_AFTER_MS = 5_000;

/**
 * After a batch is stored: new events are counted when the object's alarm comes, COUNT_AFTER_MS
 * on (or sooner, if it is due sooner); a batch that stored nothing new only makes sure the daily
 * alarm (`daily`) is set.
 */
export async function scheduleCount(storage: DurableObjectStorage, env: { TRAFFIC_COUNT_SECONDS?: string }, stored: boolean, daily: number): Promise<void> {
  const at = await storage.getAlarm();
  const countAt = Date.now() + (env.TRAFFIC_COUNT_SECONDS ? Number(env.TRAFFIC_COUNT_SECONDS) * 1000 : COUNT_AFTER_MS);
  if (stored ? at === null || at > countAt : at === null) await storage.setAlarm(stored ? countAt : daily);
}

export function countingSettings(meta: MetaStore): CountingSettings {
  const raw = meta.get('counting');
  return raw ? (JSON.parse(raw) as CountingSettings) : NONE;
}

/** Remembers the site's settings when they changed (one read otherwise). */
export function rememberCounting(meta: MetaStore, settings: CountingSettings): void {
  const json = JSON.stringify(settings);
  if ((meta.get('counting') ?? '') !== json) meta.set('counting', json);
}

/** Marks a newly stored event for the next count. */
export function markUncounted(sql: SqlStorage, id: string): void {
  sql.exec('INSERT OR IGNORE INTO uncounted (id) VALUES (?)', id);
}

export function hasUncounted(sql: SqlStorage): boolean {
  return sql.exec('SELECT 1 FROM uncounted LIMIT 1').toArray().length > 0;
}

/** Counts the events stored since the last count, in time order, and queues the increments. Runs in the caller's transaction. */
export function countPending(s: ProfileStores): number {
  const profileId = s.meta.get('profileId');
  const rows = s.sql
    .exec<EventRow>('SELECT e.* FROM events e JOIN uncounted u ON u.id = e.id ORDER BY e.ts, e.received_at, e.id')
    .toArray();
  s.sql.exec('DELETE FROM uncounted');
  if (!profileId || rows.length === 0) return 0;
  const events: StoredEvent[] = rows.map(toStoredEvent);
  const settings = countingSettings(s.meta);
  countTraffic(s.sql, s.meta, profileId, events, settings, (i) => enqueue(s.sql, i));
  countFunnels(s.sql, s.events, profileId, events, settings.funnels, (i) => enqueue(s.sql, i));
  return events.length;
}

/** What a merge hands over of the counting: where the person was counted, their visits, their funnels' progress. */
export interface CountingData {
  traffic: TrafficData;
  funnels: FunnelData;
}

export function exportCounting(s: ProfileStores): CountingData {
  return { traffic: exportTraffic(s.sql, s.meta), funnels: exportFunnels(s.sql, countingSettings(s.meta).funnels) };
}

/** A merge, on the survivor (after the other profile's events are in): one visitor from now on, each funnel counted once. */
export function absorbCounting(s: ProfileStores, from: string, data: CountingData | undefined, now: number): void {
  if (!data) return;
  const profileId = s.meta.get('profileId');
  absorbTraffic(s.sql, s.meta, data.traffic, now);
  if (!profileId) return;
  const settings = countingSettings(s.meta);
  const funnels = absorbFunnels(s.sql, s.events, profileId, from, data.funnels, settings.funnels, (i) => enqueue(s.sql, i));
  rememberCounting(s.meta, { ...settings, funnels });
}
