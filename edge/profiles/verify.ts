import { hex, hmac, safeEqual } from '../crypto';
import type { Event } from '../../protocol/events';

/** Hex HMAC-SHA256(secret, userId): what a site's server computes to vouch for an identify. */
export async function identitySignature(secret: string, userId: string): Promise<string> {
  return hex(await hmac(secret, userId));
}

/**
 * The user ids in `events` whose identify carries a valid signature. Where a site requires
 * verification, only these may become identifiers and join profiles; emails and phones are
 * self-asserted and never do. Everything else is recorded as a claim and joins nothing.
 */
export async function verifiedUserIds(secret: string | null, events: Event[]): Promise<string[]> {
  if (!secret) return [];
  const verified: string[] = [];
  for (const e of events) {
    if (e.type !== 'identify' || !e.userId || !e.signature) continue;
    if (safeEqual(e.signature.toLowerCase(), await identitySignature(secret, e.userId))) verified.push(e.userId);
  }
  return verified;
}
