import { CLICK_IDS } from '../../protocol/marketing';
import { parseUserAgent } from './user-agent';
import type { RuleContext } from './rules';

/** What the edge knows about a request, before the profile adds its part. */
export interface RequestFacts {
  url: string;
  referrer?: string;
  lang?: string;
  userAgent: string;
  cf?: { country?: string; region?: string; regionCode?: string; city?: string; timezone?: string };
  now: number;
}

const CLICK_ID: ReadonlySet<string> = new Set(CLICK_IDS);

/** Local hour and weekday (0 = Sunday) in a time zone; UTC when the zone is unknown. */
const formats = new Map<string, Intl.DateTimeFormat>(); // per isolate: building one is costly

export function localTime(now: number, timeZone: string | undefined): { hour: number; weekday: number } {
  try {
    const zone = timeZone || 'UTC';
    let format = formats.get(zone);
    if (!format) {
      format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hour: 'numeric', hourCycle: 'h23', weekday: 'short' });
      if (formats.size < 500) formats.set(zone, format);
    }
    const parts = format.formatToParts(new Date(now));
    const hour = Number(parts.find((p) => p.type === 'hour')?.value);
    const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(parts.find((p) => p.type === 'weekday')?.value ?? '');
    return { hour, weekday };
  } catch {
    const d = new Date(now);
    return { hour: d.getUTCHours(), weekday: d.getUTCDay() };
  }
}

/**
 * The request part of the decision context, as nested fields rules can name: geo (from
 * request.cf), device/browser/os, language, URL, path, referrer and its domain, UTM, click ids,
 * referral code, local hour and weekday.
 */
export function requestFields(f: RequestFacts): Record<string, unknown> {
  let url: URL | null = null;
  try {
    url = new URL(f.url);
  } catch {
    /* a relative or broken URL: no path or parameters */
  }
  let referrerDomain: string | undefined;
  try {
    referrerDomain = f.referrer ? new URL(f.referrer).hostname.replace(/^www\./, '') : undefined;
  } catch {
    /* no usable referrer */
  }
  const utm: Record<string, string> = {};
  const clickIds: Record<string, string> = {};
  url?.searchParams.forEach((v, k) => {
    if (k.startsWith('utm_')) utm[k.slice(4)] = v;
    if (CLICK_ID.has(k)) clickIds[k] = v;
  });
  const tz = f.cf?.timezone;
  return {
    geo: { country: f.cf?.country, region: f.cf?.regionCode ?? f.cf?.region, city: f.cf?.city, timezone: tz },
    ...parseUserAgent(f.userAgent),
    lang: f.lang,
    url: f.url,
    path: url?.pathname,
    referrer: f.referrer,
    referrerDomain,
    utm,
    clickIds,
    ref: url?.searchParams.get('ref') ?? undefined,
    ...localTime(f.now, tz),
  };
}

/** The context of a person the edge has never seen: the request's fields and an empty history. */
export function newVisitorContext(fields: Record<string, unknown>, now: number): RuleContext {
  return {
    fields: { ...fields, traits: {}, isNew: true, sessionCount: 0, exposures: [] },
    counts: [],
    sessionSignals: [],
    lastSeen: null,
    now,
  };
}

/** The fields a profile adds to the request's (traits, isNew, sessionCount, exposures): the rest come from the request. */
export const PROFILE_FIELDS: readonly string[] = Object.keys(newVisitorContext({}, 0).fields);
