import { parseUserAgent } from '../engine/user-agent';
import type { VisitFacts } from '../profiles/traffic-store';

/** Geo of the request as Cloudflare reports it (`request.cf`); absent locally unless a test sets it. */
export interface RequestGeo {
  country?: string;
  region?: string;
  regionCode?: string;
}

/**
 * Where a browser's request came from and on what, for the visit its page view starts: country and
 * region from `request.cf` (the address itself is never kept), device class, browser and OS family
 * from the user agent (a bot's visits are not counted).
 */
export function visitFacts(cf: RequestGeo | undefined, userAgent: string | undefined): VisitFacts {
  const out: VisitFacts = {};
  if (cf?.country && cf.country !== 'XX' && cf.country !== 'T1') out.country = cf.country;
  const region = cf?.region ?? cf?.regionCode;
  if (out.country && region) out.region = `${out.country}: ${region}`.slice(0, 100);
  if (userAgent) Object.assign(out, parseUserAgent(userAgent));
  return out;
}
