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

/** Trait keys that name a phone number (normalised as one); other personal keys are emails. */
export const PHONE_KEY = /phone|mobile/i;
/** A SHA-256 digest in hex: what a hashed email or phone looks like once the tag has hashed it. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * The normalised text a trait's value is hashed from, or null when it is kept as it is: a value
 * under a personal key (email, phone, mobile) or any value that looks like an email is personal;
 * one that is a SHA-256 digest already was hashed by the tag and is not hashed twice.
 */
export function personalValue(key: string, value: string): string | null {
  if (SHA256_HEX.test(value) || !(PII_KEY.test(key) || LOOKS_LIKE_EMAIL.test(value.trim()))) return null;
  return PHONE_KEY.test(key) ? normalisePhone(value) : normaliseEmail(value);
}
