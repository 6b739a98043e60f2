/**
 * Experiment results per goal and variant against control: rates, uplift with intervals, p-values,
 * Bayesian chance to beat control, the sample-ratio-mismatch check, a minimum-sample guard and one
 * plain-language verdict. Pure: the caller reads the aggregates (visitors, converters, revenue
 * sums) and passes them in; nothing here throws on odd counts.
 */
import { compareBeta, posterior } from './bayes';
import { compareMeans, compareProportions, sampleRatioMismatch, type Interval, type SampleRatio } from './frequentist';

export { banditWeights, type BanditArm, type BanditOptions } from './bandit';
export type { Interval, SampleRatio } from './frequentist';

/** Aggregates of one variant. */
export interface VariantData {
  key: string;
  /** Shown in the verdict; defaults to `Variant <key>`. */
  label?: string;
  /** Unique visitors exposed to the variant. */
  visitors: number;
  /** Unique converters per goal key. */
  conversions: Readonly<Record<string, number>>;
  /**
   * Revenue goals: the sum and the sum of squares of each visitor's total revenue (non-buyers
   * count as 0, so they add nothing). When a visitor buys again, add (old + new)² − old² to the
   * sum of squares: it is a sum over visitors, not over orders.
   */
  revenue?: Readonly<Record<string, { sum: number; sumSquares: number }>>;
}

export interface GoalSpec {
  key: string;
  /** `conversion`: share of visitors who converted; `revenue`: mean revenue per visitor. */
  kind: 'conversion' | 'revenue';
}

export interface ExperimentData {
  variants: readonly VariantData[];
  /** Key of the control variant; the first variant when absent or unknown. */
  control?: string;
  /** Planned allocation weights, in the order of `variants` (any scale); equal when absent. */
  weights?: readonly number[];
  goals: readonly GoalSpec[];
  /** Whether the experiment still takes traffic: results are then provisional (`peeking`). */
  running: boolean;
  options?: AnalysisOptions;
}

export interface AnalysisOptions {
  /** Visitors each variant needs before a verdict (default 100). */
  minVisitors?: number;
  /** Converters a goal needs across all variants before a verdict (default 10). */
  minConversions?: number;
  /** Two-sided significance level and 1 − interval coverage (default 0.05). */
  alpha?: number;
  /** SRM p-value below which the split counts as broken (default 0.001). */
  srmThreshold?: number;
}

export interface VariantResult {
  key: string;
  control: boolean;
  visitors: number;
  conversions: number;
  /** Conversions / visitors (0 without visitors). */
  rate: number;
  /** vs control; null on the control row and when a side has no visitors. */
  absolute: Interval | null;
  relative: Interval | null;
  pValue: number | null;
  /** Conversion goals only: P(variant rate > control rate) under Beta(1 + c, 1 + n − c) posteriors. */
  chanceToBeat: number | null;
  /** Conversion goals only: E[max(control − variant, 0)] in rate units, the risk of shipping it. */
  expectedLoss: number | null;
  /** Revenue goals only. */
  revenue?: { mean: number; difference: Interval | null; df: number | null };
}

export type GoalStatus = 'srm' | 'insufficient_data' | 'winner' | 'loser' | 'inconclusive';

export interface GoalResult {
  goal: string;
  kind: GoalSpec['kind'];
  variants: VariantResult[];
  /** The minimum-sample guard passed. */
  enoughData: boolean;
  status: GoalStatus;
  /** The variant the verdict is about (winner, loser or leader), if any. */
  leader: string | null;
  verdict: string;
}

export interface ExperimentResult {
  control: string;
  srm: SampleRatio;
  /**
   * True while the experiment runs: intervals and p-values assume one look at a planned sample
   * size, and reading them repeatedly until something is significant inflates false positives.
   */
  peeking: boolean;
  goals: GoalResult[];
}

