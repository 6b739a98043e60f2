import { base64url, fromBase64url, hmac, hmacKey, safeEqual } from '../crypto';
import type { DigestData } from '../engine/digest';
import type { Env } from '../env';
import { MAX_PROFILE_TOKEN } from '../../protocol/limits';

/**
 * Profile tokens let the browser reach its profile object in one hop and carry the sealed digest
 * the worker decides from (edge/engine/digest.ts):
 * `<profileId>.<expiry, unix seconds base 36>.<base64url(iv ‖ AES-GCM(digest JSON))>`, the key
 * derived from TOKEN_SECRET, site, profile id, browser and expiry authenticated alongside. Nothing
 * in it is readable or forgeable in the browser; a token copied to another anonymous id or site is
 * worthless; one that fails is ignored and the visitor is resolved from its anonymous id. Tokens
 * from before the digest (`…<base64url(HMAC)[0..22]>`) still address the profile, and decide nothing.
 */
export const PROFILE_TOKEN_TTL_S = 30 * 24 * 60 * 60;
/** A token with less than this left is replaced by a fresh one in the next answer. */
export const PROFILE_TOKEN_RENEW_S = 7 * 24 * 60 * 60;

const enc = new TextEncoder();
const dec = new TextDecoder();
const keys = new Map<string, Promise<CryptoKey>>();

/** What a key signs; each its own key. */
export type TokenPurpose = 'profile' | 'preview' | 'debug' | 'editor' | 'ratelimit';

function secretOf(env: Env, purpose: TokenPurpose | 'digest'): string {
  const base = env.TOKEN_SECRET ?? (env.ADMIN_TOKEN ? `attune-profile-token\n${env.ADMIN_TOKEN}` : undefined);
  if (!base) throw new Error('TOKEN_SECRET or ADMIN_TOKEN must be set');
  return purpose === 'profile' ? base : `attune-${purpose}\n${base}`;
}

function cached(secret: string, make: () => Promise<CryptoKey>): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) keys.set(secret, (key = make()));
  return key;
}

/** The HMAC key for one purpose: each purpose gets its own key, so one kind of token never passes for another. */
export function keyFor(env: Env, purpose: TokenPurpose = 'profile'): Promise<CryptoKey> {
  const secret = secretOf(env, purpose);
  return cached(secret, () => hmacKey(secret));
}

/** The AES-GCM key digests are sealed with. */
function sealKey(env: Env): Promise<CryptoKey> {
  const secret = secretOf(env, 'digest');
  return cached(`aes\n${secret}`, async () =>
    crypto.subtle.importKey('raw', await crypto.subtle.digest('SHA-256', enc.encode(secret)), 'AES-GCM', false, ['encrypt', 'decrypt']),
  );
}

const boundTo = (site: string, profileId: string, anonymousId: string, exp: string) => enc.encode(`${site}\n${profileId}\n${anonymousId}\n${exp}`);

/** The legacy signature: tokens issued before the digest. */
async function mac(env: Env, site: string, profileId: string, anonymousId: string, exp: string): Promise<string> {
  const sig = await hmac(await keyFor(env), `${site}\n${profileId}\n${anonymousId}\n${exp}`);
  return base64url(new Uint8Array(sig).slice(0, 16));
}

/**
 * A token for this browser's profile, sealing `digest` (null: one that only addresses the profile).
 * A digest too large for a cookie is left out: the token then only addresses.
 */
export async function signProfileToken(env: Env, site: string, profileId: string, anonymousId: string, now = Date.now(), digest: DigestData | null = null): Promise<string> {
  const exp = (Math.floor(now / 1000) + PROFILE_TOKEN_TTL_S).toString(36);
  const seal = async (plain: string) => {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: boundTo(site, profileId, anonymousId, exp) }, await sealKey(env), enc.encode(plain));
    const bytes = new Uint8Array(12 + sealed.byteLength);
    bytes.set(iv);
    bytes.set(new Uint8Array(sealed), 12);
    return `${profileId}.${exp}.${base64url(bytes)}`;
  };
  const token = await seal(digest ? JSON.stringify(digest) : '');
  return token.length <= MAX_PROFILE_TOKEN || !digest ? token : seal('');
}

export interface VerifiedToken {
  profileId: string;
  /** Unix seconds. */
  expiresAt: number;
  /** What the profile sealed in it; null for a token that only addresses. */
  digest: DigestData | null;
}

/** What a token vouches for, or null when it is malformed, forged, expired or another browser's. */
export async function verifyProfileToken(env: Env, site: string, anonymousId: string, token: string | undefined, now = Date.now()): Promise<VerifiedToken | null> {
  const parts = token?.split('.');
  if (!parts || parts.length !== 3) return null;
  const [profileId, exp, sealed] = parts as [string, string, string];
  if (!/^p_[a-z0-9]{8,64}$/.test(profileId) || !/^[0-9a-z]{1,10}$/.test(exp) || !/^[A-Za-z0-9_-]+$/.test(sealed)) return null;
  const expiresAt = parseInt(exp, 36);
  if (!(expiresAt * 1000 > now)) return null;
  if (sealed.length === 22) return safeEqual(sealed, await mac(env, site, profileId, anonymousId, exp)) ? { profileId, expiresAt, digest: null } : null;
  try {
    const bytes = fromBase64url(sealed);
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: bytes.subarray(0, 12), additionalData: boundTo(site, profileId, anonymousId, exp) },
      await sealKey(env),
      bytes.subarray(12),
    );
    const json = dec.decode(plain);
    return { profileId, expiresAt, digest: json ? (JSON.parse(json) as DigestData) : null };
  } catch {
    return null; // forged, truncated, or sealed for another site or browser
  }
}
