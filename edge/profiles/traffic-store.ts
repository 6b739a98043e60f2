/**
 * Traffic counting inside the profile. The events stored since the last count are routed into the
 * person's recent visits (edge/measure/visits.ts) and each visit's change since it was last sent
 * becomes one increment in the outbox, in one transaction with moving the cursor — a few seconds
 * after the events arrive (the object's alarm), so a burst of events costs one increment, not one
 * each, and no request waits on it. A visitor counted on a day carries the day they were last
 * counted before (`prev`), from `traffic_seen`, so a range's distinct visitors are the counts whose
 * `prev` falls before the range: exact, from sums alone.
 */
import type { StoredEvent } from '../../protocol/events';
import { dayOf, hourOf, splitCell, visitDelta, type CellGroup, type CellKey, type Visit } from '../measure/traffic';
import { KEEP_VISITS, track, VISIT_GAP_MS, type Tracked, type VisitEvent, type VisitFacts, type VisitSettings } from '../measure/visits';
import { valueOf } from './measure-store';
import type { MetaStore } from './meta-store';

export type { VisitFacts } from '../measure/visits';

/** One visit's change to the traffic counters; `key` makes a retry count once. */
export interface TrafficIncrement {
  kind: 'traffic';
  key: string;
  profile: string;
  day: string;
  hour: string;
  /** The cells' changes, a few groups of rows each changed alike in several filters. */
  groups: CellGroup[];
  /** [filter, row, prev day ('' for never), ±1]: distinct visitors of the day. */
  visitors: [string, string, string, number][];
  /** [filter, ±1]: distinct visitors of the hour (totals rows). */
  hourVisitors: [string, number][];
  /** The visit's latest event: who is on the site now ("current visitors"). */
  last: number;
}

type Seen = { day: string; prev_day: string; day_visit: number; hour: string; prev_hour: string; hour_visit: number };
type SeenRow = Seen & { cell: string };
const NEVER: Seen = { day: '', prev_day: '', day_visit: 0, hour: '', prev_hour: '', hour_visit: 0 };

function readState(meta: MetaStore): Tracked[] {
  const raw = meta.get('trafficVisits');
  return raw ? (JSON.parse(raw) as Tracked[]) : [];
}

/** An event as traffic counting reads it: the request's geo and device travel in a page view's context. */
export function visitEvent(e: StoredEvent): VisitEvent {
  const c = e.context ?? {};
  return {
    id: e.id, type: e.type, name: e.name, ts: e.ts, path: e.path, url: e.url, referrer: e.referrer, props: e.props,
    facts: { country: c.country, region: c.region, device: c.device, browser: c.browser, os: c.os }, value: valueOf(e),
  };
}

/** Routes events (in time order) into the person's visits and queues what changed. Runs in the caller's transaction. */
export function countTraffic(
  sql: SqlStorage, meta: MetaStore, profileId: string, events: readonly StoredEvent[], settings: VisitSettings,
  enqueue: (item: TrafficIncrement) => void,
): void {
  const state = readState(meta);
  const before = JSON.stringify(state);
  const settled: Tracked[] = [];
  for (const e of events) settled.push(...track(state, visitEvent(e), settings));
  for (const t of [...settled, ...state]) send(sql, profileId, t, enqueue);
  const after = JSON.stringify(state);
  if (after !== before) meta.set('trafficVisits', after);
}

/** Queues the visit's change since it was last sent. A visit whose start moved to another hour is taken back there and added here. */
function send(sql: SqlStorage, profileId: string, t: Tracked, enqueue: (item: TrafficIncrement) => void): void {
  if (t.sent && JSON.stringify(t.sent) === JSON.stringify(t.visit)) return;
  const moved = t.sent && hourOf(t.sent.start) !== hourOf(t.visit.start);
  const key = `traffic:${profileId}:${t.id}:${t.seq}`;
  if (moved) increment(sql, profileId, `${key}:moved`, t.sent, null, t.sent!.start, t.visit.last, enqueue);
  increment(sql, profileId, key, moved ? null : t.sent, t.visit, t.visit.start, t.visit.last, enqueue);
  t.sent = t.visit;
  t.seq++;
}

function increment(
  sql: SqlStorage, profileId: string, key: string, before: Visit | null, after: Visit | null, start: number, last: number,
  enqueue: (item: TrafficIncrement) => void,
): void {
  const delta = visitDelta(before, after);
  const day = dayOf(start);
  const hour = hourOf(start);
  const inc: TrafficIncrement = { kind: 'traffic', key, profile: profileId, day, hour, groups: delta.groups, visitors: [], hourVisitors: [], last };
  // Where the person was last counted, for every cell the visit entered or left: one read, one write.
  const seen = seenMany(sql, [...delta.entered, ...delta.left]);
  const changed: SeenRow[] = [];
  for (const k of delta.entered) {
    const next = entered(k, seen.get(k), start, day, hour, inc);
    if (next) changed.push(next);
  }
  for (const k of delta.left) {
    const next = left(k, seen.get(k), start, inc);
    if (next) changed.push(next);
  }
  saveMany(sql, changed);
  if (inc.groups.length || inc.visitors.length || inc.hourVisitors.length) enqueue(inc);
}

