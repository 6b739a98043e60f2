/** Random ids (28 base-36 characters, 128 bits) for events, visitors and tabs. */
export const rid = () => Array.from(crypto.getRandomValues(new Uint32Array(4)), (x) => x.toString(36).padStart(7, '0')).join('');

/** First-party storage: localStorage, or a first-party cookie where storage is blocked. */
export function load(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    const m = document.cookie.match('(?:^|; )' + key + '=([^;]*)');
    return m ? decodeURIComponent(m[1]!) : null;
  }
}

export function save(key: string, value: string | null): void {
  try {
    value === null ? localStorage.removeItem(key) : localStorage.setItem(key, value);
  } catch {
    document.cookie = key + '=' + (value === null ? ';max-age=0' : encodeURIComponent(value) + ';max-age=31536000') + ';path=/;SameSite=Lax';
  }
}
