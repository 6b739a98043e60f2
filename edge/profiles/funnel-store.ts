/**
 * Saved funnels inside the profile: when a new event matches a step of a saved funnel, the
 * person's progress is worked out again over their events since the funnel was saved (the same
 * `funnelProgress` the ad hoc funnel runs), and only the change leaves — their old contribution
 * taken back and the new one added — so the shards' counts stay exact as progress moves.
 */
import type { StoredEvent } from '../../protocol/events';
import { funnelProgress, matchesStep, type FunnelStep } from '../measure/funnel';
import { dayOf } from '../measure/traffic';
import type { EventStore } from './event-store';

/** A saved funnel as the profile counts it. */
export interface FunnelSpec {
  id: string;
  steps: FunnelStep[];
  windowMs: number;
  /** When it was saved: earlier events do not count. */
  since: number;
}

/** What one person adds to a funnel: on the day they entered it, how many steps they reached, the time each step took. */
export interface FunnelContribution {
  day: string;
  reached: number;
  gaps: number[];
}

/** One change to a funnel's counts; `key` makes a retry count once. */
export interface FunnelIncrement {
  kind: 'funnel';
  key: string;
  profile: string;
  funnel: string;
  remove: FunnelContribution | null;
  add: FunnelContribution | null;
}

function contributionOf(progress: readonly number[]): FunnelContribution | null {
  if (progress.length === 0) return null;
  return { day: dayOf(progress[0]!), reached: progress.length, gaps: progress.slice(1).map((t, i) => t - progress[i]!) };
}

const same = (a: FunnelContribution | null, b: FunnelContribution | null) => JSON.stringify(a) === JSON.stringify(b);

function stored(sql: SqlStorage, funnel: string): FunnelContribution | null {
  const row = sql.exec<{ state: string }>('SELECT state FROM funnel_progress WHERE funnel = ?', funnel).toArray()[0];
  return row ? (JSON.parse(row.state) as FunnelContribution | null) : null;
}

/** Works the person's progress out again and queues the change, if any. */
function recount(sql: SqlStorage, events: EventStore, profileId: string, f: FunnelSpec, key: string, enqueue: (i: FunnelIncrement) => void): void {
  const before = stored(sql, f.id);
  const after = contributionOf(funnelProgress(f.steps, events.steps(f.since, Number.MAX_SAFE_INTEGER), f.windowMs));
  if (same(before, after)) return;
  sql.exec('INSERT OR REPLACE INTO funnel_progress (funnel, state) VALUES (?, ?)', f.id, JSON.stringify(after));
  enqueue({ kind: 'funnel', key, profile: profileId, funnel: f.id, remove: before, add: after });
}

/** Newly stored events (one count's worth): every saved funnel with a step one of them matches is counted again for this person. */
export function countFunnels(
  sql: SqlStorage, events: EventStore, profileId: string, fresh: readonly StoredEvent[], funnels: readonly FunnelSpec[], enqueue: (i: FunnelIncrement) => void,
): void {
  if (fresh.length === 0) return;
  for (const f of funnels) {
    if (!fresh.some((e) => e.ts >= f.since && f.steps.some((s) => matchesStep(s, e)))) continue;
    // Each event is counted once, so the first of this count names it.
    recount(sql, events, profileId, f, `funnel:${profileId}:${f.id}:${fresh[0]!.id}`, enqueue);
  }
}

/** What a merge hands over: the retiring profile's progress and the saved funnels it knew. */
export interface FunnelData {
  progress: { funnel: string; state: string }[];
  specs: FunnelSpec[];
}

export const exportFunnels = (sql: SqlStorage, specs: FunnelSpec[]): FunnelData => ({
  progress: sql.exec<{ funnel: string; state: string }>('SELECT funnel, state FROM funnel_progress').toArray(),
  specs,
});

/**
 * A merge, on the survivor: the person is counted once. What the retiring profile had added is
 * taken back, and the survivor's progress worked out over both profiles' events.
 */
export function absorbFunnels(
  sql: SqlStorage, events: EventStore, survivor: string, from: string, data: FunnelData | undefined, known: readonly FunnelSpec[],
  enqueue: (i: FunnelIncrement) => void,
): FunnelSpec[] {
  if (!data) return [...known];
  // Saved funnels are never edited, only added and deleted: the union of what either knew.
  const specs = new Map(known.map((f) => [f.id, f]));
  for (const f of data.specs) if (!specs.has(f.id)) specs.set(f.id, f);
  for (const row of data.progress) {
    const theirs = JSON.parse(row.state) as FunnelContribution | null;
    if (theirs) enqueue({ kind: 'funnel', key: `funnel-retract:${from}:${row.funnel}`, profile: from, funnel: row.funnel, remove: theirs, add: null });
  }
  for (const f of specs.values()) recount(sql, events, survivor, f, `funnel:${survivor}:${f.id}:merge:${from}`, enqueue);
  return [...specs.values()];
}
