import type { Context } from 'hono';
import { adminApi } from '../edge/admin';
import type { DashEnv } from './guard';

export interface ApiResult<T> {
  status: number;
  ok: boolean;
  body: T;
}

/**
 * Calls the admin API in-process with the edge's own token: the dashboard sees only what the API
 * returns, and every rule the API enforces (validation, limits) holds here too.
 */
export async function api<T>(c: Context<DashEnv>, path: string, init: { method?: string; body?: unknown } = {}): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { Authorization: `Bearer ${c.env.ADMIN_TOKEN}` };
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await adminApi.request(
    path,
    { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) },
    c.env,
    c.executionCtx,
  );
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = { error: { code: 'bad_json', message: text.slice(0, 200) } };
  }
  return { status: res.status, ok: res.ok, body: body as T };
}

/** The message of an API error answer, for showing next to the form that caused it. */
export function errorMessage(body: unknown): string {
  const e = (body as { error?: { message?: string } } | null)?.error;
  return e?.message ?? 'The request failed.';
}

/** `/sites/<key>` with the key escaped; every site-scoped API path starts with it. */
export const sitePath = (site: string) => `/sites/${encodeURIComponent(site)}`;
