import type { Event } from '../../protocol/events';
import { SHA256_HEX } from '../../protocol/pii';

/**
 * A known identifier that can join profiles: a user id, a SHA-256 (hex) of an email or phone, or a
 * custom type the site names with an `id:<type>` trait (`{ "id:crm": "C-42" }` → type `crm`).
 */
export interface Identifier {
  type: string;
  value: string;
}

/** Identifier types a site may name itself: lower-case, not one of the built-in ones. */
const CUSTOM = /^id:([a-z][a-z0-9_]{0,31})$/;
const BUILT_IN = new Set(['user', 'email', 'phone', 'anonymous']);

/**
 * How many custom identifier types one profile may hold. Each type has its own per-type limit, so
 * without this an identify could name thousands of types, each claimed in its own object.
 */
export const MAX_CUSTOM_TYPES = 10;
export const isCustomType = (type: string) => !BUILT_IN.has(type);

/** How many earlier ids (Segment's alias, `previousId`) one batch may join; a browser names one at login. */
export const MAX_ALIASES_PER_BATCH = 5;

/**
 * The identifiers an event names: the user id of any event that carries one (a server's track or
 * page names its user as surely as an identify does), and for identifies the email and phone
 * hashes and custom ids of their traits. Emails and phones count only as the tag sends them,
 * hashed; a plaintext value never becomes an identifier.
 */
export function identifiersOf(e: Event): Identifier[] {
  const out: Identifier[] = [];
  if (e.userId) out.push({ type: 'user', value: e.userId });
  if (e.type !== 'identify') return out;
  for (const type of ['email', 'phone'] as const) {
    const v = e.traits?.[type];
    if (typeof v === 'string' && SHA256_HEX.test(v)) out.push({ type, value: v });
  }
  for (const [k, v] of Object.entries(e.traits ?? {})) {
    const type = CUSTOM.exec(k)?.[1];
    if (type && !BUILT_IN.has(type) && (typeof v === 'string' || typeof v === 'number') && String(v)) out.push({ type, value: String(v) });
  }
  return out;
}

export const identifierKey = (site: string, id: Identifier) => `${site}/${id.type}:${id.value}`;

/** Each identifier once, in first-seen order (a batch of identifies names the same ones again and again). */
export function uniqueIdentifiers(ids: Identifier[]): Identifier[] {
  const seen = new Set<string>();
  return ids.filter((id) => {
    const key = `${id.type}:${id.value}`;
    return !seen.has(key) && (seen.add(key), true);
  });
}
