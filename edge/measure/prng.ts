/**
 * A small seeded PRNG and the samplers Thompson sampling needs, so Monte Carlo estimates are
 * reproducible: the same seed gives the same weights on every run and in every runtime.
 */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, from PractRand): 128-bit state,
 * passes PractRand and BigCrush, period ≥ 2^32 thanks to the counter; 32-bit integer arithmetic
 * only. The state starts from fixed constants plus the seed, and the first 15 outputs are dropped
 * so that nearby seeds diverge (as its author recommends).
 *
 * @example
 * const random = sfc32(42);
 * random(); // the same number on every run, in [0, 1)
 */
export function sfc32(seed: number): Random {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  return next;
}

/** A standard normal draw (Marsaglia's polar method; the spare draw is dropped for simplicity). */
export function normal(random: Random): number {
  for (;;) {
    const u = 2 * random() - 1;
    const v = 2 * random() - 1;
    const s = u * u + v * v;
    if (s > 0 && s < 1) return u * Math.sqrt((-2 * Math.log(s)) / s);
  }
}

/**
 * A Gamma(shape, 1) draw by Marsaglia & Tsang (2000), "A simple method for generating gamma
 * variables"; shapes below 1 use the boost Gamma(a) = Gamma(a + 1) · U^(1/a).
 */
export function gamma(random: Random, shape: number): number {
  if (shape < 1) return gamma(random, shape + 1) * Math.pow(1 - random(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - random(); // in (0, 1], so the log is finite
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** A Beta(a, b) draw as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
export function beta(random: Random, a: number, b: number): number {
  const x = gamma(random, a);
  return x / (x + gamma(random, b));
}
