import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv, Env } from '../edge/env';
import { base64url, hmac, safeEqual } from '../edge/crypto';

/**
 * Dashboard sessions: a signed expiry in an HttpOnly, SameSite=Strict cookie. The admin token
 * itself never sits in the cookie; a session is valid while its MAC checks out and it has not expired.
 */
export const SESSION_COOKIE = 'attune_session';
export const SESSION_TTL_S = 12 * 60 * 60;

async function mac(env: Env, purpose: string, value: string): Promise<string> {
  const secret = `attune-dashboard\n${env.ADMIN_TOKEN ?? ''}`;
  return base64url(await hmac(secret, `${purpose}\n${value}`));
}

export async function startSession<E extends AppEnv>(c: Context<E>): Promise<void> {
  const exp = String(Math.floor(Date.now() / 1000) + SESSION_TTL_S);
  const nonce = base64url(crypto.getRandomValues(new Uint8Array(12)));
  const body = `${exp}.${nonce}`;
  setCookie(c, SESSION_COOKIE, `${body}.${await mac(c.env, 'session', body)}`, {
    httpOnly: true,
    sameSite: 'Strict',
    secure: new URL(c.req.url).protocol === 'https:',
    path: '/dashboard',
    maxAge: SESSION_TTL_S,
  });
}

export function endSession<E extends AppEnv>(c: Context<E>): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/dashboard' });
}

/** The session value when the cookie is present, authentic and unexpired; otherwise null. */
export async function currentSession<E extends AppEnv>(c: Context<E>): Promise<string | null> {
  if (!c.env.ADMIN_TOKEN) return null;
  const cookie = getCookie(c, SESSION_COOKIE);
  if (!cookie) return null;
  const parts = cookie.split('.');
  if (parts.length !== 3) return null;
  const [exp, nonce, sig] = parts as [string, string, string];
  if (!(Number(exp) > Date.now() / 1000)) return null;
  const expected = await mac(c.env, 'session', `${exp}.${nonce}`);
  if (!safeEqual(sig, expected)) return null;
  return `${exp}.${nonce}`;
}

/** The CSRF token bound to a session; every state-changing form carries it. */
export function csrfToken<E extends AppEnv>(c: Context<E>, session: string): Promise<string> {
  return mac(c.env, 'csrf', session);
}

/** Cross-site form posts are refused outright: the Origin of a POST must be this host. */
export function sameOrigin<E extends AppEnv>(c: Context<E>): boolean {
  const origin = c.req.header('origin');
  return !origin || origin === new URL(c.req.url).origin;
}
