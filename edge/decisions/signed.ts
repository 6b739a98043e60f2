import { base64url, fromBase64url, hmac, safeEqual } from '../crypto';
import type { Env } from '../env';
import { keyFor, type TokenPurpose } from '../profiles/token';

/**
 * Short signed claims for links the admin API hands out (previews, debug): `base64url(JSON).mac`,
 * each purpose with its own key, so one kind never passes for another. Always site-bound and
 * expiring (`s`, `x` in epoch ms); the caller checks its own fields.
 */
const enc = new TextEncoder();

async function mac(env: Env, purpose: TokenPurpose, payload: string): Promise<string> {
  return base64url(await hmac(await keyFor(env, purpose), payload));
}

export async function signClaims(env: Env, purpose: TokenPurpose, claims: { s: string; x: number } & Record<string, unknown>): Promise<string> {
  const payload = base64url(enc.encode(JSON.stringify(claims)));
  return `${payload}.${await mac(env, purpose, payload)}`;
}

/** The claims of a token for `site` that is authentic and unexpired at `now`, else null. */
export async function readClaims(env: Env, purpose: TokenPurpose, site: string, token: string | undefined, now: number): Promise<Record<string, unknown> | null> {
  if (!token || token.length > 1024) return null;
  const [payload, sig, extra] = token.split('.');
  if (!payload || !sig || extra !== undefined) return null;
  if (!safeEqual(sig, await mac(env, purpose, payload))) return null;
  try {
    const raw = JSON.parse(new TextDecoder().decode(fromBase64url(payload))) as Record<string, unknown>;
    return raw.s === site && typeof raw.x === 'number' && raw.x >= now ? raw : null;
  } catch {
    return null;
  }
}

/** A token a page URL carries in `param`, if any. */
export function urlParam(url: string | undefined, param: string): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).searchParams.get(param) ?? undefined;
  } catch {
    return undefined;
  }
}
