import type { Event, Props } from '../../protocol/events';

/** Query parameters that describe where a visit came from (campaigns, ad clicks, referral codes). */
const MARKETING = /^(utm_[a-z_]{1,40}|gclid|fbclid|msclkid|ttclid|li_fat_id|ref)$/;

/** The marketing parameters of a URL as props, values capped; empty when the URL does not parse. */
export function marketingParams(url: string): Props {
  const out: Props = {};
  try {
    new URL(url).searchParams.forEach((v, k) => {
      if (MARKETING.test(k) && Object.keys(out).length < 16) out[k] = v.slice(0, 200);
    });
  } catch {
    /* relative or malformed URL: nothing to extract */
  }
  return out;
}

/** The path of a URL (the tag sends only the URL), or undefined when it does not parse. */
export function pathOf(url: string): string | undefined {
  try {
    return new URL(url).pathname;
  } catch {
    return undefined;
  }
}

/** The first language of an Accept-Language header (`fr-CH, fr;q=0.9` → `fr-CH`). */
export function primaryLanguage(header: string | null): string | undefined {
  const first = header?.split(',')[0]?.split(';')[0]?.trim();
  return first && /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(first) ? first : undefined;
}

/**
 * Fills what the tag leaves to the edge, keeping the tag small: campaign parameters of page views
 * (parsed from the URL), the path, and language and time zone from the request when the event lacks them.
 */
export function enrichEvent(e: Event, request: { lang?: string; tz?: string }): Event {
  if (!e.page) return e;
  const page = { ...e.page, path: e.page.path ?? pathOf(e.page.url), lang: e.page.lang ?? request.lang, tz: e.page.tz ?? request.tz };
  if (e.type !== 'page') return { ...e, page };
  const props = { ...marketingParams(e.page.url), ...e.props };
  return Object.keys(props).length ? { ...e, page, props } : { ...e, page };
}
