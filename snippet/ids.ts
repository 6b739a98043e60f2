/** Random, URL-safe ids (22 chars, 132 bits) for events, visitors and tabs. */
export function rid(): string {
  let s = '';
  for (const x of crypto.getRandomValues(new Uint8Array(22)))
    s += 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[x & 63];
  return s;
}

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
