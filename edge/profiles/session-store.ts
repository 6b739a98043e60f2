/**
 * Visits: when the profile was first and last seen, the current session (page views less than 30
 * minutes apart), and each session's touch — landing page, referrer and campaign parameters —
 * that attribution credits. A page viewed again within its session is the `repeat_view` signal.
 */
import type { Props, StoredEvent } from '../../protocol/events';
import { VISIT_GAP_MS } from '../measure/visits';
import type { BrowserStore } from './browser-store';
import type { EventStore } from './event-store';
import { inScope, type Scope } from './scope';
import type { IdentityStore } from './identity-store';
import type { MetaStore } from './meta-store';

/** Visits further apart than this start a new session: the traffic overview's visit gap, the same 30 minutes. */
export const SESSION_GAP_MS = VISIT_GAP_MS;

export type Touch = { ts: number; anonymousId: string; url: string | null; referrer: string | null; params: Props | null };

export class SessionStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly meta: MetaStore,
    private readonly events: EventStore,
    private readonly identity: IdentityStore,
    private readonly browsers: BrowserStore,
  ) {}

  /** The profile was seen now, by this browser. */
  seen(site: string, profileId: string, anonymousId: string, now: number): void {
    this.meta.keep('site', site);
    this.meta.keep('profileId', profileId);
    this.meta.keep('firstSeen', now);
    this.meta.set('lastSeen', now);
    this.identity.add({ type: 'anonymous', value: anonymousId }, now);
    this.browsers.seen(anonymousId, now);
  }

  /**
   * A stored page view: it may start a session (whose touch is recorded) and, when its path was
   * viewed before in the session, yields a stored `repeat_view` signal. The signal's id derives
   * from the page event's, so a retried batch adds nothing.
   */
  pageViewed(page: StoredEvent): StoredEvent | null {
    if (!page.path) return null;
    const last = this.meta.get('sessionLast') ?? 0;
    const start = page.ts - last > SESSION_GAP_MS ? page.ts : (this.meta.get('sessionStart') ?? page.ts);
    if (start === page.ts) {
      this.sql.exec(
        'INSERT OR IGNORE INTO touches (anonymous_id, ts, url, referrer, params) VALUES (?, ?, ?, ?, ?)',
        page.anonymousId, page.ts, page.url, page.referrer, page.props ? JSON.stringify(page.props) : null,
      );
    }
    this.meta.set('sessionStart', start);
    this.meta.set('sessionLast', Math.max(last, page.ts));
    const count = this.events.viewsOf(page.path, start);
    if (count < 2) return null;
    const signal: StoredEvent = { ...page, id: `${page.id}.rv`, type: 'signal', name: 'repeat_view', props: { path: page.path, count } };
    this.events.insert(signal);
    return signal;
  }

  /** How many sessions the person has had (on every device merged into the profile, or the scope's browsers). */
  count(scope?: Scope): number {
    const whose = inScope(scope, 'anonymous_id');
    return this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM touches WHERE 1 = 1${whose.sql}`, ...whose.args).one().n;
  }

  /** The most recent sessions' touches, newest first. */
  recent(limit: number): Touch[] {
    return this.sql
      .exec<{ anonymous_id: string; ts: number; url: string | null; referrer: string | null; params: string | null }>(
        'SELECT * FROM touches ORDER BY ts DESC LIMIT ?', limit,
      )
      .toArray()
      .map((t) => ({ ts: t.ts, anonymousId: t.anonymous_id, url: t.url, referrer: t.referrer, params: t.params ? (JSON.parse(t.params) as Props) : null }));
  }
}
