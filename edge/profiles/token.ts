import { base64url, hmac, hmacKey, safeEqual } from '../crypto';
import type { Env } from '../env';

/**
 * Profile tokens let the browser reach its profile object in one hop:
 * `<profileId>.<expiry, unix seconds base 36>.<base64url(HMAC-SHA256(key, site, profileId, anonymousId, expiry))[0..22]>`.
 * A token is bound to the browser it was issued to (a token copied to another anonymous id is
 * worthless) and expires; one that fails verification is ignored and the visitor is resolved from
 * its anonymous id.
 */
export const PROFILE_TOKEN_TTL_S = 30 * 24 * 60 * 60;
/** A token with less than this left is replaced by a fresh one in the next answer. */
export const PROFILE_TOKEN_RENEW_S = 7 * 24 * 60 * 60;

const keys = new Map<string, Promise<CryptoKey>>();

/** The HMAC key for one purpose: each purpose gets its own key, so one kind of token never passes for another. */
/** What a key signs; each its own key. */
export type TokenPurpose = 'profile' | 'preview' | 'debug' | 'editor' | 'ratelimit';

export function keyFor(env: Env, purpose: TokenPurpose = 'profile'): Promise<CryptoKey> {
  const base = env.TOKEN_SECRET ?? (env.ADMIN_TOKEN ? `attune-profile-token\n${env.ADMIN_TOKEN}` : undefined);
  if (!base) throw new Error('TOKEN_SECRET or ADMIN_TOKEN must be set');
  const secret = purpose === 'profile' ? base : `attune-${purpose}\n${base}`;
  let key = keys.get(secret);
  if (!key) {
    key = hmacKey(secret);
    keys.set(secret, key);
  }
  return key;
}

async function mac(env: Env, site: string, profileId: string, anonymousId: string, exp: string): Promise<string> {
  const sig = await hmac(await keyFor(env), `${site}\n${profileId}\n${anonymousId}\n${exp}`);
  return base64url(new Uint8Array(sig).slice(0, 16));
}

export async function signProfileToken(env: Env, site: string, profileId: string, anonymousId: string, now = Date.now()): Promise<string> {
  const exp = (Math.floor(now / 1000) + PROFILE_TOKEN_TTL_S).toString(36);
  return `${profileId}.${exp}.${await mac(env, site, profileId, anonymousId, exp)}`;
}

export interface VerifiedToken {
  profileId: string;
  /** Unix seconds. */
  expiresAt: number;
}

/** What a token vouches for, or null when it is malformed, forged, expired or another browser's. */
export async function verifyProfileToken(env: Env, site: string, anonymousId: string, token: string | undefined, now = Date.now()): Promise<VerifiedToken | null> {
  const parts = token?.split('.');
  if (!parts || parts.length !== 3) return null;
  const [profileId, exp, sig] = parts as [string, string, string];
  if (!/^p_[a-z0-9]{8,64}$/.test(profileId) || !/^[0-9a-z]{1,10}$/.test(exp)) return null;
  const expiresAt = parseInt(exp, 36);
  if (!(expiresAt * 1000 > now)) return null;
  return safeEqual(sig, await mac(env, site, profileId, anonymousId, exp)) ? { profileId, expiresAt } : null;
}
