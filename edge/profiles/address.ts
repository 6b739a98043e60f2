import { sha256Hex } from '../crypto';
import type { DigestData } from '../engine/digest';
import type { Env } from '../env';
import { PROFILE_TOKEN_RENEW_S, signProfileToken, verifyProfileToken } from './token';
import { profileStub } from '../objects/stubs';

/**
 * A first-seen browser's profile id is derived from its anonymous id, so the first request
 * reaches the right object with no directory lookup. Later requests carry the signed token.
 */
export async function profileIdForAnonymous(site: string, anonymousId: string): Promise<string> {
  return `p_${(await sha256Hex(`${site}\n${anonymousId}`)).slice(0, 24)}`;
}

export interface ResolvedProfile {
  profileId: string;
  /** The browser the token is bound to. */
  anonymousId: string;
  /** The browser's token when it can be kept; null when the answer must carry a new one (signed only then). */
  token: string | null;
  stub: ReturnType<typeof profileStub>;
  /** The digest the browser's token sealed, if it carried one. */
  digest: DigestData | null;
}

/** Resolves the visitor's profile in one hop: a valid token wins, else the anonymous id decides. */
export async function resolveProfile(
  env: Env,
  site: string,
  anonymousId: string,
  token: string | undefined,
  now = Date.now(),
): Promise<ResolvedProfile> {
  const fromToken = await verifyProfileToken(env, site, anonymousId, token, now);
  const profileId = fromToken?.profileId ?? (await profileIdForAnonymous(site, anonymousId));
  // A token near its expiry is renewed in this answer, so a returning browser never falls back to the slow path.
  const keep = fromToken && token && fromToken.expiresAt * 1000 - now > PROFILE_TOKEN_RENEW_S * 1000;
  return {
    profileId,
    anonymousId,
    token: keep ? token : null,
    stub: profileStub(env, site, profileId),
    digest: fromToken?.digest ?? null,
  };
}

/**
 * The token for the profile that answered: sealing the digest it answered with; else the one the
 * browser sent, or after a forward a fresh one that only addresses.
 */
export function tokenFor(env: Env, site: string, resolved: ResolvedProfile, profileId: string, digest?: DigestData | null, now = Date.now()): Promise<string> | string {
  if (digest) return signProfileToken(env, site, profileId, resolved.anonymousId, now, digest);
  if (profileId !== resolved.profileId) return signProfileToken(env, site, profileId, resolved.anonymousId, now);
  // Kept, or renewed near its expiry with the digest it sealed.
  return resolved.token ?? signProfileToken(env, site, profileId, resolved.anonymousId, now, resolved.digest);
}
