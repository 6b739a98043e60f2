import type { Env } from '../env';
import { outboundUrlRule } from '../http/public-url';
import type { DeliveryTarget } from '../objects/destination-hub';
import type { DestinationMessage } from './message';
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, signatureHeader } from './sign';

/** A receiver gets this long to answer. */
const TIMEOUT_MS = 10_000;

export interface AttemptResult {
  ok: boolean;
  status: number;
  error: string | null;
  durationMs: number;
}

/**
 * POSTs one message to its destination, signed; never throws. Any 2xx counts as delivered. A
 * destination whose URL is not a public address is never fetched (it was checked when saved; this
 * holds for destinations saved before that check, or while local development allowed them).
 */
export async function deliver(env: Env, target: DeliveryTarget, msg: DestinationMessage, attempt: number): Promise<AttemptResult> {
  const body = JSON.stringify(msg.payload);
  const started = Date.now();
  const refused = outboundUrlRule(env, target.url);
  if (refused) return { ok: false, status: 0, error: `not sent: the URL is a ${refused}`, durationMs: 0 };
  try {
    const res = await fetch(target.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'Attune-Webhooks/1',
        [SIGNATURE_HEADER]: await signatureHeader(target.secret, body, Math.floor(Date.now() / 1000)),
        [IDEMPOTENCY_HEADER]: msg.payload.id,
        'X-Attune-Attempt': String(attempt),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    // The body is not needed; drain it so the connection can be reused.
    await res.body?.cancel().catch(() => {});
    const ok = res.status >= 200 && res.status < 300;
    return { ok, status: res.status, error: ok ? null : `receiver answered ${res.status}`, durationMs: Date.now() - started };
  } catch (err) {
    return { ok: false, status: 0, error: String((err as Error)?.message ?? err).slice(0, 300), durationMs: Date.now() - started };
  }
}
