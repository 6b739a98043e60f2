/** Random ids (28 base-36 characters, 128 bits) for events, visitors and tabs. */
export const rid = () => Array.from(crypto.getRandomValues(new Uint32Array(4)), (x) => x.toString(36).padStart(7, '0')).join('');

/**
 * A first-party cookie for a year, or deleted with `null`. Values are ids, tokens and consent
 * states, all cookie-safe, so they are written as they are.
 */
export const cookie = (key: string, value: string | null) => (document.cookie = `${key}=${value};path=/;SameSite=Lax;max-age=${value ? 3e7 : 0}`);

/** First-party storage: localStorage, or a first-party cookie where storage is blocked. */
export function load(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return document.cookie.match('(?:^|; )' + key + '=([^;]*)')?.[1] || null;
  }
}

export function save(key: string, value: string | null): void {
  try {
    value == null ? localStorage.removeItem(key) : localStorage.setItem(key, value);
  } catch {
    cookie(key, value);
  }
}
