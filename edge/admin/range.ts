import { badRequest } from '../http/errors';

export const DAY_MS = 86_400_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The UTC day of a time, as YYYY-MM-DD. */
export const dayString = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** from/to query parameters as days (inclusive, UTC); default: the last 30 days. A 400 names a bad one. */
export function dayRange(q: (k: string) => string | undefined, now: number): { from: string; to: string } {
  const from = q('from') ?? dayString(now - 29 * DAY_MS);
  const to = q('to') ?? dayString(now);
  for (const [name, v] of [['from', from], ['to', to]] as const) {
    if (!DAY.test(v) || Number.isNaN(Date.parse(v)) || dayString(Date.parse(v)) !== v) throw badRequest(`${name}: must be a day as YYYY-MM-DD`);
  }
  if (from > to) throw badRequest('from: must not be after to');
  return { from, to };
}

/** How many days a range covers. */
export const daysIn = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / DAY_MS) + 1;

/** The range of the same length just before. */
export function previousRange(from: string, to: string): { from: string; to: string } {
  const n = daysIn(from, to);
  const end = Date.parse(from) - DAY_MS;
  return { from: dayString(end - (n - 1) * DAY_MS), to: dayString(end) };
}
