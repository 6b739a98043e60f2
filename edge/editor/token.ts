import { readClaims, signClaims } from '../decisions/signed';
import { EDIT_PARAM } from '../../protocol/markup';
import type { Env } from '../env';

/** An editor token: one site, at most an hour, optionally the experience the link was made for. */
export interface EditorGrant {
  site: string;
  experience: string | null;
  expiresAt: number;
}

export function signEditor(env: Env, grant: EditorGrant): Promise<string> {
  return signClaims(env, 'editor', { s: grant.site, x: grant.expiresAt, ...(grant.experience && { e: grant.experience }) });
}

/** What an editor token grants on `site` now, or null when it is forged, expired or another site's. */
export async function verifyEditor(env: Env, site: string, token: string | undefined, now: number): Promise<EditorGrant | null> {
  const c = await readClaims(env, 'editor', site, token, now);
  return c && { site, experience: typeof c.e === 'string' ? c.e : null, expiresAt: c.x as number };
}

/** The site an editor token names, read without trusting it (verifyEditor checks it). */
export function editorSite(token: string | undefined): string | null {
  try {
    const payload = token?.split('.')[0];
    if (!payload) return null;
    const raw = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { s?: unknown };
    return typeof raw.s === 'string' ? raw.s : null;
  } catch {
    return null;
  }
}

/** Whether one of the batch's page views is an editor link of this site with a valid token (the tag then loads the editor). */
export async function editorPage(env: Env, site: string, events: readonly { page?: { url: string } }[], now: number): Promise<boolean> {
  for (const e of events) {
    if (!e.page?.url.includes(`${EDIT_PARAM}=`)) continue;
    try {
      if (await verifyEditor(env, site, new URL(e.page.url).searchParams.get(EDIT_PARAM) ?? undefined, now)) return true;
    } catch {
      /* not a URL: no editor */
    }
  }
  return false;
}

/** A page URL without its editor token (an editor link's page view is stored, the token is not). */
export function withoutEditToken(url: string): string {
  try {
    const u = new URL(url);
    u.searchParams.delete(EDIT_PARAM);
    return u.href;
  } catch {
    return url;
  }
}
