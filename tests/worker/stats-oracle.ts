/**
 * A brute-force oracle for GET /api/sites/:site/stats: from a scripted list of visits, each
 * labelled with the person it counts as, the answer worked out by plain filtering and counting.
 * It shares no code with the product's traffic counting (edge/measure, edge/profiles/traffic-store,
 * edge/objects/traffic-stats, edge/traffic): a visit's channel, referrer and user-agent facts are
 * written into the script by hand, and everything else is derived here from the visit's events.
 */

/** The breakdowns, spelled out here on purpose (the test checks they match protocol/stats.ts). */
export const DIMENSIONS = [
  'pages', 'entryPages', 'exitPages', 'channels', 'referrers', 'campaigns',
  'countries', 'regions', 'devices', 'browsers', 'os', 'goals',
] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** An event of a visit as the script sends it. */
export interface ScriptEvent {
  ts: number;
  type: 'page' | 'track' | 'signal';
  /** page: the path viewed. */
  path?: string;
  /** track / signal: the event name. */
  name?: string;
  props?: Record<string, string | number>;
}

/** One visit, labelled by hand with what the product should find in it. */
export interface ScriptVisit {
  /** Who it counts as: visits with the same label are one visitor. */
  person: string;
  channel: string;
  /** External referrer host without `www.`; absent for direct, campaign-only or own-site referrers. */
  referrer?: string;
  campaign?: string;
  /** As `request.cf` says; absent without `cf`. */
  country?: string;
  region?: string;
  device: string;
  browser: string;
  os: string;
  /** The visit's page views and events, oldest first (events belonging to no visit are not listed). */
  events: ScriptEvent[];
}

export interface Totals {
  visitors: number;
  visits: number;
  pageviews: number;
  viewsPerVisit: number;
  bounceRate: number;
  avgVisitMs: number;
  conversions: number;
  revenue: number;
}

export interface Row {
  key: string;
  visitors: number;
  visits: number;
  pageviews: number;
  conversions: number;
}

export interface Expected {
  from: string;
  to: string;
  interval: 'hour' | 'day';
  filter: { dimension: Dimension; value: string } | null;
  totals: Totals;
  previous: Totals;
  previousRange: { from: string; to: string };
  series: (Totals & { bucket: string })[];
  breakdowns: Record<Dimension, Row[]>;
}

export interface Query {
  from: string;
  to: string;
  interval: 'hour' | 'day';
  filter?: { dimension: Dimension; value: string } | null;
  limit?: number;
}

const DAY = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const hour = (ms: number) => new Date(ms).toISOString().slice(0, 13);

/** What the numbers need of a visit, read straight off its events. */
interface Digest {
  person: string;
  day: string;
  hour: string;
  keys: Record<Dimension, string[]>;
  views: Map<string, number>;
  pageviews: number;
  bounce: boolean;
  duration: number;
  goals: Set<string>;
  revenue: number;
}

/** Automatic events: not something the visitor did. */
const AUTOMATIC = new Set(['$exposure']);

export function digest(v: ScriptVisit, goals: readonly string[]): Digest {
  const pages = v.events.filter((e) => e.type === 'page');
  if (pages.length === 0 || v.events[0]!.type !== 'page') throw new Error(`oracle: a visit of ${v.person} must start with a page view`);
  const views = new Map<string, number>();
  for (const p of pages) views.set(p.path!, (views.get(p.path!) ?? 0) + 1);
  const actions = v.events.filter((e) => e.type !== 'page' && !AUTOMATIC.has(e.name ?? ''));
  const goalEvents = actions.filter((e) => goals.includes(e.name ?? ''));
  const counted = v.events.filter((e) => e.type === 'page' || !AUTOMATIC.has(e.name ?? ''));
  const start = Math.min(...counted.map((e) => e.ts));
  const last = Math.max(...counted.map((e) => e.ts));
  const money = (e: ScriptEvent) => Number(e.props?.revenue ?? e.props?.value ?? 0);
  const one = (x: string | undefined) => (x ? [x] : []);
  return {
    person: v.person,
    day: day(start),
    hour: hour(start),
    keys: {
      pages: [...views.keys()],
      entryPages: [pages[0]!.path!],
      exitPages: [pages[pages.length - 1]!.path!],
      channels: [v.channel],
      referrers: one(v.referrer),
      campaigns: one(v.campaign),
      countries: one(v.country),
      regions: v.country && v.region ? [`${v.country}: ${v.region}`] : [],
      devices: [v.device],
      browsers: [v.browser],
      os: [v.os],
      goals: [...new Set(goalEvents.map((e) => e.name!))],
    },
    views,
    pageviews: pages.length,
    bounce: pages.length === 1 && actions.length === 0,
    duration: last - start,
    goals: new Set(goalEvents.map((e) => e.name!)),
    revenue: goalEvents.reduce((s, e) => s + money(e), 0),
  };
}

