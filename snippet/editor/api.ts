import { EDITOR_HEADER as HEADER } from '../../protocol/markup';

export type Call = <T>(method: 'GET' | 'PUT' | 'PATCH', path: string, body?: unknown) => Promise<T>;

/**
 * Calls the editor routes (/v1/editor/…) with the token. A refusal becomes an Error carrying the
 * edge's own message (`{error: {message}}`); a request the browser could not complete (offline, or
 * an answer without CORS headers) becomes one that says what to check.
 */
export function editorApi(api: string, token: string): Call {
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(`${api}/v1/editor${path}`, {
        method,
        headers: { [HEADER]: token, ...(body !== undefined && { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch (err) {
      console.debug('attune editor: request failed', err);
      throw new Error(
        'Could not reach Attune: the editor link may be forged or expired, or this page\'s origin is not allowed for the site. Open a new editor link from the dashboard.',
      );
    }
    let data: unknown = null;
    try {
      data = await res.json();
    } catch {
      /* not JSON */
    }
    if (!res.ok) {
      const message = (data as { error?: { message?: unknown } } | null)?.error?.message;
      throw new Error(typeof message === 'string' ? message : `Attune answered ${res.status}`);
    }
    return data as T;
  };
}
