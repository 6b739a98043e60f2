import { expect } from 'vitest';
import { call, TOKEN } from './helpers';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** Posts a form without following the redirect (the worker's loopback fetch would follow it). */
export function form(path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  const body = new URLSearchParams(fields).toString();
  return call(path, { method: 'POST', headers: { ...FORM, ...headers }, body, redirect: 'manual' });
}

/** Signs in and returns the `Cookie` header value for the session. */
export async function signIn(): Promise<string> {
  const res = await form('/dashboard/login', { token: TOKEN });
  expect(res.status).toBe(303);
  const cookie = res.headers.get('set-cookie')?.split(';')[0];
  expect(cookie).toMatch(/^attune_session=.+/);
  return cookie ?? '';
}

export async function html(path: string, cookie?: string): Promise<{ status: number; text: string; res: Response }> {
  const res = await call(path, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
  return { status: res.status, text: await res.text(), res };
}

export const csrfOf = (page: string) => /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

/** A signed-in session: its cookie and CSRF token, and a form poster that sends both. */
export async function session() {
  const cookie = await signIn();
  const csrf = csrfOf((await html('/dashboard', cookie)).text);
  expect(csrf).not.toBe('');
  return {
    cookie,
    csrf,
    get: (path: string) => html(path, cookie),
    post: (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) => form(path, { csrf, ...fields }, { cookie, ...headers }),
  };
}
