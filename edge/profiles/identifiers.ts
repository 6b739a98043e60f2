import type { Event } from '../../protocol/events';

/** A known identifier that can join profiles: a user id, or a SHA-256 (hex) of an email or phone. */
export interface Identifier {
  type: 'user' | 'email' | 'phone';
  value: string;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * The identifiers an identify event names. Emails and phones count only as the tag sends them,
 * hashed; a plaintext value never becomes an identifier.
 */
export function identifiersOf(e: Event): Identifier[] {
  if (e.type !== 'identify') return [];
  const out: Identifier[] = [];
  if (e.userId) out.push({ type: 'user', value: e.userId });
  for (const type of ['email', 'phone'] as const) {
    const v = e.traits?.[type];
    if (typeof v === 'string' && SHA256_HEX.test(v)) out.push({ type, value: v });
  }
  return out;
}

export const identifierKey = (site: string, id: Identifier) => `${site}/${id.type}:${id.value}`;