function seenMany(sql: SqlStorage, keys: readonly string[]): Map<string, SeenRow> {
  if (keys.length === 0) return new Map();
  const rows = sql.exec<SeenRow>('SELECT * FROM traffic_seen WHERE cell IN (SELECT value FROM json_each(?))', JSON.stringify(keys)).toArray();
  return new Map(rows.map((r) => [r.cell, r]));
}

function saveMany(sql: SqlStorage, rows: readonly SeenRow[]): void {
  if (rows.length === 0) return;
  sql.exec(
    `INSERT OR REPLACE INTO traffic_seen (cell, day, prev_day, day_visit, hour, prev_hour, hour_visit)
     SELECT value ->> '$.cell', value ->> '$.day', value ->> '$.prev_day', value ->> '$.day_visit', value ->> '$.hour', value ->> '$.prev_hour', value ->> '$.hour_visit'
     FROM json_each(?)`,
    JSON.stringify(rows),
  );
}

/** The visit entered a cell: the person is a new visitor there unless counted there today (this hour) already. */
function entered(k: CellKey, s: Seen = NEVER, visit: number, day: string, hour: string, inc: TrafficIncrement): SeenRow | null {
  const [f, r] = splitCell(k);
  const next: SeenRow = { ...s, cell: k };
  if (s.day !== day) {
    inc.visitors.push([f, r, s.day, 1]);
    Object.assign(next, { day, prev_day: s.day, day_visit: visit });
  }
  if (r === '' && s.hour !== hour) {
    inc.hourVisitors.push([f, 1]);
    Object.assign(next, { hour, prev_hour: s.hour, hour_visit: visit });
  }
  return next.day !== s.day || next.hour !== s.hour ? next : null;
}

/** The visit left a cell (its exit page moved on, or it moved hours): when this visit counted the person there, that count is taken back. */
function left(k: CellKey, s: Seen | undefined, visit: number, inc: TrafficIncrement): SeenRow | null {
  if (!s) return null;
  const [f, r] = splitCell(k);
  const next: SeenRow = { ...s, cell: k };
  if (s.day_visit === visit) {
    inc.visitors.push([f, r, s.prev_day, -1]);
    Object.assign(next, { day: s.prev_day, prev_day: '', day_visit: 0 });
  }
  if (r === '' && s.hour_visit === visit) {
    inc.hourVisitors.push([f, -1]);
    Object.assign(next, { hour: s.prev_hour, prev_hour: '', hour_visit: 0 });
  }
  return next;
}

export interface TrafficData {
  visits: Tracked[];
  seen: SeenRow[];
}

export function exportTraffic(sql: SqlStorage, meta: MetaStore): TrafficData {
  return { visits: readState(meta), seen: sql.exec<SeenRow>('SELECT * FROM traffic_seen').toArray() };
}

/**
 * A merge, on the survivor: from now on the two are one visitor — each cell keeps the later day
 * (and hour) either counted them. Days before the merge keep both counts. Visits still open on the
 * other profile carry on here when the survivor has none open, so they are not counted twice.
 */
export function absorbTraffic(sql: SqlStorage, meta: MetaStore, data: TrafficData | undefined, now: number): void {
  if (!data) return;
  const mine = seenMany(sql, data.seen.map((o) => o.cell));
  const changed: SeenRow[] = [];
  for (const o of data.seen) {
    const m = mine.get(o.cell);
    if (!m) changed.push(o);
    else {
      const day = o.day > m.day ? { day: o.day, prev_day: o.prev_day, day_visit: o.day_visit } : {};
      const hour = o.hour > m.hour ? { hour: o.hour, prev_hour: o.prev_hour, hour_visit: o.hour_visit } : {};
      if (Object.keys(day).length || Object.keys(hour).length) changed.push({ ...m, ...day, ...hour });
    }
  }
  saveMany(sql, changed);
  const open = (t: Tracked) => now - t.visit.last <= VISIT_GAP_MS;
  const state = readState(meta);
  const theirs = (data.visits ?? []).filter((t) => open(t) && t.sent);
  if (theirs.length && !state.some(open)) meta.set('trafficVisits', JSON.stringify([...state, ...theirs].sort((a, b) => a.visit.start - b.visit.start).slice(-KEEP_VISITS)));
}
