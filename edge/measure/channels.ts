/**
 * Channel classification of a touch (a session's landing page and referrer), following Google
 * Analytics 4's default channel group ("[GA4] Default channel group", support.google.com/analytics/
 * answer/9756891): the same rules, evaluated in the same order, over source / medium / campaign.
 *
 * Differences from GA4, on purpose:
 * - `customer_referral` (a `?ref=` code of our referral links) comes first: the link was made to
 *   credit the referring profile, whatever else it carries.
 * - Shopping, video, audio, SMS, push and cross-network channels are folded into their nearest
 *   group (video sites count as social; paid traffic from a source we do not know is `paid_other`),
 *   and the site lists are kept small: the sources that bring most traffic.
 * - Click ids stand in for auto-tagging when there is no utm_source: gclid → google / cpc,
 *   msclkid → bing / cpc, ttclid → tiktok / cpc, li_fat_id → linkedin / cpc. fbclid is not paid:
 *   Facebook appends it to every outbound link, organic posts included, so it means facebook / social.
 *   With several, the first of protocol/marketing's CLICK_IDS counts.
 */
import { CLICK_IDS, type ClickId } from '../../protocol/marketing';

export type Channel =
  | 'direct' | 'organic_search' | 'paid_search' | 'organic_social' | 'paid_social' | 'email'
  | 'referral' | 'display' | 'affiliate' | 'customer_referral' | 'paid_other' | 'unassigned';

export interface TouchInput {
  /** Landing page URL (its query carries utm_* parameters, click ids and `ref`). */
  url?: string | null;
  referrer?: string | null;
  /** Marketing parameters already extracted from the URL (as the profile stores them); they win over the URL's. */
  params?: Readonly<Record<string, unknown>> | null;
  /** Hosts of the site itself: a referrer from one of them is navigation, not a source. The landing host always counts. */
  siteHosts?: readonly string[];
}

export interface Classified {
  channel: Channel;
  /** Lower-cased: `google`, `newsletter`, `facebook`, `example.com`, `(direct)`. */
  source: string;
  /** Lower-cased: `cpc`, `organic`, `referral`, `email`, `(none)`, `(not set)`. */
  medium: string;
  campaign: string | null;
  /** The `ref` code of a customer referral link. */
  referralCode: string | null;
}

/** Search engines: canonical source name and the hosts (any subdomain) or host patterns it answers to. */
const SEARCH: readonly [string, RegExp][] = [
  ['google', /^(www\.)?google(\.com?)?\.[a-z]{2,3}$|^google$/],
  ['bing', /^(www\.|cn\.)?bing\.com$|^bing$/],
  ['yahoo', /^([a-z]{2}\.)?search\.yahoo\.(com|co\.jp)$|^yahoo$/],
  ['duckduckgo', /^(www\.)?duckduckgo\.com$|^duckduckgo$/],
  ['baidu', /^(www\.|m\.)?baidu\.com$|^baidu$/],
  ['yandex', /^(www\.)?yandex\.[a-z.]{2,6}$|^ya\.ru$|^yandex$/],
  ['ecosia', /^(www\.)?ecosia\.org$|^ecosia$/],
  ['naver', /^(search\.|m\.search\.)?naver\.com$|^naver$/],
  ['brave', /^search\.brave\.com$|^brave$/],
  ['qwant', /^(www\.)?qwant\.com$|^qwant$/],
];

/** Social networks (video sites included): canonical name, domains (any subdomain) and source aliases. */
const SOCIAL: readonly [string, string[], string[]][] = [
  ['facebook', ['facebook.com', 'fb.com', 'fb.me'], ['fb', 'meta']],
  ['instagram', ['instagram.com'], ['ig']],
  ['twitter', ['twitter.com', 'x.com', 't.co'], ['x']],
  ['linkedin', ['linkedin.com', 'lnkd.in'], []],
  ['pinterest', ['pinterest.com'], []],
  ['reddit', ['reddit.com'], []],
  ['tiktok', ['tiktok.com'], []],
  ['youtube', ['youtube.com', 'youtu.be'], []],
  ['snapchat', ['snapchat.com'], []],
  ['threads', ['threads.net', 'threads.com'], []],
  ['bluesky', ['bsky.app'], []],
];

/** GA4's regular expressions and lists for medium and source. */
const PAID_MEDIUM = /^(.*cp.*|ppc|retargeting|paid.*)$/;
const DISPLAY_MEDIUM = new Set(['display', 'banner', 'expandable', 'interstitial', 'cpm']);
const SOCIAL_MEDIUM = new Set(['social', 'social-network', 'social-media', 'sm', 'social network', 'social media']);
const EMAIL = new Set(['email', 'e-mail', 'e_mail', 'e mail']);
const REFERRAL_MEDIUM = new Set(['referral', 'app', 'link']);
/** The source and medium each click id stands for (a click id without one here does not compile). */
const CLICK_ID_SOURCES: Record<ClickId, readonly [source: string, medium: string]> = {
  gclid: ['google', 'cpc'], msclkid: ['bing', 'cpc'], ttclid: ['tiktok', 'cpc'], li_fat_id: ['linkedin', 'cpc'], fbclid: ['facebook', 'social'],
};

