import type { WebhookPayload } from '../../protocol/destinations';

/**
 * One webhook on its way: what the queue carries. The body is built once, where the message is
 * made (a profile's outbox, a replay), so every attempt sends the same bytes and the same
 * idempotency key (`payload.id`).
 */
export interface DestinationMessage {
  site: string;
  destination: string;
  payload: WebhookPayload;
}

/** Retry delay after `attempts` failed tries: base · 2^(attempts-1), capped at an hour. */
export function backoffSeconds(attempts: number, base: number): number {
  return Math.min(3600, Math.round(base * 2 ** Math.max(0, attempts - 1)));
}
