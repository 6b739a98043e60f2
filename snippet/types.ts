import type { Decision } from '../protocol/decide';
import type { Event, EventType, Props } from '../protocol/events';

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

/** Where events go: the core's memory queue, or the lazily loaded durable outbox. */
export interface Delivery {
  push(q: Queued): void;
  flush(): Promise<void>;
  /** pagehide / hidden: last chance to send. */
  beacon(): void;
  clear(): void;
}

export type OutboxModule = {
  open(site: string, post: Post, beacon: (items: Queued[]) => void, debug: (...a: unknown[]) => void): Promise<Delivery>;
};

/** What the core hands to the lazily loaded module for personalization and identify. */
export interface TagContext {
  api: string;
  antiFlicker: number | null;
  envelope(): { site: string; anonymousId: string; profileToken?: string };
  referrer(): string;
  granted(): boolean;
  setToken(token: string): void;
  send(type: EventType, name?: string, props?: Props, extra?: Partial<Event>): void;
  emit(decisions: Record<string, Decision>): void;
  debug(...a: unknown[]): void;
}

export interface Personalizer {
  decide(slots?: string[]): Promise<Record<string, Decision>>;
  /** A new page view: exposures count again and the page's slots are decided. */
  page(): void;
  identify(userId: string, traits?: Props, opts?: { signature?: string }): Promise<void>;
}

export type PersonalizeModule = { create(t: TagContext): Personalizer };
