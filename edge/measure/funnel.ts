/**
 * Funnels: how many people go through ordered steps, each within a window of their first step,
 * the conversion between steps and the median time each step takes. Per person the work is one
 * pass over their events (`funnelProgress`), so it can run in the profile object and only the
 * progress travels; `summarizeFunnel` sums progress from any number of people.
 */
import type { EventType } from '../../protocol/events';
import type { FunnelStepResult } from '../../protocol/stats';
import { wilsonInterval } from './wilson';

export type { FunnelStepResult };

/** An event as funnels see it. */
export interface FunnelEvent {
  type: string;
  name?: string | null;
  path?: string | null;
  ts: number;
}

/**
 * A step: every given field must match. `path` matches exactly, or as a prefix when it ends in `*`
 * (`/checkout/*`). Example: `{ type: 'page', path: '/pricing' }`, `{ type: 'track', name: 'Signup' }`.
 */
export interface FunnelStep {
  type?: EventType;
  name?: string;
  path?: string;
  /** Shown in reports. */
  label?: string;
}

/** How reports name a step: its label, else what it matches. */
export const stepLabel = (s: FunnelStep) => s.label ?? [s.type, s.name, s.path].filter(Boolean).join(' ');

/** Whether an event matches a step. */
export function matchesStep(step: FunnelStep, e: FunnelEvent): boolean {
  if (step.type !== undefined && e.type !== step.type) return false;
  if (step.name !== undefined && e.name !== step.name) return false;
  if (step.path !== undefined) {
    const p = e.path ?? '';
    if (step.path.endsWith('*') ? !p.startsWith(step.path.slice(0, -1)) : p !== step.path) return false;
  }
  return true;
}

/**
 * The timestamps at which one person reached each step (as many as reached), or [] when they
 * never entered the funnel. Steps must happen in order, each after the previous one, and all
 * within `windowMs` of the first step.
 *
 * Not greedy: a later first step can lead further (entered at 0, again at 100, step 2 at 120, with a
 * 50 ms window: the attempt from 100 completes). For each step the pass keeps the attempt with the
 * latest start that reached it, because a later start leaves the most time for the steps to come;
 * among attempts with the same start, the earliest arrival. One event advances at most one step.
 * O(events × steps²) time; events are sorted by time first if they are not.
 *
 * @example
 * funnelProgress([{ path: '/pricing' }, { name: 'Signup' }], events, 86_400_000) // [t0, t1]
 */
export function funnelProgress(steps: readonly FunnelStep[], events: readonly FunnelEvent[], windowMs: number): number[] {
  const ordered = isSorted(events) ? events : [...events].sort((a, b) => a.ts - b.ts);
  const best: (number[] | undefined)[] = new Array(steps.length);
  for (const e of ordered) {
    // Later steps first, so an event that matches steps k − 1 and k does not advance through both.
    for (let k = steps.length - 1; k >= 0; k--) {
      if (!matchesStep(steps[k]!, e)) continue;
      if (k === 0) {
        if (!best[0] || e.ts > best[0][0]!) best[0] = [e.ts];
        continue;
      }
      const prev = best[k - 1];
      if (!prev || e.ts - prev[0]! > windowMs) continue;
      const current = best[k];
      if (!current || prev[0]! > current[0]!) best[k] = [...prev, e.ts];
    }
  }
  for (let k = steps.length - 1; k >= 0; k--) if (best[k]) return best[k]!;
  return [];
}

function isSorted(events: readonly FunnelEvent[]): boolean {
  for (let i = 1; i < events.length; i++) if (events[i]!.ts < events[i - 1]!.ts) return false;
  return true;
}

/**
 * Sums the progress of many people (from `funnelProgress`) into per-step counts, conversion rates
 * and median step times. Per step: `visitors` reached it (in order, within the window);
 * `fromPrevious` = visitors / the previous step's (1 for the first, 0 when the previous had none);
 * `fromFirst` = visitors / the first step's; `medianMsFromPrevious` among those who reached it
 * (null for the first step or when nobody did). The median of an even count is the mean of the two
 * middle values.
 */
export function summarizeFunnel(steps: readonly FunnelStep[], progress: Iterable<readonly number[]>): FunnelStepResult[] {
  const counts = new Array<number>(steps.length).fill(0);
  const gaps: number[][] = steps.map(() => []);
  for (const p of progress) {
    for (let k = 0; k < Math.min(p.length, steps.length); k++) {
      counts[k]!++;
      if (k > 0) gaps[k]!.push(p[k]! - p[k - 1]!);
    }
  }
  return stepResults(steps, counts, (k) => median(gaps[k]!));
}

/** Each step's answer from the people who reached it and the median time from the previous step (asked for k > 0). */
export function stepResults(steps: readonly FunnelStep[], counts: readonly number[], medianOf: (k: number) => number | null): FunnelStepResult[] {
  const first = counts[0] ?? 0;
  return steps.map((s, k) => ({
    step: k,
    label: stepLabel(s),
    visitors: counts[k] ?? 0,
    fromPrevious: k === 0 ? 1 : counts[k - 1]! > 0 ? counts[k]! / counts[k - 1]! : 0,
    fromFirst: first > 0 ? counts[k]! / first : 0,
    medianMsFromPrevious: k > 0 ? medianOf(k) : null,
  }));
}

/**
 * A funnel read from a uniform random sample of `sampled` of `population` profiles: each step gets
 * the 95% Wilson interval of its `fromFirst`. Among the people who entered, the sample's are a
 * uniform sample of the population's, so step k's count is binomial in the first step's (with the
 * finite population correction for the share read). The first step's fromFirst is 1 by
 * definition: its interval is [1, 1]. Unchanged when every profile was read, or nobody entered.
 */
export function withIntervals(results: readonly FunnelStepResult[], sampled: number, population: number): FunnelStepResult[] {
  const entered = results[0]?.visitors ?? 0;
  if (sampled >= population || entered === 0) return [...results];
  const fraction = sampled / population;
  return results.map((r, k) => ({ ...r, interval: k === 0 ? { low: 1, high: 1 } : wilsonInterval(r.visitors, entered, { fraction })! }));
}

/** Median, or null for no values. Sorts in place. */
function median(xs: number[]): number | null {
  if (!xs.length) return null;
  xs.sort((a, b) => a - b);
  const mid = xs.length >> 1;
  return xs.length % 2 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
}

/**
 * A whole funnel over many people's event lists: `funnelProgress` per person, then `summarizeFunnel`.
 *
 * @example
 * computeFunnel(steps, profiles.map((p) => p.events), 7 * 86_400_000)[2].fromFirst // share who reached step 3
 */
export function computeFunnel(steps: readonly FunnelStep[], people: Iterable<readonly FunnelEvent[]>, windowMs: number): FunnelStepResult[] {
  const progress: number[][] = [];
  for (const events of people) progress.push(funnelProgress(steps, events, windowMs));
  return summarizeFunnel(steps, progress);
}
