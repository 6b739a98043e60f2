import type { Event, Props } from '../../protocol/events';
import { CLICK_IDS } from '../../protocol/marketing';

/** Query parameters that describe where a visit came from (campaigns, ad clicks, referral codes). */
const MARKETING = new RegExp(`^(utm_[a-z_]{1,40}|${CLICK_IDS.join('|')}|ref)$`);

/** The marketing parameters of a URL as props, values capped; empty when the URL does not parse. */
export function marketingParams(url: string): Props {
  const out: Props = {};
  parsed(url)?.searchParams.forEach((v, k) => {
    if (MARKETING.test(k) && Object.keys(out).length < 16) out[k] = v.slice(0, 200);
  });
  return out;
}

/** A URL, or undefined when it does not parse (relative or malformed). */
function parsed(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** The path of a URL (the tag sends only the URL), or undefined when it does not parse. */
export function pathOf(url: string): string | undefined {
  return parsed(url)?.pathname;
}

/** The first language of an Accept-Language header (`fr-CH, fr;q=0.9` → `fr-CH`). */
export function primaryLanguage(header: string | null): string | undefined {
  const first = header?.split(',')[0]?.split(';')[0]?.trim();
  return first && /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(first) ? first : undefined;
}

/** File endings that make a link click a download (the tag reports every link click as `click`). */
const DOWNLOAD = /\.(pdf|zip|dmg|exe|msi|docx?|xlsx?|pptx?|csv|rtf|mp[34]|mov|gz|rar|7z|apk)$/i;

/**
 * A link click as the tag reports it (`click` with the link's `href`) becomes a `download` (a file
 * link) or an `outbound` click (an http(s) link to another host than the page's), each with only
 * its `href`, as Plausible names them. Any other event is returned as it is.
 */
export function classifyClick(e: Event): Event {
  const href = e.props?.href;
  if (e.type !== 'track' || e.name !== 'click' || typeof href !== 'string') return e;
  const link = parsed(href);
  const page = e.page && parsed(e.page.url);
  const name = !link
    ? undefined
    : DOWNLOAD.test(link.pathname)
      ? 'download'
      : page && link.host !== page.host && /^https?:$/.test(link.protocol)
        ? 'outbound'
        : undefined;
  return name ? { ...e, name, props: { href } } : e;
}

/**
 * Fills what the tag leaves to the edge, keeping the tag small: campaign parameters of page views
 * (parsed from the URL), the path, language and time zone from the request when the event lacks
 * them, and which link clicks are downloads or outbound.
 */
export function enrichEvent(e: Event, request: { lang?: string; tz?: string }): Event {
  e = classifyClick(e);
  if (!e.page) return e;
  const page = { ...e.page, path: e.page.path ?? pathOf(e.page.url), lang: e.page.lang ?? request.lang, tz: e.page.tz ?? request.tz };
  if (e.type !== 'page') return { ...e, page };
  const props = { ...marketingParams(e.page.url), ...e.props };
  return Object.keys(props).length ? { ...e, page, props } : { ...e, page };
}
