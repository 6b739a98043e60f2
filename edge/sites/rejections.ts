import type { Context } from 'hono';
import { splitError, type Rejection } from '../../protocol/rejections';
import type { AppEnv } from '../env';
import { feedStub } from '../objects/stubs';

/** Keeps a request's refused messages in the site's rejection log, without holding up the answer. */
export function keepRejections(
  c: Context<AppEnv>,
  site: string,
  route: string,
  rejected: { index: number; messageId?: string; error: string; library: string | null }[],
  now: number,
): void {
  const items: Rejection[] = rejected.slice(0, 50).map((r) => ({
    at: now,
    route,
    library: r.library,
    index: r.index,
    ...(r.messageId && { messageId: r.messageId }),
    ...splitError(r.error),
  }));
  c.executionCtx.waitUntil(feedStub(c.env, site).reject(items).catch((err: unknown) => console.error('rejection log append failed', err)));
}