/** A count as a finite non-negative integer (bad aggregates must not throw or produce NaN). */
const count = (x: unknown): number => (typeof x === 'number' && Number.isFinite(x) && x > 0 ? Math.floor(x) : 0);
const finite = (x: unknown): number => (typeof x === 'number' && Number.isFinite(x) ? x : 0);

/**
 * Analyses an experiment. The minimum-sample rule: every variant has at least `minVisitors` (100)
 * visitors and the goal has at least `minConversions` (10) converters across variants; below that
 * the numbers are still returned but the verdict only says how much data is missing. A sample
 * ratio mismatch overrides every verdict, because a broken split biases every comparison.
 *
 * Several variants are each compared with control without a multiple-comparison correction; the
 * verdict names the variant with the highest chance to beat control among those that qualify.
 *
 * @example
 * analyzeExperiment({
 *   variants: [{ key: 'a', visitors: 1000, conversions: { buy: 50 } }, { key: 'b', visitors: 1000, conversions: { buy: 75 } }],
 *   goals: [{ key: 'buy', kind: 'conversion' }],
 *   running: true,
 * }).goals[0].verdict
 * // 'Variant b beats control: +2.5 pts (95% CI +0.4 to +4.6), 99% chance to beat control.'
 */
export function analyzeExperiment(data: ExperimentData): ExperimentResult {
  const opts = { minVisitors: 100, minConversions: 10, alpha: 0.05, srmThreshold: 0.001, ...data.options };
  const variants = data.variants;
  const controlIndex = Math.max(0, variants.findIndex((v) => v.key === data.control));
  const visitors = variants.map((v) => count(v.visitors));
  const srm = sampleRatioMismatch(visitors, data.weights ?? variants.map(() => 1), opts.srmThreshold);
  const goals = data.goals.map((g) => analyzeGoal(g, variants, visitors, controlIndex, srm, opts));
  return { control: variants[controlIndex]?.key ?? '', srm, peeking: data.running, goals };
}

type Options = Required<AnalysisOptions>;

function analyzeGoal(goal: GoalSpec, variants: readonly VariantData[], visitors: number[], ci: number, srm: SampleRatio, opts: Options): GoalResult {
  const conv = variants.map((v, i) => Math.min(count(v.conversions[goal.key]), visitors[i]!));
  const rows: VariantResult[] = variants.map((v, i) => {
    const n = visitors[i]!;
    const c = conv[i]!;
    const row: VariantResult = {
      key: v.key, control: i === ci, visitors: n, conversions: c, rate: n > 0 ? c / n : 0,
      absolute: null, relative: null, pValue: null, chanceToBeat: null, expectedLoss: null,
    };
    const sums = (j: number) => ({ n: visitors[j]!, sum: finite(variants[j]!.revenue?.[goal.key]?.sum), sumSquares: finite(variants[j]!.revenue?.[goal.key]?.sumSquares) });
    if (goal.kind === 'revenue') row.revenue = { mean: n > 0 ? sums(i).sum / n : 0, difference: null, df: null };
    const n0 = visitors[ci]!;
    if (i === ci || n === 0 || n0 === 0) return row;
    if (goal.kind === 'revenue') {
      const m = compareMeans(sums(ci), sums(i), opts.alpha);
      row.revenue = { mean: m.variantMean, difference: m.difference, df: m.df };
      row.pValue = m.pValue;
    } else {
      const p = compareProportions({ n: n0, c: conv[ci]! }, { n, c }, opts.alpha);
      const b = compareBeta(posterior(n0, conv[ci]!), posterior(n, c));
      Object.assign(row, { absolute: p.absolute, relative: p.relative, pValue: p.pValue, chanceToBeat: b.chanceToBeat, expectedLoss: b.expectedLoss });
    }
    return row;
  });
  const labels = variants.map((v) => v.label ?? `Variant ${v.key}`);
  const base = { goal: goal.key, kind: goal.kind, variants: rows };
  const fewest = Math.min(...visitors);
  const total = conv.reduce((s, c) => s + c, 0);
  const enoughData = variants.length > 1 && fewest >= opts.minVisitors && total >= opts.minConversions;
  if (srm.mismatch) return { ...base, enoughData, status: 'srm', leader: null, verdict: 'Sample ratio mismatch: results are not trustworthy until the split is fixed.' };
  if (!enoughData) {
    const verdict =
      variants.length < 2 ? 'Not enough data yet: the experiment needs a control and at least one variant.'
      : fewest < opts.minVisitors ? `Not enough data yet: ${fewest} of ${opts.minVisitors} visitors needed per variant.`
      : `Not enough data yet: ${total} of ${opts.minConversions} conversions needed.`;
    return { ...base, enoughData, status: 'insufficient_data', leader: null, verdict };
  }
  return { ...base, enoughData, ...judge(goal.kind, rows, labels, opts.alpha) };
}

