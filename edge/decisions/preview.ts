import type { Env } from '../env';
import { readClaims, signClaims, urlParam } from './signed';

/**
 * Signed preview links: `?attune_preview=<token>` shows one variant of one experience, whatever
 * its status, audience or allocation, to whoever holds the link until it expires. Nothing is
 * remembered: no assignment, so a marketer's own bucket is untouched.
 * Token: `base64url(JSON {s,e,v,x}).base64url(HMAC-SHA256(preview key, payload))`.
 */
export interface Preview {
  site: string;
  experience: string;
  variant: string;
  expiresAt: number;
}

export const PREVIEW_PARAM = 'attune_preview';

export function signPreview(env: Env, p: Preview): Promise<string> {
  return signClaims(env, 'preview', { s: p.site, e: p.experience, v: p.variant, x: p.expiresAt });
}

/** The preview a token grants for `site` now, or null when it is malformed, forged, expired or for another site. */
export async function verifyPreview(env: Env, site: string, token: string | undefined, now: number): Promise<Preview | null> {
  const c = await readClaims(env, 'preview', site, token, now);
  if (!c || typeof c.e !== 'string' || typeof c.v !== 'string') return null;
  return { site, experience: c.e, variant: c.v, expiresAt: c.x as number };
}

/** The preview token carried by a page URL, if any. */
export const previewParam = (url: string | undefined) => urlParam(url, PREVIEW_PARAM);
