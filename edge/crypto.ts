/** The edge's small WebCrypto helpers: encodings, SHA-256, HMAC and constant-time comparison. */
const enc = new TextEncoder();

export function base64url(bytes: ArrayBuffer | Uint8Array): string {
  let s = '';
  for (const b of bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The bytes of base64url text (padding optional); throws on text that is not base64. */
export const fromBase64url = (s: string): Uint8Array => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

export function hex(bytes: ArrayBuffer | Uint8Array): string {
  return Array.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** SHA-256 of UTF-8 text, as hex: how the tag hashes emails and phones. */
export async function sha256Hex(text: string): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', enc.encode(text)));
}

export function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

export async function hmac(key: CryptoKey | string, message: string): Promise<ArrayBuffer> {
  return crypto.subtle.sign('HMAC', typeof key === 'string' ? await hmacKey(key) : key, enc.encode(message));
}

/** Constant-time equality of two strings (lengths may differ; that alone answers false). */
export function safeEqual(a: string, b: string): boolean {
  const [x, y] = [enc.encode(a), enc.encode(b)];
  return x.byteLength === y.byteLength && crypto.subtle.timingSafeEqual(x, y);
}

/** Equality of two secrets that reveals neither their contents nor the real one's length. */
export async function secretsEqual(a: string, b: string): Promise<boolean> {
  return safeEqual(await sha256Hex(a), await sha256Hex(b));
}
