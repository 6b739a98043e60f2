import type { Context, MiddlewareHandler } from 'hono';
import type { Env } from '../edge/env';
import { csrfToken, currentSession, sameOrigin } from './session';

export type DashEnv = { Bindings: Env; Variables: { session: string; csrf: string } };

/** Reads the CSRF token a request carries: the `csrf` form field, or the X-CSRF-Token header (client script). */
async function sentCsrf(c: Context<DashEnv>): Promise<string | undefined> {
  const header = c.req.header('x-csrf-token');
  if (header) return header;
  const type = c.req.header('content-type') ?? '';
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/.test(type)) return undefined;
  const form = await c.req.parseBody(); // cached by Hono: handlers can parse it again
  return typeof form.csrf === 'string' ? form.csrf : undefined;
}

/**
 * Every page behind the sign-in: without a valid session, pages redirect to the sign-in form and
 * anything else is refused. Every non-GET request must come from this origin and carry the
 * session's CSRF token. Sets `session` and `csrf` for the handlers.
 */
export function requireSession(): MiddlewareHandler<DashEnv> {
  return async function requireSession(c, next) {
    const session = await currentSession(c );
    const read = c.req.method === 'GET' || c.req.method === 'HEAD';
    if (!session) {
      if (read && c.req.header('upgrade') === undefined) return c.redirect('/dashboard', 303);
      return c.json({ error: { code: 'unauthorized', message: 'sign in first' } }, 401);
    }
    const csrf = await csrfToken(c , session);
    if (!read) {
      if (!sameOrigin(c ) || (await sentCsrf(c)) !== csrf) {
        return c.text('Refused: the form was not sent from this dashboard (missing or wrong CSRF token). Reload the page and try again.', 403);
      }
    }
    c.set('session', session);
    c.set('csrf', csrf);
    await next();
  };
}
