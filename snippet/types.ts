import type { DecideResponse, Decision } from '../protocol/decide';
import type { Event, EventType, PageContext, Props } from '../protocol/events';

/**
 * Names ending in "_" are internal to the tag (shared between attune.js and its on-demand module):
 * the build shortens them consistently across both files (esbuild mangleProps + mangleCache).
 */

/** A queued event with the anonymous id it was recorded under (reset() changes the current one). */
export interface Queued {
  e: Event;
  a: string;
}

/**
 * Sends the first batch of `items` (one anonymous id, within the byte budget) to /v1/collect.
 * Returns the items it took and the verdict: 0 when they are done with (acknowledged, or refused
 * for good), else the edge's answer (to read a Retry-After from) or undefined when none came.
 */
export type Post = (items: Queued[]) => Promise<[Queued[], 0 | Response | undefined]>;

/** The durable outbox (snippet/outbox.ts), in the on-demand module. */
export interface Delivery {
  push_(q: Queued): void;
  flush_(): Promise<void>;
  /** pagehide / hidden: last chance to send. */
  beacon_(): void;
  clear_(): void;
}

/**
 * What the page-view tag lends its on-demand module (one object for all of it): personalization
 * and identify use the page and profile state, capture the page views and switches, the outbox its
 * sender, its beacon and the id and storage helpers, so that none of it is bundled twice.
 */
export interface TagContext {
  api_: string;
  /** The script tag's options (data-*). */
  data_: DOMStringMap;
  envelope_(): { site: string; anonymousId: string; profileToken?: string };
  granted_(): boolean;
  setToken_(token: string): void;
  send_(type: EventType, name?: string, props?: Props, extra?: Partial<Event>): void;
  emit_(decisions: Record<string, Decision>): void;
  post_: Post;
  /** Sends the first batch of `items` with sendBeacon. */
  beacon_(items: Queued[]): void;
  /** Whether events were sent or wait that the stored profile token has not seen. */
  unseen_(): unknown;
  rid_(): string;
  save_(key: string, value: string | null): void;
  /** Whether a capture group (`data-off`) is on. */
  is_(group: string): boolean;
  /** This document's page views, oldest first (snippet/pageviews.ts). */
  views_: View[];
  /** What identifies a form in its events (snippet/pageviews.ts). */
  formName_(f: HTMLFormElement): { form: string | null };
}

/**
 * What the capture module (snippet/capture.ts) is fed, in the order it happened: DOM events, and 0
 * when the DOM changed. A DOM event that waited for the module carries where the page was scrolled
 * to then (`y_`).
 */
export type Seen = (globalThis.Event & { y_?: number }) | 0;

/** A page view: when it started (performance.now(), the clock of DOM events' timeStamp) and the page it is (the context its events are recorded with). */
export interface View {
  s_: number;
  p_: PageContext;
  /** Reported (engaged time and the rest, once per page view). */
  e_?: 1;
}

/** The capture module, once loaded. */
export interface Capture {
  on_(e: Seen): void;
  /** A page view ends (the next one started, or the page is hidden): its report (engaged time, scroll depth, forms left). */
  end_(): void;
  /** After the replay of what waited for the module: reports the page views that ended meanwhile. */
  sync_(): void;
}

export interface Personalizer {
  decide_(slots?: string[]): Promise<Record<string, Decision>>;
  /** A new page view: exposures count again and the page's slots are decided. */
  page_(): void;
  identify_(userId: string, traits?: Props, opts?: { signature?: string }): Promise<void>;
}

/** attune-more.js (snippet/more.ts): everything a page view does not need, imported on demand. */
export type MoreModule = {
  /** Personalization and identify. */
  p(t: TagContext): Personalizer;
  /** Capture (snippet/capture.ts). */
  c(t: TagContext): Capture;
  /** The durable outbox (snippet/outbox.ts). */
  o(t: TagContext): Promise<Delivery>;
};

/** attune-overlay.js (snippet/assist.ts): overlays and triggers, imported by personalization when a page has them. */
export type OverlayModule = {
  /** Every decide answer: `page` for a page view's own. */
  a(t: TagContext, r: DecideResponse, decide: (names: string[]) => Promise<unknown>, page: boolean): void;
};
