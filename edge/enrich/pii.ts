import { personalValue } from '../../protocol/pii';
import { sha256Hex } from '../crypto';

type Scalar = string | number | boolean | null;

/**
 * Traits as the tag sends them: emails and phones normalised and SHA-256 hashed, so plaintext
 * never reaches a profile, an export, a webhook or a placeholder, whichever route they came by.
 */
export async function hashPersonalTraits<T extends Record<string, Scalar>>(traits: T): Promise<T> {
  const out: Record<string, Scalar> = {};
  for (const [k, v] of Object.entries(traits)) {
    const personal = typeof v === 'string' ? personalValue(k, v) : null;
    out[k] = personal === null ? v : await sha256Hex(personal);
  }
  return out as T;
}