function totalsOf(vs: readonly Digest[]): Totals {
  const visits = vs.length;
  const pageviews = vs.reduce((s, v) => s + v.pageviews, 0);
  const bounces = vs.filter((v) => v.bounce).length;
  const duration = vs.reduce((s, v) => s + v.duration, 0);
  return {
    visitors: new Set(vs.map((v) => v.person)).size,
    visits,
    pageviews,
    viewsPerVisit: visits ? pageviews / visits : 0,
    bounceRate: visits ? bounces / visits : 0,
    avgVisitMs: visits ? duration / visits : 0,
    conversions: vs.filter((v) => v.goals.size > 0).length,
    revenue: Math.round(vs.reduce((s, v) => s + v.revenue, 0) * 100) / 100,
  };
}

function days(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += DAY) out.push(day(t));
  return out;
}

export function previousRangeOf(from: string, to: string): { from: string; to: string } {
  const n = days(from, to).length;
  return { from: day(Date.parse(from) - n * DAY), to: day(Date.parse(from) - DAY) };
}

/** Every bucket of the range, oldest first. */
export function bucketsOf(from: string, to: string, interval: 'hour' | 'day'): string[] {
  return days(from, to).flatMap((d) => (interval === 'day' ? [d] : Array.from({ length: 24 }, (_, h) => `${d}T${String(h).padStart(2, '0')}`)));
}

function breakdown(vs: readonly Digest[], d: Dimension, limit: number): Row[] {
  const keys = [...new Set(vs.flatMap((v) => v.keys[d]))];
  const rows = keys.map((key): Row => {
    const having = vs.filter((v) => v.keys[d].includes(key));
    return {
      key,
      visitors: new Set(having.map((v) => v.person)).size,
      visits: having.length,
      pageviews: having.reduce((s, v) => s + (d === 'pages' ? (v.views.get(key) ?? 0) : v.pageviews), 0),
      conversions: having.filter((v) => (d === 'goals' ? v.goals.has(key) : v.goals.size > 0)).length,
    };
  });
  rows.sort((a, b) => b.visitors - a.visitors || b.visits - a.visits || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return rows.slice(0, limit);
}

/** The whole answer for a query, as the semantics define it. */
export function expected(visits: readonly ScriptVisit[], goals: readonly string[], q: Query): Expected {
  const filter = q.filter ?? null;
  const all = visits.map((v) => digest(v, goals)).filter((v) => !filter || v.keys[filter.dimension].includes(filter.value));
  const within = (from: string, to: string) => all.filter((v) => v.day >= from && v.day <= to);
  const inRange = within(q.from, q.to);
  const prev = previousRangeOf(q.from, q.to);
  return {
    from: q.from,
    to: q.to,
    interval: q.interval,
    filter,
    totals: totalsOf(inRange),
    previous: totalsOf(within(prev.from, prev.to)),
    previousRange: prev,
    series: bucketsOf(q.from, q.to, q.interval).map((bucket) => ({
      bucket,
      ...totalsOf(inRange.filter((v) => (q.interval === 'day' ? v.day : v.hour) === bucket)),
    })),
    breakdowns: Object.fromEntries(DIMENSIONS.map((d) => [d, breakdown(inRange, d, q.limit ?? 100)])) as Record<Dimension, Row[]>,
  };
}

/** Every key of a dimension the visits of a range have: the filter values worth asking for. */
export function keysIn(visits: readonly ScriptVisit[], goals: readonly string[], from: string, to: string, d: Dimension): string[] {
  return [...new Set(visits.map((v) => digest(v, goals)).filter((v) => v.day >= from && v.day <= to).flatMap((v) => v.keys[d]))].sort();
}
