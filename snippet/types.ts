import type { Decision } from '../protocol/decide';
import type { Event, EventType, Props } from '../protocol/events';

/**
 * Names ending in "_" are internal to the tag (shared between attune.js and its lazy modules):
 * the build shortens them consistently across the three files (esbuild mangleProps + mangleCache).
 */

/** A queued event with the anonymous id it was recorded under (reset() changes the current one). */
export interface Queued {
  e: Event;
  a: string;
}

/**
 * Sends the first batch of `items` (one anonymous id, within the byte budget) to /v1/collect.
 * Returns the items it took and the verdict: 0 when they are done with (acknowledged, or refused
 * for good), else how long to wait before retrying: Retry-After in ms, or NaN for "back off".
 */
export type Post = (items: Queued[]) => Promise<[Queued[], number]>;

/** The durable outbox (snippet/outbox.ts), lazily loaded. */
export interface Delivery {
  push_(q: Queued): void;
  flush_(): Promise<void>;
  /** pagehide / hidden: last chance to send. */
  beacon_(): void;
  clear_(): void;
}

/**
 * What the core lends its lazily loaded modules (one object for both): personalization and
 * identify use the page and profile state, the outbox its sender, its beacon and the id and
 * storage helpers, so that none of it is bundled twice.
 */
export interface TagContext {
  site_: string;
  api_: string;
  antiFlicker_: number | null;
  envelope_(): { site: string; anonymousId: string; profileToken?: string };
  referrer_(): string;
  granted_(): boolean;
  setToken_(token: string): void;
  send_(type: EventType, name?: string, props?: Props, extra?: Partial<Event>): void;
  emit_(decisions: Record<string, Decision>): void;
  debug_(...a: unknown[]): void;
  post_: Post;
  /** Sends the first batch of `items` with sendBeacon. */
  beacon_(items: Queued[]): void;
  /** Whether events were sent or wait that the stored profile token has not seen. */
  unseen_(): unknown;
  rid_(): string;
  save_(key: string, value: string | null): void;
}

export type OutboxModule = { open(t: TagContext): Promise<Delivery> };

export interface Personalizer {
  decide_(slots?: string[]): Promise<Record<string, Decision>>;
  /** A new page view: exposures count again and the page's slots are decided. */
  page_(): void;
  identify_(userId: string, traits?: Props, opts?: { signature?: string }): Promise<void>;
}

export type PersonalizeModule = { create(t: TagContext): Personalizer };
