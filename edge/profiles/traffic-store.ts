/**
 * Traffic counting inside the profile: the person's current visit, and for every cell of the
 * overview (edge/measure/traffic.ts) the day and hour it last counted them as a visitor. Each new
 * event is turned, in the event's own transaction, into one increment of what it changed; the
 * outbox carries it to the site's traffic shards. A visitor counted on a day carries the day they
 * were last counted before (`prev`), so a range's distinct visitors is the sum of the counts whose
 * `prev` falls before the range: exact, from sums alone.
 */
import type { StoredEvent } from '../../protocol/events';
import { classifyTouch } from '../measure/channels';
import { dayOf, hourOf, splitCell, visitDelta, type CellGroup, type CellKey, type Visit, type VisitDimension } from '../measure/traffic';
import { SESSION_GAP_MS } from './session-store';
import { valueOf } from './measure-store';
import type { MetaStore } from './meta-store';

/** What the edge knows about the browser's request, for the visit it starts (never the address). */
export type VisitFacts = Partial<Record<'country' | 'region' | 'device' | 'browser' | 'os', string>>;

/** What the profile needs of the site to count traffic. */
export interface TrafficSettings {
  /** Event names that are conversions. */
  goals: readonly string[];
  /** The site's own hosts: a referrer from one of them is navigation, not a source. */
  siteHosts: readonly string[];
}

/** One event's change to the traffic counters; `key` makes a retry count once. */
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
}

/** Events that are the visitor doing something (a visit with one of these is no bounce). Automatic ones are not. */
const NOT_INTERACTION: ReadonlySet<string> = new Set(['$exposure', 'repeat_view']);

type Seen = {
  day: string;
  prev_day: string;
  day_visit: number;
  hour: string;
  prev_hour: string;
  hour_visit: number;
};

function readVisit(meta: MetaStore): Visit | null {
  const raw = meta.get('trafficVisit');
  return raw ? (JSON.parse(raw) as Visit) : null;
}

/** The visit a page view starts: where it entered, from where, on what. */
function startVisit(e: StoredEvent, path: string, facts: VisitFacts, settings: TrafficSettings): Visit {
  const touch = classifyTouch({ url: e.url, referrer: e.referrer, params: e.props, siteHosts: settings.siteHosts });
  const dims: Visit['dims'] = { entryPages: path, channels: touch.channel };
  if (touch.medium !== '(none)' && e.referrer) {
    try {
      const host = new URL(e.referrer).hostname.replace(/^www\./, '');
      if (host && !settings.siteHosts.includes(host)) dims.referrers = host;
    } catch {
      /* no usable referrer */
    }
  }
  if (touch.campaign) dims.campaigns = touch.campaign;
  for (const [k, d] of [['country', 'countries'], ['region', 'regions'], ['device', 'devices'], ['browser', 'browsers'], ['os', 'os']] as const) {
    if (facts[k]) dims[d as VisitDimension] = facts[k];
  }
  return { start: e.ts, last: e.ts, dims, pages: { [path]: 1 }, exit: path, pageviews: 1, interacted: false, goals: [], revenue: 0 };
}

/** The visit after `e`, and whether `e` started it; null when `e` is not part of any visit. */
function advance(before: Visit | null, e: StoredEvent, facts: VisitFacts, settings: TrafficSettings): { after: Visit; started: boolean } | null {
  const open = before && e.ts - before.last <= SESSION_GAP_MS ? before : null;
  if (e.type === 'page') {
    const path = e.path ?? '/';
    if (!open) return { after: startVisit(e, path, facts, settings), started: true };
    const pages = { ...open.pages, [path]: (open.pages[path] ?? 0) + 1 };
    return { after: { ...open, pages, exit: path, pageviews: open.pageviews + 1, last: Math.max(open.last, e.ts) }, started: false };
  }
  if (!open || !e.name || (e.type !== 'track' && e.type !== 'signal') || NOT_INTERACTION.has(e.name)) return null;
  const goal = settings.goals.includes(e.name);
  return {
    after: {
      ...open,
      last: Math.max(open.last, e.ts),
      interacted: true,
      goals: goal ? [...open.goals, e.name] : open.goals,
      revenue: goal ? open.revenue + valueOf(e) : open.revenue,
    },
    started: false,
  };
}

/**
 * Counts one newly stored event: updates the visit and queues what it changed. Bots start no
 * visit. An event more than 30 minutes after the visit's last one, that is not a page view,
 * belongs to no visit (a server's late conversion still counts for experiments and attribution).
 */
export function countTraffic(
  sql: SqlStorage, meta: MetaStore, profileId: string, e: StoredEvent, facts: VisitFacts, settings: TrafficSettings,
  enqueue: (item: TrafficIncrement) => void,
): void {
  if (facts.device === 'bot') return;
  const before = readVisit(meta);
  const next = advance(before, e, facts, settings);
  if (!next) return;
  const { after, started } = next;
  meta.set('trafficVisit', JSON.stringify(after));
  const delta = visitDelta(started ? null : before, after);
  const day = dayOf(after.start);
  const hour = hourOf(after.start);
  const inc: TrafficIncrement = { kind: 'traffic', key: `traffic:${profileId}:${e.id}`, profile: profileId, day, hour, groups: delta.groups, visitors: [], hourVisitors: [] };
  // Where the person was last counted, for every cell the event entered or left: one read, one write.
  const seen = seenMany(sql, [...delta.entered, ...delta.left]);
  const changed: SeenRow[] = [];
  for (const k of delta.entered) {
    const next = entered(k, seen.get(k), after.start, day, hour, inc);
    if (next) changed.push(next);
  }
  for (const k of delta.left) {
    const next = left(k, seen.get(k), after.start, inc);
    if (next) changed.push(next);
  }
  saveMany(sql, changed);
  if (inc.groups.length || inc.visitors.length || inc.hourVisitors.length) enqueue(inc);
}

type SeenRow = Seen & { cell: string };
const NEVER: Seen = { day: '', prev_day: '', day_visit: 0, hour: '', prev_hour: '', hour_visit: 0 };

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

/** The visit left a cell (its exit page moved on): when this visit counted the person there, that count is taken back. */
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
  visit: Visit | null;
  seen: SeenRow[];
}

export function exportTraffic(sql: SqlStorage, meta: MetaStore): TrafficData {
  return { visit: readVisit(meta), seen: sql.exec<SeenRow>('SELECT * FROM traffic_seen').toArray() };
}

/**
 * A merge, on the survivor: from now on the two are one visitor — each cell keeps the later day
 * (and hour) either counted them. Days before the merge keep both counts. A visit still open on
 * the other profile carries on here when the survivor has none open, so it is not counted twice.
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
  const current = readVisit(meta);
  const theirs = data.visit;
  const open = (v: Visit | null) => !!v && now - v.last <= SESSION_GAP_MS;
  if (theirs && open(theirs) && !open(current)) meta.set('trafficVisit', JSON.stringify(theirs));
}
