import { base64url, hmac, safeEqual } from '../crypto';
import type { Env } from '../env';
import { keyFor } from '../profiles/token';

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
const enc = new TextEncoder();

async function mac(env: Env, payload: string): Promise<string> {
  return base64url(await hmac(await keyFor(env, 'preview'), payload));
}

export async function signPreview(env: Env, p: Preview): Promise<string> {
  const payload = base64url(enc.encode(JSON.stringify({ s: p.site, e: p.experience, v: p.variant, x: p.expiresAt })));
  return `${payload}.${await mac(env, payload)}`;
}

/** The preview a token grants for `site` now, or null when it is malformed, forged, expired or for another site. */
export async function verifyPreview(env: Env, site: string, token: string | undefined, now: number): Promise<Preview | null> {
  if (!token || token.length > 1024) return null;
  const [payload, sig, extra] = token.split('.');
  if (!payload || !sig || extra !== undefined) return null;
  if (!safeEqual(sig, await mac(env, payload))) return null;
  try {
    const b = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const raw = JSON.parse(new TextDecoder().decode(Uint8Array.from(b, (c) => c.charCodeAt(0)))) as Record<string, unknown>;
    const { s, e, v, x } = raw;
    if (typeof s !== 'string' || typeof e !== 'string' || typeof v !== 'string' || typeof x !== 'number') return null;
    if (s !== site || x < now) return null;
    return { site: s, experience: e, variant: v, expiresAt: x };
  } catch {
    return null;
  }
}

/** The preview token carried by a page URL, if any. */
export function previewParam(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).searchParams.get(PREVIEW_PARAM) ?? undefined;
  } catch {
    return undefined;
  }
}
