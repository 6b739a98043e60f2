/**
 * Which visit an event belongs to, by its time: a person's few most recent visits are tracked, an
 * event joins the one whose span (30 minutes either side) holds it, and a page view that fits none
 * starts one of its own — so a tab's late batch, yesterday's page views sent from an offline
 * outbox, or two batches arriving swapped each land in the visit they happened in. The entry page
 * is the earliest page view, the exit page the latest. Pure: the profile persists the state.
 */
import { classifyTouch } from './channels';
import type { Visit, VisitDimension } from './traffic';

/** Visits further apart than this are two visits. */
export const VISIT_GAP_MS = 30 * 60 * 1000;
/** How many recent visits a person's events can still land in. */
export const KEEP_VISITS = 4;

/** Where the request came from and on what: the geo and device dimensions of a visit. */
export type VisitFacts = Partial<Record<'country' | 'region' | 'device' | 'browser' | 'os', string>>;

/** An event as traffic counting reads it. */
export interface VisitEvent {
  id: string;
  type: string;
  name: string | null;
  ts: number;
  path: string | null;
  url: string | null;
  referrer: string | null;
  props: Readonly<Record<string, unknown>> | null;
  facts: VisitFacts;
  /** The money it carries, if it is a goal (props.revenue, else props.value). */
  value: number;
}

/** What the site tells traffic counting. */
export interface VisitSettings {
  /** Event names that are conversions. */
  goals: readonly string[];
  /** The site's own hosts: a referrer from one of them is navigation, not a source. */
  siteHosts: readonly string[];
}

/** A visit as counted so far: `sent` is what the counters already hold of it (null: nothing yet). */
export interface Tracked {
  /** The id of the page view that started it: with `seq`, what keys its increments. */
  id: string;
  visit: Visit;
  sent: Visit | null;
  seq: number;
}

/** Events that are the visitor doing something (a visit with one is no bounce); automatic ones are not. */
const NOT_INTERACTION: ReadonlySet<string> = new Set(['$exposure', 'repeat_view']);

const FACT_DIMS = [['country', 'countries'], ['region', 'regions'], ['device', 'devices'], ['browser', 'browsers'], ['os', 'os']] as const;

/** Where a visit entering at this page view came from. */
function sourceOf(e: VisitEvent, settings: VisitSettings): Visit['dims'] {
  const touch = classifyTouch({ url: e.url, referrer: e.referrer, params: e.props, siteHosts: settings.siteHosts });
  const dims: Visit['dims'] = { entryPages: e.path ?? '/', channels: touch.channel };
  if (touch.medium !== '(none)' && e.referrer) {
    try {
      const host = new URL(e.referrer).hostname.replace(/^www\./, '');
      if (host && !settings.siteHosts.includes(host)) dims.referrers = host;
    } catch {
      /* no usable referrer */
    }
  }
  if (touch.campaign) dims.campaigns = touch.campaign;
  return dims;
}

function factsOf(facts: VisitFacts): Visit['dims'] {
  const dims: Visit['dims'] = {};
  for (const [k, d] of FACT_DIMS) if (facts[k]) dims[d as VisitDimension] = facts[k];
  return dims;
}

function startVisit(e: VisitEvent, settings: VisitSettings): Visit {
  const path = e.path ?? '/';
  return {
    start: e.ts, last: e.ts, dims: { ...factsOf(e.facts), ...sourceOf(e, settings) },
    pages: { [path]: 1 }, exit: path, exitTs: e.ts, pageviews: 1, interacted: false, goals: [], revenue: 0,
  };
}

function join(v: Visit, e: VisitEvent, settings: VisitSettings): Visit {
  if (e.type === 'page') {
    const path = e.path ?? '/';
    const earlier = e.ts < v.start;
    return {
      ...v,
      // A page view before the entry is the entry now, with where it came from.
      ...(earlier && { start: e.ts, dims: { ...v.dims, ...factsOf(e.facts), ...sourceOf(e, settings) } }),
      ...(e.ts >= v.exitTs && { exit: path, exitTs: e.ts }),
      last: Math.max(v.last, e.ts),
      pages: { ...v.pages, [path]: (v.pages[path] ?? 0) + 1 },
      pageviews: v.pageviews + 1,
    };
  }
  const goal = settings.goals.includes(e.name!);
  return {
    ...v,
    last: Math.max(v.last, e.ts),
    interacted: true,
    goals: goal ? [...v.goals, e.name!] : v.goals,
    revenue: goal ? v.revenue + e.value : v.revenue,
  };
}

/**
 * Routes one event into the tracked visits (oldest first; changed in place). Returns the visits
 * pushed out to keep KEEP_VISITS, which the caller settles before they are forgotten. Bots start
 * no visit; a track or signal event that no visit holds counts in none.
 */
export function track(state: Tracked[], e: VisitEvent, settings: VisitSettings): Tracked[] {
  const counts = e.type === 'page' || ((e.type === 'track' || e.type === 'signal') && !!e.name && !NOT_INTERACTION.has(e.name));
  if (!counts || e.facts.device === 'bot') return [];
  const holder = [...state].reverse().find((t) => e.ts >= t.visit.start - VISIT_GAP_MS && e.ts <= t.visit.last + VISIT_GAP_MS);
  if (holder) {
    holder.visit = join(holder.visit, e, settings);
    state.sort((a, b) => a.visit.start - b.visit.start);
    return [];
  }
  if (e.type !== 'page') return [];
  state.push({ id: e.id, visit: startVisit(e, settings), sent: null, seq: 0 });
  state.sort((a, b) => a.visit.start - b.visit.start);
  return state.length > KEEP_VISITS ? state.splice(0, state.length - KEEP_VISITS) : [];
}