const hostOf = (url: string | null | undefined): string | null => {
  if (!url) return null;
  try {
    return new URL(url).hostname.toLowerCase().replace(/\.$/, '') || null;
  } catch {
    return null;
  }
};
const bare = (host: string) => host.replace(/^www\./, '');
const onDomain = (host: string, domain: string) => host === domain || host.endsWith(`.${domain}`);

/** The canonical search engine a source or host names, if any. */
export function searchEngine(source: string): string | null {
  return SEARCH.find(([, re]) => re.test(source))?.[0] ?? null;
}

/** The canonical social network a source or host names, if any. */
export function socialNetwork(source: string): string | null {
  return SOCIAL.find(([name, domains, aliases]) => name === source || aliases.includes(source) || domains.some((d) => onDomain(source, d)))?.[0] ?? null;
}

/** Source, medium and campaign of a touch, as GA4 derives them (utm first, then click ids, then the referrer). */
function sourceMedium(input: TouchInput, get: (k: string) => string | null): Omit<Classified, 'channel' | 'referralCode'> {
  const campaign = get('utm_campaign');
  const utmSource = get('utm_source')?.toLowerCase() ?? null;
  const utmMedium = get('utm_medium')?.toLowerCase() ?? null;
  if (utmSource || utmMedium) return { source: utmSource ?? '(not set)', medium: utmMedium ?? '(not set)', campaign };
  const clickId = CLICK_IDS.find((param) => get(param));
  if (clickId) {
    const [source, medium] = CLICK_ID_SOURCES[clickId];
    return { source, medium, campaign };
  }
  const landing = hostOf(input.url);
  const ref = hostOf(input.referrer);
  const own = new Set([landing, ...(input.siteHosts ?? [])].filter((h): h is string => !!h).map((h) => bare(h.toLowerCase())));
  if (!ref || own.has(bare(ref))) return { source: '(direct)', medium: '(none)', campaign };
  const engine = searchEngine(ref);
  if (engine) return { source: engine, medium: 'organic', campaign };
  return { source: socialNetwork(ref) ?? bare(ref), medium: 'referral', campaign };
}

/**
 * Classifies a touch. Total: a malformed URL or referrer only loses what it would have told.
 *
 * @example
 * classifyTouch({ url: 'https://shop.test/?utm_source=google&utm_medium=cpc&utm_campaign=spring', referrer: null })
 * // { channel: 'paid_search', source: 'google', medium: 'cpc', campaign: 'spring', referralCode: null }
 */
export function classifyTouch(input: TouchInput): Classified {
  let query: URLSearchParams | null = null;
  try {
    if (input.url) query = new URL(input.url).searchParams;
  } catch {
    /* a broken landing URL: rely on params and the referrer */
  }
  const get = (k: string): string | null => {
    const p = input.params?.[k];
    const v = typeof p === 'string' ? p : typeof p === 'number' ? String(p) : query?.get(k) ?? null;
    return v && v.trim() ? v.trim() : null;
  };
  const sm = sourceMedium(input, get);
  const referralCode = get('ref');
  return { channel: referralCode ? 'customer_referral' : channelOf(sm.source, sm.medium), ...sm, referralCode };
}

/**
 * GA4's default channel rules, in GA4's order (the first match wins). Cross-network, shopping,
 * video, audio, SMS and push rules are left out (see the module comment); GA4 reads the campaign
 * only for cross-network and shopping, so the campaign plays no part here.
 */
export function channelOf(source: string, medium: string): Channel {
  const s = source.toLowerCase();
  const m = medium.toLowerCase();
  if (s === '(direct)' && (m === '(none)' || m === '(not set)')) return 'direct';
  const search = searchEngine(s) !== null;
  const social = socialNetwork(s) !== null;
  const paid = PAID_MEDIUM.test(m);
  if (search && paid) return 'paid_search';
  if (social && paid) return 'paid_social';
  if (DISPLAY_MEDIUM.has(m)) return 'display';
  if (paid) return 'paid_other';
  if (social || SOCIAL_MEDIUM.has(m)) return 'organic_social';
  if (search || m === 'organic') return 'organic_search';
  if (EMAIL.has(s) || EMAIL.has(m)) return 'email';
  if (m === 'affiliate') return 'affiliate';
  if (REFERRAL_MEDIUM.has(m)) return 'referral';
  return 'unassigned';
}
