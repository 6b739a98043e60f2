/**
 * Multi-touch attribution over one person's journey: which touches get credit for a conversion,
 * under five rule-based models, and the sums of many credited conversions by channel, campaign and
 * referral code. Runs where the journey lives (the profile object, once per conversion); only the
 * credits travel to the aggregates.
 */
import { SITE_DEFAULTS } from '../../protocol/admin';
import type { Channel } from './channels';

/** A classified touch (see `classifyTouch`) at the time it happened. */
export interface AttributionTouch {
  ts: number;
  channel: Channel;
  source: string;
  medium: string;
  campaign: string | null;
  /** The referring customer's code on a customer referral touch. */
  referralCode: string | null;
}

export interface Conversion {
  ts: number;
  /** Revenue or any value to share; 0 when only the count matters. */
  value: number;
}

/** The attribution models, one list: the dashboard's labels are a Record<Model, string> of them. */
export const MODELS = ['first_touch', 'last_non_direct', 'linear', 'time_decay', 'position_based'] as const;
export type Model = (typeof MODELS)[number];
/** The model reports use when none is asked for. */
export const DEFAULT_MODEL: Model = 'last_non_direct';

export interface AttributionOptions {
  /** Touches older than this before the conversion are ignored (default: a site's default lookback, 30 days). */
  lookbackMs?: number;
  /** Time decay: a touch this much older than the conversion gets half the weight (default: a site's default half-life, 7 days). */
  halfLifeMs?: number;
}

/** A share of one conversion given to one touch. */
export interface Credit {
  touch: AttributionTouch;
  /** Share of the conversion, in (0, 1]; the shares of one conversion sum to 1. */
  conversions: number;
  /** Share of the value; the shares sum to the conversion's value. */
  value: number;
}

const DAY = 86_400_000;

/** What a conversion is credited to when no touch is in the window. */
function directTouch(ts: number): AttributionTouch {
  return { ts, channel: 'direct', source: '(direct)', medium: '(none)', campaign: null, referralCode: null };
}

/** Un-normalised weights per touch (touches in time order, at least one). */
function weights(model: Model, touches: readonly AttributionTouch[], ts: number, halfLife: number): number[] {
  const n = touches.length;
  switch (model) {
    case 'first_touch':
      return touches.map((_, i) => (i === 0 ? 1 : 0));
    case 'last_non_direct': {
      // GA's "last non-direct click": direct visits never take credit from an earlier campaign;
      // a journey of direct visits only is credited to its last one.
      let last = n - 1;
      for (let i = n - 1; i >= 0; i--) if (touches[i]!.channel !== 'direct') { last = i; break; }
      return touches.map((_, i) => (i === last ? 1 : 0));
    }
    case 'linear':
      return touches.map(() => 1);
    case 'time_decay':
      return touches.map((t) => Math.pow(2, -(ts - t.ts) / halfLife));
    case 'position_based':
      // 40 % to the first and the last touch, 20 % shared by those in between; with one touch
      // 100 %, with two 50/50 (as Google Ads' position-based model).
      if (n <= 2) return touches.map(() => 1 / n);
      return touches.map((_, i) => (i === 0 || i === n - 1 ? 0.4 : 0.2 / (n - 2)));
  }
}

/**
 * Credits a conversion to the touches of its journey under one model. Touches after the
 * conversion or older than the lookback are ignored (a touch at the conversion's own timestamp
 * counts); with none left the conversion goes to direct. Only touches with a share are returned,
 * in time order.
 *
 * Shares are normalised weights; the touch with the largest share takes the rounding remainder, so
 * the shares sum to 1 and the values to the conversion value exactly up to one float rounding.
 *
 * @example
 * attribute({ ts: Date.parse('2025-05-31'), value: 90 }, [email, search, direct], 'linear')
 * // three credits of 1/3 conversion and 30 each (touches of the last 30 days)
 */
export function attribute(conversion: Conversion, touches: readonly AttributionTouch[], model: Model, opts: AttributionOptions = {}): Credit[] {
  const lookback = opts.lookbackMs ?? SITE_DEFAULTS.attribution.lookbackDays * DAY;
  const halfLife = opts.halfLifeMs && opts.halfLifeMs > 0 ? opts.halfLifeMs : SITE_DEFAULTS.attribution.halfLifeDays * DAY;
  const value = Number.isFinite(conversion.value) ? conversion.value : 0;
  const inWindow = touches
    .map((t, i) => ({ t, i }))
    .filter(({ t }) => t.ts <= conversion.ts && t.ts >= conversion.ts - lookback)
    .sort((a, b) => a.t.ts - b.t.ts || a.i - b.i) // stable by input order on equal timestamps
    .map(({ t }) => t);
  const journey = inWindow.length ? inWindow : [directTouch(conversion.ts)];
  const w = weights(model, journey, conversion.ts, halfLife);
  const total = w.reduce((s, x) => s + x, 0);
  const credits = journey.map((touch, i) => ({ touch, conversions: w[i]! / total, value: (value * w[i]!) / total })).filter((c) => c.conversions > 0);
  let top = 0;
  credits.forEach((c, i) => {
    if (c.conversions > credits[top]!.conversions) top = i;
  });
  const rest = credits.reduce((s, c, i) => (i === top ? s : { n: s.n + c.conversions, v: s.v + c.value }), { n: 0, v: 0 });
  credits[top]!.conversions = 1 - rest.n;
  credits[top]!.value = value - rest.v;
  return credits;
}

/** Every model at once, for one conversion. */
export function attributeAll(conversion: Conversion, touches: readonly AttributionTouch[], opts: AttributionOptions = {}): Record<Model, Credit[]> {
  return Object.fromEntries(MODELS.map((m) => [m, attribute(conversion, touches, m, opts)])) as Record<Model, Credit[]>;
}

export interface CreditRow {
  key: string;
  /** Conversions credited (fractional under multi-touch models). */
  conversions: number;
  /** Value credited. */
  revenue: number;
}

export interface AttributionReport {
  byChannel: CreditRow[];
  /** Keyed by campaign name; touches without one are `(not set)`. */
  byCampaign: CreditRow[];
  /** Customer referral touches only, keyed by the referring code. */
  byReferralCode: CreditRow[];
}

/**
 * Sums credits (of one model, from any number of conversions) into report rows, largest first.
 *
 * @example
 * summarizeCredits(conversions.flatMap((c) => attribute(c, journeyOf(c), 'position_based'))).byChannel
 * // [{ key: 'paid_search', conversions: 12.4, revenue: 812.5 }, …]
 */
export function summarizeCredits(credits: Iterable<Credit>): AttributionReport {
  const maps = { byChannel: new Map<string, CreditRow>(), byCampaign: new Map<string, CreditRow>(), byReferralCode: new Map<string, CreditRow>() };
  const add = (map: Map<string, CreditRow>, key: string, c: Credit) => {
    const row = map.get(key) ?? { key, conversions: 0, revenue: 0 };
    row.conversions += c.conversions;
    row.revenue += c.value;
    map.set(key, row);
  };
  for (const c of credits) {
    add(maps.byChannel, c.touch.channel, c);
    add(maps.byCampaign, c.touch.campaign ?? '(not set)', c);
    if (c.touch.referralCode) add(maps.byReferralCode, c.touch.referralCode, c);
  }
  const rows = (m: Map<string, CreditRow>) => [...m.values()].sort((a, b) => b.conversions - a.conversions || b.revenue - a.revenue || (a.key < b.key ? -1 : 1));
  return { byChannel: rows(maps.byChannel), byCampaign: rows(maps.byCampaign), byReferralCode: rows(maps.byReferralCode) };
}
