import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv, Env } from '../edge/env';
import { base64url, hmac, safeEqual } from '../edge/crypto';
import { adminAccessStub } from '../edge/objects/stubs';

/**
 * Dashboard sessions: a signed expiry and session id in an HttpOnly, SameSite=Strict cookie. The
 * admin token itself never sits in the cookie. A session is valid while its MAC checks out (the key
 * derives from ADMIN_TOKEN, so rotating the token ends every session), it has not expired, and the
 * deployment's AdminAccess object still holds it (signing out, or out everywhere, removes it).
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
  await adminAccessStub(c.env).openSession(nonce, Number(exp) * 1000, Date.now());
  setCookie(c, SESSION_COOKIE, `${body}.${await mac(c.env, 'session', body)}`, {
    httpOnly: true,
    sameSite: 'Strict',
    secure: new URL(c.req.url).protocol === 'https:',
    path: '/dashboard',
    maxAge: SESSION_TTL_S,
  });
}

/** Signs out: this session ends at once, wherever its cookie has been copied. */
export async function endSession<E extends AppEnv>(c: Context<E>, session: string | null): Promise<void> {
  if (session) await adminAccessStub(c.env).closeSession(sessionId(session));
  deleteCookie(c, SESSION_COOKIE, { path: '/dashboard' });
}

/** Signs out everywhere: every session of the dashboard ends. */
export async function endAllSessions<E extends AppEnv>(c: Context<E>): Promise<number> {
  deleteCookie(c, SESSION_COOKIE, { path: '/dashboard' });
  return adminAccessStub(c.env).closeAll();
}

const sessionId = (session: string) => session.slice(session.indexOf('.') + 1);

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
  if (!(await adminAccessStub(c.env).sessionAlive(nonce, Date.now()))) return null;
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