/** Significant when the test rejects and the interval excludes 0, so the sentence never contradicts its own interval. */
function judge(kind: GoalSpec['kind'], rows: VariantResult[], labels: string[], alpha: number): Pick<GoalResult, 'status' | 'leader' | 'verdict'> {
  const diff = (r: VariantResult) => (kind === 'revenue' ? r.revenue?.difference : r.absolute) ?? null;
  const score = (r: VariantResult) => (kind === 'revenue' ? diff(r)!.value : r.chanceToBeat!);
  const candidates = rows.map((r, i) => ({ r, i })).filter(({ r }) => !r.control && diff(r) && r.pValue !== null);
  const significant = (r: VariantResult, sign: 1 | -1) => r.pValue! < alpha && (sign === 1 ? diff(r)!.low > 0 : diff(r)!.high < 0);
  const best = (list: typeof candidates) => list.reduce((a, b) => (score(b.r) > score(a.r) ? b : a));
  if (!candidates.length) return { status: 'inconclusive', leader: null, verdict: 'Nothing to compare yet: control or every variant has no visitors.' };
  const winners = candidates.filter(({ r }) => significant(r, 1));
  const losers = candidates.filter(({ r }) => significant(r, -1));
  const level = `${Math.round((1 - alpha) * 1000) / 10}%`;
  const describe = ({ r }: { r: VariantResult }) => {
    const d = diff(r)!;
    const text = kind === 'revenue'
      ? `${signed(d.value, 2)} per visitor (${level} CI ${signed(d.low, 2)} to ${signed(d.high, 2)})`
      : `${signed(d.value * 100, 1)} pts (${level} CI ${signed(d.low * 100, 1)} to ${signed(d.high * 100, 1)}), ${chance(r.chanceToBeat!)} chance to beat control`;
    return `${text}.`;
  };
  if (winners.length) {
    const w = best(winners);
    return { status: 'winner', leader: w.r.key, verdict: `${labels[w.i]} beats control: ${describe(w)}` };
  }
  if (losers.length === candidates.length && losers.length) {
    const l = best(losers); // the least bad
    return { status: 'loser', leader: l.r.key, verdict: `${labels[l.i]} is worse than control: ${describe(l)}` };
  }
  const lead = best(candidates);
  return { status: 'inconclusive', leader: lead.r.key, verdict: `No significant difference yet: ${labels[lead.i]} ${describe(lead)}` };
}

/** `+2.1` / `-0.4` / `+0.0`, with an explicit sign. */
function signed(x: number, digits: number): string {
  const s = Math.abs(x).toFixed(digits);
  return (x < 0 && Number(s) !== 0 ? '-' : '+') + s;
}

/** A probability as a whole percentage, never rounded to a certainty it is not. */
function chance(p: number): string {
  if (p > 0.99 && p < 1) return '>99%';
  if (p < 0.01 && p > 0) return '<1%';
  return `${Math.round(p * 100)}%`;
}
