import { base64url, hmac, hmacKey, safeEqual } from '../crypto';
import type { Env } from '../env';

/**
 * Profile tokens let the browser reach its profile object in one hop:
 * `<profileId>.<base64url(HMAC-SHA256(key, site + "\n" + profileId))[0..22]>`.
 * A token that fails verification is ignored and the visitor is resolved from its anonymous id.
 */
const keys = new Map<string, Promise<CryptoKey>>();

/** The HMAC key for one purpose: each purpose gets its own key, so one kind of token never passes for another. */
export function keyFor(env: Env, purpose: 'profile' | 'preview' | 'ratelimit' = 'profile'): Promise<CryptoKey> {
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

async function mac(env: Env, site: string, profileId: string): Promise<string> {
  const sig = await hmac(await keyFor(env), `${site}\n${profileId}`);
  return base64url(new Uint8Array(sig).slice(0, 16));
}

export async function signProfileToken(env: Env, site: string, profileId: string): Promise<string> {
  return `${profileId}.${await mac(env, site, profileId)}`;
}

/** Returns the profile id a token vouches for, or null when it is malformed or forged. */
export async function verifyProfileToken(env: Env, site: string, token: string | undefined): Promise<string | null> {
  if (!token) return null;
  const dot = token.lastIndexOf('.');
  if (dot <= 0) return null;
  const profileId = token.slice(0, dot);
  if (!/^p_[a-z0-9]{8,64}$/.test(profileId)) return null;
  return safeEqual(token.slice(dot + 1), await mac(env, site, profileId)) ? profileId : null;
}
