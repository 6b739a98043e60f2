/**
 * How personal identifiers are normalised before SHA-256 hashing. The tag hashes in the browser
 * and the edge hashes admin lookups (`email:<address>`) the same way, so both land on one value.
 */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** E.164-style: a leading "+" (or "00") kept as "+", everything but digits dropped. */
export function normalisePhone(phone: string): string {
  const p = phone.trim().replace(/^00/, '+');
  return (p[0] === '+' ? '+' : '') + p.replace(/\D/g, '');
}

/** Trait keys whose values are hashed; any other string value that looks like an email is hashed too. */
export const PII_KEY = /e-?mail|phone|mobile/i;
export const LOOKS_LIKE_EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
