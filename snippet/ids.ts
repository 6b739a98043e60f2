/** Random, URL-safe ids (22 chars, 132 bits) for events and anonymous visitors. */
export function rid(): string {
  const b = crypto.getRandomValues(new Uint8Array(22));
  let s = '';
  for (const x of b) s += 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[x & 63];
  return s;
}

/** First-party storage: localStorage, falling back to a cookie when storage is blocked. */
export function load(key: string): string | null {
  try {
    const v = localStorage.getItem(key);
    if (v) return v;
  } catch {
    /* storage blocked: fall through to the cookie */
  }
  const m = document.cookie.match(new RegExp('(?:^|; )' + key + '=([^;]*)'));
  return m ? decodeURIComponent(m[1]!) : null;
}

export function save(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    /* fall back to the cookie below */
  }
  document.cookie =
    key + '=' + (value === null ? ';max-age=0' : encodeURIComponent(value) + ';max-age=31536000') + ';path=/;SameSite=Lax';
}
