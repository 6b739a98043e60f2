/**
 * The profile's side of a decision's rule context, joined to the request's fields: traits, new vs
 * returning, session count, exposures, the current session's signals, last seen, and event counts
 * — read only for the names and window the rules count over (often none).
 */
import type { Rule } from '../../protocol/audience';
import { eventNeeds, type ContextReads, type RuleContext } from '../engine/rules';
import type { AssignmentStore } from './assignment-store';
import type { BrowserStore } from './browser-store';
import type { EventStore } from './event-store';
import type { IdentityStore } from './identity-store';
import type { MetaStore } from './meta-store';
import type { Scope } from './scope';
import type { SessionStore } from './session-store';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface ContextSources {
  meta: MetaStore;
  events: EventStore;
  identity: IdentityStore;
  sessions: SessionStore;
  assignments: AssignmentStore;
  browsers: BrowserStore;
}

const EVERYTHING: ContextReads = { traits: true, exposures: true, signals: true, sessions: true, lastSeen: true };

/**
 * `scope`: what one browser may read (scope.ts); without it, the whole profile (estimates, webhooks).
 * `reads`: the parts to read; one left out reads as empty (the digest reads only what its site's rules need).
 */
export function ruleContext(
  s: ContextSources,
  fields: Record<string, unknown>,
  now: number,
  rules: readonly Rule[],
  scope?: Scope,
  reads: ContextReads = EVERYTHING,
): RuleContext {
  const needs = eventNeeds(rules);
  const sessions = reads.sessions ? s.sessions.count(scope) : 0;
  const exposures = () => (scope ? s.events.exposedIn(scope) : s.assignments.exposed());
  const signals = () => s.events.signalsSince(s.meta.get('sessionStart') ?? now, scope);
  const lastSeen = () => (scope ? s.browsers.lastSeen(scope.browsers) : (s.meta.get('lastSeen') ?? null));
  return {
    fields: {
      ...fields,
      traits: reads.traits ? s.identity.traits(scope) : {},
      isNew: sessions <= 1,
      sessionCount: sessions,
      exposures: reads.exposures ? exposures() : [],
    },
    counts: needs ? s.events.countsPerDay(now - needs.days * DAY_MS, needs.names, scope) : [],
    sessionSignals: reads.signals ? signals() : [],
    lastSeen: reads.lastSeen ? lastSeen() : null,
    now,
  };
}

/** The request fields of the profile's last decision (what estimates and ingest-time audience checks use). */
export function lastFields(meta: MetaStore): Record<string, unknown> {
  const json = meta.get('lastFields');
  return json ? (JSON.parse(json) as Record<string, unknown>) : {};
}
