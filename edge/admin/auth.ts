import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../http/errors';
import type { AppEnv } from '../env';

/** Constant-time comparison of two secrets of possibly different length. */
export async function secretsEqual(a: string, b: string): Promise<boolean> {
  const enc = new TextEncoder();
  // Hash first so lengths match and timing does not reveal the length of the real token.
  const [ha, hb] = await Promise.all([crypto.subtle.digest('SHA-256', enc.encode(a)), crypto.subtle.digest('SHA-256', enc.encode(b))]);
  return crypto.subtle.timingSafeEqual(ha, hb);
}

/** Bearer ADMIN_TOKEN on every /api/** route. */
export function adminAuth(): MiddlewareHandler<AppEnv> {
  return async function adminAuth(c, next) {
    const expected = c.env.ADMIN_TOKEN;
    if (!expected) throw new ApiError(503, 'admin_disabled', 'ADMIN_TOKEN is not configured on this edge');
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match?.[1]) {
      c.header('WWW-Authenticate', 'Bearer');
      throw new ApiError(401, 'unauthorized', 'missing bearer token: send Authorization: Bearer <ADMIN_TOKEN>');
    }
    if (!(await secretsEqual(match[1].trim(), expected))) {
      c.header('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw new ApiError(401, 'unauthorized', 'invalid admin token');
    }
    await next();
  };
}
