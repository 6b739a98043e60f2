import type { Event } from '../../protocol/events';

/** Hex HMAC-SHA256(secret, userId): what a site's server computes to vouch for an identify. */
export async function identitySignature(secret: string, userId: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(userId));
  return Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The user ids in `events` whose identify carries a valid signature. Where a site requires
 * verification, only these may become identifiers and join profiles; emails and phones are
 * self-asserted and never do. Everything else is recorded as a claim and joins nothing.
 */
export async function verifiedUserIds(secret: string | null, events: Event[]): Promise<string[]> {
  if (!secret) return [];
  const verified: string[] = [];
  const enc = new TextEncoder();
  for (const e of events) {
    if (e.type !== 'identify' || !e.userId || !e.signature) continue;
    const expected = await identitySignature(secret, e.userId);
    const given = e.signature.toLowerCase();
    if (given.length === expected.length && crypto.subtle.timingSafeEqual(enc.encode(given), enc.encode(expected))) verified.push(e.userId);
  }
  return verified;
}
