/**
 * Measurement, the pure core: experiment statistics, bandit weights, channel classification,
 * attribution and funnels. No Workers API here; profile objects and routes call these.
 *
 * Code map:
 * - `stats.ts`: `analyzeExperiment` (per goal and variant: rate, uplift, p-value, chance to beat
 *   control, SRM, minimum-sample guard, verdict), built from `frequentist.ts` (two proportions,
 *   Welch, SRM) and `bayes.ts` (Beta posteriors by numerical integration);
 * - `bandit.ts`: `banditWeights`, Thompson sampling on a seeded PRNG (`prng.ts`);
 * - `special.ts`: normal, chi-square, Student t and Beta distribution functions;
 * - `channels.ts`: `classifyTouch`, GA4's default channel group;
 * - `attribution.ts`: `attribute` under five models and `summarizeCredits`;
 * - `funnel.ts`: `funnelProgress` per person, `summarizeFunnel` over people, `withIntervals` for a sample;
 * - `wilson.ts`: `wilsonInterval`, a proportion's interval (with the finite population correction).
 */
export * from './stats';
export { compareProportions, compareMeans, sampleRatioMismatch, meanVariance, type ProportionComparison, type MeanComparison, type MomentSums } from './frequentist';
export { compareBeta, posterior, type BetaPosterior, type BayesComparison } from './bayes';
export { applyFloor } from './bandit';
export { classifyTouch, channelOf, searchEngine, socialNetwork, type Channel, type Classified, type TouchInput } from './channels';
export * from './attribution';
export * from './funnel';
export * from './wilson';
