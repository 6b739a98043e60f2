import type { Env } from '../env';
import { readClaims, signClaims, urlParam } from './signed';

/**
 * Debug tokens: with one (from `POST /api/sites/:site/debug-token`), `/v1/decide` says why every
 * experience of the site did or did not decide — drafts and other slots included. Without one, a
 * visitor hears only about the experiences that decided a slot for them.
 */
export const DEBUG_PARAM = 'attune_debug';
export const DEBUG_TTL_MAX_S = 24 * 60 * 60;

export function signDebug(env: Env, site: string, expiresAt: number): Promise<string> {
  return signClaims(env, 'debug', { s: site, x: expiresAt });
}

export async function verifyDebug(env: Env, site: string, token: string | undefined, now: number): Promise<boolean> {
  return (await readClaims(env, 'debug', site, token, now)) !== null;
}

export const debugParam = (url: string | undefined) => urlParam(url, DEBUG_PARAM);
