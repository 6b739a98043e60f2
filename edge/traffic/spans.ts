/**
 * How a range of days is read from the traffic sums: whole weeks (Monday to Sunday, UTC) from
 * their weekly rows, the days at either end from the daily ones — about a third of the rows for a
 * month. Distinct visitors add up across weeks as across days: each count keeps the day the
 * person was last counted before, so `prev < from` holds per count whichever row it is summed in.
 */
const DAY_MS = 86_400_000;

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The week a day falls in, as the key of its weekly rows: `W` and the Monday (`W2026-11-30`), which sorts after every day. */
export function weekOf(day: string): string {
  const t = Date.parse(day);
  const monday = t - ((new Date(t).getUTCDay() + 6) % 7) * DAY_MS;
  return `W${dayOf(monday)}`;
}

/** An inclusive range of row keys; `from > to` for none. */
export type KeyRange = [string, string];

const NONE: KeyRange = ['1', '0'];

/** The row-key ranges that make up [from, to]: days before the first whole week, the whole weeks, days after the last. */
export function spans(from: string, to: string): [KeyRange, KeyRange, KeyRange] {
  const a = Date.parse(from);
  const b = Date.parse(to);
  const firstMonday = a + ((8 - new Date(a).getUTCDay()) % 7) * DAY_MS;
  const lastSunday = b - (new Date(b).getUTCDay() % 7) * DAY_MS;
  if (firstMonday + 6 * DAY_MS > lastSunday) return [[from, to], NONE, NONE];
  const before: KeyRange = firstMonday > a ? [from, dayOf(firstMonday - DAY_MS)] : NONE;
  const after: KeyRange = lastSunday < b ? [dayOf(lastSunday + DAY_MS), to] : NONE;
  return [before, [`W${dayOf(firstMonday)}`, `W${dayOf(lastSunday - 6 * DAY_MS)}`], after];
}
