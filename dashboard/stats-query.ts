import { STATS_DIMENSIONS, type StatsDimension, type StatsFilter, type StatsInterval } from '../protocol/stats';

/**
 * What the traffic overview's URL asks for (`?period=7d&filter=channels:email`, or `?from=&to=`
 * for a custom range) and the links that change one part of it. Pure: no Hono, no fetch, so the
 * range arithmetic and the link building are tested directly.
 */

export const PERIODS = ['today', '7d', '30d'] as const;
export type Period = (typeof PERIODS)[number] | 'custom';

export const PERIOD_LABELS: Record<(typeof PERIODS)[number], string> = { today: 'Today', '7d': 'Last 7 days', '30d': 'Last 30 days' };

export interface OverviewQuery {
  period: Period;
  /** Days, inclusive, UTC. */
  from: string;
  to: string;
  interval: StatsInterval;
  filter: StatsFilter | null;
}

const DAY_MS = 86_400_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const validDay = (v: string | undefined): v is string => !!v && DAY.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`));
const isDimension = (d: string): d is StatsDimension => (STATS_DIMENSIONS as readonly string[]).includes(d);

/** `dimension:value` (the value may itself hold colons); null for anything else. */
export function parseFilter(raw: string | undefined): StatsFilter | null {
  if (!raw) return null;
  const i = raw.indexOf(':');
  const dimension = raw.slice(0, i);
  const value = raw.slice(i + 1);
  return i > 0 && isDimension(dimension) && value ? { dimension, value: value.slice(0, 1000) } : null;
}

/**
 * The overview's query from its URL parameters. A valid from/to pair is a custom range (swapped
 * if given backwards); otherwise a preset, by default the last 7 days. One day is shown by hour.
 */
export function overviewQuery(param: (name: string) => string | undefined, now = Date.now()): OverviewQuery {
  const filter = parseFilter(param('filter'));
  const today = dayOf(now);
  let from: string;
  let to: string;
  let period: Period;
  const f = param('from');
  const t = param('to');
  if (validDay(f) && validDay(t)) {
    [from, to] = f <= t ? [f, t] : [t, f];
    period = 'custom';
  } else {
    const asked = param('period');
    period = PERIODS.find((p) => p === asked) ?? '7d';
    const days = period === 'today' ? 1 : period === '7d' ? 7 : 30;
    from = dayOf(now - (days - 1) * DAY_MS);
    to = today;
  }
  return { period, from, to, interval: from === to ? 'hour' : 'day', filter };
}

/** The admin API's query for this overview (`limit` rows per breakdown). */
export function statsApiQuery(q: OverviewQuery, limit = 10): string {
  const qs = new URLSearchParams({ from: q.from, to: q.to, interval: q.interval, limit: String(limit) });
  if (q.filter) qs.set('filter', `${q.filter.dimension}:${q.filter.value}`);
  return qs.toString();
}

/**
 * A link to the overview at `base` with some of the query changed: the range is kept unless
 * replaced, the filter unless replaced or removed (null). The filter's value is visitor data:
 * it is percent-encoded, never pasted into the URL as it is.
 */
export function overviewHref(base: string, q: OverviewQuery, change: { period?: Period; filter?: StatsFilter | null } = {}): string {
  const period = change.period ?? q.period;
  const filter = change.filter === undefined ? q.filter : change.filter;
  const parts: string[] = [];
  if (period === 'custom') parts.push(`from=${q.from}`, `to=${q.to}`);
  else parts.push(`period=${period}`);
  if (filter) parts.push(`filter=${filter.dimension}:${encodeURIComponent(filter.value)}`);
  return `${base}?${parts.join('&')}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A day as `Dec 1` (or `Dec 1, 2026` with the year). */
export function dayLabel(day: string, year = false): string {
  const [y, m, d] = day.split('-');
  return `${MONTHS[Number(m) - 1] ?? m} ${Number(d)}${year ? `, ${y}` : ''}`;
}

/** A series bucket's axis label (`13:00` for an hour, `Dec 1` for a day) and its full name. */
export function bucketLabel(bucket: string): { short: string; full: string } {
  const hour = /^(\d{4}-\d{2}-\d{2})T(\d{2})$/.exec(bucket);
  if (hour) return { short: `${hour[2]}:00`, full: `${dayLabel(hour[1]!)} ${hour[2]}:00–${hour[2]}:59 UTC` };
  return { short: dayLabel(bucket), full: dayLabel(bucket, true) };
}

/** Whether a bucket (`2026-12-01T13` or `2026-12-01`, UTC) starts after `now`: the rest of today. */
export const isFuture = (bucket: string, now = Date.now()) => bucket > new Date(now).toISOString().slice(0, bucket.length);

/** A range as `Dec 1 – Dec 7, 2026` (one day: `Dec 7, 2026`). */
export function rangeLabel(from: string, to: string): string {
  if (from === to) return dayLabel(to, true);
  return `${dayLabel(from, from.slice(0, 4) !== to.slice(0, 4))} – ${dayLabel(to, true)}`;
}

export interface Change {
  /** ▲ / ▼ / '' (no change). */
  arrow: string;
  /** `12%`, or '' when there is nothing to compare with. */
  text: string;
  /** Class names; not `good`/`bad`, which the layout already styles as pills. */
  tone: 'better' | 'worse' | 'flat';
  /** For screen readers and the tooltip. */
  words: string;
}

/** The change of a figure from the previous period; `lowerIsBetter` for bounce rate. */
export function change(now: number, before: number, lowerIsBetter = false): Change {
  if (!(before > 0)) return now > 0 ? { arrow: '', text: 'new', tone: 'flat', words: 'none in the previous period' } : { arrow: '', text: '', tone: 'flat', words: 'no change' };
  const rel = (now - before) / before;
  const rounded = Math.round(Math.abs(rel) * 100);
  if (rounded === 0) return { arrow: '', text: '0%', tone: 'flat', words: 'no change from the previous period' };
  const up = rel > 0;
  return {
    arrow: up ? '▲' : '▼',
    text: `${rounded}%`,
    tone: up !== lowerIsBetter ? 'better' : 'worse',
    words: `${up ? 'up' : 'down'} ${rounded}% from the previous period`,
  };
}
