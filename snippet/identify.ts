import type { Props } from '../protocol/events';
import { LOOKS_LIKE_EMAIL, normaliseEmail, normalisePhone, PII_KEY } from '../protocol/pii';

const sha256 = async (v: string) =>
  Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(v))), (b) => (b + 256).toString(16).slice(1)).join('');

/**
 * Traits as they may leave the browser: emails and phone numbers (by key, or any value that looks
 * like an email) are normalised and SHA-256 hashed with WebCrypto; plaintext never leaves the page.
 */
export async function hashTraits(traits: Props): Promise<Props> {
  const out: Props = {};
  for (const k in traits) {
    const v = traits[k]!;
    out[k] =
      typeof v == 'string' && (PII_KEY.test(k) || LOOKS_LIKE_EMAIL.test(v.trim()))
        ? await sha256(/phone|mobile/i.test(k) ? normalisePhone(v) : normaliseEmail(v))
        : v;
  }
  return out;
}
