import { hex, hmac, safeEqual } from '../crypto';

/**
 * Webhook signatures, Stripe style: `X-Attune-Signature: t=<unix seconds>,v1=<hex>` where the hex
 * is HMAC-SHA256(secret, `${t}.${body}`). Signing the timestamp with the body lets a receiver
 * refuse old deliveries (replays) without keeping state; the idempotency key drops repeats.
 */
export const SIGNATURE_HEADER = 'X-Attune-Signature';
export const IDEMPOTENCY_HEADER = 'X-Attune-Idempotency-Key';

export async function signatureHeader(secret: string, body: string, unixSeconds: number): Promise<string> {
  return `t=${unixSeconds},v1=${hex(await hmac(secret, `${unixSeconds}.${body}`))}`;
}

/**
 * What a receiver does (shown here so tests and docs share one reference): true when a `v1`
 * signature matches and its timestamp is within `toleranceSeconds` of `nowSeconds`.
 */
export async function verifySignature(
  secret: string,
  body: string,
  header: string | null,
  nowSeconds: number,
  toleranceSeconds = 300,
): Promise<boolean> {
  if (!header) return false;
  const parts = header.split(',').map((p) => p.trim().split('='));
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = hex(await hmac(secret, `${t}.${body}`));
  return parts.some(([k, v]) => k === 'v1' && v !== undefined && safeEqual(v, expected));
}

/** A fresh signing secret: 32 random bytes, hex, prefixed so it is recognisable in a vault. */
export function newSecret(): string {
  return `whsec_${hex(crypto.getRandomValues(new Uint8Array(32)))}`;
}
