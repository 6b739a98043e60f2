import type { MiddlewareHandler } from 'hono';
import { secretsEqual } from '../crypto';
import { ApiError } from '../http/errors';
import { recordAuthFailure, refuseIfThrottled } from '../http/auth-throttle';
import type { AppEnv } from '../env';

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
    await refuseIfThrottled(c);
    if (!(await secretsEqual(match[1].trim(), expected))) {
      await recordAuthFailure(c);
      c.header('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw new ApiError(401, 'unauthorized', 'invalid admin token');
    }
    await next();
  };
}
