import type { Event } from '../../protocol/events';
import type { Identifier } from './identifiers';

/** Hex HMAC-SHA256(secret, userId): what a site's server computes to vouch for an identify. */
export async function identitySignature(secret: string, userId: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(userId));
  return Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * When a site requires identity verification, only a user id whose identify carries a valid
 * signature may join this browser to a profile. Emails and phones are self-asserted, so they never
 * link there; unverified identifies stay in the timeline as claims and join nothing.
 */
export async function verifiedLinks(secret: string | null, events: Event[], link: Identifier[]): Promise<Identifier[]> {
  if (!secret) return [];
  const verified = new Set<string>();
  const enc = new TextEncoder();
  for (const e of events) {
    if (e.type !== 'identify' || !e.userId || !e.signature) continue;
    const expected = await identitySignature(secret, e.userId);
    const given = e.signature.toLowerCase();
    if (given.length === expected.length && crypto.subtle.timingSafeEqual(enc.encode(given), enc.encode(expected))) verified.add(e.userId);
  }
  return link.filter((id) => id.type === 'user' && verified.has(id.value));
}
