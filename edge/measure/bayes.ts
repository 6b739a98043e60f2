import { betaInc, betaPdf, normCdf, normPdf } from './special';

/** A Beta posterior: Beta(1 + conversions, 1 + visitors − conversions) under a uniform prior. */
export interface BetaPosterior {
  a: number;
  b: number;
}

/** The posterior of a conversion rate after `conversions` of `visitors`, from a Beta(1, 1) prior. */
export function posterior(visitors: number, conversions: number): BetaPosterior {
  return { a: 1 + conversions, b: 1 + visitors - conversions };
}

const mean = (p: BetaPosterior) => p.a / (p.a + p.b);
const sd = (p: BetaPosterior) => Math.sqrt((p.a * p.b) / ((p.a + p.b) ** 2 * (p.a + p.b + 1)));

type Pair = [number, number];

/**
 * Adaptive Simpson over [lo, hi] for two integrands at once (they share the costly incomplete-beta
 * calls): a panel is split until both estimates agree with their halves within `tol`, so evaluations
 * go where the density is, whatever its skew. Deterministic; at most 2^depth panels.
 */
function adaptiveSimpson(f: (x: number) => Pair, lo: number, hi: number, tol: number): Pair {
  const simpson = (a: Pair, m: Pair, b: Pair, h: number): Pair => [(h / 6) * (a[0] + 4 * m[0] + b[0]), (h / 6) * (a[1] + 4 * m[1] + b[1])];
  const step = (a: number, b: number, fa: Pair, fm: Pair, fb: Pair, whole: Pair, eps: number, depth: number): Pair => {
    const m = (a + b) / 2;
    const fl = f((a + m) / 2);
    const fr = f((m + b) / 2);
    const left = simpson(fa, fl, fm, m - a);
    const right = simpson(fm, fr, fb, b - m);
    const d0 = left[0] + right[0] - whole[0];
    const d1 = left[1] + right[1] - whole[1];
    if (depth <= 0 || (Math.abs(d0) <= 15 * eps && Math.abs(d1) <= 15 * eps)) {
      return [left[0] + right[0] + d0 / 15, left[1] + right[1] + d1 / 15]; // Richardson extrapolation
    }
    const l = step(a, m, fa, fl, fm, left, eps / 2, depth - 1);
    const r = step(m, b, fm, fr, fb, right, eps / 2, depth - 1);
    return [l[0] + r[0], l[1] + r[1]];
  };
  // Start from 16 panels so a narrow peak cannot hide between the first few points.
  const n = 16;
  const h = (hi - lo) / n;
  let sum: Pair = [0, 0];
  for (let i = 0; i < n; i++) {
    const a = lo + i * h;
    const b = a + h;
    const fa = f(a);
    const fm = f(a + h / 2);
    const fb = f(b);
    const r = step(a, b, fa, fm, fb, simpson(fa, fm, fb, h), tol / n, 20);
    sum = [sum[0] + r[0], sum[1] + r[1]];
  }
  return sum;
}

/** Posterior mass left out of the integration on each side. */
const TAIL = 1e-13;
/** Absolute error target of both integrals. */
const TOL = 1e-12;

/** A rough Beta quantile (40 bisection steps inside mean ± 40 sd): only the integration bounds need it. */
function quantile(p: BetaPosterior, q: number): number {
  let lo = Math.max(0, mean(p) - 40 * sd(p));
  let hi = Math.min(1, mean(p) + 40 * sd(p));
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (betaInc(mid, p.a, p.b) < q) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Posteriors whose parameters are all at least this large are compared as normals: the
 * incomplete beta then costs thousands of continued-fraction terms per call, and the normal
 * approximation is off by less than 1e-5 in chance to beat (3e-6 against Evan Miller's exact sum
 * at 12,000 conversions per side; the error shrinks with the counts) and 1e-4 relative in loss.
 */
const NORMAL_ABOVE = 5000;

/** Chance to beat and expected loss with each posterior replaced by the normal of its mean and variance. */
function compareNormal(C: BetaPosterior, V: BetaPosterior): BayesComparison {
  const m = mean(C) - mean(V); // D = C − V ~ N(m, s²)
  const s = Math.sqrt(sd(C) ** 2 + sd(V) ** 2);
  return { chanceToBeat: normCdf(-m / s), expectedLoss: Math.max(0, m * normCdf(m / s) + s * normPdf(m / s)) };
}

export interface BayesComparison {
  /** P(variant rate > control rate). */
  chanceToBeat: number;
  /** E[max(control − variant, 0)]: the rate lost, on average, if the variant ships and is worse. */
  expectedLoss: number;
}

/**
 * Chance to beat control and expected loss for two Beta posteriors, by numerical integration
 * rather than Monte Carlo, so the numbers are exact to ~1e-10 and identical on every call.
 *
 * Both reduce to one integral over the narrower posterior (the outer density; the other one's CDF is
 * smooth at its scale), taken with adaptive Simpson to 1e-12 between its 1e-13 and 1 − 1e-13
 * quantiles (bounds that follow the skew of Beta(1, n), unlike mean ± k sd):
 * - P(V > C) = ∫ f_V(y) I_y(a_C, b_C) dy, or ∫ f_C(x) (1 − I_x(a_V, b_V)) dx;
 * - E[(C − V)+] uses the partial expectation ∫₀ˣ y f(y) dy = a/(a+b) · I_x(a+1, b) in closed form.
 * When every parameter is ≥ 5,000 the posteriors are compared as normals instead (see NORMAL_ABOVE).
 *
 * @example
 * compareBeta(posterior(1000, 50), posterior(1000, 70)) // { chanceToBeat: 0.96985…, expectedLoss: 0.000125… }
 */
export function compareBeta(control: BetaPosterior, variant: BetaPosterior): BayesComparison {
  const C = control;
  const V = variant;
  if (Math.min(C.a, C.b, V.a, V.b) >= NORMAL_ABOVE) return compareNormal(C, V);
  const outerIsVariant = sd(V) < sd(C);
  const outer = outerIsVariant ? V : C;
  const [lo, hi] = [quantile(outer, TAIL), quantile(outer, 1 - TAIL)];
  const mC = mean(C);
  const mV = mean(V);
  let chance: number;
  let loss: number;
  if (outerIsVariant) {
    // y is the variant's rate; the control C > y has probability 1 − I_y(C) and E[(C − y)+] =
    // mC (1 − I_y(a_C + 1, b_C)) − y (1 − I_y(a_C, b_C)).
    [chance, loss] = adaptiveSimpson((y) => {
      const f = betaPdf(y, V.a, V.b);
      const below = betaInc(y, C.a, C.b);
      return [f * below, f * (mC * (1 - betaInc(y, C.a + 1, C.b)) - y * (1 - below))];
    }, lo, hi, TOL);
  } else {
    // x is the control's rate; E[(x − V)+] = x I_x(a_V, b_V) − mV I_x(a_V + 1, b_V).
    [chance, loss] = adaptiveSimpson((x) => {
      const f = betaPdf(x, C.a, C.b);
      const below = betaInc(x, V.a, V.b);
      return [f * (1 - below), f * (x * below - mV * betaInc(x, V.a + 1, V.b))];
    }, lo, hi, TOL);
  }
  return { chanceToBeat: Math.min(1, Math.max(0, chance)), expectedLoss: Math.max(0, loss) };
}
